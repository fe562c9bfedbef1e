package example;

import dev.jeras.JerasException;
import dev.jeras.data.FloatArray;
import dev.jeras.data.IntArray;
import dev.jeras.layers.Conv2D;
import dev.jeras.layers.Dense;
import dev.jeras.layers.Flatten;
import dev.jeras.layers.Input;
import dev.jeras.layers.MaxPooling2D;
import dev.jeras.models.Sequential;
import dev.jeras.training.FitOptions;
import dev.jeras.training.History;
import dev.jeras.training.Loss;
import dev.jeras.training.Metric;
import dev.jeras.training.Optimizer;
import dev.jeras.training.callbacks.PlotCurves;
import java.nio.file.Path;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A user's program: builds a small CNN with jeras, trains it one step on random images, and logs
 * through the application's own SLF4J backend. Nothing else should reach its console.
 */
public final class Main {
  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) {
    int n = 16;
    Random random = new Random(1);
    float[] pixels = new float[n * 8 * 8];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = random.nextFloat();
    }
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      labels[i] = random.nextInt(3);
    }
    try (Sequential model =
        new Sequential(
            Input.shape(8, 8, 1),
            new Conv2D(4, 3).activation("relu"),
            new MaxPooling2D(),
            new Flatten(),
            new Dense(3).activation("softmax"))) {
      model.compile(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(), Metric.ACCURACY);
      History history =
          model.fit(
              FloatArray.of(pixels, n, 8, 8, 1),
              IntArray.of(labels, n),
              new FitOptions().epochs(1).batchSize(n));
      LOG.info("consumer: trained one step, loss {}", history.last("loss"));
    }
    try {
      new PlotCurves(Path.of("curves.png"));
      LOG.info("consumer: PlotCurves found XChart");
    } catch (JerasException e) {
      LOG.info("consumer: PlotCurves without XChart: {}", e.getMessage());
    }
  }
}

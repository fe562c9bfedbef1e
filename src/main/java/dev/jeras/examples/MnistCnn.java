package dev.jeras.examples;

import dev.jeras.data.Dataset;
import dev.jeras.data.Datasets;
import dev.jeras.layers.Conv2D;
import dev.jeras.layers.Dense;
import dev.jeras.layers.Flatten;
import dev.jeras.layers.Input;
import dev.jeras.layers.MaxPooling2D;
import dev.jeras.models.Sequential;
import dev.jeras.saving.KerasFile;
import dev.jeras.saving.SavedModels;
import dev.jeras.training.FitOptions;
import dev.jeras.training.History;
import dev.jeras.training.Loss;
import dev.jeras.training.Metric;
import dev.jeras.training.Optimizer;
import dev.jeras.training.ProgressReporter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The MNIST CNN of the Keras tutorial, written as a user writes it: a {@link Sequential} stack
 * Conv2D(32, 3, relu) - MaxPooling2D - Conv2D(64, 3, relu) - MaxPooling2D - Flatten - Dense(10,
 * softmax) on 28x28x1 images (34,826 parameters), trained with Adam and sparse categorical
 * cross-entropy for 5 epochs of batch 64, evaluated on the test split, then exported as a
 * SavedModel ({@code <out>/savedmodel}) and saved as {@code <out>/mnist_cnn.keras}.
 *
 * <p>Arguments: {@code [DATA_DIR [OUT_DIR]] [--epochs N] [--limit N]}. {@code DATA_DIR} is the data
 * directory ({@code -} or absent: {@code $JERAS_DATA}, else {@code ~/.jeras/datasets}, where MNIST
 * is fetched when absent); a directory that holds the four IDX files directly also works. {@code
 * OUT_DIR} defaults to {@code models/examples/mnist-cnn}. {@code --limit N} trains on the first N
 * training samples.
 *
 * <pre>
 * mvn -q -B -DskipTests package
 * java -cp "target/jeras.jar:target/lib/*" dev.jeras.examples.MnistCnn
 * java -cp "target/jeras.jar:target/lib/*" \
 *     dev.jeras.examples.MnistCnn testdata/mnist-small --epochs 1
 * </pre>
 */
public final class MnistCnn {
  private MnistCnn() {}

  /**
   * @param args {@code [DATA_DIR [OUT_DIR]] [--epochs N] [--limit N]}
   */
  public static void main(String[] args) {
    Args a = Args.parse(args, 5, "models/examples/mnist-cnn");

    Dataset.Split mnist = Datasets.load("mnist", a.dataDir);
    Dataset train = a.limit > 0 ? mnist.train().limit(a.limit) : mnist.train();

    try (Sequential model =
        new Sequential(
            Input.shape(28, 28, 1),
            new Conv2D(32, 3).activation("relu"),
            new MaxPooling2D(),
            new Conv2D(64, 3).activation("relu"),
            new MaxPooling2D(),
            new Flatten(),
            new Dense(10).activation("softmax"))) {
      model.named("mnist_cnn");
      System.out.print(model.summary());

      model.compile(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(), Metric.ACCURACY);
      History history =
          model.fit(
              train.x(),
              train.y(),
              new FitOptions()
                  .epochs(a.epochs)
                  .batchSize(64)
                  .progress(ProgressReporter.console(System.out)));

      Map<String, Double> test = model.evaluate(mnist.test().x(), mnist.test().y(), 256);
      System.out.printf(
          Locale.ROOT, "Trained %d epoch(s) on %,d samples%n", history.epochCount(), train.size());
      System.out.printf(
          Locale.ROOT,
          "Test loss: %.4f - test accuracy: %.4f (%,d samples)%n",
          test.get("loss"),
          test.get("accuracy"),
          mnist.test().size());

      Path savedModel = a.outDir.resolve("savedmodel");
      SavedModels.export(model, savedModel);
      System.out.println("SavedModel: " + savedModel.toAbsolutePath().normalize());
      Path keras = a.outDir.resolve("mnist_cnn.keras");
      KerasFile.save(model, keras);
      System.out.println("Keras file: " + keras.toAbsolutePath().normalize());
    }
  }

  /** The examples' small command line: two optional positional paths, --epochs and --limit. */
  static final class Args {
    Path dataDir;
    Path outDir;
    int epochs;
    int limit;

    static Args parse(String[] args, int defaultEpochs, String defaultOut) {
      Args a = new Args();
      a.epochs = defaultEpochs;
      List<String> paths = new ArrayList<>();
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--epochs" -> a.epochs = positive(args, ++i, "--epochs");
          case "--limit" -> a.limit = positive(args, ++i, "--limit");
          default -> {
            if (args[i].startsWith("--")) {
              throw new IllegalArgumentException(
                  "unknown option "
                      + args[i]
                      + "; usage: [DATA_DIR [OUT_DIR]] [--epochs N] [--limit N]");
            }
            paths.add(args[i]);
          }
        }
      }
      if (paths.size() > 2) {
        throw new IllegalArgumentException("expected at most DATA_DIR and OUT_DIR, got " + paths);
      }
      a.dataDir = paths.isEmpty() || paths.get(0).equals("-") ? null : Path.of(paths.get(0));
      a.outDir = Path.of(paths.size() > 1 ? paths.get(1) : defaultOut);
      return a;
    }

    private static int positive(String[] args, int i, String option) {
      if (i >= args.length) {
        throw new IllegalArgumentException(option + " needs a number");
      }
      int n = Integer.parseInt(args[i]);
      if (n <= 0) {
        throw new IllegalArgumentException(option + " must be positive, got " + n);
      }
      return n;
    }
  }
}

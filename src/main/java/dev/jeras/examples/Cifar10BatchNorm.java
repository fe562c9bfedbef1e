package dev.jeras.examples;

import dev.jeras.data.Dataset;
import dev.jeras.data.Datasets;
import dev.jeras.layers.BatchNormalization;
import dev.jeras.layers.Conv2D;
import dev.jeras.layers.Dense;
import dev.jeras.layers.Flatten;
import dev.jeras.layers.Input;
import dev.jeras.layers.MaxPooling2D;
import dev.jeras.models.Sequential;
import dev.jeras.saving.KerasFile;
import dev.jeras.training.FitOptions;
import dev.jeras.training.Loss;
import dev.jeras.training.Metric;
import dev.jeras.training.Optimizer;
import dev.jeras.training.ProgressReporter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * The CIFAR-10 CNN with BatchNormalization, as a {@link Sequential} stack: two blocks of
 * [Conv2D(same, relu) - BatchNormalization] x 2 - MaxPooling2D (32, then 64 filters), then Flatten
 * - Dense(512, relu) - BatchNormalization - Dense(10, softmax) on 32x32x3 images: 2,171,178
 * parameters, 1,408 of them non-trainable (the moving means and variances). Trained with Adam for
 * 10 epochs of batch 64, evaluated on the test split, saved as {@code <out>/cifar10_bn.keras}.
 *
 * <p>Arguments: {@code [DATA_DIR [OUT_DIR]] [--epochs N] [--limit N]}. {@code DATA_DIR} holds
 * {@code cifar-10-batches-bin/} or {@code cifar-10-binary.tar.gz}, directly or in {@code cifar10/}
 * ({@code -} or absent: {@code $JERAS_DATA}, else {@code ~/.jeras/datasets}, where the archive is
 * fetched when absent). {@code OUT_DIR} defaults to {@code models/examples/cifar10-bn}.
 *
 * <pre>
 * mvn -q -B -DskipTests package
 * java -cp "target/jeras.jar:target/lib/*" \
 *     dev.jeras.examples.Cifar10BatchNorm ../shared/datasets/cifar10-jpeg-subset
 * java -cp "target/jeras.jar:target/lib/*" \
 *     dev.jeras.examples.Cifar10BatchNorm testdata/cifar10-small --epochs 1
 * </pre>
 */
public final class Cifar10BatchNorm {
  private Cifar10BatchNorm() {}

  /**
   * @param args {@code [DATA_DIR [OUT_DIR]] [--epochs N] [--limit N]}
   */
  public static void main(String[] args) {
    MnistCnn.Args a = MnistCnn.Args.parse(args, 10, "models/examples/cifar10-bn");

    Dataset.Split cifar = Datasets.load("cifar10", a.dataDir);
    Dataset train = a.limit > 0 ? cifar.train().limit(a.limit) : cifar.train();

    try (Sequential model =
        new Sequential(
            Input.shape(32, 32, 3),
            new Conv2D(32, 3).padding("same").activation("relu"),
            new BatchNormalization(),
            new Conv2D(32, 3).padding("same").activation("relu"),
            new BatchNormalization(),
            new MaxPooling2D(),
            new Conv2D(64, 3).padding("same").activation("relu"),
            new BatchNormalization(),
            new Conv2D(64, 3).padding("same").activation("relu"),
            new BatchNormalization(),
            new MaxPooling2D(),
            new Flatten(),
            new Dense(512).activation("relu"),
            new BatchNormalization(),
            new Dense(10).activation("softmax"))) {
      model.named("cifar10_bn");
      System.out.print(model.summary()); // Total params: 2,171,178

      model.compile(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(), Metric.ACCURACY);
      model.fit(
          train.x(),
          train.y(),
          new FitOptions()
              .epochs(a.epochs)
              .batchSize(64)
              .progress(ProgressReporter.console(System.out)));

      Map<String, Double> test = model.evaluate(cifar.test().x(), cifar.test().y(), 256);
      System.out.printf(
          Locale.ROOT,
          "Test loss: %.4f - test accuracy: %.4f (%,d samples)%n",
          test.get("loss"),
          test.get("accuracy"),
          cifar.test().size());

      Path keras = a.outDir.resolve("cifar10_bn.keras");
      KerasFile.save(model, keras);
      System.out.println("Keras file: " + keras.toAbsolutePath().normalize());
    }
  }
}

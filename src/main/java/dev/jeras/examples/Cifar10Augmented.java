package dev.jeras.examples;

import dev.jeras.data.Dataset;
import dev.jeras.data.Datasets;
import dev.jeras.data.FloatArray;
import dev.jeras.layers.BatchNormalization;
import dev.jeras.layers.Conv2D;
import dev.jeras.layers.Dense;
import dev.jeras.layers.DepthwiseConv2D;
import dev.jeras.layers.Dropout;
import dev.jeras.layers.GlobalAveragePooling2D;
import dev.jeras.layers.Input;
import dev.jeras.layers.LayerNormalization;
import dev.jeras.layers.Normalization;
import dev.jeras.layers.RandomBrightness;
import dev.jeras.layers.RandomContrast;
import dev.jeras.layers.RandomFlip;
import dev.jeras.layers.RandomRotation;
import dev.jeras.layers.RandomTranslation;
import dev.jeras.layers.RandomZoom;
import dev.jeras.layers.SeparableConv2D;
import dev.jeras.models.Sequential;
import dev.jeras.saving.ModelFiles;
import dev.jeras.saving.Npy;
import dev.jeras.training.FitOptions;
import dev.jeras.training.Loss;
import dev.jeras.training.Metric;
import dev.jeras.training.Optimizer;
import dev.jeras.training.ProgressReporter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * A CIFAR-10 classifier with its data augmentation and preprocessing inside the model, as Keras'
 * guides write them: random flips, rotations, zooms, shifts, contrast and brightness (active only
 * while training), a Normalization adapted to the training images in Java, then MobileNet-style
 * blocks (DepthwiseConv2D, SeparableConv2D) and a small head. The saved model predicts without
 * augmentation, in jeras and in Python.
 *
 * <p>Writes {@code <out>/cifar10_augmented.keras}, {@code .json} with {@code .weights.h5}, a
 * SavedModel in {@code savedmodel/}, and the first 8 test images with jeras' predictions for them
 * ({@code x.npy}, {@code y.npy}), which scripts/check_zoo_interop.py compares with Python's.
 *
 * <p>Arguments: {@code [DATA_DIR [OUT_DIR]] [--epochs N] [--limit N]}, as the other examples;
 * {@code OUT_DIR} defaults to {@code models/examples/cifar10-augmented}.
 *
 * <pre>
 * mvn -q -B -DskipTests package
 * java -cp "target/jeras.jar:target/jeras-cli.jar:target/lib/*" \
 *     dev.jeras.examples.Cifar10Augmented testdata/cifar10-small --epochs 1
 * </pre>
 */
public final class Cifar10Augmented {
  private Cifar10Augmented() {}

  /**
   * @param args {@code [DATA_DIR [OUT_DIR]] [--epochs N] [--limit N]}
   */
  public static void main(String[] args) {
    MnistCnn.Args a = MnistCnn.Args.parse(args, 10, "models/examples/cifar10-augmented");
    Dataset.Split cifar = Datasets.load("cifar10", a.dataDir);
    Dataset train = a.limit > 0 ? cifar.train().limit(a.limit) : cifar.train();

    Normalization normalization = new Normalization().adapt(train.x()); // per channel
    try (Sequential model =
        new Sequential(
            Input.shape(32, 32, 3),
            new RandomFlip("horizontal"),
            new RandomRotation(0.05),
            new RandomZoom(0.1),
            new RandomTranslation(0.1, 0.1),
            new RandomContrast(0.1).valueRange(0, 1),
            new RandomBrightness(0.05).valueRange(0, 1),
            normalization,
            new Conv2D(32, 3).strides(2, 2).padding("same").useBias(false),
            new BatchNormalization(),
            new DepthwiseConv2D(3).padding("same").activation("relu"),
            new Conv2D(64, 1).useBias(false),
            new BatchNormalization(),
            new SeparableConv2D(64, 3).strides(2, 2).padding("same").activation("relu"),
            new SeparableConv2D(128, 3).padding("same").activation("relu"),
            new LayerNormalization(),
            new GlobalAveragePooling2D(),
            new Dropout(0.2),
            new Dense(10).activation("softmax"))) {
      model.named("cifar10_augmented");
      System.out.print(model.summary());

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

      Path out = a.outDir;
      ModelFiles.save(model, out.resolve("cifar10_augmented.keras"));
      ModelFiles.save(model, out.resolve("cifar10_augmented.json"));
      ModelFiles.save(model, out.resolve("savedmodel"));
      FloatArray x = cifar.test().x().slice(0, 8);
      Npy.write(out.resolve("x.npy"), x);
      Npy.write(out.resolve("y.npy"), model.predict(x, 8));
      System.out.println("Saved in " + out.toAbsolutePath().normalize());
    }
  }
}

package dev.jeras.examples;

import dev.jeras.data.Dataset;
import dev.jeras.data.Datasets;
import dev.jeras.layers.BatchNormalization;
import dev.jeras.layers.Conv2D;
import dev.jeras.layers.Dense;
import dev.jeras.layers.Flatten;
import dev.jeras.layers.Input;
import dev.jeras.layers.MaxPooling2D;
import dev.jeras.layers.SymbolicTensor;
import dev.jeras.models.Model;
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
 * The network of {@link Cifar10BatchNorm} written with the functional API, as Keras' {@code
 * keras.Model(inputs, outputs)}: an {@link Input}, each layer called on the previous tensor with
 * {@code apply}, and a {@link Model} built from the input and the output tensors. Same layers, same
 * 2,171,178 parameters; the summary adds Keras' "Connected to" column. Trained with Adam for 10
 * epochs of batch 64, evaluated on the test split, saved as {@code <out>/cifar10_functional.keras}.
 *
 * <p>Arguments as {@link Cifar10BatchNorm}: {@code [DATA_DIR [OUT_DIR]] [--epochs N] [--limit N]};
 * {@code OUT_DIR} defaults to {@code models/examples/cifar10-functional}.
 *
 * <pre>
 * mvn -q -B -DskipTests package
 * java -cp "target/jeras.jar:target/lib/*" \
 *     dev.jeras.examples.Cifar10Functional testdata/cifar10-small --epochs 1
 * </pre>
 */
public final class Cifar10Functional {
  private Cifar10Functional() {}

  /**
   * @param args {@code [DATA_DIR [OUT_DIR]] [--epochs N] [--limit N]}
   */
  public static void main(String[] args) {
    MnistCnn.Args a = MnistCnn.Args.parse(args, 10, "models/examples/cifar10-functional");

    Dataset.Split cifar = Datasets.load("cifar10", a.dataDir);
    Dataset train = a.limit > 0 ? cifar.train().limit(a.limit) : cifar.train();

    SymbolicTensor inputs = Input.shape(32, 32, 3);
    SymbolicTensor x = new Conv2D(32, 3).padding("same").activation("relu").apply(inputs);
    x = new BatchNormalization().apply(x);
    x = new Conv2D(32, 3).padding("same").activation("relu").apply(x);
    x = new BatchNormalization().apply(x);
    x = new MaxPooling2D().apply(x);
    x = new Conv2D(64, 3).padding("same").activation("relu").apply(x);
    x = new BatchNormalization().apply(x);
    x = new Conv2D(64, 3).padding("same").activation("relu").apply(x);
    x = new BatchNormalization().apply(x);
    x = new MaxPooling2D().apply(x);
    x = new Flatten().apply(x);
    x = new Dense(512).activation("relu").apply(x);
    x = new BatchNormalization().apply(x);
    SymbolicTensor outputs = new Dense(10).activation("softmax").apply(x);

    try (Model model = new Model(inputs, outputs)) {
      model.named("cifar10_functional");
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

      Path keras = a.outDir.resolve("cifar10_functional.keras");
      KerasFile.save(model, keras);
      System.out.println("Keras file: " + keras.toAbsolutePath().normalize());
    }
  }
}

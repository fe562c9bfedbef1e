package dev.jeras.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.data.FloatArray;
import dev.jeras.data.IntArray;
import dev.jeras.layers.Activation;
import dev.jeras.layers.Add;
import dev.jeras.layers.AveragePooling2D;
import dev.jeras.layers.BatchNormalization;
import dev.jeras.layers.Concatenate;
import dev.jeras.layers.Conv2D;
import dev.jeras.layers.Dense;
import dev.jeras.layers.Dropout;
import dev.jeras.layers.Flatten;
import dev.jeras.layers.GlobalAveragePooling2D;
import dev.jeras.layers.Input;
import dev.jeras.layers.MaxPooling2D;
import dev.jeras.layers.Network;
import dev.jeras.layers.SymbolicTensor;
import dev.jeras.models.Builtins;
import dev.jeras.models.Model;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Differentiates every layer and every built-in model: every trainable weight must receive a
 * gradient and change after one SGD step; non-trainable weights must not be touched by the
 * optimizer. A missing gradient fails here, not in a user's first fit.
 */
class GradientCoverageTest {

  static Stream<Arguments> models() {
    return Stream.of(
        Arguments.of(
            "every layer in one DAG",
            (java.util.function.Supplier<Model>) GradientCoverageTest::allLayers),
        Arguments.of(
            "mnist-basic",
            (java.util.function.Supplier<Model>) () -> Builtins.create("mnist-basic")),
        Arguments.of(
            "cifar10-bn", (java.util.function.Supplier<Model>) () -> Builtins.create("cifar10-bn")),
        Arguments.of(
            "cifar10-functional",
            (java.util.function.Supplier<Model>) () -> Builtins.create("cifar10-functional")));
  }

  /** Conv2D, both poolings, GAP, Flatten, Dense, Activation, Dropout, BN, Add, Concatenate. */
  static Model allLayers() {
    SymbolicTensor in = Input.shape(8, 8, 3);
    SymbolicTensor c = new Conv2D(4, 3).padding("same").activation("relu").apply(in);
    SymbolicTensor bn = new BatchNormalization().apply(c);
    SymbolicTensor p1 = new MaxPooling2D().apply(bn);
    SymbolicTensor p2 = new AveragePooling2D().apply(bn);
    SymbolicTensor sum = new Add().apply(p1, p2);
    SymbolicTensor flat = new Flatten().apply(sum);
    SymbolicTensor gap = new GlobalAveragePooling2D().apply(c);
    SymbolicTensor d1 = new Dense(6).activation("tanh").apply(flat);
    SymbolicTensor d2 = new Dense(6).apply(gap);
    SymbolicTensor act = new Activation("sigmoid").apply(d2);
    SymbolicTensor cat = new Concatenate().apply(d1, act);
    SymbolicTensor drop = new Dropout(0.2).apply(cat);
    SymbolicTensor bn2 = new BatchNormalization().apply(drop);
    SymbolicTensor out = new Dense(3).activation("softmax").apply(bn2);
    return new Model(in, out);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void everyTrainableWeight_getsAGradientAndMoves(
      String name, java.util.function.Supplier<Model> factory) {
    try (Model m = factory.get()) {
      m.seed(3);
      m.compile(Optimizer.sgd(0.1), Loss.sparseCategoricalCrossentropy(), Metric.ACCURACY);
      assertEquals(List.of(), m.weightsWithoutGradient(), name);
      long[] shape = m.inputLayers().get(0).batchShape().dims();
      shape[0] = 4;
      int size = 1;
      for (long d : shape) {
        size *= (int) d;
      }
      Random r = new Random(1);
      float[] x = new float[size];
      for (int i = 0; i < size; i++) {
        x[i] = r.nextFloat();
      }
      List<FloatArray> before = m.getWeights();
      m.fit(
          FloatArray.of(x, shape),
          IntArray.of(new int[] {0, 1, 2, 1}),
          new FitOptions().epochs(1).batchSize(4).progress(null));
      List<FloatArray> after = m.getWeights();
      List<Network.LayerWeight> specs = m.network().weights();
      for (int i = 0; i < specs.size(); i++) {
        double diff = 0;
        for (int j = 0; j < before.get(i).data().length; j++) {
          diff = Math.max(diff, Math.abs(before.get(i).data()[j] - after.get(i).data()[j]));
        }
        String path = specs.get(i).path();
        assertTrue(diff > 0, name + ": weight " + path + " did not change after one step");
      }
    }
  }
}

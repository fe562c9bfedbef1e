package dev.jeras.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.backend.EngineOptions;
import dev.jeras.backend.KernelPolicy;
import dev.jeras.data.Dataset;
import dev.jeras.data.FloatArray;
import dev.jeras.layers.BatchNormalization;
import dev.jeras.layers.Conv2D;
import dev.jeras.layers.Dense;
import dev.jeras.layers.Flatten;
import dev.jeras.layers.Input;
import dev.jeras.layers.MaxPooling2D;
import dev.jeras.layers.SymbolicTensor;
import dev.jeras.saving.KerasFile;
import dev.jeras.testing.Fixtures;
import dev.jeras.training.FitOptions;
import dev.jeras.training.Loss;
import dev.jeras.training.Metric;
import dev.jeras.training.Optimizer;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Keras' transfer-learning recipe: freezing a layer after compile takes effect at the next fit (the
 * training step is rebuilt), a compiled or loaded model can be compiled again (new optimizer, same
 * weights), and a frozen BatchNormalization normalizes with its moving statistics and leaves them
 * alone (Keras 3).
 */
class FreezeRecompileTest {
  private static final Dataset.Split DATA = Fixtures.mnistSmall();

  private static FitOptions oneEpoch() {
    return new FitOptions().epochs(1).batchSize(64).seed(3).progress(null);
  }

  private static Model small() {
    SymbolicTensor in = Input.shape(28, 28, 1);
    SymbolicTensor x = new Conv2D(8, 3).named("conv").activation("relu").apply(in);
    x = new BatchNormalization().named("bn").apply(x);
    x = new MaxPooling2D().apply(x);
    SymbolicTensor out =
        new Dense(10).named("head").activation("softmax").apply(new Flatten().apply(x));
    Model m = new Model(in, out);
    m.seed(5);
    return m;
  }

  private static float[] weight(Model m, String layer, int index) {
    int i = 0;
    for (var w : m.network().weights()) {
      if (w.layer().name().equals(layer)) {
        if (index-- == 0) {
          return m.getWeights().get(i).data();
        }
      }
      i++;
    }
    throw new AssertionError("no weight " + index + " in " + layer);
  }

  private static void fit(Model m, int n) {
    m.fit(DATA.train().x().slice(0, n), DATA.train().y().slice(0, n), oneEpoch());
  }

  @Test
  void trainableFalseAfterCompile_takesEffectAtTheNextFit() {
    try (Model m = small()) {
      m.compile(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(), Metric.ACCURACY);
      fit(m, 256);
      float[] kernel = weight(m, "conv", 0);
      float[] head = weight(m, "head", 0);
      long before = m.countTrainableParams();
      m.getLayer("conv").trainable(false);
      assertEquals(before - 8 * 9 - 8, m.countTrainableParams());
      fit(m, 256);
      assertArrayEquals(kernel, weight(m, "conv", 0), "the frozen kernel did not move");
      assertFalse(java.util.Arrays.equals(head, weight(m, "head", 0)), "the head trained");
      m.getLayer("conv").trainable(true);
      fit(m, 256);
      assertFalse(java.util.Arrays.equals(kernel, weight(m, "conv", 0)), "unfrozen: it trains");
    }
  }

  @Test
  void loadedKerasFile_freeze_recompile_fit_frozenKernelBitIdentical() {
    try (Model m = KerasFile.load(Fixtures.testdata().resolve("reference/mnist-basic.keras"))) {
      String first =
          m.layers().stream().filter(l -> !l.weights().isEmpty()).findFirst().orElseThrow().name();
      float[] kernel = m.getWeights().get(0).data();
      float[] last = m.getWeights().get(m.getWeights().size() - 1).data();
      m.getLayer(first).trainable(false);
      m.compile(Optimizer.adam(1e-3), Loss.sparseCategoricalCrossentropy(), Metric.ACCURACY);
      fit(m, 512);
      assertArrayEquals(kernel, m.getWeights().get(0).data(), "frozen " + first);
      assertFalse(
          java.util.Arrays.equals(last, m.getWeights().get(m.getWeights().size() - 1).data()),
          "the rest trained");
    }
  }

  @Test
  void compileAgain_newOptimizerSameWeights() {
    try (Model m = small()) {
      m.compile(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(), Metric.ACCURACY);
      fit(m, 128);
      List<FloatArray> weights = m.getWeights();
      m.compile(Optimizer.sgd(0.01), Loss.sparseCategoricalCrossentropy(), Metric.ACCURACY);
      List<FloatArray> after = m.getWeights();
      for (int i = 0; i < weights.size(); i++) {
        assertArrayEquals(weights.get(i).data(), after.get(i).data(), "weight " + i);
      }
      assertEquals("SGD", m.optimizer().kerasClassName());
      assertEquals(0, m.optimizerState().iterations(), "a new optimizer starts at step 0");
      fit(m, 128);
      assertEquals(2, m.optimizerState().iterations());
    }
  }

  @Test
  void frozenBatchNormalization_usesAndKeepsItsMovingStatistics() {
    try (Model m = small()) {
      m.getLayer("bn").trainable(false);
      m.compile(Optimizer.adam(), Loss.sparseCategoricalCrossentropy());
      float[] mean = weight(m, "bn", 2);
      float[] variance = weight(m, "bn", 3);
      FloatArray x = DATA.test().x().slice(0, 16);
      // a frozen layer normalizes with the moving statistics in training mode too
      assertArrayEquals(
          m.predict(x, 16).data(), m.predictTrainingMode(List.of(x), 16).get(0).data(), 1e-6f);
      fit(m, 256);
      assertArrayEquals(mean, weight(m, "bn", 2), "moving mean untouched");
      assertArrayEquals(variance, weight(m, "bn", 3), "moving variance untouched");
    }
  }

  @Test
  void engineOptionsChangedOnABuiltModel_weightsAndOptimizerStateKept() {
    try (Model m = small()) {
      m.compile(Optimizer.adam(), Loss.sparseCategoricalCrossentropy());
      fit(m, 128);
      List<FloatArray> weights = m.getWeights();
      var state = m.optimizerState();
      FloatArray x = DATA.test().x().slice(0, 8);
      float[] before = m.predict(x, 8).data();
      m.engineOptions(EngineOptions.defaults().withKernels(KernelPolicy.TENSORFLOW));
      assertTrue(m.kernels().applied().isEmpty(), "TensorFlow's ops only now");
      for (int i = 0; i < weights.size(); i++) {
        assertArrayEquals(weights.get(i).data(), m.getWeights().get(i).data());
      }
      assertEquals(state.iterations(), m.optimizerState().iterations());
      Fixtures.assertClose(m.predict(x, 8).data(), before, 1e-5, 1e-5);
    }
  }
}

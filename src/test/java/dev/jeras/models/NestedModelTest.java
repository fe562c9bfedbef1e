package dev.jeras.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.data.FloatArray;
import dev.jeras.data.IntArray;
import dev.jeras.layers.BatchNormalization;
import dev.jeras.layers.Conv2D;
import dev.jeras.layers.Dense;
import dev.jeras.layers.Flatten;
import dev.jeras.layers.GlobalAveragePooling2D;
import dev.jeras.layers.Input;
import dev.jeras.layers.Layer;
import dev.jeras.layers.SymbolicTensor;
import dev.jeras.testing.Fixtures;
import dev.jeras.training.FitOptions;
import dev.jeras.training.Loss;
import dev.jeras.training.Optimizer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A model used as a layer of another, as Keras builds every transfer-learning model: its weights
 * are the outer model's, under the nested model's name; freezing it freezes its layers; a call
 * fixed to {@code training=false} keeps its BatchNormalization in inference mode; a model built
 * from another model's layers starts from their values.
 */
class NestedModelTest {
  private static FloatArray images(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] v = new float[n * 8 * 8 * 3];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) r.nextDouble(-1, 1);
    }
    return FloatArray.of(v, n, 8, 8, 3);
  }

  private static IntArray labels(int n) {
    int[] v = new int[n];
    for (int i = 0; i < n; i++) {
      v[i] = i % 3;
    }
    return IntArray.of(v, n);
  }

  /** A small base: Conv2D, BatchNormalization, Conv2D, all with Keras' names for the layers. */
  private static Model base() {
    SymbolicTensor in = Input.shape(8, 8, 3);
    SymbolicTensor x = new Conv2D(4, 3).named("Conv1").apply(in);
    x = new BatchNormalization().named("bn_Conv1").apply(x);
    x = new Conv2D(6, 1).named("out_conv").activation("relu").apply(x);
    return new Model(in, x).named("base");
  }

  private static Model withHead(Model base, Boolean training) {
    SymbolicTensor in = Input.shape(8, 8, 3);
    SymbolicTensor x = base.apply(List.of(in), training);
    x = new GlobalAveragePooling2D().apply(x);
    SymbolicTensor out = new Dense(3).named("head").activation("softmax").apply(x);
    return new Model(in, out).named("transfer");
  }

  private static float[] weightOf(Model m, String path) {
    List<dev.jeras.layers.Network.LayerWeight> ws = m.network().weights();
    List<FloatArray> values = m.getWeights();
    for (int i = 0; i < ws.size(); i++) {
      if (ws.get(i).path().equals(path)) {
        return values.get(i).data();
      }
    }
    throw new AssertionError("no weight " + path);
  }

  @Test
  void nestedModel_weightsLiveUnderItsNameInKerasOrder() {
    try (Model outer = withHead(base(), null)) {
      List<String> paths = outer.network().weights().stream().map(w -> w.path()).toList();
      assertEquals(
          List.of(
              "base/Conv1/kernel",
              "base/Conv1/bias",
              "base/bn_Conv1/gamma",
              "base/bn_Conv1/beta",
              "base/bn_Conv1/moving_mean",
              "base/bn_Conv1/moving_variance",
              "base/out_conv/kernel",
              "base/out_conv/bias",
              "head/kernel",
              "head/bias"),
          paths);
      long baseParams = 3 * 3 * 3 * 4 + 4 + 4 * 4 + 4 * 6 + 6;
      assertEquals(baseParams, outer.getLayer("base").countParams());
      assertEquals(baseParams + 6 * 3 + 3, outer.countParams());
      assertEquals(outer.countParams() - 8, outer.countTrainableParams(), "BN statistics");
    }
  }

  @Test
  void builtFromARunModel_startsFromItsWeights_andPredictsTheSame() {
    Model base = base().seed(1);
    try (base) {
      FloatArray x = images(5, 2);
      float[] fromBase = base.predict(x, 5).data();
      SymbolicTensor in = Input.shape(8, 8, 3);
      try (Model wrapper = new Model(in, base.apply(in))) {
        Fixtures.assertClose(wrapper.predict(x, 5).data(), fromBase, 1e-6, 1e-6);
        assertArrayEquals(
            base.getWeights().get(0).data(), weightOf(wrapper, "base/Conv1/kernel"), 0f);
      }
    }
  }

  @Test
  void featureExtractor_fromAnInnerLayersOutput_sharesTheLayersAndValues() {
    try (Model base = base().seed(4)) {
      FloatArray x = images(3, 5);
      base.predict(x, 3); // values now live in base's engine
      Layer bn = base.getLayer("bn_Conv1");
      try (Model features = new Model(base.input(), bn.output())) {
        assertSame(bn, features.getLayer("bn_Conv1"));
        assertEquals(List.of("bn_Conv1"), features.outputNames());
        assertArrayEquals(new long[] {3, 6, 6, 4}, features.predict(x, 3).shape());
        assertArrayEquals(
            weightOf(base, "bn_Conv1/moving_variance"),
            weightOf(features, "bn_Conv1/moving_variance"),
            0f);
      }
    }
  }

  @Test
  void layerOutput_ofALayerCalledTwice_isRefused() {
    Dense shared = new Dense(2);
    SymbolicTensor a = Input.shape(4);
    shared.apply(a);
    shared.apply(Input.shape(4));
    IllegalStateException e = assertThrows(IllegalStateException.class, shared::output);
    assertTrue(e.getMessage().contains("called 2 times"), e.getMessage());
  }

  @Test
  void freezingTheNestedModel_freezesEveryLayerInside_andUnfreezingRestoresThem() {
    Model base = base();
    try (Model outer = withHead(base, null)) {
      long all = outer.countTrainableParams();
      outer.getLayer("base").trainable(false);
      for (Layer l : base.layers()) {
        assertFalse(l.trainable(), l.name() + " frozen with its model");
      }
      assertEquals(6 * 3 + 3, outer.countTrainableParams(), "only the head trains");
      base.trainable(true);
      assertEquals(all, outer.countTrainableParams());
    }
  }

  @Test
  void frozenNestedBase_oneStep_movesOnlyTheHead_andKeepsBatchNormStatistics() {
    Model base = base().seed(7);
    try (Model outer = withHead(base, null).seed(7)) {
      base.trainable(false);
      outer.compile(Optimizer.adam(1e-2), Loss.sparseCategoricalCrossentropy());
      List<FloatArray> before = outer.getWeights();
      outer.fit(images(16, 8), labels(16), new FitOptions().epochs(1).batchSize(16).seed(1));
      List<FloatArray> after = outer.getWeights();
      for (int i = 0; i < 8; i++) {
        assertArrayEquals(before.get(i).data(), after.get(i).data(), "base weight " + i);
      }
      assertFalse(java.util.Arrays.equals(before.get(8).data(), after.get(8).data()), "head");
    }
  }

  @Test
  void callFixedToInference_unfrozenBase_trainsButKeepsBatchNormStatistics() {
    Model base = base().seed(9);
    try (Model outer = withHead(base, false).seed(9)) {
      outer.compile(Optimizer.adam(1e-2), Loss.sparseCategoricalCrossentropy());
      FloatArray x = images(8, 10);
      // training=false on the call: the training pass normalizes with the moving statistics
      Fixtures.assertClose(
          outer.predictTrainingMode(List.of(x), 8).get(0).data(),
          outer.predict(x, 8).data(),
          1e-6,
          1e-6);
      float[] mean = weightOf(outer, "base/bn_Conv1/moving_mean");
      float[] kernel = weightOf(outer, "base/Conv1/kernel");
      outer.fit(images(16, 11), labels(16), new FitOptions().epochs(1).batchSize(16).seed(1));
      assertArrayEquals(mean, weightOf(outer, "base/bn_Conv1/moving_mean"), 0f);
      assertFalse(java.util.Arrays.equals(kernel, weightOf(outer, "base/Conv1/kernel")));
    }
    try (Model free = withHead(base(), null).seed(9)) {
      FloatArray x = images(8, 10);
      assertNotEquals(
          Fixtures.maxAbsDiff(
              free.predictTrainingMode(List.of(x), 8).get(0).data(), free.predict(x, 8).data()),
          0.0,
          "without training=false the training pass uses the batch's statistics");
    }
  }

  @Test
  void getLayer_ofALayerInsideANestedModel_namesTheNestedModel() {
    try (Model outer = withHead(base(), null)) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> outer.getLayer("bn_Conv1"));
      assertTrue(e.getMessage().contains("inside nested model base"), e.getMessage());
      Model inner = (Model) outer.getLayer("base");
      assertEquals("BatchNormalization", inner.getLayer("bn_Conv1").className());
    }
  }

  @Test
  void twoUnnamedNestedModels_getKerasStyleUniqueNames() {
    List<Model> bases = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      SymbolicTensor in = Input.shape(4);
      bases.add(new Model(in, new Dense(2).apply(in)));
    }
    SymbolicTensor in = Input.shape(4);
    SymbolicTensor a = bases.get(0).apply(in);
    SymbolicTensor b = bases.get(1).apply(in);
    try (Model outer = new Model(in, new dev.jeras.layers.Add().apply(a, b))) {
      assertEquals("functional", bases.get(0).name());
      assertEquals("functional_1", bases.get(1).name());
      assertEquals(2 * (4 * 2 + 2), outer.countParams());
    }
  }

  @Test
  void nestedSequential_inSequential_summaryShowsOneRowWithItsParameters() {
    Sequential inner =
        new Sequential(Input.shape(8, 8, 3), new Conv2D(5, 3), new BatchNormalization());
    inner.named("inner");
    try (Sequential outer =
        new Sequential(Input.shape(8, 8, 3), inner, new Flatten(), new Dense(3))) {
      String s = outer.summary();
      assertTrue(s.contains("inner (Sequential)"), s);
      assertTrue(s.contains("(None, 6, 6, 5)"), s);
      assertTrue(s.contains("Total params: 703"), s);
      assertTrue(s.contains("Non-trainable params: 10"), s);
      assertEquals(3, outer.predict(images(2, 1), 2).shape()[1]);
    }
  }

  @Test
  void nestedModelWithAnotherInputShape_isRefusedNamingBoth() {
    Model base = base();
    SymbolicTensor in = Input.shape(9, 9, 3);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> base.apply(in));
    assertTrue(
        e.getMessage().contains("expects (None, 8, 8, 3), got (None, 9, 9, 3)"), e.getMessage());
  }
}

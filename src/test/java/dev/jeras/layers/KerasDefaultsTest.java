package dev.jeras.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.models.Model;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Pins Keras' names and defaults, as the layers report them in their Keras config: users moving
 * from Keras must get the same model from the same code.
 */
class KerasDefaultsTest {

  private static String initializerClass(Map<String, Object> config, String key) {
    Object v = config.get(key);
    assertTrue(v instanceof Initializer, key + " should be an Initializer, got " + v);
    return ((Initializer) v).kerasClassName();
  }

  @Test
  void conv2D_defaults_matchKeras() {
    Map<String, Object> c = new Conv2D(32, 3).getConfig();
    assertEquals(32, c.get("filters"));
    assertEquals(List.of(3, 3), c.get("kernel_size"));
    assertEquals(List.of(1, 1), c.get("strides"));
    assertEquals("valid", c.get("padding"));
    assertEquals("channels_last", c.get("data_format"));
    assertEquals(List.of(1, 1), c.get("dilation_rate"));
    assertEquals("linear", c.get("activation"));
    assertEquals(true, c.get("use_bias"));
    assertEquals("GlorotUniform", initializerClass(c, "kernel_initializer"));
    assertEquals("Zeros", initializerClass(c, "bias_initializer"));
    assertEquals(true, c.get("trainable"));
  }

  @Test
  void conv2D_nonSquareKernel_andOptions_appearInConfig() {
    Map<String, Object> c =
        new Conv2D(8, 3, 5)
            .strides(2, 1)
            .padding("same")
            .activation("relu")
            .useBias(false)
            .kernelInitializer(Initializer.heNormal())
            .getConfig();
    assertEquals(List.of(3, 5), c.get("kernel_size"));
    assertEquals(List.of(2, 1), c.get("strides"));
    assertEquals("same", c.get("padding"));
    assertEquals("relu", c.get("activation"));
    assertEquals(false, c.get("use_bias"));
    assertEquals("HeNormal", initializerClass(c, "kernel_initializer"));
  }

  @Test
  void maxPooling2D_defaults_pool2_stridesEqualPool_valid() {
    Map<String, Object> c = new MaxPooling2D().getConfig();
    assertEquals(List.of(2, 2), c.get("pool_size"));
    assertEquals(List.of(2, 2), c.get("strides"));
    assertEquals("valid", c.get("padding"));
    assertEquals("channels_last", c.get("data_format"));
    // strides default to the pool size, whatever it is
    assertEquals(List.of(3, 2), new MaxPooling2D(3, 2).getConfig().get("strides"));
  }

  @Test
  void averagePooling2D_defaults_matchMaxPooling() {
    Map<String, Object> c = new AveragePooling2D().getConfig();
    assertEquals(List.of(2, 2), c.get("pool_size"));
    assertEquals(List.of(2, 2), c.get("strides"));
    assertEquals("valid", c.get("padding"));
  }

  @Test
  void globalAveragePooling2D_defaults_keepdimsFalse() {
    Map<String, Object> c = new GlobalAveragePooling2D().getConfig();
    assertEquals(false, c.get("keepdims"));
    assertEquals("channels_last", c.get("data_format"));
  }

  @Test
  void dense_defaults_linear_withBias_glorotUniform_zeros() {
    Map<String, Object> c = new Dense(10).getConfig();
    assertEquals(10, c.get("units"));
    assertEquals("linear", c.get("activation"));
    assertEquals(true, c.get("use_bias"));
    assertEquals("GlorotUniform", initializerClass(c, "kernel_initializer"));
    assertEquals("Zeros", initializerClass(c, "bias_initializer"));
  }

  @Test
  void batchNormalization_defaults_matchKeras() {
    BatchNormalization bn = new BatchNormalization();
    Map<String, Object> c = bn.getConfig();
    assertEquals(-1, c.get("axis"));
    assertEquals(0.99, ((Number) c.get("momentum")).doubleValue(), 0);
    assertEquals(0.001, ((Number) c.get("epsilon")).doubleValue(), 0);
    assertEquals(true, c.get("center"));
    assertEquals(true, c.get("scale"));
    assertEquals("Ones", initializerClass(c, "gamma_initializer"));
    assertEquals("Zeros", initializerClass(c, "beta_initializer"));
    assertEquals("Zeros", initializerClass(c, "moving_mean_initializer"));
    assertEquals("Ones", initializerClass(c, "moving_variance_initializer"));
    assertEquals(0.99, bn.momentum(), 0);
    assertEquals(1e-3, bn.epsilon(), 0);
  }

  @Test
  void concatenate_defaultAxis_isLast_dropoutRate_activationName() {
    assertEquals(-1, new Concatenate().getConfig().get("axis"));
    assertEquals(1, new Concatenate(1).getConfig().get("axis"));
    assertEquals(0.25, ((Number) new Dropout(0.25).getConfig().get("rate")).doubleValue(), 0);
    assertEquals("tanh", new Activation(Activations.TANH).getConfig().get("activation"));
  }

  @Test
  void classNames_andNamePrefixes_areKeras() {
    Object[][] expected = {
      {new Conv2D(1, 1), "Conv2D", "conv2d"},
      {new MaxPooling2D(), "MaxPooling2D", "max_pooling2d"},
      {new AveragePooling2D(), "AveragePooling2D", "average_pooling2d"},
      {new GlobalAveragePooling2D(), "GlobalAveragePooling2D", "global_average_pooling2d"},
      {new Flatten(), "Flatten", "flatten"},
      {new Dense(1), "Dense", "dense"},
      {new Activation("relu"), "Activation", "activation"},
      {new Dropout(0.5), "Dropout", "dropout"},
      {new BatchNormalization(), "BatchNormalization", "batch_normalization"},
      {new Add(), "Add", "add"},
      {new Concatenate(), "Concatenate", "concatenate"},
    };
    for (Object[] e : expected) {
      Layer l = (Layer) e[0];
      assertEquals(e[1], l.className());
      assertEquals(e[2], l.namePrefix(), "prefix of " + e[1]);
      assertNull(l.name(), "an unnamed layer has no name before it joins a model");
      assertEquals("float32", l.getConfig().get("dtype"));
    }
  }

  @Test
  void autoNaming_inAModel_numbersRepeatedPrefixes() {
    Conv2D c1 = new Conv2D(4, 3);
    Conv2D c2 = new Conv2D(4, 3);
    Dense d = new Dense(2);
    BatchNormalization bn = new BatchNormalization();
    SymbolicTensor in = Input.shape(8, 8, 1);
    SymbolicTensor x = c2.apply(c1.apply(in));
    SymbolicTensor out = d.apply(new Flatten().apply(bn.apply(x)));
    try (Model m = new Model(in, out)) {
      assertEquals("conv2d", c1.name());
      assertEquals("conv2d_1", c2.name());
      assertEquals("batch_normalization", bn.name());
      assertEquals("dense", d.name());
      assertEquals(c2, m.getLayer("conv2d_1"));
    }
  }

  @Test
  void autoNaming_skipsNamesGivenByTheUser() {
    Conv2D given = new Conv2D(4, 3);
    given.named("conv2d");
    Conv2D auto = new Conv2D(4, 3);
    SymbolicTensor in = Input.shape(8, 8, 1);
    try (Model m = new Model(in, auto.apply(given.apply(in)))) {
      assertEquals("conv2d", given.name());
      assertEquals("conv2d_1", auto.name());
    }
  }

  @Test
  void batchNormalization_weights_gammaBetaTrainable_movingStatisticsNot() {
    BatchNormalization bn = new BatchNormalization();
    bn.apply(Input.shape(5, 5, 6));
    List<WeightSpec> w = bn.weights();
    assertEquals(
        List.of("gamma", "beta", "moving_mean", "moving_variance"),
        w.stream().map(WeightSpec::name).toList());
    assertEquals(List.of(true, true, false, false), w.stream().map(WeightSpec::trainable).toList());
    for (WeightSpec s : w) {
      assertArrayEquals(new long[] {6}, s.shape(), s.name());
    }
    assertEquals("Ones", w.get(0).initializer().kerasClassName());
    assertEquals("Zeros", w.get(1).initializer().kerasClassName());
    assertEquals("Zeros", w.get(2).initializer().kerasClassName());
    assertEquals("Ones", w.get(3).initializer().kerasClassName());
  }

  @Test
  void batchNormalization_withoutCenterOrScale_dropsBetaOrGamma() {
    BatchNormalization noScale = new BatchNormalization().scale(false);
    noScale.apply(Input.shape(3));
    assertEquals(
        List.of("beta", "moving_mean", "moving_variance"),
        noScale.weights().stream().map(WeightSpec::name).toList());
    BatchNormalization noCenter = new BatchNormalization().center(false);
    noCenter.apply(Input.shape(3));
    assertEquals(
        List.of("gamma", "moving_mean", "moving_variance"),
        noCenter.weights().stream().map(WeightSpec::name).toList());
  }

  @Test
  void conv2D_weights_kernelKhKwInFilters_biasFilters() {
    Conv2D conv = new Conv2D(32, 3, 5);
    conv.apply(Input.shape(28, 28, 3));
    List<WeightSpec> w = conv.weights();
    assertEquals("kernel", w.get(0).name());
    assertArrayEquals(new long[] {3, 5, 3, 32}, w.get(0).shape());
    assertTrue(w.get(0).trainable());
    assertEquals("GlorotUniform", w.get(0).initializer().kerasClassName());
    assertEquals("bias", w.get(1).name());
    assertArrayEquals(new long[] {32}, w.get(1).shape());
    assertEquals("Zeros", w.get(1).initializer().kerasClassName());
  }

  @Test
  void dense_weights_kernelInUnits_biasUnits_noBiasWhenOff() {
    Dense dense = new Dense(10);
    dense.apply(Input.shape(7, 64));
    List<WeightSpec> w = dense.weights();
    assertEquals(List.of("kernel", "bias"), w.stream().map(WeightSpec::name).toList());
    assertArrayEquals(new long[] {64, 10}, w.get(0).shape());
    assertArrayEquals(new long[] {10}, w.get(1).shape());
    Dense noBias = new Dense(3).useBias(false);
    noBias.apply(Input.shape(4));
    assertEquals(List.of("kernel"), noBias.weights().stream().map(WeightSpec::name).toList());
  }

  @Test
  void weightlessLayers_declareNoWeights() {
    for (Layer l :
        List.of(
            new MaxPooling2D(),
            new AveragePooling2D(),
            new Flatten(),
            new Dropout(0.1),
            new Activation("relu"),
            new GlobalAveragePooling2D())) {
      l.apply(Input.shape(4, 4, 2));
      assertTrue(l.weights().isEmpty(), l.className());
      assertEquals(0, l.countParams(), l.className());
    }
    assertFalse(new Dense(2).weights().size() > 0, "no weights before the first call");
  }

  @Test
  void modelWeights_areInKerasOrder_kernelThenBias_gammaBetaMeanVariance() {
    SymbolicTensor in = Input.shape(6, 6, 2);
    SymbolicTensor x = new BatchNormalization().apply(new Conv2D(3, 3).apply(in));
    SymbolicTensor out = new Dense(4).apply(new Flatten().apply(x));
    try (Model m = new Model(in, out)) {
      List<String> paths = m.network().weights().stream().map(Network.LayerWeight::path).toList();
      assertEquals(
          List.of(
              "conv2d/kernel",
              "conv2d/bias",
              "batch_normalization/gamma",
              "batch_normalization/beta",
              "batch_normalization/moving_mean",
              "batch_normalization/moving_variance",
              "dense/kernel",
              "dense/bias"),
          paths);
    }
  }
}

package dev.jeras.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.JerasException;
import dev.jeras.data.FloatArray;
import dev.jeras.data.IntArray;
import dev.jeras.models.Model;
import dev.jeras.models.Sequential;
import dev.jeras.saving.KerasJson;
import dev.jeras.saving.LayerRegistry;
import dev.jeras.saving.Npy;
import dev.jeras.training.FitOptions;
import dev.jeras.training.Loss;
import dev.jeras.training.Optimizer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The layer zoo's Java face: Normalization's adapt against Keras', Keras' defaults and names, the
 * errors for bad options (naming layer and option), training through every new trainable layer in a
 * model, and what happens with an augmentation layer after a trainable one.
 */
class ZooLayers2Test {
  static final Path DIR = Path.of("testdata", "layers");

  @ParameterizedTest
  @CsvSource({
    "normalization_adapted, -1",
    "normalization_adapted_axis_none, ",
    "normalization_adapted_axes_1_3, 1 3"
  })
  void normalizationAdaptedInJava_hasKerasStatistics_andPredictions(String name, String axes) {
    FloatArray data = Npy.readFloats(DIR.resolve(name).resolve("a.npy"));
    int[] axis =
        axes == null
            ? new int[0]
            : Arrays.stream(axes.trim().split(" ")).mapToInt(Integer::parseInt).toArray();
    Normalization norm = new Normalization().axis(axis).adapt(data);
    float[] kerasMean = Npy.readFloats(DIR.resolve(name).resolve("w0.npy")).data();
    float[] kerasVariance = Npy.readFloats(DIR.resolve(name).resolve("w1.npy")).data();
    LayerHarness.assertClose(
        LayerHarness.toDouble(kerasMean), norm.mean(), 1e-6, 1e-6, name + " mean");
    LayerHarness.assertClose(
        LayerHarness.toDouble(kerasVariance), norm.variance(), 1e-6, 1e-5, name + " variance");
    FloatArray x = Npy.readFloats(DIR.resolve(name).resolve("x.npy"));
    FloatArray y = LayerHarness.predict(norm, x);
    LayerHarness.assertClose(
        LayerHarness.toDouble(Npy.readFloats(DIR.resolve(name).resolve("y.npy")).data()),
        y,
        1e-5,
        1e-5,
        name + " output");
    // the adapted statistics are the layer's config, as Keras' mean and variance arguments
    Map<String, Object> c = norm.getConfig();
    assertTrue(c.get("mean") != null && c.get("variance") != null, c.toString());
  }

  @Test
  void normalization_adaptAfterTheLayerIsBuilt_isRefused_withTheWay() {
    Normalization norm = new Normalization();
    try (Model m = LayerHarness.model(norm, 3)) {
      var e =
          assertThrows(
              IllegalStateException.class,
              () -> norm.adapt(FloatArray.of(new float[] {1, 2, 3}, 1, 3)));
      assertTrue(e.getMessage().contains("normalization (Normalization): adapt"), e.getMessage());
      assertEquals(7, m.countParams(), "mean (3), variance (3), count: Keras' weights");
    }
  }

  @Test
  void defaults_areKeras() {
    Map<String, Object> d = new DepthwiseConv2D(3).getConfig();
    assertEquals(1, d.get("depth_multiplier"));
    assertEquals("valid", d.get("padding"));
    assertFalse(d.containsKey("filters"));
    assertTrue(d.containsKey("depthwise_initializer"));
    Map<String, Object> s = new SeparableConv2D(8, 3).getConfig();
    assertEquals(
        List.of("depthwise_initializer", "pointwise_initializer", "bias_initializer"),
        s.keySet().stream().filter(k -> k.endsWith("_initializer")).toList());
    assertNull(new Conv2DTranspose(4, 3).getConfig().get("output_padding"));
    Map<String, Object> ln = new LayerNormalization().getConfig();
    assertEquals(-1, ln.get("axis"));
    assertEquals(1e-3, ln.get("epsilon"));
    assertEquals(32, new GroupNormalization().getConfig().get("groups"));
    assertEquals(0.0, new Rescaling(0.5).getConfig().get("offset"));
    assertEquals(List.of(-1), new Normalization().getConfig().get("axis"));
    Map<String, Object> r = new Resizing(4, 5).getConfig();
    assertEquals("bilinear", r.get("interpolation"));
    assertEquals("constant", r.get("fill_mode"));
    assertEquals("horizontal_and_vertical", new RandomFlip().getConfig().get("mode"));
    Map<String, Object> rot = new RandomRotation(0.1).getConfig();
    assertEquals(List.of(-0.1, 0.1), rot.get("factor"));
    assertEquals("reflect", rot.get("fill_mode"));
    assertEquals("bilinear", rot.get("interpolation"));
    assertEquals(List.of(0.0, 0.2), new RandomContrast(0.2).getConfig().get("factor"));
    assertEquals(List.of(0.0, 255.0), new RandomBrightness(0.2).getConfig().get("value_range"));
    assertEquals("random_translation", new RandomTranslation(0.1, 0.1).namePrefix());
    assertEquals("conv2d_transpose", new Conv2DTranspose(1, 1).namePrefix());
  }

  @Test
  void badOptions_inJava_nameTheOptionAndValue() {
    assertMessage(() -> new DepthwiseConv2D(3).depthMultiplier(0), "depth_multiplier", "0");
    assertMessage(() -> new Conv2DTranspose(0, 3), "filters", "0");
    assertMessage(() -> new GroupNormalization().groups(0), "groups", "0");
    assertMessage(() -> new LayerNormalization().epsilon(0), "epsilon");
    assertMessage(() -> new Resizing(4, 4).interpolation("cubic"), "interpolation", "cubic");
    assertMessage(() -> new RandomFlip("diagonal"), "mode", "diagonal");
    assertMessage(() -> new RandomRotation(1.5), "factor", "1.5");
    assertMessage(() -> new RandomZoom(-1), "height_factor", "-1");
    assertMessage(() -> new RandomTranslation(0.1, 2), "width_factor", "2");
    assertMessage(() -> new RandomContrast(-0.1), "factor", "-0.1");
    assertMessage(() -> new RandomRotation(0.1).fillMode("mirror"), "fill_mode", "mirror");
    assertMessage(() -> new Rescaling(Double.NaN), "scale");
    assertMessage(
        () -> new Normalization().meanVariance(new double[] {1}, new double[] {-1}), "variance");
  }

  @Test
  void badShapes_nameTheLayerAndShapes() {
    assertMessage(
        () -> shape(new GroupNormalization().groups(4), 5, 5, 6),
        "group_normalization (GroupNormalization)",
        "groups 4",
        "6 channels");
    assertMessage(
        () -> shape(new Conv2DTranspose(2, 3).strides(2, 2).outputPadding(2, 0), 4, 4, 1),
        "conv2d_transpose (Conv2DTranspose)",
        "output_padding (2, 0)");
    assertMessage(
        () -> shape(new Conv2DTranspose(2, 3).strides(2, 2).dilationRate(2, 2), 4, 4, 1),
        "strides > 1 cannot be combined with dilation_rate > 1");
    assertMessage(() -> shape(new RandomFlip(), 8), "random_flip (RandomFlip)", "rank 4");
    assertMessage(() -> shape(new LayerNormalization().axis(3), 4, 4), "axis 3");
    assertMessage(() -> shape(new Normalization().axis(0), 4), "axis 0");
    assertMessage(
        () -> shape(new Rescaling(new double[] {1, 2}, new double[] {0}), 4, 3),
        "2 values per channel");
    assertMessage(
        () -> shape(new Resizing(4, 4).cropToAspectRatio(true).padToAspectRatio(true), 5, 5, 1),
        "crop_to_aspect_ratio and pad_to_aspect_ratio");
  }

  private static TensorShape shape(Layer layer, long... sampleShape) {
    return layer.apply(Input.shape(sampleShape)).shape();
  }

  private static void assertMessage(Runnable r, String... parts) {
    RuntimeException e = assertThrows(RuntimeException.class, r::run);
    for (String p : parts) {
      assertTrue(e.getMessage().contains(p), "'" + p + "' in: " + e.getMessage());
    }
  }

  @Test
  void badOptions_inKerasConfigs_nameLayerClassAndOption() {
    assertRefused(
        "DepthwiseConv2D",
        Map.of(
            "kernel_size",
            3,
            "depthwise_regularizer",
            Map.of("class_name", "OrthogonalRegularizer")),
        "layer bad (DepthwiseConv2D)",
        "depthwise_regularizer");
    assertRefused(
        "SeparableConv2D",
        Map.of("filters", 4, "kernel_size", 3, "pointwise_constraint", "non_neg"),
        "pointwise_constraint");
    assertRefused(
        "Resizing",
        Map.of("height", 4, "width", 4, "fill_mode", "reflect"),
        "layer bad (Resizing)",
        "fill_mode=reflect");
    assertRefused(
        "Resizing", Map.of("height", 4, "width", 4, "interpolation", "cubic"), "interpolation");
    assertRefused(
        "RandomFlip", Map.of("mode", "horizontal", "data_format", "channels_first"), "data_format");
    assertRefused("RandomRotation", Map.of("factor", List.of(0.1, 0.2, 0.3)), "factor");
    assertRefused("RandomZoom", Map.of("width_factor", 0.1), "height_factor");
    assertRefused("Normalization", Map.of("mean", List.of(1.0)), "mean and variance");
    assertRefused("Rescaling", Map.of("offset", 1), "scale");
    assertRefused("GroupNormalization", Map.of("groups", -2), "groups");
    assertRefused(
        "Conv2DTranspose",
        Map.of("filters", 2, "kernel_size", 3, "output_padding", List.of(1, 2, 3)),
        "output_padding");
    assertRefused(
        "LayerNormalization", Map.of("gamma_regularizer", Map.of("class_name", "L1")), "gamma");
  }

  private static void assertRefused(String cls, Map<String, Object> config, String... parts) {
    Map<String, Object> c = new LinkedHashMap<>(config);
    c.put("name", "bad");
    JerasException e =
        assertThrows(JerasException.class, () -> LayerRegistry.create(cls, c, "m.json"));
    assertTrue(e.getMessage().startsWith("m.json: "), e.getMessage());
    for (String p : parts) {
      assertTrue(e.getMessage().contains(p), "'" + p + "' in: " + e.getMessage());
    }
  }

  /** Every new trainable layer in one model: one SGD step moves every weight. */
  @Test
  void everyNewTrainableLayer_oneSgdStep_changesEveryTrainableWeight() {
    SymbolicTensor in = Input.shape(8, 8, 3);
    SymbolicTensor x = new RandomFlip().apply(in);
    x = new RandomRotation(0.1).apply(x);
    x = new Rescaling(0.5, -0.25).apply(x);
    x = new Normalization().meanVariance(new double[] {0}, new double[] {2}).apply(x);
    x = new Conv2D(4, 3).padding("same").dilationRate(2, 2).apply(x);
    x = new BatchNormalization().axis(1).apply(x);
    x = new DepthwiseConv2D(3).depthMultiplier(2).padding("same").activation("relu").apply(x);
    x = new GroupNormalization().groups(4).apply(x);
    SymbolicTensor a = new SeparableConv2D(6, 3).strides(2, 2).padding("same").apply(x);
    a = new LayerNormalization().axis(1, 2, 3).apply(a);
    a = new Conv2DTranspose(8, 2).strides(2, 2).apply(a);
    x = new Add().apply(x, a);
    x = new CenterCrop(6, 6).apply(x);
    x = new RandomCrop(5, 5).apply(x); // a random window in training: gradients pass through
    x = new Resizing(4, 4).apply(x);
    x = new GlobalAveragePooling2D().apply(x);
    SymbolicTensor out = new Dense(3).activation("softmax").apply(x);
    FloatArray xs = LayerHarness.random(new Random(3), 12, 8, 8, 3);
    int[] labels = new int[12];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = i % 3;
    }
    try (Model m = new Model(in, out)) {
      m.seed(LayerHarness.SEED);
      m.compile(Optimizer.sgd(0.1), Loss.sparseCategoricalCrossentropy());
      List<FloatArray> before = m.getWeights();
      m.fit(
          xs,
          IntArray.of(labels, 12),
          new FitOptions().epochs(1).batchSize(12).shuffle(false).progress(null));
      assertEquals(List.of(), m.weightsWithoutGradient());
      List<Network.LayerWeight> weights = m.network().weights();
      List<FloatArray> after = m.getWeights();
      for (int i = 0; i < weights.size(); i++) {
        assertFalse(
            Arrays.equals(before.get(i).data(), after.get(i).data()),
            weights.get(i).path() + " did not change after one step");
      }
    }
  }

  @Test
  void batchNormalizationOnAxis1_trainingStep_movesStatisticsToTheBatchMeanAndBiasedVariance() {
    FloatArray x = LayerHarness.random(new Random(8), 6, 3, 4, 5);
    BatchNormalization bn = new BatchNormalization().axis(1).momentum(0);
    try (Model m = LayerHarness.model(bn, 3, 4, 5)) {
      // any learning rate: with momentum 0 the moving statistics are the forward pass's batch ones
      m.compile(Optimizer.sgd(0.01), Loss.meanSquaredError());
      m.fit(x, x, new FitOptions().epochs(1).batchSize(6).shuffle(false).progress(null));
      List<FloatArray> w = m.getWeights(); // gamma, beta, moving_mean, moving_variance
      double[] mean = new double[3];
      double[] var = new double[3];
      int per = 6 * 4 * 5;
      for (int pass = 0; pass < 2; pass++) {
        for (int n = 0; n < 6; n++) {
          for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 20; i++) {
              double v = x.data()[(n * 3 + c) * 20 + i];
              if (pass == 0) {
                mean[c] += v / per;
              } else {
                var[c] += (v - mean[c]) * (v - mean[c]) / per;
              }
            }
          }
        }
      }
      LayerHarness.assertClose(mean, w.get(2), 1e-6, 1e-5, "moving mean");
      LayerHarness.assertClose(var, w.get(3), 1e-6, 1e-5, "moving variance (biased)");
    }
  }

  @Test
  void augmentationAfterATrainableLayer_failsAtCompile_namingTheOp() {
    try (Sequential m =
        new Sequential(
            Input.shape(6, 6, 1),
            new Conv2D(2, 3).padding("same"),
            new RandomRotation(0.1),
            new Flatten(),
            new Dense(2))) {
      RuntimeException e =
          assertThrows(
              RuntimeException.class,
              () -> {
                m.compile(Optimizer.sgd(0.1), Loss.meanSquaredError());
                m.fit(
                    FloatArray.zeros(2, 6, 6, 1),
                    FloatArray.zeros(2, 2),
                    new FitOptions().epochs(1).progress(null));
              });
      assertTrue(e.getMessage().contains("ImageProjectiveTransformV3"), e.getMessage());
    }
  }

  @Test
  void zooLayers_roundTripThroughModelJson_asKerasWritesThem() {
    try (Sequential m =
        new Sequential(
            Input.shape(10, 8, 3),
            new RandomCrop(8, 8),
            new RandomZoom(-0.2, 0.1).widthFactor(0.2),
            new RandomTranslation(new double[] {-0.1, 0.2}, new double[] {0.1}),
            new RandomContrast(0.1, 0.2).valueRange(0, 1),
            new RandomBrightness(0.1).valueRange(0, 1),
            new Rescaling(new double[] {1, 2, 3}, new double[] {0, 0, 1}),
            new Normalization()
                .axis(-1)
                .meanVariance(new double[] {1, 2, 3}, new double[] {1, 1, 4}),
            new LayerNormalization().rmsScaling(true),
            new Resizing(6, 6).interpolation("nearest").padToAspectRatio(true).fillValue(0.5))) {
      String json = KerasJson.toJson(m);
      try (Model back = KerasJson.fromJson(json, "zoo.json")) {
        assertEquals(json, KerasJson.toJson(back));
        FloatArray x = LayerHarness.randomIn(new Random(4), 0, 1, 2, 10, 8, 3);
        assertArrayEquals(m.predict(x, 2).data(), back.predict(x, 2).data());
      }
    }
  }

  /**
   * DepthwiseConv2D's depthwise_regularizer, SeparableConv2D's depthwise and pointwise regularizers
   * and Conv2DTranspose's kernel_regularizer, with the bias penalties, add Keras' penalties to the
   * loss and come back from model JSON.
   */
  @Test
  void convolutionRegularizers_addTheirPenaltiesToTheLoss_andRoundTripThroughJson() {
    FloatArray x = LayerHarness.randomIn(new Random(7), -1, 1, 4, 6, 6, 2);
    FloatArray y = LayerHarness.randomIn(new Random(8), -1, 1, 4, 1);
    // (l1, l2) factors by weight path
    Map<String, double[]> factors =
        Map.of(
            "dw/kernel", new double[] {0, 0.5},
            "dw/bias", new double[] {0.25, 0},
            "sep/depthwise_kernel", new double[] {0.1, 0},
            "sep/pointwise_kernel", new double[] {0, 0.2},
            "sep/bias", new double[] {0, 0.3},
            "tr/kernel", new double[] {0.1, 0.3});
    double[] losses = new double[2];
    double penalty = 0;
    List<FloatArray> weights = null;
    for (int r = 0; r < 2; r++) {
      DepthwiseConv2D depthwise = new DepthwiseConv2D(3).depthMultiplier(2).named("dw");
      SeparableConv2D separable = new SeparableConv2D(3, 2).named("sep");
      Conv2DTranspose transpose = new Conv2DTranspose(2, 2).strides(2, 2).named("tr");
      if (r == 1) {
        depthwise.kernelRegularizer(Regularizer.l2(0.5)).biasRegularizer(Regularizer.l1(0.25));
        separable
            .kernelRegularizer(Regularizer.l1(0.1))
            .pointwiseRegularizer(Regularizer.l2(0.2))
            .biasRegularizer(Regularizer.l2(0.3));
        transpose.kernelRegularizer(Regularizer.l1l2(0.1, 0.3));
      }
      try (Sequential m =
          new Sequential(
              Input.shape(6, 6, 2), depthwise, separable, transpose, new Flatten(), new Dense(1))) {
        m.seed(LayerHarness.SEED);
        m.compile(Optimizer.sgd(0.1), Loss.meanSquaredError());
        if (weights == null) {
          weights = m.getWeights();
        } else {
          m.setWeights(weights);
        }
        losses[r] = m.evaluate(x, y, 4).get("loss");
        if (r == 1) {
          for (int i = 0; i < weights.size(); i++) {
            double[] f = factors.getOrDefault(m.network().weights().get(i).path(), new double[2]);
            for (float v : weights.get(i).data()) {
              penalty += f[0] * Math.abs(v) + f[1] * v * v;
            }
          }
          String json = KerasJson.toJson(m);
          for (String key :
              List.of("depthwise_regularizer", "pointwise_regularizer", "kernel_regularizer")) {
            assertTrue(json.contains("\"" + key + "\" : {"), key + " in " + json);
          }
          try (Model back = KerasJson.fromJson(json, "regularized.json")) {
            assertEquals(json, KerasJson.toJson(back));
          }
        }
      }
    }
    assertTrue(penalty > 0.1, "the penalty is large enough to be seen: " + penalty);
    LayerHarness.assertClose(
        new double[] {losses[0] + penalty},
        new double[] {losses[1]},
        1e-6,
        1e-5,
        "loss with the convolutions' penalties");
  }
}

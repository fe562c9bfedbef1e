package dev.jeras.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.JerasException;
import dev.jeras.data.FloatArray;
import dev.jeras.models.Model;
import dev.jeras.saving.KerasJson;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The layers of issue 20 (part 1) beyond their Keras goldens: Keras' defaults, a round trip of
 * every option through Keras JSON, errors that name the layer and option, and the training-mode
 * behaviour of the random layers (their values cannot be Keras': the random streams differ).
 */
class ZooLayersTest {

  @Test
  void defaults_matchKeras() {
    Map<String, Object> relu = new ReLU().getConfig();
    assertNull(relu.get("max_value"));
    assertEquals(0.0, relu.get("negative_slope"));
    assertEquals(0.0, relu.get("threshold"));
    assertEquals(0.3, new LeakyReLU().getConfig().get("negative_slope"));
    assertEquals(1.0, new ELU().getConfig().get("alpha"));
    assertEquals(-1, new Softmax().getConfig().get("axis"));
    Map<String, Object> prelu = new PReLU().getConfig();
    assertEquals("Zeros", ((Initializer) prelu.get("alpha_initializer")).kerasClassName());
    assertNull(prelu.get("shared_axes"));
    assertEquals(
        List.of(List.of(1, 1), List.of(1, 1)), new ZeroPadding2D().getConfig().get("padding"));
    assertEquals(
        List.of(List.of(0, 0), List.of(0, 0)), new Cropping2D().getConfig().get("cropping"));
    Map<String, Object> up = new UpSampling2D().getConfig();
    assertEquals(List.of(2, 2), up.get("size"));
    assertEquals("nearest", up.get("interpolation"));
    assertEquals(false, new GlobalMaxPooling2D().getConfig().get("keepdims"));
    assertNull(new Dropout(0.1).getConfig().get("noise_shape"));
    assertEquals(false, new SpatialDropout2D(0.1).getConfig().containsKey("trainable"));
    assertEquals(Regularizer.l2(0.01), Regularizer.of("l2"));
    assertEquals(Regularizer.l1(0.01), Regularizer.of("L1"));
    assertEquals(Regularizer.l1l2(0, 0), Regularizer.of("l1_l2"));
    assertNull(new Dense(2).getConfig().get("kernel_regularizer"));
    assertEquals("silu", Activations.of("swish").kerasName());
    assertEquals("hard_silu", Activations.of("hard_swish").kerasName());
  }

  @Test
  void everyNewLayer_nonDefaultOptions_sameConfigAfterKerasJsonRoundTrip() {
    SymbolicTensor in = Input.shape(8, 8, 3);
    SymbolicTensor x =
        new Conv2D(4, 3)
            .padding("same")
            .activation("hard_swish")
            .kernelRegularizer(Regularizer.l1l2(0.01, 0.02))
            .biasRegularizer(Regularizer.l2(0.5))
            .apply(in);
    x =
        new PReLU()
            .sharedAxes(1, 2)
            .alphaInitializer(Initializer.constant(0.25f))
            .alphaRegularizer(Regularizer.l1(0.1))
            .apply(x);
    x = new ReLU().maxValue(6).negativeSlope(0.1).threshold(0.2).apply(x);
    x = new LeakyReLU(0.1).apply(x);
    x = new ELU(0.5).apply(x);
    x = new ZeroPadding2D(1, 2, 0, 3).apply(x);
    x = new Cropping2D(1, 0, 2, 1).apply(x);
    x = new UpSampling2D(2, 3).interpolation("bilinear").apply(x);
    x = new SpatialDropout2D(0.2).apply(x);
    x = new GaussianNoise(0.3).apply(x);
    x = new GaussianDropout(0.1).apply(x);
    x = new Dropout(0.2).noiseShape(null, 1, 1, null).apply(x);
    SymbolicTensor s = new Softmax(1, 2).apply(x);
    SymbolicTensor g = new GlobalMaxPooling2D().keepDims(true).apply(x);
    SymbolicTensor m = new Multiply().apply(s, g);
    SymbolicTensor d = new Subtract().apply(m, x);
    SymbolicTensor avg = new Average().apply(d, m, x);
    SymbolicTensor mx = new Maximum().apply(avg, d);
    SymbolicTensor mn = new Minimum().apply(mx, m);
    SymbolicTensor p = new Permute(3, 1, 2).apply(new Activation("gelu_approximate").apply(mn));
    SymbolicTensor r = new Reshape(4, -1).apply(p);
    SymbolicTensor out =
        new Dense(3)
            .activation("log_softmax")
            .kernelRegularizer(Regularizer.l2(0.01))
            .apply(new Flatten().apply(r));
    try (Model original = new Model(in, out)) {
      String json = KerasJson.toJson(original);
      assertTrue(json.contains("\"class_name\" : \"L1L2\""), json);
      try (Model restored = KerasJson.fromJson(json, "round trip")) {
        assertEquals(original.layers().size(), restored.layers().size(), "layer count");
        for (Layer l : original.layers()) {
          Layer back = restored.getLayer(l.name());
          assertEquals(l.className(), back.className(), l.name());
          assertEquals(l.getConfig().toString(), back.getConfig().toString(), l.name());
        }
        assertEquals(original.countParams(), restored.countParams());
      }
    }
  }

  /** Asserts that building throws IllegalArgumentException with exactly that message. */
  private static void refused(String message, Supplier<?> build) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build::get);
    assertEquals(message, e.getMessage());
  }

  @Test
  void badOptions_inJava_areRefusedWithTheOptionAndValue() {
    refused("max_value must be a finite number >= 0, got -1.0", () -> new ReLU().maxValue(-1));
    refused("negative_slope must be a finite number >= 0, got -0.1", () -> new LeakyReLU(-0.1));
    refused("padding must be >= 0, got ((-1, -1), (-1, -1))", () -> new ZeroPadding2D(-1));
    refused(
        "interpolation must be 'nearest' or 'bilinear', got 'bicubic'",
        () -> new UpSampling2D().interpolation("bicubic"));
    refused(
        "target_shape must have at least one dimension and at most one -1, got [-1, -1]",
        () -> new Reshape(-1, -1));
    refused("dims must be a permutation of 1..2, got [1, 3]", () -> new Permute(1, 3));
    refused("stddev must be in [0, 1], got 2.0", () -> new GaussianNoise(2));
    refused("rate must be in [0, 1), got 1.0", () -> new GaussianDropout(1));
    refused("rate must be in [0, 1), got 1.0", () -> new SpatialDropout2D(1));
    refused(
        "shared_axes must count from 1 (the first axis after the batch), got 0",
        () -> new PReLU().sharedAxes(0));
    refused(
        "l2 must be a finite number >= 0, got -1.0 (regularizer factor)", () -> Regularizer.l2(-1));
  }

  @Test
  void badShapes_nameTheLayerAndTheShapes() {
    SymbolicTensor img = Input.shape(5, 6, 3);
    refused(
        "softmax (Softmax): axis [0] is invalid for inputs of rank 4",
        () -> new Softmax(0).apply(img));
    refused(
        "cropping2d (Cropping2D): cropping ((3, 3), (0, 0)) must leave at least one row and"
            + " column of input (None, 5, 6, 3)",
        () -> new Cropping2D(3, 0).apply(img));
    refused(
        "reshape (Reshape): cannot reshape input (None, 5, 6, 3) (90 values a sample) to"
            + " target_shape (4, 4)",
        () -> new Reshape(4, 4).apply(img));
    refused(
        "permute (Permute): dims [2, 1] need input of rank 3, got (None, 5, 6, 3)",
        () -> new Permute(2, 1).apply(img));
    refused(
        "p_re_lu (PReLU): shared_axes [4] do not fit input (None, 5, 6, 3)",
        () -> new PReLU().sharedAxes(4).apply(img));
    refused(
        "dropout (Dropout): noise_shape [null, 2, 1, null] must have the input's rank and, on"
            + " each axis, null, 1 or the input's dimension; got input (None, 5, 6, 3)",
        () -> new Dropout(0.5).noiseShape(null, 2, 1, null).apply(img));
    refused(
        "subtract (Subtract): expected exactly 2 inputs, got 3",
        () -> new Subtract().apply(img, img, img));
    refused(
        "multiply (Multiply): inputs must have the same shape (or 1 where they differ), got"
            + " (None, 5, 6, 3) and (None, 4, 6, 3)",
        () -> new Multiply().apply(img, Input.shape(4, 6, 3)));
    refused(
        "zero_padding2d (ZeroPadding2D): expected input of rank 4 (batch, height, width,"
            + " channels), got (None, 5)",
        () -> new ZeroPadding2D().apply(Input.shape(5)));
  }

  private static String layerJson(String cls, String config) {
    return """
    {"class_name": "Sequential", "config": {"name": "s", "layers": [
      {"class_name": "InputLayer", "config": {"batch_shape": [null, 4, 4, 2]}},
      {"class_name": "CLS", "config": {"name": "l", CONFIG}}]}}\
    """
        .replace("CLS", cls)
        .replace("CONFIG", config);
  }

  private static void refusedJson(String message, String cls, String config) {
    JerasException e =
        assertThrows(
            JerasException.class, () -> KerasJson.fromJson(layerJson(cls, config), "m.json"));
    assertEquals(message, e.getMessage());
  }

  @Test
  void badOptions_inKerasJson_nameFileLayerOptionAndWhatIsSupported() {
    refusedJson(
        "m.json: layer l (UpSampling2D): unsupported interpolation=bicubic; jeras supports"
            + " interpolation: nearest, bilinear",
        "UpSampling2D",
        "\"interpolation\": \"bicubic\"");
    refusedJson(
        "m.json: layer l (ZeroPadding2D): unsupported data_format=channels_first; jeras supports"
            + " data_format: channels_last",
        "ZeroPadding2D",
        "\"data_format\": \"channels_first\"");
    refusedJson(
        "m.json: layer l (PReLU): unsupported alpha_constraint={class_name=NonNeg}; jeras"
            + " supports alpha_constraint: null",
        "PReLU",
        "\"alpha_constraint\": {\"class_name\": \"NonNeg\"}");
    refusedJson(
        "m.json: layer l (Cropping2D): option cropping expected an integer, a pair, or a pair of"
            + " pairs of integers >= 0, got [1, 2, 3]",
        "Cropping2D",
        "\"cropping\": [1, 2, 3]");
    refusedJson(
        "m.json: layer l (Activation): unsupported activation=sparsemax; jeras supports"
            + " activation: "
            + Activations.supportedNames(),
        "Activation",
        "\"activation\": \"sparsemax\"");
    refusedJson(
        "m.json: layer l (GaussianNoise): unsupported stddev=1.5; jeras supports stddev: a value"
            + " in [0, 1]",
        "GaussianNoise",
        "\"stddev\": 1.5");
  }

  @Test
  void kerasJson_alternativeForms_read() {
    // LeakyReLU's Keras 2 alpha, Softmax's list axis, padding as one number and as a pair
    try (Model m = KerasJson.fromJson(layerJson("LeakyReLU", "\"alpha\": 0.2"), "m.json")) {
      assertEquals(0.2, ((LeakyReLU) m.getLayer("l")).negativeSlope());
    }
    try (Model m = KerasJson.fromJson(layerJson("Softmax", "\"axis\": [-1]"), "m.json")) {
      assertEquals(List.of(-1), m.getLayer("l").getConfig().get("axis"));
    }
    try (Model m = KerasJson.fromJson(layerJson("ZeroPadding2D", "\"padding\": 2"), "m.json")) {
      assertEquals("(None, 8, 8, 2)", m.network().outputs().get(0).shape().toString());
    }
    try (Model m = KerasJson.fromJson(layerJson("Cropping2D", "\"cropping\": [1, 0]"), "m.json")) {
      assertEquals("(None, 2, 4, 2)", m.network().outputs().get(0).shape().toString());
    }
    try (Model m =
        KerasJson.fromJson(
            layerJson(
                "Conv2D", "\"filters\": 1, \"kernel_size\": 1, \"kernel_regularizer\": \"l2\""),
            "m.json")) {
      assertEquals(Regularizer.l2(0.01), m.getLayer("l").getConfig().get("kernel_regularizer"));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Random layers in training mode

  private static FloatArray ones(long... shape) {
    float[] v = new float[LayerHarness.size(shape)];
    Arrays.fill(v, 1f);
    return FloatArray.of(v, shape);
  }

  /** Every (sample, channel) map is all zero or all 1 / (1 - rate); about rate of them are zero. */
  private static void checkChannelDrops(Layer layer, double rate) {
    FloatArray x = ones(16, 4, 5, 32);
    assertArrayEquals(x.data(), LayerHarness.predict(layer, x).data(), "inference is identity");
    FloatArray y = LayerHarness.predictTraining(copy(layer), x);
    float kept = (float) (1 / (1 - rate));
    int dropped = 0;
    for (int n = 0; n < 16; n++) {
      for (int c = 0; c < 32; c++) {
        float first = y.get(n, 0, 0, c);
        assertTrue(first == 0f || first == kept, "value " + first);
        for (int h = 0; h < 4; h++) {
          for (int w = 0; w < 5; w++) {
            assertEquals(first, y.get(n, h, w, c), "one draw per map");
          }
        }
        dropped += first == 0f ? 1 : 0;
      }
    }
    double fraction = dropped / 512.0;
    assertTrue(Math.abs(fraction - rate) < 0.08, "dropped fraction " + fraction);
  }

  /** A fresh copy of a random layer (a layer is built once). */
  private static Layer copy(Layer l) {
    if (l instanceof SpatialDropout2D s) {
      return new SpatialDropout2D(s.rate());
    }
    Dropout d = (Dropout) l;
    return new Dropout(d.rate()).noiseShape(null, 1, 1, null);
  }

  @Test
  void spatialDropout_training_dropsWholeChannels_inferenceIsIdentity() {
    checkChannelDrops(new SpatialDropout2D(0.3), 0.3);
  }

  @Test
  void dropoutNoiseShape_training_sharesDrawsAlongAxesOfOne() {
    checkChannelDrops(new Dropout(0.5).noiseShape(null, 1, 1, null), 0.5);
  }

  private static double[] meanStd(float[] v) {
    double s = 0;
    for (float f : v) {
      s += f;
    }
    double mean = s / v.length;
    double q = 0;
    for (float f : v) {
      q += (f - mean) * (f - mean);
    }
    return new double[] {mean, Math.sqrt(q / v.length)};
  }

  @Test
  void gaussianNoise_training_addsNoiseOfThatStddev_inferenceIsIdentity() {
    FloatArray x = LayerHarness.random(new Random(3), 40, 50, 10);
    assertArrayEquals(x.data(), LayerHarness.predict(new GaussianNoise(0.4), x).data());
    FloatArray y = LayerHarness.predictTraining(new GaussianNoise(0.4), x);
    float[] noise = new float[x.data().length];
    for (int i = 0; i < noise.length; i++) {
      noise[i] = y.data()[i] - x.data()[i];
    }
    double[] ms = meanStd(noise);
    assertEquals(0, ms[0], 0.01, "noise mean");
    assertEquals(0.4, ms[1], 0.01, "noise stddev");
  }

  @Test
  void gaussianDropout_training_multipliesByNoiseAroundOne_inferenceIsIdentity() {
    FloatArray x = ones(40, 50, 10);
    assertArrayEquals(x.data(), LayerHarness.predict(new GaussianDropout(0.2), x).data());
    double[] ms = meanStd(LayerHarness.predictTraining(new GaussianDropout(0.2), x).data());
    assertEquals(1, ms[0], 0.02, "factor mean");
    assertEquals(Math.sqrt(0.2 / 0.8), ms[1], 0.02, "factor stddev sqrt(rate / (1 - rate))");
  }

  @Test
  void randomLayers_sameSeed_sameTrainingOutput() {
    FloatArray x = ones(4, 3, 3, 8);
    for (Supplier<Layer> s :
        List.<Supplier<Layer>>of(
            () -> new SpatialDropout2D(0.5),
            () -> new GaussianNoise(0.5),
            () -> new GaussianDropout(0.5))) {
      float[] a = LayerHarness.predictTraining(s.get(), x).data();
      float[] b = LayerHarness.predictTraining(s.get(), x).data();
      assertArrayEquals(a, b, s.get().className() + " with the same seed");
      assertTrue(!Arrays.equals(a, x.data()), s.get().className() + " changed nothing");
    }
  }
}

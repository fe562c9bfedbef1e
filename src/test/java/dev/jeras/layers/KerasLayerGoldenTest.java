package dev.jeras.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jeras.data.FloatArray;
import dev.jeras.models.Model;
import dev.jeras.saving.KerasJson;
import dev.jeras.testing.Fixtures;
import dev.jeras.testing.Gradients;
import dev.jeras.testing.Npz;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every layer and activation of issue 20 (part 1) against Keras 3: the one-layer models of {@code
 * testdata/layers/goldens.json}, read from Keras' own model JSON, given Keras' weights and inputs,
 * predict Keras' outputs, and the gradients of {@code sum(y * r)} with respect to the inputs and
 * the trainable weights are Keras' (scripts/make_layer_goldens.py), both within {@code 1e-6 + 1e-5
 * * |keras|}.
 */
class KerasLayerGoldenTest {
  static final Path DIR = Path.of("testdata", "layers");
  static final double ATOL = 1e-6;
  static final double RTOL = 1e-5;

  /**
   * gelu's tanh approximation cancels in float32 where 1 + tanh(u) is small (x near -4): there,
   * TensorFlow 2.21's tanh (Python's wheel) and 2.18's (TensorFlow Java's runtime) differ by one
   * ulp near -1, which moves 1 + tanh(u) by 1e-3 of itself. At x = -3.88 the gradient (times r) is
   * 5.02226e-4 in float64, 5.02223e-4 in Keras' float32 and 5.03671e-4 in jeras': both are float32
   * noise on a gradient of scale 1, so that case's absolute tolerance is 5e-6.
   */
  static final double ATOL_GELU_APPROXIMATE = 5e-6;

  private static JsonNode manifest;
  private static Npz arrays;

  static synchronized JsonNode manifest() {
    if (manifest == null) {
      try {
        manifest =
            new ObjectMapper()
                .readTree(Fixtures.testdata().resolve("layers/goldens.json").toFile());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      arrays = Npz.read(DIR.resolve("goldens.npz"));
    }
    return manifest;
  }

  static Stream<String> cases() {
    List<String> names = new ArrayList<>();
    manifest().get("cases").fieldNames().forEachRemaining(names::add);
    return names.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void kerasLayer_forwardAndGradients_matchKeras(String name) throws IOException {
    JsonNode c = manifest().get("cases").get(name);
    List<FloatArray> xs = new ArrayList<>();
    for (int i = 0; i < c.get("inputs").asInt(); i++) {
      xs.add(arrays.floats(name + ".x" + i));
    }
    List<FloatArray> ws = new ArrayList<>();
    for (int i = 0; i < c.get("weights").asInt(); i++) {
      ws.add(arrays.floats(name + ".w" + i));
    }
    try (Model m = build(name, c, xs)) {
      assertEquals(ws.size(), m.network().weights().size(), name + ": weight count");
      if (!ws.isEmpty()) {
        m.setWeights(ws);
      }
      FloatArray y = m.predict(xs, xs.get(0).count()).get(0);
      double atol = name.equals("gelu_approximate") ? ATOL_GELU_APPROXIMATE : ATOL;
      double forward = check(arrays.floats(name + ".y"), y, atol, name + " output");
      List<FloatArray> grads =
          Gradients.of(m.network(), m.getWeights(), xs, arrays.floats(name + ".r"));
      assertEquals(xs.size() + c.get("trainable").asInt(), grads.size(), name + ": gradients");
      double backward = 0;
      for (int i = 0; i < grads.size(); i++) {
        String key = i < xs.size() ? ".dx" + i : ".dw" + (i - xs.size());
        backward =
            Math.max(backward, check(arrays.floats(name + key), grads.get(i), atol, name + key));
      }
      System.out.printf(
          "golden %-34s forward max|diff| %.2e  gradient max|diff| %.2e%n",
          name, forward, backward);
    }
  }

  /** The model Keras saved (its JSON), or for gelu's approximation the Java activation. */
  private static Model build(String name, JsonNode c, List<FloatArray> xs) throws IOException {
    if (c.get("model").isNull()) {
      assertEquals("gelu_approximate", name);
      return LayerHarness.model(
          new Activation(Activations.GELU_APPROXIMATE), LayerHarness.sampleShape(xs.get(0)));
    }
    Model m = KerasJson.fromJson(new ObjectMapper().writeValueAsString(c.get("model")), name);
    m.seed(LayerHarness.SEED);
    return m;
  }

  /** Asserts closeness and returns the largest absolute difference. */
  private static double check(FloatArray expected, FloatArray actual, double atol, String what) {
    assertEquals(
        java.util.Arrays.toString(expected.shape()),
        java.util.Arrays.toString(actual.shape()),
        what + ": shape");
    LayerHarness.assertClose(LayerHarness.toDouble(expected.data()), actual, atol, RTOL, what);
    double max = 0;
    for (int i = 0; i < expected.data().length; i++) {
      max = Math.max(max, Math.abs((double) expected.data()[i] - actual.data()[i]));
    }
    return max;
  }
}

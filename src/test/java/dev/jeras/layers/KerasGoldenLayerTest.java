package dev.jeras.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jeras.data.FloatArray;
import dev.jeras.models.Model;
import dev.jeras.saving.KerasJson;
import dev.jeras.saving.LayerRegistry;
import dev.jeras.saving.Npy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every layer-zoo case against Python Keras 3.15 (testdata/layers, made by
 * scripts/make_layer_goldens.py): the layer is made from Keras' own config (fromConfig), given
 * Keras' weights, and must give Keras' output through a jeras model, and Keras' gradients (input
 * and trainable weights) on its own, each within 1e-5 of the reference's largest magnitude plus
 * 1e-5 relative. Its config must have Keras' keys in Keras' order and read back to itself.
 */
class KerasGoldenLayerTest {
  static final Path DIR = Path.of("testdata", "layers");
  private static final double TOL = 1e-5;
  private static final Map<String, String> DIFFS = new TreeMap<>();

  static Stream<String> cases() throws IOException {
    try (Stream<Path> s = Files.list(DIR)) {
      return s
          .filter(p -> Files.isRegularFile(p.resolve("case.json")))
          .map(p -> p.getFileName().toString())
          .sorted()
          .toList()
          .stream();
    }
  }

  /** A golden case as written by the script. */
  record Case(String name, JsonNode info, FloatArray x, FloatArray y, List<FloatArray> weights) {
    static Case load(String name) throws IOException {
      Path d = DIR.resolve(name);
      JsonNode info = KerasJson.MAPPER.readTree(d.resolve("case.json").toFile());
      List<FloatArray> w = new ArrayList<>();
      for (int i = 0; i < info.get("weights").size(); i++) {
        FloatArray a = Npy.readFloats(d.resolve("w" + i + ".npy"));
        w.add(a.shape().length == 0 ? FloatArray.of(a.data(), 1) : a);
      }
      return new Case(
          name, info, Npy.readFloats(d.resolve("x.npy")), Npy.readFloats(d.resolve("y.npy")), w);
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> config() {
      return KerasJson.MAPPER.convertValue(info.get("config"), Map.class);
    }

    String className() {
      return info.get("class_name").asText();
    }

    boolean training() {
      return info.get("training").asBoolean();
    }

    Layer layer() {
      return LayerRegistry.create(className(), config(), name + "/case.json");
    }
  }

  /** max |a - b| after checking {@code |a - b| <= TOL * max|b| + TOL * |b|} everywhere. */
  static double check(double[] expected, FloatArray actual, String what) {
    double scale = 0;
    for (double v : expected) {
      scale = Math.max(scale, Math.abs(v));
    }
    LayerHarness.assertClose(expected, actual, TOL * Math.max(scale, 1e-3), TOL, what);
    double max = 0;
    for (int i = 0; i < expected.length; i++) {
      max = Math.max(max, Math.abs(actual.data()[i] - expected[i]));
    }
    return max;
  }

  static double[] doubles(FloatArray a) {
    return LayerHarness.toDouble(a.data());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void forward_matchesKeras(String name) throws IOException {
    Case c = Case.load(name);
    FloatArray[] w = c.weights().toArray(new FloatArray[0]);
    FloatArray y =
        c.training()
            ? LayerHarness.predictTraining(c.layer(), c.x(), w)
            : LayerHarness.predict(c.layer(), c.x(), w);
    LayerHarness.assertShape(y, c.y().shape());
    double d = check(doubles(c.y()), y, name + " forward");
    DIFFS.merge(name, String.format("forward %.2e", d), (a, b) -> b + ", " + a);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void gradients_matchKeras(String name) throws IOException {
    Case c = Case.load(name);
    if (!c.info().get("gradients").asBoolean()) {
      assertTrue(
          c.layer().weights().stream().noneMatch(WeightSpec::trainable)
              || !Files.exists(DIR.resolve(name).resolve("gx.npy")),
          name);
      return;
    }
    Layer layer = c.layer();
    layer.apply(Input.shape(LayerHarness.sampleShape(c.x())));
    FloatArray r = Npy.readFloats(DIR.resolve(name).resolve("r.npy"));
    GradientHarness.Gradients g =
        GradientHarness.gradients(layer, c.x(), c.weights(), r, c.training());
    double d = check(doubles(c.y()), g.y(), name + " forward (standard ops)");
    d = Math.max(d, check(doubles(read(name, "gx")), g.input(), name + " input gradient"));
    int checked = 0;
    for (int i = 0; i < c.weights().size(); i++) {
      Path gi = DIR.resolve(name).resolve("g" + i + ".npy");
      if (Files.exists(gi)) {
        FloatArray got = g.weights().get(i);
        assertTrue(got != null, name + ": no gradient for weight " + i);
        d = Math.max(d, check(doubles(Npy.readFloats(gi)), got, name + " gradient of weight " + i));
        checked++;
      }
    }
    assertEquals(g.weights().size(), checked, name + ": trainable weights with a Keras gradient");
    DIFFS.merge(name, String.format("gradients %.2e", d), (a, b) -> a + ", " + b);
  }

  private static FloatArray read(String name, String file) {
    return Npy.readFloats(DIR.resolve(name).resolve(file + ".npy"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  @SuppressWarnings("unchecked")
  void config_hasKerasKeysAndValues_andRoundTripsThroughModelJson(String name) throws IOException {
    Case c = Case.load(name);
    try (Model m = LayerHarness.model(c.layer(), LayerHarness.sampleShape(c.x()))) {
      Map<String, Object> top = KerasJson.toMap(m);
      List<Map<String, Object>> layers =
          (List<Map<String, Object>>) ((Map<String, Object>) top.get("config")).get("layers");
      Map<String, Object> mine = (Map<String, Object>) layers.get(1).get("config");
      assertEquals(
          List.copyOf(c.config().keySet()), List.copyOf(mine.keySet()), name + ": config keys");
      for (Map.Entry<String, Object> e : c.config().entrySet()) {
        if (!e.getKey().equals("seed")) {
          assertEquals(
              normalize(e.getValue()),
              normalize(mine.get(e.getKey())),
              name + ": config value " + e.getKey());
        }
      }
      String json = KerasJson.toJson(m);
      try (Model again = KerasJson.fromJson(json, name)) {
        assertEquals(json, KerasJson.toJson(again), name + ": model JSON round trip");
      }
    }
  }

  /** Numbers as doubles, lists and maps element-wise, so that 1 and 1.0 compare equal. */
  static Object normalize(Object v) {
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    if (v instanceof List<?> l) {
      return l.stream().map(KerasGoldenLayerTest::normalize).toList();
    }
    if (v instanceof Map<?, ?> m && m.get("class_name") != null) {
      return m.get("class_name"); // an initializer or dtype policy: its class (jeras' own tests pin
      // the rest of their configs)
    }
    if (v instanceof Map<?, ?> m) {
      Map<Object, Object> out = new TreeMap<>();
      m.forEach((k, x) -> out.put(k, normalize(x)));
      return out;
    }
    return v;
  }

  @AfterAll
  static void report() {
    // the numbers behind the report of scripts/make_layer_goldens.py's cases
    DIFFS.forEach((k, v) -> System.out.println("golden " + k + ": max |jeras - keras| " + v));
  }
}

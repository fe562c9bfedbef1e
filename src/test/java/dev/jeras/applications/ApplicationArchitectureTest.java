package dev.jeras.applications;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jeras.models.Model;
import dev.jeras.saving.KerasJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each Java-built application against the architecture Keras builds with the same options
 * (testdata/applications, made by scripts/make_application_defs.py): the same layers in the same
 * order with the same names and classes, the same configuration wherever both write a key, the same
 * inbound connections, and the same parameter counts. Same names and shapes are what make a Keras
 * weights file load; the weights themselves are checked end to end by scripts/check_applications.py
 * --builders.
 */
class ApplicationArchitectureTest {
  private static final Path DIR = Path.of("testdata", "applications");

  static Stream<String> configurations() throws IOException {
    try (Stream<Path> files = Files.list(DIR)) {
      List<String> ids =
          files
              .map(p -> p.getFileName().toString())
              .filter(n -> n.endsWith(".options.json"))
              .map(n -> n.substring(0, n.length() - ".options.json".length()))
              .sorted()
              .toList();
      assertFalse(ids.isEmpty(), "no application definitions in " + DIR);
      return ids.stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("configurations")
  void builtApplication_matchesKerasArchitecture(String id) throws IOException {
    Map<String, Object> meta = read(DIR.resolve(id + ".options.json"));
    Map<String, Object> keras = read(DIR.resolve(id + ".json"));
    @SuppressWarnings("unchecked")
    Map<String, Object> o = (Map<String, Object>) meta.get("options");
    try (Model model = Applications.create((String) meta.get("application"), options(o))) {
      assertEquals(
          ((Number) meta.get("total_params")).longValue(), model.countParams(), id + ": params");
      assertEquals(
          ((Number) meta.get("trainable_params")).longValue(),
          model.countTrainableParams(),
          id + ": trainable params");
      compare(id, layers(keras), layers(KerasJson.toMap(model)));
    }
  }

  private static ApplicationOptions options(Map<String, Object> o) {
    ApplicationOptions a = new ApplicationOptions();
    if (o.get("input_shape") instanceof List<?> s) {
      a.inputShape(
          ((Number) s.get(0)).intValue(),
          ((Number) s.get(1)).intValue(),
          ((Number) s.get(2)).intValue());
    }
    if (o.containsKey("include_top")) {
      a.includeTop((Boolean) o.get("include_top"));
    }
    if (o.containsKey("pooling")) {
      a.pooling((String) o.get("pooling"));
    }
    if (o.containsKey("classes")) {
      a.classes(((Number) o.get("classes")).intValue());
    }
    if (o.containsKey("classifier_activation")) {
      a.classifierActivation((String) o.get("classifier_activation"));
    }
    if (o.containsKey("alpha")) {
      a.alpha(((Number) o.get("alpha")).doubleValue());
    }
    return a;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> layers(Map<String, Object> top) {
    Map<String, Object> config = (Map<String, Object>) top.get("config");
    return (List<Map<String, Object>>) config.get("layers");
  }

  @SuppressWarnings("unchecked")
  private static void compare(
      String id, List<Map<String, Object>> expected, List<Map<String, Object>> actual) {
    List<String> problems = new ArrayList<>();
    if (expected.size() != actual.size()) {
      problems.add("layer count: Keras " + expected.size() + ", jeras " + actual.size());
    }
    String kerasInput = (String) expected.get(0).get("name");
    String jerasInput = (String) actual.get(0).get("name");
    for (int i = 0; i < Math.min(expected.size(), actual.size()); i++) {
      Map<String, Object> e = expected.get(i);
      Map<String, Object> a = actual.get(i);
      String where = "layer " + i + " (" + e.get("name") + ")";
      if (!e.get("class_name").equals(a.get("class_name"))) {
        problems.add(where + ": class " + e.get("class_name") + " vs " + a.get("class_name"));
        continue;
      }
      boolean input = "InputLayer".equals(e.get("class_name"));
      if (!input && !e.get("name").equals(a.get("name"))) {
        problems.add(where + ": name " + e.get("name") + " vs " + a.get("name"));
      }
      Map<String, Object> ec = (Map<String, Object>) e.get("config");
      Map<String, Object> ac = (Map<String, Object>) a.get("config");
      for (Map.Entry<String, Object> kv : ac.entrySet()) {
        String key = kv.getKey();
        if (!ec.containsKey(key) || key.equals("dtype") || (input && key.equals("name"))) {
          continue;
        }
        if (!same(ec.get(key), kv.getValue())) {
          problems.add(where + ": " + key + " = " + ec.get(key) + " vs " + kv.getValue());
        }
      }
      List<String> ei = inbound(e.get("inbound_nodes"), kerasInput);
      List<String> ai = inbound(a.get("inbound_nodes"), jerasInput);
      if (!ei.equals(ai)) {
        problems.add(where + ": inputs " + ei + " vs " + ai);
      }
    }
    if (!problems.isEmpty()) {
      fail(
          id
              + ": "
              + problems.size()
              + " differences from Keras, first ones:\n  "
              + String.join("\n  ", problems.subList(0, Math.min(20, problems.size()))));
    }
  }

  /** The names of the layers a layer's calls read, the input layer as "<input>". */
  private static List<String> inbound(Object nodes, String inputName) {
    List<String> names = new ArrayList<>();
    collect(nodes, inputName, names);
    return names;
  }

  private static void collect(Object o, String inputName, List<String> names) {
    if (o instanceof Map<?, ?> m) {
      if (m.get("keras_history") instanceof List<?> h) {
        String n = String.valueOf(h.get(0));
        names.add(n.equals(inputName) ? "<input>" : n);
        return;
      }
      for (Object v : m.values()) {
        collect(v, inputName, names);
      }
    } else if (o instanceof List<?> l) {
      for (Object v : l) {
        collect(v, inputName, names);
      }
    }
  }

  /** JSON values equal, numbers compared by value (Keras writes 1.0 where jeras may write 1). */
  private static boolean same(Object a, Object b) {
    if (a instanceof Number x && b instanceof Number y) {
      return Math.abs(x.doubleValue() - y.doubleValue())
          <= 1e-12 * Math.max(1, Math.abs(x.doubleValue()));
    }
    if (a instanceof List<?> x && b instanceof List<?> y) {
      if (x.size() != y.size()) {
        return false;
      }
      for (int i = 0; i < x.size(); i++) {
        if (!same(x.get(i), y.get(i))) {
          return false;
        }
      }
      return true;
    }
    if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
      for (Map.Entry<?, ?> kv : y.entrySet()) {
        if (x.containsKey(kv.getKey()) && !same(x.get(kv.getKey()), kv.getValue())) {
          return false;
        }
      }
      return true;
    }
    return a == null ? b == null : a.equals(b);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> read(Path p) throws IOException {
    return KerasJson.MAPPER.readValue(p.toFile(), Map.class);
  }
}

package dev.jeras.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.JerasException;
import dev.jeras.layers.SymbolicTensor;
import dev.jeras.models.Model;
import dev.jeras.saving.KerasJson;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AddLifecycleHook;

/**
 * Keras model JSON edited at random, structurally (keys deleted, values of the wrong type, huge,
 * negative, NaN, null, deep nests) and byte-wise: {@link KerasJson#fromJson} either returns a model
 * whose layers have output shapes and which writes back to JSON that reads again, or throws a
 * {@link JerasException} naming the source.
 */
@AddLifecycleHook(FuzzBudget.class)
class KerasJsonFuzzTest {
  private static final List<String> FIXTURES =
      List.of("mnist-basic", "cifar10-bn", "cifar10-functional");
  private static final List<Object> TREES =
      FIXTURES.stream().map(n -> JsonTree.parse(text(n))).toList();

  @Property(tries = 400)
  void structuralEdits_modelOrJerasException(
      @ForAll @IntRange(min = 0, max = 2) int fixture, @ForAll("edits") List<JsonTree.Edit> edits) {
    String json = JsonTree.write(JsonTree.apply(TREES.get(fixture), edits));
    fromJson(json, "fuzz-" + FIXTURES.get(fixture) + ".json");
  }

  @Property(tries = 300)
  void byteEdits_modelOrJerasException(
      @ForAll @IntRange(min = 0, max = 2) int fixture, @ForAll("mutations") Mutation m) {
    byte[] b = m.apply(text(FIXTURES.get(fixture)).getBytes(StandardCharsets.UTF_8));
    fromJson(new String(b, StandardCharsets.UTF_8), "bytes-" + FIXTURES.get(fixture) + ".json");
  }

  static void fromJson(String json, String source) {
    Model m;
    try {
      m = Outcomes.within(Outcomes.FAST, () -> KerasJson.fromJson(json, source));
    } catch (JerasException e) {
      Outcomes.assertDocumented(e, new String[] {source});
      return;
    }
    Outcomes.accepted();
    try (Model model = m) {
      checkModel(model, source);
    }
  }

  /** A model that was accepted has output shapes, counts its weights, and round-trips. */
  static void checkModel(Model model, String source) {
    assertNotNull(model.network());
    for (SymbolicTensor t : model.network().outputs()) {
      assertTrue(t.shape().rank() >= 1, "output rank " + t.shape());
    }
    assertTrue(model.countParams() >= 0, "negative parameter count");
    for (var layer : model.network().layers()) {
      assertFinite(layer.getConfig(), layer.name());
      for (var w : layer.weights()) {
        assertTrue(
            w.size() >= 0 && w.size() < Integer.MAX_VALUE,
            layer.name() + " " + w.name() + " holds " + w.size() + " values");
      }
      for (var node : layer.nodes()) {
        long n = 1;
        for (long d : node.output().shape().dims()) {
          n = Math.multiplyExact(n, Math.max(d, 1));
        }
        assertTrue(n < Integer.MAX_VALUE, layer.name() + " output " + node.output().shape());
      }
    }
    assertNotNull(model.summary());
    String again = KerasJson.toJson(model);
    try (Model back = KerasJson.fromJson(again, source + " (written back)")) {
      assertEquals(model.countParams(), back.countParams());
      assertEquals(model.network().layers().size(), back.network().layers().size());
    }
  }

  /** An accepted configuration holds no NaN or infinite number (a rate, a momentum, a stddev). */
  private static void assertFinite(Object v, String where) {
    if (v instanceof Number n) {
      assertTrue(Double.isFinite(n.doubleValue()), where + ": accepted " + n);
    } else if (v instanceof java.util.Map<?, ?> m) {
      m.forEach((k, x) -> assertFinite(x, where + "." + k));
    } else if (v instanceof Iterable<?> l) {
      l.forEach(x -> assertFinite(x, where));
    } else if (v instanceof dev.jeras.layers.Initializer i) {
      assertFinite(i.config(), where + " initializer");
    }
  }

  static String text(String name) {
    return new String(
        FuzzFiles.read(Path.of("model-defs", name + ".json")), StandardCharsets.UTF_8);
  }

  @Provide
  Arbitrary<List<JsonTree.Edit>> edits() {
    return JsonTree.edits();
  }

  @Provide
  Arbitrary<Mutation> mutations() {
    return Mutation.any();
  }
}

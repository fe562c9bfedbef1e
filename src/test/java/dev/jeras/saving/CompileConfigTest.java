package dev.jeras.saving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.layers.Dense;
import dev.jeras.layers.Input;
import dev.jeras.models.Model;
import dev.jeras.models.Sequential;
import dev.jeras.testing.Fixtures;
import dev.jeras.training.Loss;
import dev.jeras.training.Optimizer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Losses in Keras' {@code compile_config}: a cross-entropy from logits is Keras' object with {@code
 * from_logits=True} both ways, and a loss setting jeras does not compute leaves the model
 * uncompiled rather than compiled wrongly.
 */
class CompileConfigTest {
  @TempDir Path tmp;

  private static Sequential small() {
    return new Sequential(Input.shape(4), new Dense(3));
  }

  private static Map<String, Object> config(Object loss) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("optimizer", "adam");
    c.put("loss", loss);
    return c;
  }

  private static Map<String, Object> lossObject(String cls, Map<String, Object> config) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("module", "keras.losses");
    o.put("class_name", cls);
    o.put("config", config);
    return o;
  }

  @Test
  void kerasFileWithLossFromLogits_loadsCompiledFromLogits() {
    Path file = Fixtures.testdata().resolve("transfer-step").resolve("before.keras");
    try (Model m = ModelFiles.load(file)) {
      assertTrue(m.isCompiled(), file + " has a compile_config jeras supports");
      assertEquals(List.of(new Loss.CrossEntropy(true, true)), m.losses());
      assertEquals("Adam", m.optimizer().kerasClassName());
      assertEquals(1e-3, m.learningRate(), 1e-9);
    }
  }

  @Test
  void lossFromLogits_survivesSaveAndLoad() {
    Path file = tmp.resolve("m.keras");
    try (Sequential m = small()) {
      m.compile(Optimizer.adam(), List.of(Loss.categoricalCrossentropy(true)), List.of());
      ModelFiles.save(m, file);
    }
    try (Model back = ModelFiles.load(file)) {
      assertTrue(back.isCompiled());
      assertEquals(List.of(new Loss.CrossEntropy(false, true)), back.losses());
    }
  }

  @Test
  void lossWithoutLogits_staysAName() {
    try (Sequential m = small()) {
      m.compile(Optimizer.adam(), List.of(Loss.sparseCategoricalCrossentropy()), List.of());
      assertEquals("sparse_categorical_crossentropy", CompileConfig.toMap(m).get("loss"));
    }
  }

  @Test
  void lossSettingsJerasDoesNotCompute_leaveTheModelUncompiled() {
    for (Map<String, Object> cfg :
        List.of(
            Map.<String, Object>of("label_smoothing", 0.1),
            Map.<String, Object>of("ignore_class", 0),
            Map.<String, Object>of("reduction", "sum"))) {
      try (Sequential m = small()) {
        assertFalse(
            CompileConfig.apply(
                m, config(lossObject("SparseCategoricalCrossentropy", cfg)), "test"),
            cfg.toString());
        assertFalse(m.isCompiled(), cfg.toString());
      }
    }
    try (Sequential m = small()) {
      assertFalse(
          CompileConfig.apply(
              m, config(lossObject("BinaryCrossentropy", Map.of("from_logits", true))), "test"));
    }
    try (Sequential m = small()) {
      assertTrue(
          CompileConfig.apply(
              m,
              config(
                  lossObject(
                      "SparseCategoricalCrossentropy",
                      Map.of("from_logits", false, "reduction", "sum_over_batch_size"))),
              "test"));
      assertEquals(List.of(new Loss.CrossEntropy(true, false)), m.losses());
    }
  }
}

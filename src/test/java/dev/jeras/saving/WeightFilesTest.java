package dev.jeras.saving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.JerasException;
import dev.jeras.data.FloatArray;
import dev.jeras.models.Builtins;
import dev.jeras.models.Model;
import dev.jeras.testing.Fixtures;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Weight files of every Keras kind loaded into a model built from its architecture
 * (scripts/make_weights_fixtures.py): Keras 3 {@code .weights.h5} and {@code .keras}, legacy
 * full-model and weights-only {@code .h5}, by name or, when the names differ, by order as Keras
 * does; a file that does not fit fails with the file, layer, weight and shapes, and loads nothing.
 */
class WeightFilesTest {
  private static final Path DIR = Fixtures.testdata().resolve("legacy-weights");

  /** The fixture architecture with fresh weights (cnn.json read alone, nothing beside it). */
  private static Model fresh() {
    return KerasJson.read(DIR.resolve("cnn.json"));
  }

  private static void assertPredictsAsKeras(Model m) {
    FloatArray x = Npy.readFloats(DIR.resolve("cnn_x.npy"));
    FloatArray y = Npy.readFloats(DIR.resolve("cnn_y.npy"));
    float[] got = m.predict(List.of(x), 2).get(0).data();
    Fixtures.assertClose(got, y.data(), 1e-5, 1e-5);
  }

  @ParameterizedTest
  @MethodSource("dev.jeras.testing.Fixtures#legacyWeightFiles")
  void everyKind_loadsIntoTheBuiltModel_predictsAsKeras(String file) {
    try (Model m = fresh()) {
      ModelFiles.loadWeights(m, DIR.resolve(file));
      assertPredictsAsKeras(m);
    }
  }

  @Test
  void wrongShape_namesFileLayerWeightAndShapes_leavesWeightsUntouched() {
    try (Model m = fresh()) {
      ModelFiles.loadWeights(m, DIR.resolve("cnn_legacy_weights.h5"));
      List<FloatArray> before = m.getWeights();
      Path bad = DIR.resolve("cnn_wrong_shape.h5");
      JerasException e = assertThrows(JerasException.class, () -> ModelFiles.loadWeights(m, bad));
      String msg = e.getMessage();
      assertTrue(msg.startsWith(bad.toString()), msg);
      assertTrue(msg.contains("conv") && msg.contains("kernel"), msg);
      assertTrue(msg.contains("expected shape (3, 3, 3, 4), got (3, 3, 3, 5)"), msg);
      List<FloatArray> after = m.getWeights();
      assertEquals(before.size(), after.size());
      for (int i = 0; i < before.size(); i++) {
        assertArrayEquals(before.get(i).data(), after.get(i).data(), "weight " + i);
      }
      assertPredictsAsKeras(m);
    }
  }

  @Test
  void otherArchitecture_failsNamingTheFirstUnmatchedLayerAndCounts() {
    try (Model m = Builtins.create("mnist-basic")) {
      Path file = DIR.resolve("cnn_legacy_weights.h5");
      List<FloatArray> before = m.getWeights();
      JerasException e = assertThrows(JerasException.class, () -> ModelFiles.loadWeights(m, file));
      String msg = e.getMessage();
      String first =
          m.layers().stream().filter(l -> !l.weights().isEmpty()).findFirst().get().name();
      assertTrue(msg.startsWith(file.toString()), msg);
      assertTrue(msg.contains("layer " + first) || msg.contains("'" + first + "'"), msg);
      assertTrue(msg.contains("found 5 in the file"), msg);
      assertArrayEquals(before.get(0).data(), m.getWeights().get(0).data());
    }
  }

  @Test
  void weightsOnlyLegacyFile_asAModel_pointsToWeights() {
    Path file = DIR.resolve("cnn_legacy_weights.h5");
    JerasException e = assertThrows(JerasException.class, () -> ModelFiles.load(file));
    assertTrue(e.getMessage().contains("--weights"), e.getMessage());
  }

  @Test
  void missingFile_namesIt() {
    try (Model m = fresh()) {
      Path file = DIR.resolve("absent.weights.h5");
      JerasException e = assertThrows(JerasException.class, () -> ModelFiles.loadWeights(m, file));
      assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
    }
  }
}

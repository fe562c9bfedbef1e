package dev.jeras.saving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.JerasException;
import dev.jeras.data.FloatArray;
import dev.jeras.data.NumericArray;
import dev.jeras.layers.Layer;
import dev.jeras.models.Model;
import dev.jeras.testing.Fixtures;
import io.jhdf.HdfFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Models nested in models, as Keras saves them (scripts/make_nested_models.py): read from {@code
 * .keras}, model JSON with {@code .weights.h5}, and legacy {@code .h5}, predicting as Keras did;
 * their trainable flags and {@code training=False} calls kept; written back with Keras' nested
 * weight paths.
 */
class NestedKerasFilesTest {
  private static final Path DIR = Fixtures.testdata().resolve("nested");

  @TempDir Path tmp;

  private static void assertPredictsAsKeras(Model m, String name) {
    FloatArray x = Npy.readFloats(DIR.resolve(name + "_x.npy"));
    Map<String, NumericArray> expected = Npy.readNpz(DIR.resolve(name + "_y.npz"));
    assertEquals(List.copyOf(expected.keySet()), m.outputNames(), "Keras' output names");
    List<FloatArray> got = m.predict(List.of(x), 4);
    int i = 0;
    for (NumericArray y : expected.values()) {
      Fixtures.assertClose(got.get(i++).data(), ((FloatArray) y).data(), 1e-5, 1e-5);
    }
  }

  @Test
  void kerasFile_nestedFunctionalAndSequential_predictAsKeras_flagsKept() {
    try (Model m = KerasFile.load(DIR.resolve("nested.keras"))) {
      assertPredictsAsKeras(m, "nested");
      Model base = (Model) m.getLayer("fbase");
      assertFalse(base.trainable(), "the frozen base stays frozen");
      for (Layer l : base.layers()) {
        if (!(l instanceof dev.jeras.layers.InputLayer)) {
          assertFalse(l.trainable(), l.name());
        }
      }
      assertTrue(m.getLayer("seqbase").trainable());
      assertEquals(Boolean.FALSE, base.nodes().get(0).training(), "training=False call kept");
      assertEquals(301, m.countParams());
      assertEquals(145, m.countTrainableParams());
    }
  }

  @Test
  void modelJsonWithWeights_andLegacyH5_predictAsKeras() {
    try (Model m = ModelFiles.load(DIR.resolve("nested.json"))) {
      assertPredictsAsKeras(m, "nested");
    }
    try (Model m = LegacyH5.load(DIR.resolve("nested_legacy.h5"))) {
      assertPredictsAsKeras(m, "nested");
    }
  }

  @Test
  void sequentialInSequential_predictsAsKeras() {
    try (Model m = KerasFile.load(DIR.resolve("seq_in_seq.keras"))) {
      assertPredictsAsKeras(m, "seq_in_seq");
      assertEquals("Sequential", m.getLayer("inner").className());
    }
  }

  @Test
  void savedAgain_keepsKerasNestedWeightPaths_andReadsBackTheSame() throws Exception {
    Path keras = tmp.resolve("again.keras");
    Path json = tmp.resolve("again.json");
    try (Model m = KerasFile.load(DIR.resolve("nested.keras"))) {
      ModelFiles.save(m, keras);
      ModelFiles.save(m, json);
    }
    Path h5 = tmp.resolve("again.weights.h5");
    try (HdfFile f = new HdfFile(h5)) {
      List<String> paths = new ArrayList<>();
      collect(f, paths);
      assertTrue(paths.contains("/layers/functional/layers/conv2d/vars/0"), paths.toString());
      assertTrue(paths.contains("/layers/functional/layers/conv2d_1/vars/1"), paths.toString());
      assertTrue(
          paths.contains("/layers/functional/layers/batch_normalization/vars/3"), paths.toString());
      assertTrue(paths.contains("/layers/sequential/layers/conv2d/vars/0"), paths.toString());
      assertTrue(paths.contains("/layers/dense_1/vars/1"), paths.toString());
    }
    for (Path p : List.of(keras, json)) {
      try (Model m = ModelFiles.load(p)) {
        assertPredictsAsKeras(m, "nested");
        assertFalse(m.getLayer("fbase").trainable(), p.toString());
        assertEquals(Boolean.FALSE, m.getLayer("fbase").nodes().get(0).training());
      }
    }
    String text = Files.readString(json);
    assertTrue(text.contains("\"training\" : false"), "the call's training=False is written");
    assertTrue(text.contains("\"class_name\" : \"Sequential\""), "the nested Sequential");
  }

  private static void collect(io.jhdf.api.Group g, List<String> out) {
    for (io.jhdf.api.Node n : g) {
      out.add(n.getPath().replaceAll("/$", ""));
      if (n instanceof io.jhdf.api.Group child) {
        collect(child, out);
      }
    }
  }

  @Test
  void mixedCaseJsonName_readsAndWritesWeightsUnderTheSameName() throws Exception {
    // Keras users name files as their models: ResNet50.json beside ResNet50.weights.h5
    Files.copy(DIR.resolve("nested.json"), tmp.resolve("Nested.json"));
    Files.copy(DIR.resolve("nested.weights.h5"), tmp.resolve("Nested.weights.h5"));
    try (Model m = ModelFiles.load(tmp.resolve("Nested.json"))) {
      assertPredictsAsKeras(m, "nested");
      ModelFiles.save(m, tmp.resolve("Again.json"));
    }
    assertTrue(Files.isRegularFile(tmp.resolve("Again.weights.h5")));
  }

  @Test
  void weightOfTheWrongShapeInsideANestedModel_namesLayerVariableShapes_loadsNothing()
      throws Exception {
    Path json = tmp.resolve("wrong.json");
    String text = Files.readString(DIR.resolve("nested.json"));
    // the base's first convolution asks for 5 filters; the file has 4
    Files.writeString(json, text.replaceFirst("\"filters\": 4", "\"filters\": 5"));
    Files.copy(DIR.resolve("nested.weights.h5"), tmp.resolve("wrong.weights.h5"));
    JerasException e = assertThrows(JerasException.class, () -> ModelFiles.load(json));
    String msg = e.getMessage();
    assertTrue(msg.contains("layer fc1 (Conv2D) weight kernel"), msg);
    assertTrue(msg.contains("/layers/functional/layers/conv2d/vars/0"), msg);
    assertTrue(msg.contains("expected shape (3, 3, 3, 5), got (3, 3, 3, 4)"), msg);
  }
}

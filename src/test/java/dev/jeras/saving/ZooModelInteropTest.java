package dev.jeras.saving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jeras.data.FloatArray;
import dev.jeras.data.IntArray;
import dev.jeras.layers.Layer;
import dev.jeras.models.Model;
import dev.jeras.models.Predictor;
import dev.jeras.testing.Fixtures;
import dev.jeras.training.FitOptions;
import dev.jeras.training.Loss;
import dev.jeras.training.Optimizer;
import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Keras-made functional model with the layer zoo's layers (testdata/layers/zoo-model.keras, made
 * by scripts/make_layer_goldens.py: augmentation, Resizing, Rescaling, an adapted Normalization, a
 * dilated Conv2D, BatchNormalization on axis 1, DepthwiseConv2D, GroupNormalization,
 * SeparableConv2D, LayerNormalization, Conv2DTranspose, CenterCrop) loads with Keras' predictions,
 * is written back by jeras in every format and reloads with the same, and trains. Python reads
 * jeras' files in scripts/check_zoo_interop.py.
 */
class ZooModelInteropTest {
  static final Path DIR = Path.of("testdata", "layers");
  @TempDir Path tmp;

  static FloatArray x() {
    return Npy.readFloats(DIR.resolve("zoo-model_x.npy"));
  }

  @Test
  void kerasZooModel_loads_withEveryLayerClass_andKerasPredictions() throws IOException {
    JsonNode ref = KerasJson.MAPPER.readTree(DIR.resolve("reference.json").toFile());
    try (Model m = ModelFiles.load(DIR.resolve("zoo-model.keras"))) {
      Set<String> classes = new TreeSet<>();
      for (Layer l : m.layers()) {
        classes.add(l.className());
      }
      assertTrue(
          classes.containsAll(
              List.of(
                  "RandomFlip",
                  "RandomRotation",
                  "RandomZoom",
                  "RandomTranslation",
                  "RandomContrast",
                  "RandomBrightness",
                  "Resizing",
                  "Rescaling",
                  "Normalization",
                  "DepthwiseConv2D",
                  "SeparableConv2D",
                  "Conv2DTranspose",
                  "LayerNormalization",
                  "GroupNormalization",
                  "CenterCrop")),
          classes.toString());
      assertEquals(ref.get("zoo-model").get("params").asLong(), m.countParams());
      FloatArray y = m.predict(x(), 3);
      double diff =
          Fixtures.maxAbsDiff(y.data(), Npy.readFloats(DIR.resolve("zoo-model_y.npy")).data());
      assertTrue(diff <= 1e-5, "max |jeras - keras| = " + diff);
      String summary = m.summary();
      assertTrue(summary.contains("(DepthwiseConv2D)"), summary);
      assertTrue(summary.contains("(RandomFlip)"), summary);
      assertTrue(summary.contains("Non-trainable params: 63"), summary);
    }
  }

  @Test
  void zooModel_writtenByJeras_inEveryFormat_reloadsWithTheSamePredictions() throws IOException {
    try (Model m = ModelFiles.load(DIR.resolve("zoo-model.keras"))) {
      float[] expected = m.predict(x(), 6).data();
      List<FloatArray> weights = m.getWeights();
      Path keras = tmp.resolve("zoo.keras");
      Path json = tmp.resolve("zoo.json");
      Path sm = tmp.resolve("zoo_savedmodel");
      ModelFiles.save(m, keras);
      ModelFiles.save(m, json);
      ModelFiles.save(m, sm);
      for (Path p : List.of(keras, json, sm)) {
        try (Model back = ModelFiles.load(p)) {
          assertArrayEquals(expected, back.predict(x(), 6).data(), "predictions from " + p);
          assertArrayEquals(
              Fixtures.flatten(weights), Fixtures.flatten(back.getWeights()), "weights from " + p);
        }
      }
      // the exported graph is the inference graph: the augmentation layers are not in it
      try (Predictor p = ModelFiles.loadPredictor(sm)) {
        Fixtures.assertClose(p.predict(x(), 6).data(), expected, 1e-6, 1e-6);
      }
      assertNormalizationCountIsInt64Scalar(keras);
    }
  }

  /** Keras keeps Normalization's count as an int64 scalar and refuses a file with another shape. */
  private void assertNormalizationCountIsInt64Scalar(Path keras) throws IOException {
    Path h5 = tmp.resolve("weights.h5");
    try (ZipFile zip = new ZipFile(keras.toFile())) {
      ZipEntry e = zip.getEntry("model.weights.h5");
      try (InputStream in = zip.getInputStream(e)) {
        Files.copy(in, h5);
      }
    }
    try (HdfFile f = new HdfFile(h5)) {
      Dataset count = (Dataset) f.getByPath("layers/normalization/vars/2");
      assertTrue(count.isScalar(), "count is a scalar");
      assertTrue(count.getData() instanceof Long, "count is an int64: " + count.getJavaType());
    }
  }

  @Test
  void zooModel_trainsOneEpoch_augmentationActive_inferenceStillDeterministic() {
    try (Model m = ModelFiles.load(DIR.resolve("zoo-model.keras"))) {
      m.seed(11);
      m.compile(Optimizer.adam(), Loss.sparseCategoricalCrossentropy());
      FloatArray x = x();
      int[] labels = {0, 1, 2, 3, 0, 1};
      List<FloatArray> before = m.getWeights();
      FloatArray training1 = m.predictTrainingMode(List.of(x), 6).get(0);
      m.fit(x, IntArray.of(labels, 6), new FitOptions().epochs(2).batchSize(3).progress(null));
      assertEquals(List.of(), m.weightsWithoutGradient());
      List<FloatArray> after = m.getWeights();
      int changed = 0;
      for (int i = 0; i < before.size(); i++) {
        if (!java.util.Arrays.equals(before.get(i).data(), after.get(i).data())) {
          changed++;
        }
      }
      // every weight but the Normalization's mean, variance and count moves (BN statistics too)
      assertEquals(before.size() - 3, changed, "weights changed by training");
      // inference is deterministic: the same predictions in batches of 6 and of 2 (to the last
      // digits a batch size may change in the kernels)
      Fixtures.assertClose(m.predict(x, 2).data(), m.predict(x, 6).data(), 1e-6, 1e-6);
      FloatArray training2 = m.predictTrainingMode(List.of(x), 6).get(0);
      assertFalse(
          java.util.Arrays.equals(training1.data(), training2.data()),
          "the augmentation draws differ from step to step");
    }
  }
}

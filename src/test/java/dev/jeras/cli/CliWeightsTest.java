package dev.jeras.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jeras.data.FloatArray;
import dev.jeras.models.Model;
import dev.jeras.saving.KerasJson;
import dev.jeras.saving.ModelFiles;
import dev.jeras.saving.Npy;
import dev.jeras.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code --weights FILE} on every command that builds a model, with the weight files of every Keras
 * kind (scripts/make_weights_fixtures.py), and {@code --model APP:OPTIONS}'s usage errors.
 */
class CliWeightsTest {
  private static final Path DIR = Fixtures.testdata().resolve("legacy-weights");
  // Keras 3.15 (load_model, predict) on testdata/mnist-small's 500 test digits
  private static final double KERAS_ACCURACY = 0.77;
  private static final double KERAS_LOSS = 0.773004;

  @TempDir Path tmp;
  private Path arch;

  /**
   * The fixture architecture alone (no weights file beside it): its weights come from --weights.
   */
  @BeforeEach
  void architecture() throws Exception {
    arch = tmp.resolve("arch.json");
    Files.copy(DIR.resolve("cnn.json"), arch);
  }

  private void assertKerasOutputs(Path y) {
    Fixtures.assertClose(
        Npy.readFloats(y).data(), Npy.readFloats(DIR.resolve("cnn_y.npy")).data(), 1e-5, 1e-5);
  }

  @ParameterizedTest
  @MethodSource("dev.jeras.testing.Fixtures#legacyWeightFiles")
  void predict_withWeightsOfEveryKind_givesKerasOutputs(String file) {
    Path y = tmp.resolve("y.npy");
    CliRun r =
        CliRun.of(
            "predict",
            "--model",
            arch.toString(),
            "--weights",
            DIR.resolve(file).toString(),
            "--input",
            DIR.resolve("cnn_x.npy").toString(),
            "--output",
            y.toString(),
            "--kernels",
            "fixed");
    assertEquals(0, r.rc(), r.toString());
    assertKerasOutputs(y);
  }

  @Test
  void predict_wrongShapeWeights_isOneLineError_namingFileLayerAndShapes() {
    Path y = tmp.resolve("y.npy");
    Path bad = DIR.resolve("cnn_wrong_shape.h5");
    CliRun r =
        CliRun.of(
            "predict",
            "--model",
            arch.toString(),
            "--weights",
            bad.toString(),
            "--input",
            DIR.resolve("cnn_x.npy").toString(),
            "--output",
            y.toString());
    assertEquals(1, r.rc(), r.toString());
    assertEquals(1, CliRun.errorLines(r.err()), r.toString());
    String e = r.errorLine();
    assertTrue(e.startsWith("jeras: error: " + bad), e);
    assertTrue(e.contains("conv") && e.contains("expected shape (3, 3, 3, 4), got (3, 3, 3, 5)"));
    assertTrue(Files.notExists(y), "no output written");
  }

  @Test
  void evaluate_builtinWithKerasFileWeights_scoresAsKeras() throws Exception {
    Path metrics = tmp.resolve("e.json");
    CliRun r =
        CliRun.of(
            "evaluate",
            "--model",
            "mnist-basic",
            "--weights",
            "testdata/reference/mnist-basic.keras",
            "--data-dir",
            "testdata/mnist-small",
            "--metrics-out",
            metrics.toString());
    assertEquals(0, r.rc(), r.toString());
    JsonNode j = KerasJson.MAPPER.readTree(Files.readString(metrics));
    assertEquals(KERAS_ACCURACY, j.get("test").get("accuracy").asDouble(), 1e-9);
    assertEquals(KERAS_LOSS, j.get("test").get("loss").asDouble(), 1e-4);
  }

  @Test
  void train_startsFromTheWeightsFile() throws Exception {
    Path metrics = tmp.resolve("t.json");
    CliRun r =
        CliRun.of(
            "train",
            "--model",
            "mnist-basic",
            "--weights",
            "testdata/reference/mnist-basic.keras",
            "--data-dir",
            "testdata/mnist-small",
            "--epochs",
            "1",
            "--limit",
            "64",
            "--optimizer",
            "sgd",
            "--learning-rate",
            "1e-12",
            "--seed",
            "1",
            "--no-export",
            "--metrics-out",
            metrics.toString());
    assertEquals(0, r.rc(), r.toString());
    JsonNode j = KerasJson.MAPPER.readTree(Files.readString(metrics));
    // a learning rate too small to move a weight: the test split scores as Keras' weights do
    assertEquals(KERAS_ACCURACY, j.get("test").get("accuracy").asDouble(), 1e-9);
    assertEquals(KERAS_LOSS, j.get("test").get("loss").asDouble(), 1e-4);
  }

  @Test
  void train_withWeightsOfAnotherModel_failsBeforeTraining() {
    Path file = DIR.resolve("cnn_legacy_weights.h5");
    CliRun r =
        CliRun.of(
            "train",
            "--model",
            "mnist-basic",
            "--weights",
            file.toString(),
            "--data-dir",
            "testdata/mnist-small",
            "--no-export");
    assertEquals(1, r.rc(), r.toString());
    assertTrue(r.errorLine().startsWith("jeras: error: " + file), r.toString());
    assertTrue(r.errorLine().contains("expected 3 (the model's), found 5"), r.toString());
  }

  @Test
  void convert_jsonWithLegacyWeights_toKeras_predictsAsKeras() {
    Path out = tmp.resolve("cnn.keras");
    CliRun r =
        CliRun.of(
            "convert",
            "--from",
            arch.toString(),
            "--weights",
            DIR.resolve("cnn_legacy_weights.h5").toString(),
            "--to",
            out.toString());
    assertEquals(0, r.rc(), r.toString());
    try (Model m = ModelFiles.load(out)) {
      FloatArray x = Npy.readFloats(DIR.resolve("cnn_x.npy"));
      Fixtures.assertClose(
          m.predict(List.of(x), 2).get(0).data(),
          Npy.readFloats(DIR.resolve("cnn_y.npy")).data(),
          1e-5,
          1e-5);
    }
  }

  @Test
  void summary_withWeights_loadsThem_andABadFileFails() {
    CliRun ok =
        CliRun.of(
            "summary",
            "--model",
            arch.toString(),
            "--weights",
            DIR.resolve("cnn_legacy_weights.h5").toString());
    assertEquals(0, ok.rc(), ok.toString());
    assertTrue(ok.out().contains("Total params"), ok.out());
    CliRun bad =
        CliRun.of(
            "summary",
            "--model",
            arch.toString(),
            "--weights",
            DIR.resolve("cnn_wrong_shape.h5").toString());
    assertEquals(1, bad.rc(), bad.toString());
    assertTrue(bad.errorLine().contains("cnn_wrong_shape.h5"), bad.toString());
  }

  @Test
  void applicationOptions_badKeyOrValue_isUsageError_namingKeyExpectedAndReceived() {
    CliRun value = CliRun.of("summary", "--model", "MobileNetV2:alpha=0.35,include_top=maybe");
    assertEquals(2, value.rc(), value.toString());
    assertTrue(
        value
            .err()
            .lines()
            .findFirst()
            .orElse("")
            .contains("include_top expects true or false," + " got 'maybe'"),
        value.toString());
    CliRun key = CliRun.of("summary", "--model", "vgg16:depth=3");
    assertEquals(2, key.rc(), key.toString());
    assertTrue(
        key.err().contains("VGG16: unknown option 'depth': expected one of [alpha,"),
        key.toString());
    CliRun shape = CliRun.of("summary", "--model", "ResNet50:input_shape=96x96");
    assertEquals(2, shape.rc(), shape.toString());
    assertTrue(shape.err().contains("input_shape expects HEIGHTxWIDTHxCHANNELS"), shape.toString());
    CliRun alpha = CliRun.of("summary", "--model", "resnet50:alpha=0.5");
    assertEquals(2, alpha.rc(), alpha.toString());
    assertTrue(alpha.err().contains("alpha is MobileNetV2's option"), alpha.toString());
  }

  @Test
  void applicationByName_buildsKerasArchitecture_andLoadsItsOwnWeightsBack() {
    String app = "MobileNetV2:alpha=0.35,input_shape=96x96x3,include_top=false,pooling=avg";
    CliRun summary = CliRun.of("summary", "--model", app);
    assertEquals(0, summary.rc(), summary.toString());
    // Keras' count for these options (testdata/applications/mobilenetv2_a035_96_avg)
    assertTrue(summary.out().contains("Total params: 410,208"), summary.out());
    Path saved = tmp.resolve("base.keras");
    CliRun convert = CliRun.of("convert", "--from", app, "--to", saved.toString());
    assertEquals(0, convert.rc(), convert.toString());
    Path x = tmp.resolve("x.npy");
    float[] pixels = new float[2 * 96 * 96 * 3];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (float) Math.sin(0.01 * i);
    }
    Npy.write(x, FloatArray.of(pixels, new long[] {2, 96, 96, 3}));
    Path fromFile = tmp.resolve("a.npy");
    Path fromWeights = tmp.resolve("b.npy");
    CliRun a =
        CliRun.of(
            "predict",
            "--model",
            saved.toString(),
            "--input",
            x.toString(),
            "--output",
            fromFile.toString(),
            "--kernels",
            "fixed");
    assertEquals(0, a.rc(), a.toString());
    CliRun b =
        CliRun.of(
            "predict",
            "--model",
            app,
            "--weights",
            saved.toString(),
            "--input",
            x.toString(),
            "--output",
            fromWeights.toString(),
            "--kernels",
            "fixed");
    assertEquals(0, b.rc(), b.toString());
    float[] ya = Npy.readFloats(fromFile).data();
    assertArrayEquals(new long[] {2, 1280}, Npy.readFloats(fromFile).shape());
    assertArrayEquals(ya, Npy.readFloats(fromWeights).data());
    // without --weights the same name builds fresh weights: other outputs, so the file was read
    Path fresh = tmp.resolve("c.npy");
    CliRun c =
        CliRun.of(
            "predict",
            "--model",
            app,
            "--input",
            x.toString(),
            "--output",
            fresh.toString(),
            "--kernels",
            "fixed");
    assertEquals(0, c.rc(), c.toString());
    assertFalse(Arrays.equals(ya, Npy.readFloats(fresh).data()), "fresh weights, same outputs");
  }

  @Test
  void weightsOnlyFileAsModel_pointsToWeightsOption() {
    CliRun r = CliRun.of("summary", "--model", DIR.resolve("cnn_legacy_weights.h5").toString());
    assertEquals(1, r.rc(), r.toString());
    assertTrue(r.errorLine().contains("--weights"), r.toString());
  }
}

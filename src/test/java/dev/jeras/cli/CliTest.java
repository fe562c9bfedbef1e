package dev.jeras.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jeras.models.Model;
import dev.jeras.saving.KerasJson;
import dev.jeras.saving.ModelFiles;
import dev.jeras.training.Optimizer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {
  @TempDir Path tmp;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private PrintStream oldOut;
  private PrintStream oldErr;

  @BeforeEach
  void capture() {
    oldOut = System.out;
    oldErr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restore() {
    System.setOut(oldOut);
    System.setErr(oldErr);
  }

  @Test
  void summary_printsTheKerasTable() {
    assertEquals(0, Main.execute("summary", "--model", "mnist-basic"));
    String s = out.toString(StandardCharsets.UTF_8);
    assertTrue(s.contains(" Total params: 34,826 (136.04 KB)"), s);
  }

  @Test
  void summary_ofModelJson() {
    assertEquals(0, Main.execute("summary", "--model", "model-defs/cifar10-functional.json"));
    assertTrue(out.toString(StandardCharsets.UTF_8).contains(" Total params: 2,171,178 (8.28 MB)"));
  }

  @Test
  void unknownModel_isOneLineError_exit1() {
    assertEquals(1, Main.execute("summary", "--model", "resnet"));
    String e = err.toString(StandardCharsets.UTF_8);
    assertTrue(e.startsWith("jeras: error: unknown model 'resnet'; built-in models:"), e);
    assertTrue(!e.contains("\tat "), "no stack trace without --verbose: " + e);
  }

  @Test
  void badOption_isUsageError_exit2() {
    assertEquals(2, Main.execute("train", "--epochs", "many"));
  }

  @Test
  void misspelledOptionAfterImages_isUsageError_andPredictsNothing() {
    assertEquals(
        2,
        Main.execute(
            "predict",
            "--model",
            "testdata/reference/mnist-basic.keras",
            "--image",
            "testdata/images/mnist-t10k-0-label7.png",
            "--top",
            "3"));
    assertTrue(
        err.toString(StandardCharsets.UTF_8).contains("Unknown option: '--top'"),
        err.toString(StandardCharsets.UTF_8));
    assertEquals("", out.toString(StandardCharsets.UTF_8));
  }

  @Test
  void train_onFixture_writesMetricsJsonAndSavedModel() throws Exception {
    Path metrics = tmp.resolve("m.json");
    Path sm = tmp.resolve("sm");
    int rc =
        Main.execute(
            "train",
            "--data-dir",
            "testdata/mnist-small",
            "--epochs",
            "2",
            "--limit",
            "640",
            "--seed",
            "3",
            "--validation-split",
            "0.1",
            "--export-savedmodel",
            sm.toString(),
            "--metrics-out",
            metrics.toString());
    assertEquals(0, rc, err.toString(StandardCharsets.UTF_8));
    JsonNode j = KerasJson.MAPPER.readTree(Files.readString(metrics));
    assertEquals(34826, j.get("params").get("total").asInt());
    assertEquals(34826, j.get("params").get("trainable").asInt());
    assertEquals(0, j.get("params").get("non_trainable").asInt());
    assertEquals(2, j.get("epochs").size());
    JsonNode e2 = j.get("epochs").get(1);
    assertEquals(2, e2.get("epoch").asInt());
    for (String k : new String[] {"loss", "accuracy", "val_loss", "val_accuracy", "seconds"}) {
      assertTrue(e2.get(k).isNumber(), k + " in " + e2);
    }
    double acc = j.get("test").get("accuracy").asDouble();
    assertTrue(acc > 0.5 && acc <= 1, "test accuracy " + acc);
    assertTrue(j.get("train_seconds").asDouble() > 0);
    assertTrue(Files.isRegularFile(sm.resolve("saved_model.pb")));
    String o = out.toString(StandardCharsets.UTF_8);
    assertTrue(o.contains("Epoch 2/2 - 9/9 - "), o);
    assertTrue(o.contains("SavedModel: " + sm.toAbsolutePath()), o);
  }

  @Test
  void train_withEachNewOptimizerName_savesItInTheKerasFile() throws Exception {
    for (String name : new String[] {"nadam", "lion"}) {
      Path saved = tmp.resolve(name + ".keras");
      int rc =
          Main.execute(
              "train",
              "--data-dir",
              "testdata/mnist-small",
              "--epochs",
              "1",
              "--limit",
              "128",
              "--seed",
              "3",
              "--kernels",
              "tensorflow",
              "--optimizer",
              name,
              "--no-export",
              "--save",
              saved.toString());
      assertEquals(0, rc, err.toString(StandardCharsets.UTF_8));
      try (Model m = ModelFiles.load(saved)) {
        assertEquals(Optimizer.of(name, null).kerasClassName(), m.optimizer().kerasClassName());
        assertEquals(2, m.optimizerState().iterations(), "128 samples in batches of 64");
      }
    }
  }

  @Test
  void train_withoutSeed_printsTheDrawnSeed_whichRepeatsTheRun() throws Exception {
    Path a = tmp.resolve("a.json");
    Path b = tmp.resolve("b.json");
    String[] common = {
      "train",
      "--data-dir",
      "testdata/mnist-small",
      "--epochs",
      "1",
      "--limit",
      "256",
      "--no-export"
    };
    assertEquals(
        0,
        Main.execute(concat(common, "--metrics-out", a.toString())),
        err.toString(StandardCharsets.UTF_8));
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("Seed (\\d+) \\(drawn; --seed \\1 repeats this run\\)")
            .matcher(out.toString(StandardCharsets.UTF_8));
    assertTrue(m.find(), out.toString(StandardCharsets.UTF_8));
    assertEquals(
        0,
        Main.execute(concat(common, "--seed", m.group(1), "--metrics-out", b.toString())),
        err.toString(StandardCharsets.UTF_8));
    JsonNode ja = KerasJson.MAPPER.readTree(Files.readString(a));
    JsonNode jb = KerasJson.MAPPER.readTree(Files.readString(b));
    // same initial weights and batch order: the same losses (CPU kernels, to float rounding)
    assertEquals(
        ja.get("epochs").get(0).get("loss").asDouble(),
        jb.get("epochs").get(0).get("loss").asDouble(),
        1e-6);
    assertEquals(
        ja.get("test").get("loss").asDouble(), jb.get("test").get("loss").asDouble(), 1e-6);
  }

  @Test
  void evaluate_withoutDataset_takesItFromTheModelsInputShape() throws Exception {
    Path metrics = tmp.resolve("e.json");
    assertEquals(
        0,
        Main.execute(
            "evaluate",
            "--model",
            "testdata/reference/mnist-basic.keras",
            "--data-dir",
            "testdata/mnist-small",
            "--metrics-out",
            metrics.toString()),
        err.toString(StandardCharsets.UTF_8));
    JsonNode j = KerasJson.MAPPER.readTree(Files.readString(metrics));
    assertEquals("mnist", j.get("dataset").asText());
    assertEquals(500, j.get("samples").asInt());
    // Keras 3.15 (load_model, predict) on the same 500 digits: accuracy 0.77, loss 0.773004
    assertEquals(0.77, j.get("test").get("accuracy").asDouble(), 1e-9);
    assertEquals(0.773004, j.get("test").get("loss").asDouble(), 1e-4);
    assertEquals(
        0,
        Main.execute(
            "evaluate",
            "--model",
            "testdata/reference/cifar10-bn_savedmodel",
            "--data-dir",
            "testdata/cifar10-small"),
        err.toString(StandardCharsets.UTF_8));
    assertTrue(
        out.toString(StandardCharsets.UTF_8).contains("on cifar10 test"),
        out.toString(StandardCharsets.UTF_8));
  }

  @Test
  void train_modelWhoseInputFitsNoDataset_namesTheShape_exit1() throws Exception {
    Path json = tmp.resolve("big.json");
    Files.writeString(
        json,
        Files.readString(Path.of("model-defs/mnist-basic.json"))
            .replaceFirst("\\[\\s*null,\\s*28,\\s*28,\\s*1\\s*\\]", "[null, 64, 64, 3]"));
    assertEquals(
        1,
        Main.execute(
            "train",
            "--model",
            json.toString(),
            "--data-dir",
            "testdata/mnist-small",
            "--epochs",
            "1",
            "--no-export"));
    String e = err.toString(StandardCharsets.UTF_8);
    assertTrue(
        e.contains(
            "the model's input (None, 64, 64, 3) fits no built-in dataset"
                + " (mnist and fashion-mnist: 28x28x1, cifar10: 32x32x3); name one with --dataset"),
        e);
  }

  private static String[] concat(String[] a, String... b) {
    String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }
}

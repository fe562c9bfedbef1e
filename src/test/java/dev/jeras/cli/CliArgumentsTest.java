package dev.jeras.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.data.FloatArray;
import dev.jeras.layers.Dense;
import dev.jeras.layers.Flatten;
import dev.jeras.layers.Input;
import dev.jeras.models.Sequential;
import dev.jeras.saving.KerasFile;
import dev.jeras.saving.Npy;
import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableGroup;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Bad arguments are refused before any model or data loads, with the option's name; and the smaller
 * refusals: a .keras with a weight too many, a SavedModel's failed assertion, training data that
 * --limit and --validation-split leave empty.
 */
class CliArgumentsTest {
  private static final String IMAGE = "testdata/images/mnist-t10k-0-label7.png";
  private static final String KERAS = "testdata/reference/mnist-basic.keras";

  @TempDir Path tmp;

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "train --epochs 0 | --epochs must be positive, got 0",
        "train --batch-size 0 | --batch-size must be positive, got 0",
        "train --limit 0 | --limit must be positive, got 0",
        "train --learning-rate -1 | --learning-rate must be positive and finite, got -1.0",
        "train --learning-rate NaN | --learning-rate must be positive and finite, got NaN",
        "train --validation-split 1.5 | --validation-split must be in [0, 1), got 1.5",
        "train --early-stopping -1 | --early-stopping must be >= 0 epochs, got -1",
        "train --reduce-lr-on-plateau -1 | --reduce-lr-on-plateau must be >= 0 epochs, got -1",
        "train --optimizer adamm | unknown optimizer 'adamm'; supported: adam, adamw, sgd, rmsprop,"
            + " nadam, adamax, adagrad, adadelta, ftrl, lion",
        "train --resume | --resume needs --checkpoint-dir",
        "train --limit 1 --validation-split 0.5 | --validation-split 0.5 of at most --limit 1"
            + " samples leaves none to train on; raise --limit",
        "evaluate --model " + KERAS + " --batch-size 0 | --batch-size must be positive, got 0",
        "evaluate --model " + KERAS + " --limit -3 | --limit must be positive, got -3",
        "predict --model "
            + KERAS
            + " --image "
            + IMAGE
            + " --top-k 0 | --top-k must be"
            + " positive, got 0",
        "predict --model "
            + KERAS
            + " --image "
            + IMAGE
            + " --top-k -1 | --top-k must be"
            + " positive, got -1",
        "predict --model "
            + KERAS
            + " --image "
            + IMAGE
            + " --batch-size 0 | --batch-size must"
            + " be positive, got 0"
      })
  void badArgument_isRefusedBeforeAnythingLoads_namingTheOption(String command, String message) {
    String[] words = command.trim().split(" ");
    String[] args = words;
    if (words[0].equals("train") || words[0].equals("evaluate")) {
      // a data directory that does not exist: a check made after the data load would fail there
      args = CliOutputsTest.concat(words, "--data-dir", tmp.resolve("no-data").toString());
    }
    CliRun r = CliRun.of(args);
    assertEquals(1, r.rc(), r.toString());
    assertEquals("jeras: error: " + message, r.errorLine());
    assertEquals("", r.out());
  }

  @Test
  void validationSplitLeavingNoTrainingSample_saysWhereTheSamplesCameFrom() {
    // --limit above the 2,000 samples: only the data itself shows that 0.9996 leaves none
    CliRun r =
        CliRun.of(
            "train",
            "--data-dir",
            "testdata/mnist-small",
            "--limit",
            "5000",
            "--validation-split",
            "0.9996",
            "--epochs",
            "1",
            "--no-export");
    assertEquals(1, r.rc(), r.toString());
    assertEquals(
        "jeras: error: --validation-split 0.9996 of the 2000 training samples (mnist in "
            + Path.of("testdata/mnist-small").toAbsolutePath().normalize()
            + ", --limit 5000) leaves none to train on; lower --validation-split",
        r.errorLine());
  }

  @Test
  void kerasFileWithAWeightTooMany_isRefusedAsKerasRefusesIt() throws Exception {
    Path denseExtra = tmp.resolve("dense-extra.keras");
    Path flattenExtra = tmp.resolve("flatten-extra.keras");
    writeWithExtraWeight(denseExtra, "dense");
    writeWithExtraWeight(flattenExtra, "flatten");
    Path x = tmp.resolve("x.npy");
    Npy.write(x, FloatArray.zeros(2, 2, 2));

    CliRun dense = predict(denseExtra, x);
    assertEquals(1, dense.rc(), dense.toString());
    assertEquals(
        "jeras: error: "
            + denseExtra
            + "!model.weights.h5: layer dense has 3 weights in the file, the model expects 2"
            + " (kernel, bias)",
        dense.errorLine());

    CliRun flatten = predict(flattenExtra, x);
    assertEquals(1, flatten.rc(), flatten.toString());
    assertEquals(
        "jeras: error: "
            + flattenExtra
            + "!model.weights.h5: layer flatten has 1 weights in the file, the model expects none",
        flatten.errorLine());
  }

  @Test
  void savedModelAssertionFailure_namesTheModel() throws Exception {
    Path x = tmp.resolve("too-bright.npy");
    float[] pixels = new float[2 * 28 * 28];
    pixels[0] = 5; // the model asserts pixels <= 1
    Npy.write(x, FloatArray.of(pixels, 2, 28, 28, 1));
    CliRun r =
        CliRun.of(
            "predict",
            "--model",
            "testdata/odd-savedmodels/asserts",
            "--input",
            x.toString(),
            "--output",
            tmp.resolve("y.npy").toString());
    assertEquals(1, r.rc(), r.toString());
    assertTrue(
        r.errorLine()
            .startsWith(
                "jeras: error: testdata/odd-savedmodels/asserts: the SavedModel failed to run:"
                    + " assertion failed: [pixels must be in [0, 1]]"),
        r.errorLine());
    assertEquals(1, CliRun.errorLines(r.err()), r.err());
    assertTrue(!r.err().contains("\tat "), "no stack trace without --verbose: " + r.err());
  }

  private static CliRun predict(Path model, Path x) {
    return CliRun.of(
        "predict",
        "--model",
        model.toString(),
        "--input",
        x.toString(),
        "--output",
        x.resolveSibling("y.npy").toString());
  }

  /**
   * A small Flatten + Dense model saved by jeras, its weights entry rewritten with one dataset too
   * many in {@code layers/<layer>/vars} (what Keras refuses with "expected N variables, but
   * received N+1").
   */
  private void writeWithExtraWeight(Path target, String extraIn) throws Exception {
    Path good = tmp.resolve("good-" + extraIn + ".keras");
    try (Sequential m = new Sequential(Input.shape(2, 2), new Flatten(), new Dense(3))) {
      KerasFile.save(m, good);
    }
    Path h5 = tmp.resolve("weights-" + extraIn + ".h5");
    try (WritableHdfFile f = HdfFile.write(h5)) {
      WritableGroup layers = f.putGroup("layers");
      WritableGroup flatten = layers.putGroup("flatten").putGroup("vars");
      flatten.putAttribute("name", "flatten");
      WritableGroup dense = layers.putGroup("dense").putGroup("vars");
      dense.putAttribute("name", "dense");
      dense.putDataset("0", new float[4][3]);
      dense.putDataset("1", new float[3]);
      (extraIn.equals("dense") ? dense : flatten)
          .putDataset(extraIn.equals("dense") ? "2" : "0", new float[3]);
    }
    try (ZipFile in = new ZipFile(good.toFile());
        OutputStream os = Files.newOutputStream(target);
        ZipOutputStream out = new ZipOutputStream(os)) {
      for (ZipEntry e : java.util.Collections.list(in.entries())) {
        out.putNextEntry(new ZipEntry(e.getName()));
        if (e.getName().equals("model.weights.h5")) {
          Files.copy(h5, out);
        } else {
          in.getInputStream(e).transferTo(out);
        }
        out.closeEntry();
      }
    }
  }
}

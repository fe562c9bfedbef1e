package dev.jeras.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.data.FloatArray;
import dev.jeras.saving.Npy;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * predict and evaluate on SavedModels whose output is not (batch, classes):
 * testdata/odd-savedmodels (made by scripts/make_odd_savedmodels.py), fed the 8 reference MNIST
 * inputs. Expected values are computed here from the same inputs.
 */
class CliSavedModelOutputsTest {
  private static final String ODD = "testdata/odd-savedmodels/";
  private static final Path X = Path.of("testdata/reference/mnist-basic_x.npy");

  @TempDir Path tmp;

  private CliRun predict(String model, Path out, String... more) {
    return CliRun.of(
        CliOutputsTest.concat(
            new String[] {
              "predict", "--model", ODD + model, "--input", X.toString(), "--output", out.toString()
            },
            more));
  }

  @Test
  void scalarOutput_isWrittenAsARank0Npy_holdingTheWholeBatchsSum() {
    Path out = tmp.resolve("y.npy");
    CliRun r = predict("scalar", out);
    assertEquals(0, r.rc(), r.toString());
    assertTrue(r.out().contains("8 samples -> y ()"), r.out());
    float[] x = Npy.readFloats(X).data();
    double sum = 0;
    for (float v : x) {
      sum += v;
    }
    byte[] npy = readAll(out);
    String header = new String(npy, 10, 70, java.nio.charset.StandardCharsets.ISO_8859_1);
    assertTrue(header.contains("'shape': ()"), header);
    FloatArray y = Npy.readFloats(out); // jeras reads a rank-0 .npy as one value
    assertEquals(1, y.data().length);
    assertEquals(sum, y.data()[0], 1e-6 * sum);
  }

  @Test
  void scalarOutput_overSeveralBatches_isRefusedClearly_andNothingIsWritten() {
    Path out = tmp.resolve("y.npy");
    CliRun r = predict("scalar", out, "--batch-size", "3");
    assertEquals(1, r.rc(), r.toString());
    assertEquals(
        "jeras: error: testdata/odd-savedmodels/scalar: output y has shape () for a batch of 3"
            + " samples: one result for the whole batch, not one per sample, so the results of"
            + " several batches cannot be joined; predict all 8 samples in one batch (batch size 8"
            + " or more) to get it for the whole input",
        r.errorLine());
    assertFalse(Files.exists(out));
  }

  @Test
  void perSampleOutputsOfRank1And3_areJoinedAcrossBatches() {
    FloatArray x = Npy.readFloats(X);
    float[] px = x.data();
    Path out1 = tmp.resolve("y1.npy");
    CliRun r1 = predict("per-sample-1d", out1, "--batch-size", "3");
    assertEquals(0, r1.rc(), r1.toString());
    FloatArray y1 = Npy.readFloats(out1);
    assertArrayEquals(new long[] {8}, y1.shape());
    for (int i = 0; i < 8; i++) {
      double s = 0;
      for (int k = 0; k < 784; k++) {
        s += px[i * 784 + k];
      }
      assertEquals(s, y1.data()[i], 1e-5 + 1e-5 * s, "sample " + i);
    }
    Path out3 = tmp.resolve("y3.npy");
    CliRun r3 = predict("per-sample-3d", out3, "--batch-size", "3");
    assertEquals(0, r3.rc(), r3.toString());
    FloatArray y3 = Npy.readFloats(out3);
    assertArrayEquals(new long[] {8, 28, 28}, y3.shape());
    for (int k = 0; k < px.length; k++) {
      assertEquals(2 * px[k], y3.data()[k], 0f, "value " + k);
    }
  }

  @Test
  void outputWithTheBatchSummedAway_isWrittenAsIs_inOneBatch() {
    FloatArray x = Npy.readFloats(X);
    Path out = tmp.resolve("y.npy");
    CliRun r = predict("batch-sum", out);
    assertEquals(0, r.rc(), r.toString());
    FloatArray y = Npy.readFloats(out);
    assertArrayEquals(new long[] {28, 28}, y.shape());
    for (int p = 0; p < 784; p++) {
      double s = 0;
      for (int i = 0; i < 8; i++) {
        s += x.data()[i * 784 + p];
      }
      assertEquals(s, y.data()[p], 1e-5, "pixel " + p);
    }
  }

  @Test
  void evaluateOnAScalarOutput_isRefusedBeforeTheDataLoads() {
    CliRun r =
        CliRun.of(
            "evaluate",
            "--model",
            ODD + "scalar",
            "--dataset",
            "mnist",
            "--data-dir",
            tmp.resolve("no-data").toString());
    assertEquals(1, r.rc(), r.toString());
    assertEquals(
        "jeras: error: testdata/odd-savedmodels/scalar: evaluate expects class probabilities"
            + " (batch, classes), the SavedModel's output y is ()",
        r.errorLine());
  }

  @Test
  void evaluateOnPerSampleValues_namesTheShapeItGot() {
    CliRun r =
        CliRun.of(
            "evaluate",
            "--model",
            ODD + "per-sample-1d",
            "--dataset",
            "mnist",
            "--data-dir",
            "testdata/mnist-small");
    assertEquals(1, r.rc(), r.toString());
    assertEquals(
        "jeras: error: evaluate expects class probabilities (batch, classes) for 500 samples, the"
            + " model returns (500,)",
        r.errorLine());
  }

  private static byte[] readAll(Path p) {
    try {
      return Files.readAllBytes(p);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }
}

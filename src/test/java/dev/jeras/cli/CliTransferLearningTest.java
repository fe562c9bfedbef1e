package dev.jeras.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.data.FloatArray;
import dev.jeras.layers.Network;
import dev.jeras.models.Model;
import dev.jeras.saving.KerasFile;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transfer learning from the command line on a Keras-made model with a frozen nested base
 * (testdata/nested/transfer_cifar.keras): {@code train --model} continues with the file's own
 * trainable flags and optimizer; {@code --unfreeze-from} starts the fine-tuning stage.
 */
class CliTransferLearningTest {
  private static final Path MODEL = Path.of("testdata", "nested", "transfer_cifar.keras");

  @TempDir Path tmp;

  private static Map<String, float[]> weights(Path file) {
    try (Model m = KerasFile.load(file)) {
      List<Network.LayerWeight> ws = m.network().weights();
      List<FloatArray> values = m.getWeights();
      Map<String, float[]> out = new LinkedHashMap<>();
      for (int i = 0; i < ws.size(); i++) {
        out.put(ws.get(i).path(), values.get(i).data());
      }
      return out;
    }
  }

  private static CliRun train(Path from, Path to, String... more) {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "train",
                "--model",
                from.toString(),
                "--data-dir",
                "testdata/cifar10-small",
                "--epochs",
                "1",
                "--limit",
                "64",
                "--batch-size",
                "32",
                "--seed",
                "3",
                "--kernels",
                "tensorflow",
                "--no-export",
                "--save",
                to.toString()));
    args.addAll(List.of(more));
    return CliRun.of(args.toArray(String[]::new));
  }

  @Test
  void trainLoadedModel_keepsItsFrozenBase_thenUnfreezeFrom_trainsTheRestOnly() {
    Path stage1 = tmp.resolve("stage1.keras");
    CliRun r = train(MODEL, stage1);
    assertEquals(0, r.rc(), r.toString());
    assertTrue(r.out().contains("(170 trainable)"), r.out());
    Map<String, float[]> before = weights(MODEL);
    Map<String, float[]> after1 = weights(stage1);
    for (String path : before.keySet()) {
      if (path.startsWith("small_base/")) {
        assertArrayEquals(before.get(path), after1.get(path), 0f, "frozen " + path);
      }
    }
    assertFalse(java.util.Arrays.equals(before.get("head/kernel"), after1.get("head/kernel")));

    Path stage2 = tmp.resolve("stage2.keras");
    r = train(stage1, stage2, "--unfreeze-from", "conv_b", "--learning-rate", "1e-3");
    assertEquals(0, r.rc(), r.toString());
    assertTrue(r.out().contains("Fine-tuning from conv_b: 1,370 of 1,658"), r.out());
    Map<String, float[]> after2 = weights(stage2);
    for (String frozen :
        List.of(
            "small_base/conv_a/kernel",
            "small_base/bn_a/gamma",
            "small_base/bn_a/moving_mean",
            // the base is called with training=False: its statistics never move
            "small_base/bn_b/moving_mean",
            "small_base/bn_b/moving_variance")) {
      assertArrayEquals(after1.get(frozen), after2.get(frozen), 0f, frozen);
    }
    for (String trained : List.of("small_base/conv_b/kernel", "small_base/bn_b/gamma")) {
      assertFalse(java.util.Arrays.equals(after1.get(trained), after2.get(trained)), trained);
    }
    try (Model m = KerasFile.load(stage2)) {
      assertEquals(2, m.optimizerState().iterations(), "a new optimizer for the new stage");
      Model base = (Model) m.getLayer("small_base");
      assertTrue(base.trainable());
      assertFalse(base.getLayer("conv_a").trainable());
      assertTrue(base.getLayer("bn_b").trainable());
    }
  }

  @Test
  void unfreezeFromAnUnknownLayer_isOneLineErrorNamingIt() {
    CliRun r = train(MODEL, tmp.resolve("x.keras"), "--unfreeze-from", "conv_z");
    assertEquals(1, r.rc(), r.toString());
    assertTrue(
        r.errorLine()
            .startsWith(
                "jeras: error: --unfreeze-from conv_z: no layer named 'conv_z' in model"
                    + " transfer_cifar or its nested models"),
        r.errorLine());
  }

  @Test
  void trainAKerasReferenceModel_continues() {
    CliRun r =
        CliRun.of(
            "train",
            "--model",
            "testdata/reference/mnist-basic.keras",
            "--data-dir",
            "testdata/mnist-small",
            "--epochs",
            "1",
            "--limit",
            "128",
            "--kernels",
            "tensorflow",
            "--no-export");
    assertEquals(0, r.rc(), r.toString());
    assertTrue(r.out().contains("Test loss:"), r.out());
  }
}

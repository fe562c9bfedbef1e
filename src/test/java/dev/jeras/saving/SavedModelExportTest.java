package dev.jeras.saving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.JerasException;
import dev.jeras.backend.EngineOptions;
import dev.jeras.backend.KernelPolicy;
import dev.jeras.data.Dataset;
import dev.jeras.data.FloatArray;
import dev.jeras.internal.Tensors;
import dev.jeras.models.Builtins;
import dev.jeras.models.Model;
import dev.jeras.testing.Fixtures;
import dev.jeras.training.FitOptions;
import dev.jeras.training.Loss;
import dev.jeras.training.Metric;
import dev.jeras.training.Optimizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.types.TFloat32;

class SavedModelExportTest {
  @TempDir Path tmp;

  @Test
  void trainedMnist_exportReloadsWithSavedModelBundle_identicalPredictions_anyBatchSize()
      throws IOException {
    // the same kernels on both sides: the model's own inference graph on TensorFlow's ops, as
    // the exported graph always is (KernelParityTest covers the CPU engine's kernels)
    exportAndReload();
  }

  private void exportAndReload() throws IOException {
    Dataset.Split data = Fixtures.mnistSmall();
    FloatArray x = data.test().x().slice(0, 37);
    Path dir = tmp.resolve("sm");
    float[] expected;
    try (Model m = Builtins.create("mnist-basic")) {
      m.engineOptions(EngineOptions.defaults().withKernels(KernelPolicy.TENSORFLOW));
      m.seed(1);
      m.compile(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(), Metric.ACCURACY);
      m.fit(
          data.train().x().slice(0, 256),
          data.train().y().slice(0, 256),
          new FitOptions().epochs(1).batchSize(64).progress(null));
      expected = m.predict(x, 37).data();
      SavedModels.export(m, dir);
    }
    assertTrue(Files.isRegularFile(dir.resolve("saved_model.pb")));
    assertTrue(Files.isDirectory(dir.resolve("variables")));
    try (Stream<Path> s = Files.list(tmp)) {
      assertEquals(1, s.count(), "no temporary directory left beside the export");
    }
    try (SavedModelBundle b = SavedModelBundle.load(dir.toString(), "serve")) {
      SessionFunction f = b.function(Signature.DEFAULT_KEY);
      Signature sig = f.signature();
      assertEquals(java.util.Set.of("input_layer"), sig.inputNames());
      assertEquals(java.util.Set.of("output_0"), sig.outputNames());
      assertEquals(-1, sig.getInputs().get("input_layer").shape.get(0), "dynamic batch");
      for (int batch : new int[] {1, 37}) {
        try (TFloat32 in = Tensors.floats(x.data(), 0, batch, 28, 28, 1);
            Result r = f.call(Map.of("input_layer", in))) {
          Tensor out = r.get("output_0").orElseThrow();
          float[] got = Tensors.toFloats(out);
          float[] want = java.util.Arrays.copyOf(expected, batch * 10);
          if (batch == 37) {
            assertArrayEquals(want, got, "same batch, same kernels: identical");
          } else {
            Fixtures.assertClose(got, want, 1e-6, 0); // another batch size may differ by an ulp
          }
        }
      }
      // only the inference graph: no optimizer state, no gradients
      assertFalse(b.graph().operations().hasNext() && hasOp(b, "optimizer/learning_rate"));
    }
  }

  private static boolean hasOp(SavedModelBundle b, String name) {
    return b.graph().operation(name) != null;
  }

  @Test
  void exportOverExistingDirectory_replacesIt_andAFailedWriteKeepsTheOld() throws IOException {
    Path dir = tmp.resolve("model");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("old.txt"), "previous export");
    AtomicFiles.writeDirectory(dir, d -> Files.writeString(d.resolve("new.txt"), "new"));
    assertTrue(Files.exists(dir.resolve("new.txt")));
    assertFalse(Files.exists(dir.resolve("old.txt")));

    var e =
        assertThrows(
            JerasException.class,
            () ->
                AtomicFiles.writeDirectory(
                    dir,
                    d -> {
                      Files.writeString(d.resolve("half.txt"), "half");
                      throw new IOException("disk full (simulated)");
                    }));
    assertTrue(e.getMessage().contains("disk full (simulated)"), e.getMessage());
    assertTrue(Files.exists(dir.resolve("new.txt")), "the previous content survives");
    assertFalse(Files.exists(dir.resolve("half.txt")));
    try (Stream<Path> s = Files.list(tmp)) {
      assertEquals(1, s.count(), "no temporary directory left behind");
    }
  }

  @Test
  void failedFirstExport_leavesNoDirectory() {
    Path dir = tmp.resolve("never");
    assertThrows(
        JerasException.class,
        () ->
            AtomicFiles.writeDirectory(
                dir,
                d -> {
                  throw new IOException("boom");
                }));
    assertFalse(Files.exists(dir));
  }
}

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
import dev.jeras.data.IntArray;
import dev.jeras.internal.Tensors;
import dev.jeras.layers.BatchNormalization;
import dev.jeras.layers.Conv2D;
import dev.jeras.layers.Dense;
import dev.jeras.layers.Flatten;
import dev.jeras.layers.Input;
import dev.jeras.models.Builtins;
import dev.jeras.models.Model;
import dev.jeras.models.Sequential;
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

  @Test
  void batchNormalization_isExportedAsItsAffineMap_exceptAfterAConvolution() throws IOException {
    // ReLU -> BN: element-wise ops (as Keras exports it); linear conv -> BN: the fused op stays
    Path dir = tmp.resolve("bn");
    float[] x = new float[5 * 8 * 8 * 3];
    java.util.Random r = new java.util.Random(4);
    for (int i = 0; i < x.length; i++) {
      x[i] = r.nextFloat();
    }
    FloatArray xs = FloatArray.of(x, 5, 8, 8, 3);
    float[] expected;
    try (Sequential m = new Sequential(Input.shape(8, 8, 3))) {
      m.engineOptions(EngineOptions.defaults().withKernels(KernelPolicy.TENSORFLOW));
      m.add(new Conv2D(4, 3).padding("same").activation("relu"))
          .add(new BatchNormalization())
          .add(new Conv2D(4, 3).padding("same"))
          .add(new BatchNormalization())
          .add(new Flatten())
          .add(new Dense(3).activation("softmax"));
      m.seed(2);
      m.compile(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(), Metric.ACCURACY);
      m.fit( // moves the moving statistics away from 0 and 1
          xs,
          IntArray.of(new int[] {0, 1, 2, 0, 1}),
          new FitOptions().epochs(3).batchSize(5).progress(null));
      expected = m.predict(xs, 5).data();
      SavedModels.export(m, dir);
    }
    try (SavedModelBundle b = SavedModelBundle.load(dir.toString(), "serve")) {
      Map<String, Integer> ops = new java.util.HashMap<>();
      b.graph().operations().forEachRemaining(o -> ops.merge(o.type(), 1, Integer::sum));
      assertEquals(1, ops.getOrDefault("FusedBatchNormV3", 0), ops.toString());
      assertEquals(1, ops.getOrDefault("Rsqrt", 0), ops.toString());
      try (TFloat32 in = Tensors.floats(x, 0, 5, 8, 8, 3);
          Result res = b.function(Signature.DEFAULT_KEY).call(Map.of("input_layer", in))) {
        Fixtures.assertClose(
            Tensors.toFloats(res.get("output_0").orElseThrow()), expected, 1e-5, 1e-5);
      }
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

package dev.jeras.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jeras.data.FloatArray;
import dev.jeras.models.Model;
import dev.jeras.models.Predictor;
import dev.jeras.saving.KerasFile;
import dev.jeras.saving.LoadedSavedModel;
import dev.jeras.saving.Npy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A loaded model predicts correctly from 8 threads at once: results equal the single-threaded. */
class ConcurrentPredictTest {
  private static final Path REF = Path.of("testdata", "reference");

  private static void eightThreads(Predictor p, FloatArray x) throws Exception {
    List<float[]> expected = new ArrayList<>();
    for (int i = 0; i < x.count(); i++) {
      expected.add(p.predict(x.slice(i, i + 1), 1).data());
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        final int thread = t;
        results.add(
            pool.submit(
                () -> {
                  int checked = 0;
                  for (int round = 0; round < 25; round++) {
                    int i = (thread * 7 + round) % x.count();
                    assertArrayEquals(
                        expected.get(i),
                        p.predict(x.slice(i, i + 1), 1).data(),
                        "thread " + thread + ", sample " + i);
                    checked++;
                  }
                  return checked;
                }));
      }
      int total = 0;
      for (Future<Integer> f : results) {
        total += f.get(120, TimeUnit.SECONDS);
      }
      assertEquals(200, total);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void jerasModel_eightThreads_equalSingleThreaded() throws Exception {
    try (Model m = KerasFile.load(REF.resolve("cifar10-functional.keras"))) {
      eightThreads(m, Npy.readFloats(REF.resolve("cifar10-functional_x.npy")));
    }
  }

  @Test
  void savedModel_eightThreads_equalSingleThreaded() throws Exception {
    try (LoadedSavedModel m = LoadedSavedModel.load(REF.resolve("mnist-basic_savedmodel"))) {
      eightThreads(m, Npy.readFloats(REF.resolve("mnist-basic_x.npy")));
    }
  }
}

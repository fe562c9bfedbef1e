package dev.jeras.bench;

import dev.jeras.data.Datasets;
import dev.jeras.data.FloatArray;
import dev.jeras.saving.LoadedSavedModel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Inference timing of a SavedModel from Java: throughput at batch 256 over the test images, and
 * batch-1 latency (p50, p99) over repeated single-image calls. Throughput is steady state: one
 * untimed pass over all test images first (it meets every batch shape, the short last batch
 * included, so kernels set up per shape are ready), then {@code passes} timed passes; the median
 * pass counts. {@code scripts/bench_inference.py} times Python the same way.
 *
 * <pre>
 * java -cp target/jeras.jar:target/lib/* dev.jeras.bench.InferenceBench DIR [dataset] [calls]
 *     [data directory] [passes]
 * </pre>
 *
 * <p>Prints one JSON object.
 */
public final class InferenceBench {
  private InferenceBench() {}

  /**
   * @param args SavedModel directory, dataset name (mnist), batch-1 calls (2000), data directory
   *     ("-": the default), timed batch-256 passes (5)
   */
  public static void main(String[] args) {
    Path dir = Path.of(args[0]);
    String dataset = args.length > 1 ? args[1] : "mnist";
    int calls = args.length > 2 ? Integer.parseInt(args[2]) : 2000;
    Path dataDir = args.length > 3 && !args[3].equals("-") ? Path.of(args[3]) : null;
    int passes = args.length > 4 ? Integer.parseInt(args[4]) : 5;
    FloatArray x = Datasets.load(dataset, dataDir).test().x();
    try (LoadedSavedModel m = LoadedSavedModel.load(dir)) {
      m.predict(List.of(x), 256); // warm-up: every batch shape once
      double[] passSeconds = new double[passes];
      for (int p = 0; p < passes; p++) {
        long t0 = System.nanoTime();
        m.predict(List.of(x), 256);
        passSeconds[p] = (System.nanoTime() - t0) / 1e9;
      }
      StringBuilder perPass = new StringBuilder();
      for (double s : passSeconds) {
        perPass
            .append(perPass.length() == 0 ? "" : ", ")
            .append(String.format(Locale.ROOT, "%.1f", x.count() / s));
      }
      Arrays.sort(passSeconds);
      double seconds = passSeconds[passes / 2];
      FloatArray one = x.slice(0, 1);
      for (int i = 0; i < 200; i++) {
        m.predict(one, 1);
      }
      double[] ms = new double[calls];
      for (int i = 0; i < calls; i++) {
        FloatArray xi = x.slice(i % x.count(), i % x.count() + 1);
        long s = System.nanoTime();
        m.predict(xi, 1);
        ms[i] = (System.nanoTime() - s) / 1e6;
      }
      Arrays.sort(ms);
      System.out.printf(
          Locale.ROOT,
          "{\"images\": %d, \"batch256_seconds\": %.4f, \"batch256_images_per_s\": %.1f,"
              + " \"batch256_passes_images_per_s\": [%s],"
              + " \"batch1_p50_ms\": %.4f, \"batch1_p99_ms\": %.4f, \"batch1_calls\": %d}%n",
          x.count(),
          seconds,
          x.count() / seconds,
          perPass,
          ms[calls / 2],
          ms[(int) (calls * 0.99)],
          calls);
    }
  }
}

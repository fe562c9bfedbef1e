package dev.jeras.bench;

import dev.jeras.data.Dataset;
import dev.jeras.data.Datasets;
import dev.jeras.data.FloatArray;
import dev.jeras.models.Builtins;
import dev.jeras.models.Model;
import dev.jeras.training.Callback;
import dev.jeras.training.FitOptions;
import dev.jeras.training.FitState;
import dev.jeras.training.Loss;
import dev.jeras.training.Metric;
import dev.jeras.training.Optimizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Native-memory soak: many predict calls and training steps on one model, with the process's
 * resident memory (VmRSS) sampled along the way. Exits 1 when memory grows by more than the bound
 * after warm-up (the first 10% of each phase). Run it with a fixed, pre-touched heap ({@code -Xms}
 * = {@code -Xmx}, {@code -XX:+AlwaysPreTouch}, as {@code scripts/soak} does) so that the Java heap
 * growing into its limit does not read as a native leak.
 *
 * <pre>
 * java -cp target/jeras.jar:target/lib/* \
 *     dev.jeras.bench.Soak [predicts] [steps] [boundMB] [dataDir]
 * </pre>
 */
public final class Soak {
  private Soak() {}

  /**
   * @return this process's resident memory in MB (Linux), or -1
   */
  static double rssMb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }

  /**
   * @return the Java heap in use, in MB (a part of the resident memory the soak separates out)
   */
  static double heapMb() {
    Runtime rt = Runtime.getRuntime();
    return (rt.totalMemory() - rt.freeMemory()) / (1024.0 * 1024.0);
  }

  /**
   * @param args predict calls (20000), training steps (5000), bound in MB (50), MNIST directory
   *     (default: the committed fixture testdata/mnist-small)
   */
  public static void main(String[] args) {
    int predicts = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    int steps = args.length > 1 ? Integer.parseInt(args[1]) : 5_000;
    double bound = args.length > 2 ? Double.parseDouble(args[2]) : 50;
    Path dir = Path.of(args.length > 3 ? args[3] : "testdata/mnist-small");
    Dataset train = Datasets.load("mnist", dir).train();
    List<double[]> samples = new ArrayList<>();
    boolean ok;
    try (Model m = Builtins.create("mnist-basic")) {
      m.seed(1);
      m.compile(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(), Metric.ACCURACY);
      System.out.printf(Locale.ROOT, "start: %.1f MB%n", rssMb());
      FloatArray x = train.x();
      int every = Math.max(1, predicts / 20);
      for (int i = 0; i < predicts; i++) {
        int k = i % x.count();
        m.predict(x.slice(k, k + 1), 1);
        if ((i + 1) % every == 0) {
          samples.add(new double[] {0, i + 1, rssMb()});
          System.out.printf(
              Locale.ROOT,
              "predict %6d: %.1f MB resident (Java heap in use %.0f MB)%n",
              i + 1,
              rssMb(),
              heapMb());
        }
      }
      int batch = 64;
      int perEpoch = (train.size() + batch - 1) / batch;
      int epochs = (steps + perEpoch - 1) / perEpoch;
      int stepEvery = Math.max(1, steps / 20);
      int[] done = {0};
      m.fit(
          train.x(),
          train.y(),
          new FitOptions()
              .epochs(epochs)
              .batchSize(batch)
              .seed(1)
              .progress(null)
              .callbacks(
                  new Callback() {
                    @Override
                    public void onBatchEnd(int step, Map<String, Double> logs, FitState state) {
                      done[0]++;
                      if (done[0] % stepEvery == 0) {
                        samples.add(new double[] {1, done[0], rssMb()});
                        System.out.printf(
                            Locale.ROOT,
                            "train   %6d: %.1f MB resident (Java heap in use %.0f MB)%n",
                            done[0],
                            rssMb(),
                            heapMb());
                      }
                      if (done[0] >= steps) {
                        state.stopTraining();
                      }
                    }
                  }));
      ok = report(samples, bound);
    }
    System.exit(ok ? 0 : 1);
  }

  private static boolean report(List<double[]> samples, double bound) {
    boolean ok = true;
    for (int phase = 0; phase < 2; phase++) {
      final int ph = phase;
      List<double[]> s = samples.stream().filter(v -> v[0] == ph).toList();
      if (s.size() < 3) {
        continue;
      }
      double warm = s.get(s.size() / 10 + 1)[2];
      double end = s.get(s.size() - 1)[2];
      double max = s.stream().mapToDouble(v -> v[2]).max().orElse(0);
      boolean flat = end - warm <= bound;
      ok &= flat;
      System.out.printf(
          Locale.ROOT,
          "%s: after warm-up %.1f MB, end %.1f MB, growth %+.1f MB, peak %.1f MB (bound %.0f"
              + " MB): %s%n",
          phase == 0 ? "predict" : "train",
          warm,
          end,
          end - warm,
          max,
          bound,
          flat ? "flat" : "GROWING");
    }
    return ok;
  }
}

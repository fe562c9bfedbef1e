package dev.jeras.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jeras.backend.Devices;
import dev.jeras.backend.EngineOptions;
import dev.jeras.backend.RewriteResult;
import dev.jeras.data.FloatArray;
import dev.jeras.layers.TensorShape;
import dev.jeras.models.Predictor;
import dev.jeras.saving.KerasJson;
import dev.jeras.saving.ModelFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jeras bench-predict --model PATH}: times inference of any model jeras loads on random
 * inputs of its shape, the way a serving loop calls it (one batch per call, steady state after a
 * warm-up), and prints one JSON object.
 */
@Command(
    name = "bench-predict",
    mixinStandardHelpOptions = true,
    description = "Time inference of a model: images/s, p50 and p99 per call, kernels chosen.")
final class BenchPredictCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, paramLabel = "PATH", description = "the model")
  Path model;

  @Option(
      names = "--batch-size",
      defaultValue = "256",
      description = "inputs per call (default: ${DEFAULT-VALUE})")
  int batchSize;

  @Option(
      names = "--seconds",
      defaultValue = "10",
      description = "timed seconds after the warm-up (default: ${DEFAULT-VALUE})")
  double seconds;

  @Option(
      names = "--threads",
      defaultValue = "0",
      description = "TensorFlow's intra-op threads (default: 0, one per core)")
  int threads;

  @picocli.CommandLine.Mixin DeviceOption device;

  @picocli.CommandLine.Mixin CommonOptions.Verbose verbose;

  @Override
  public Integer call() {
    verbose.apply();
    if (batchSize <= 0 || !(seconds > 0) || threads < 0) {
      throw new IllegalArgumentException(
          "--batch-size and --seconds must be positive and --threads at least 0, got "
              + batchSize
              + ", "
              + seconds
              + ", "
              + threads);
    }
    EngineOptions options = device.options().withThreads(threads, 0);
    try (Predictor p = ModelFiles.loadPredictor(model, options)) {
      List<FloatArray> xs = new ArrayList<>();
      SplittableRandom rng = new SplittableRandom(1);
      for (int i = 0; i < p.inputShapes().size(); i++) {
        TensorShape s = p.inputShapes().get(i);
        long[] dims = s.dims();
        dims[0] = batchSize;
        for (int d = 1; d < dims.length; d++) {
          if (dims[d] < 0) {
            throw new IllegalArgumentException(
                model
                    + ": input "
                    + p.inputNames().get(i)
                    + " has shape "
                    + s
                    + "; bench-predict needs every dimension but the batch known");
          }
        }
        long n = 1;
        for (long d : dims) {
          n *= d;
        }
        float[] v = new float[Math.toIntExact(n)];
        for (int k = 0; k < v.length; k++) {
          v[k] = (float) rng.nextDouble();
        }
        xs.add(FloatArray.of(v, dims));
      }
      long warmUntil = System.nanoTime() + 2_000_000_000L;
      int warm = 0;
      while (warm < 20 || (System.nanoTime() < warmUntil && warm < 200)) {
        p.predict(xs, batchSize);
        warm++;
      }
      List<Long> calls = new ArrayList<>();
      long start = System.nanoTime();
      long end = start + (long) (seconds * 1e9);
      long now = start;
      while (now < end || calls.size() < 10) {
        long t0 = System.nanoTime();
        p.predict(xs, batchSize);
        now = System.nanoTime();
        calls.add(now - t0);
      }
      double total = (now - start) / 1e9;
      long[] sorted = calls.stream().mapToLong(Long::longValue).sorted().toArray();
      ObjectNode out = KerasJson.MAPPER.createObjectNode();
      out.put("model", model.toString());
      out.put("batch_size", batchSize);
      out.put("threads", threads == 0 ? Runtime.getRuntime().availableProcessors() : threads);
      out.put("calls", sorted.length);
      out.put("seconds", round(total, 3));
      out.put("images_per_second", round(sorted.length * (double) batchSize / total, 1));
      out.put("p50_ms", round(percentile(sorted, 0.50) / 1e6, 4));
      out.put("p99_ms", round(percentile(sorted, 0.99) / 1e6, 4));
      out.put("cpu", Devices.cpuModelOnce());
      out.put("kernel_policy", options.kernels().id());
      RewriteResult k = p.kernels();
      out.put("kernels_summary", k.summary());
      ArrayNode chosen = out.putArray("kernels");
      for (RewriteResult.Applied a : k.applied()) {
        chosen
            .addObject()
            .put("site", a.site().id())
            .put("kernel", a.kernel())
            .put("node", a.node());
      }
      System.out.println(out.toPrettyString());
    }
    return 0;
  }

  private static long percentile(long[] sorted, double q) {
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  private static double round(double v, int digits) {
    double f = Math.pow(10, digits);
    return Math.round(v * f) / f;
  }

  @Override
  public String toString() {
    return "bench-predict " + model + " " + Arrays.asList(batchSize, seconds, threads);
  }
}

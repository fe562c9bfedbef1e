package dev.jeras.serve;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The server's metrics in Prometheus' text format, under TensorFlow Serving's names where it has
 * one: {@code :tensorflow:serving:request_count} (by model and status), {@code
 * :tensorflow:serving:request_latency} (microseconds, successful requests, TensorFlow Serving's
 * buckets 10 * 1.8^i), {@code :tensorflow:serving:batching_session:processed_batch_size} (rows per
 * batch run, buckets 1, 2, 4 ... 8192); and jeras' own gauges ({@code :jeras:serving:...}: requests
 * running, requests waiting for a thread, rows waiting in batch queues, versions available).
 */
final class Metrics {
  private static final double[] LATENCY_BOUNDS = exponential(10, 1.8, 33);
  private static final double[] BATCH_BOUNDS = exponential(1, 2, 14);

  private final Map<List<String>, LongAdder> requests = new ConcurrentHashMap<>();
  private final Map<List<String>, Histogram> latency = new ConcurrentHashMap<>();
  private final Map<List<String>, Histogram> batches = new ConcurrentHashMap<>();
  private final Map<String, LongSupplier> gauges = new TreeMap<>();
  private final Map<String, Supplier<Map<String, Long>>> modelGauges = new TreeMap<>();

  /** A cumulative histogram with fixed bucket bounds (value counted in the first bound >= it). */
  private static final class Histogram {
    final double[] bounds;
    final AtomicLongArray counts;
    final DoubleAdder sum = new DoubleAdder();

    Histogram(double[] bounds) {
      this.bounds = bounds;
      this.counts = new AtomicLongArray(bounds.length + 1);
    }

    void add(double v) {
      int i = 0;
      while (i < bounds.length && v > bounds[i]) {
        i++;
      }
      counts.incrementAndGet(i);
      sum.add(v);
    }
  }

  private static double[] exponential(double scale, double growth, int n) {
    double[] b = new double[n];
    for (int i = 0; i < n; i++) {
      b[i] = scale * Math.pow(growth, i);
    }
    return b;
  }

  /** Counts a finished request. */
  void request(String model, Status status) {
    requests.computeIfAbsent(List.of(model, status.name()), k -> new LongAdder()).increment();
  }

  /** Records the latency of a successful request. */
  void latency(String model, String api, long micros) {
    latency
        .computeIfAbsent(List.of(model, api, "REST"), k -> new Histogram(LATENCY_BOUNDS))
        .add(micros);
  }

  /** Records the rows of one batch run. */
  void batch(String model, int rows) {
    batches.computeIfAbsent(List.of(model), k -> new Histogram(BATCH_BOUNDS)).add(rows);
  }

  /** Registers a gauge read at each scrape. */
  synchronized void gauge(String name, LongSupplier value) {
    gauges.put(name, value);
  }

  /** Registers a gauge with a model_name label, read at each scrape. */
  synchronized void modelGauge(String name, Supplier<Map<String, Long>> byModel) {
    modelGauges.put(name, byModel);
  }

  /**
   * @return every metric in Prometheus' text exposition format
   */
  synchronized String prometheus() {
    List<String> lines = new ArrayList<>();
    String count = ":tensorflow:serving:request_count";
    lines.add("# TYPE " + count + " counter");
    sorted(requests)
        .forEach(
            (k, v) ->
                lines.add(count + labels(List.of("model_name", "status"), k) + " " + v.sum()));
    histogram(
        lines,
        ":tensorflow:serving:request_latency",
        List.of("model_name", "API", "entrypoint"),
        latency);
    histogram(
        lines,
        ":tensorflow:serving:batching_session:processed_batch_size",
        List.of("model_name"),
        batches);
    gauges.forEach(
        (name, v) -> {
          lines.add("# TYPE " + name + " gauge");
          lines.add(name + " " + v.getAsLong());
        });
    modelGauges.forEach(
        (name, m) -> {
          lines.add("# TYPE " + name + " gauge");
          new TreeMap<>(m.get())
              .forEach(
                  (k, v) -> lines.add(name + labels(List.of("model_name"), List.of(k)) + " " + v));
        });
    return String.join("\n", lines) + "\n";
  }

  private static void histogram(
      List<String> lines, String name, List<String> labelNames, Map<List<String>, Histogram> hs) {
    lines.add("# TYPE " + name + " histogram");
    sorted(hs)
        .forEach(
            (k, h) -> {
              String l = labels(labelNames, k);
              String prefix = name + "_bucket" + l.substring(0, l.length() - 1) + ",le=\"";
              long cumulative = 0;
              for (int i = 0; i <= h.bounds.length; i++) {
                cumulative += h.counts.get(i);
                String le = i < h.bounds.length ? FloatFormat.general(h.bounds[i], 6) : "+Inf";
                lines.add(prefix + le + "\"} " + cumulative);
              }
              lines.add(name + "_sum" + l + " " + FloatFormat.general(h.sum.sum(), 12));
              lines.add(name + "_count" + l + " " + cumulative);
            });
  }

  private static <V> Map<List<String>, V> sorted(Map<List<String>, V> m) {
    Map<List<String>, V> s =
        new TreeMap<>((a, b) -> String.join("\0", a).compareTo(String.join("\0", b)));
    s.putAll(m);
    return s;
  }

  private static String labels(List<String> names, List<String> values) {
    StringBuilder sb = new StringBuilder("{");
    for (int i = 0; i < names.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(names.get(i)).append("=\"");
      String v = values.get(i);
      for (int j = 0; j < v.length(); j++) {
        char c = v.charAt(j);
        if (c == '\\' || c == '"') {
          sb.append('\\').append(c);
        } else if (c == '\n') {
          sb.append("\\n");
        } else {
          sb.append(c);
        }
      }
      sb.append('"');
    }
    return sb.append('}').toString();
  }
}

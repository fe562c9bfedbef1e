package dev.jeras.training;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What {@code fit} returns: per epoch, the mean loss and metrics (and validation values), and the
 * seconds the epoch took. Keras' {@code History.history}, plus timings.
 *
 * <pre>{@code
 * History h = model.fit(x, y, new FitOptions().epochs(5));
 * double lastAccuracy = h.last("accuracy");
 * List<Double> losses = h.get("loss");
 * }</pre>
 */
public final class History {
  private final List<Map<String, Double>> epochs = new ArrayList<>();
  private final List<Double> seconds = new ArrayList<>();
  private final List<Double> dataWait = new ArrayList<>();
  private String stopReason;

  /** Records one epoch (restored from a checkpoint: its data wait is not known). */
  void add(Map<String, Double> logs, double epochSeconds) {
    add(logs, epochSeconds, Double.NaN);
  }

  /** Records one epoch with the fraction of its time spent waiting for data. */
  void add(Map<String, Double> logs, double epochSeconds, double dataWaitFraction) {
    epochs.add(Collections.unmodifiableMap(new LinkedHashMap<>(logs)));
    seconds.add(epochSeconds);
    dataWait.add(dataWaitFraction);
  }

  /** Records why training stopped early (a non-finite loss). */
  void stop(String reason) {
    stopReason = reason;
  }

  /**
   * @return why training stopped before its last epoch, or {@code null} if it did not
   */
  public String stopReason() {
    return stopReason;
  }

  /**
   * @return the number of epochs run
   */
  public int epochCount() {
    return epochs.size();
  }

  /**
   * @return each epoch's logs, in order
   */
  public List<Map<String, Double>> epochs() {
    return Collections.unmodifiableList(epochs);
  }

  /**
   * @return each epoch's wall-clock seconds
   */
  public List<Double> seconds() {
    return Collections.unmodifiableList(seconds);
  }

  /**
   * @return each epoch's fraction of its wall-clock time spent waiting for the next batch (NaN for
   *     epochs restored from a checkpoint); see {@link FitState#dataWaitFraction()}
   */
  public List<Double> dataWaitFractions() {
    return Collections.unmodifiableList(dataWait);
  }

  /**
   * @return the names recorded ({@code loss}, {@code accuracy}, {@code val_loss}, ...)
   */
  public Set<String> keys() {
    Set<String> k = new LinkedHashSet<>();
    epochs.forEach(e -> k.addAll(e.keySet()));
    return k;
  }

  /**
   * @param key a log name
   * @return its value per epoch (null where absent)
   */
  public List<Double> get(String key) {
    return epochs.stream().map(e -> e.get(key)).toList();
  }

  /**
   * @param key a log name
   * @return its value at the last epoch
   * @throws IllegalArgumentException when absent
   */
  public double last(String key) {
    if (epochs.isEmpty() || !epochs.get(epochs.size() - 1).containsKey(key)) {
      throw new IllegalArgumentException("no '" + key + "' in the history; keys: " + keys());
    }
    return epochs.get(epochs.size() - 1).get(key);
  }

  /**
   * @return the history as JSON: {@code {"epochs": [{"epoch": 0, "loss": ..., "seconds": ...},
   *     ...], "stop_reason": null}}, non-finite values as {@code null}
   */
  public String toJson() {
    StringBuilder b = new StringBuilder("{\"epochs\": [");
    for (int i = 0; i < epochs.size(); i++) {
      b.append(i == 0 ? "" : ", ").append("{\"epoch\": ").append(i);
      for (Map.Entry<String, Double> e : epochs.get(i).entrySet()) {
        b.append(", ").append(quote(e.getKey())).append(": ").append(number(e.getValue()));
      }
      b.append(", \"seconds\": ").append(number(seconds.get(i))).append('}');
    }
    b.append("], \"stop_reason\": ").append(stopReason == null ? "null" : quote(stopReason));
    return b.append('}').toString();
  }

  private static String number(Double v) {
    return v == null || v.isNaN() || v.isInfinite() ? "null" : Double.toString(v);
  }

  private static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }

  /**
   * @return a CSV table: epoch, each key, seconds
   */
  public String toCsv() {
    List<String> keys = new ArrayList<>(keys());
    StringBuilder b = new StringBuilder("epoch");
    keys.forEach(k -> b.append(',').append(k));
    b.append(",seconds\n");
    for (int i = 0; i < epochs.size(); i++) {
      b.append(i);
      for (String k : keys) {
        Double v = epochs.get(i).get(k);
        b.append(',').append(v == null ? "" : String.format(Locale.ROOT, "%.6g", v));
      }
      b.append(',').append(String.format(Locale.ROOT, "%.3f", seconds.get(i))).append('\n');
    }
    return b.toString();
  }
}

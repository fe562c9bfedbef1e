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
  private String stopReason;

  /** Records one epoch. */
  void add(Map<String, Double> logs, double epochSeconds) {
    epochs.add(Collections.unmodifiableMap(new LinkedHashMap<>(logs)));
    seconds.add(epochSeconds);
  }

  /** Records why training stopped early (a non-finite loss). */
  void stop(String reason) {
    stopReason = reason;
  }

  /** @return why training stopped before its last epoch, or {@code null} if it did not */
  public String stopReason() {
    return stopReason;
  }

  /** @return the number of epochs run */
  public int epochCount() {
    return epochs.size();
  }

  /** @return each epoch's logs, in order */
  public List<Map<String, Double>> epochs() {
    return Collections.unmodifiableList(epochs);
  }

  /** @return each epoch's wall-clock seconds */
  public List<Double> seconds() {
    return Collections.unmodifiableList(seconds);
  }

  /** @return the names recorded ({@code loss}, {@code accuracy}, {@code val_loss}, ...) */
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

  /** @return a CSV table: epoch, each key, seconds */
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

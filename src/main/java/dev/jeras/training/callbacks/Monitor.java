package dev.jeras.training.callbacks;

import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A monitored quantity with Keras' "mode" rules, shared by EarlyStopping, ReduceLROnPlateau and
 * ModelCheckpoint: {@code auto} means max for names containing "acc" (accuracy), min otherwise.
 */
public final class Monitor {
  private static final Logger LOG = LoggerFactory.getLogger(Monitor.class);

  private final String name;
  private final boolean maximize;

  /**
   * @param name the log key, e.g. {@code val_loss}
   * @param mode {@code auto}, {@code min} or {@code max}
   */
  public Monitor(String name, String mode) {
    this.name = name;
    this.maximize =
        switch (mode.toLowerCase(Locale.ROOT)) {
          case "max" -> true;
          case "min" -> false;
          case "auto" -> name.contains("acc");
          default ->
              throw new IllegalArgumentException("mode must be auto, min or max, got " + mode);
        };
  }

  /**
   * @return the monitored key
   */
  public String name() {
    return name;
  }

  /**
   * @return whether larger is better
   */
  public boolean maximize() {
    return maximize;
  }

  /**
   * @return the worst possible value, the starting "best"
   */
  public double worst() {
    return maximize ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
  }

  /**
   * @param current the new value
   * @param best the best so far
   * @param minDelta the smallest change that counts as an improvement
   * @return whether {@code current} improves on {@code best} by more than {@code minDelta}
   */
  public boolean improves(double current, double best, double minDelta) {
    return maximize ? current - minDelta > best : current + minDelta < best;
  }

  /**
   * @param logs epoch logs
   * @param who the callback, for the warning
   * @return the monitored value, or null (with a warning naming the available keys) when absent
   */
  public Double read(Map<String, Double> logs, String who) {
    Double v = logs.get(name);
    if (v == null) {
      LOG.warn(
          "{} monitors '{}', which is not in the logs; available: {}", who, name, logs.keySet());
    }
    return v;
  }
}

package dev.jeras.training.callbacks;

import dev.jeras.data.FloatArray;
import dev.jeras.training.Callback;
import dev.jeras.training.FitState;
import dev.jeras.training.History;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops training when a monitored quantity stops improving, as Keras' {@code EarlyStopping}.
 *
 * <p>Defaults: monitor {@code val_loss}, min_delta 0, patience 0, mode auto, no baseline,
 * restore_best_weights false, start_from_epoch 0. After {@code patience} epochs without an
 * improvement larger than {@code minDelta}, training stops; with {@code restoreBestWeights} the
 * weights of the best epoch are put back.
 *
 * <pre>{@code
 * new EarlyStopping().patience(3).restoreBestWeights(true)
 * new EarlyStopping("val_accuracy").minDelta(0.001)
 * }</pre>
 */
public final class EarlyStopping implements Callback {
  private static final Logger LOG = LoggerFactory.getLogger(EarlyStopping.class);

  private final Monitor monitor;
  private double minDelta;
  private int patience;
  private Double baseline;
  private boolean restoreBestWeights;
  private int startFromEpoch;

  private double best;
  private int wait;
  private int bestEpoch = -1;
  private int stoppedEpoch = -1;
  private List<FloatArray> bestWeights;

  /** Monitors {@code val_loss}. */
  public EarlyStopping() {
    this("val_loss", "auto");
  }

  /**
   * @param monitor the log key to monitor (mode auto)
   */
  public EarlyStopping(String monitor) {
    this(monitor, "auto");
  }

  /**
   * @param monitor the log key to monitor
   * @param mode auto, min or max
   */
  public EarlyStopping(String monitor, String mode) {
    this.monitor = new Monitor(monitor, mode);
  }

  /**
   * @return this, with that minimum improvement (default 0)
   */
  public EarlyStopping minDelta(double minDelta) {
    this.minDelta = Math.abs(minDelta);
    return this;
  }

  /**
   * @return this, waiting that many epochs without improvement (default 0)
   */
  public EarlyStopping patience(int patience) {
    if (patience < 0) {
      throw new IllegalArgumentException("patience must be >= 0, got " + patience);
    }
    this.patience = patience;
    return this;
  }

  /**
   * @return this, requiring the monitored value to beat a baseline (default none)
   */
  public EarlyStopping baseline(double baseline) {
    this.baseline = baseline;
    return this;
  }

  /**
   * @return this, restoring the best epoch's weights when stopping (default false)
   */
  public EarlyStopping restoreBestWeights(boolean restore) {
    this.restoreBestWeights = restore;
    return this;
  }

  /**
   * @return this, ignoring the first epochs (warm-up; default 0)
   */
  public EarlyStopping startFromEpoch(int epoch) {
    this.startFromEpoch = epoch;
    return this;
  }

  @Override
  public void onTrainBegin(FitState state) {
    wait = 0;
    stoppedEpoch = -1;
    bestEpoch = -1;
    bestWeights = null;
    best = baseline != null ? baseline : monitor.worst();
  }

  @Override
  public void onEpochEnd(int epoch, Map<String, Double> logs, FitState state) {
    Double current = monitor.read(logs, "EarlyStopping");
    if (current == null || epoch < startFromEpoch) {
      return;
    }
    if (restoreBestWeights && bestWeights == null) {
      bestWeights = state.getWeights();
      bestEpoch = epoch;
    }
    wait++;
    if (monitor.improves(current, best, minDelta)) {
      best = current;
      bestEpoch = epoch;
      if (restoreBestWeights) {
        bestWeights = state.getWeights();
      }
      if (baseline == null || monitor.improves(current, baseline, 0)) {
        wait = 0;
      }
      return;
    }
    if (wait >= patience && epoch > 0) {
      stoppedEpoch = epoch;
      state.stopTraining();
      if (restoreBestWeights && bestWeights != null) {
        state.setWeights(bestWeights);
        LOG.info(
            "EarlyStopping: restored the weights of epoch {} ({} = {})",
            bestEpoch + 1,
            monitor.name(),
            best);
      }
    }
  }

  @Override
  public void onTrainEnd(History history, FitState state) {
    if (stoppedEpoch >= 0) {
      LOG.info(
          "EarlyStopping: stopped after epoch {}: {} did not improve for {} epoch(s);"
              + " best {} at epoch {}",
          stoppedEpoch + 1,
          monitor.name(),
          patience,
          best,
          bestEpoch + 1);
    }
  }

  /**
   * @return the epoch (0-based) after which training stopped, or -1
   */
  public int stoppedEpoch() {
    return stoppedEpoch;
  }

  /**
   * @return the best epoch (0-based), or -1
   */
  public int bestEpoch() {
    return bestEpoch;
  }

  /**
   * @return the best monitored value
   */
  public double best() {
    return best;
  }
}

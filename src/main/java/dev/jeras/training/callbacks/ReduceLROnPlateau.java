package dev.jeras.training.callbacks;

import dev.jeras.training.Callback;
import dev.jeras.training.FitState;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Multiplies the learning rate by {@code factor} when a monitored quantity stops improving, as
 * Keras' {@code ReduceLROnPlateau}.
 *
 * <p>Defaults: monitor {@code val_loss}, factor 0.1, patience 10, mode auto, min_delta 1e-4,
 * cooldown 0, min_lr 0. Adds {@code learning_rate} to the epoch logs, as Keras does.
 *
 * <pre>{@code
 * new ReduceLROnPlateau().factor(0.5).patience(2)
 * }</pre>
 */
public final class ReduceLROnPlateau implements Callback {
  private static final Logger LOG = LoggerFactory.getLogger(ReduceLROnPlateau.class);

  private final Monitor monitor;
  private double factor = 0.1;
  private int patience = 10;
  private double minDelta = 1e-4;
  private int cooldown;
  private double minLr;

  private double best;
  private int wait;
  private int cooldownCounter;

  /** Monitors {@code val_loss}. */
  public ReduceLROnPlateau() {
    this("val_loss", "auto");
  }

  /**
   * @param monitor the log key to monitor
   * @param mode auto, min or max
   */
  public ReduceLROnPlateau(String monitor, String mode) {
    this.monitor = new Monitor(monitor, mode);
  }

  /**
   * @return this, with that reduction factor, in (0, 1) (default 0.1)
   */
  public ReduceLROnPlateau factor(double factor) {
    if (!(factor > 0 && factor < 1)) {
      throw new IllegalArgumentException("factor must be in (0, 1), got " + factor);
    }
    this.factor = factor;
    return this;
  }

  /**
   * @return this, with that patience (default 10)
   */
  public ReduceLROnPlateau patience(int patience) {
    if (patience < 0) {
      throw new IllegalArgumentException("patience must be >= 0, got " + patience);
    }
    this.patience = patience;
    return this;
  }

  /**
   * @return this, with that minimum improvement (default 1e-4)
   */
  public ReduceLROnPlateau minDelta(double minDelta) {
    this.minDelta = minDelta;
    return this;
  }

  /**
   * @return this, waiting that many epochs after a reduction (default 0)
   */
  public ReduceLROnPlateau cooldown(int cooldown) {
    this.cooldown = cooldown;
    return this;
  }

  /**
   * @return this, never going below that learning rate (default 0)
   */
  public ReduceLROnPlateau minLr(double minLr) {
    this.minLr = minLr;
    return this;
  }

  @Override
  public void onTrainBegin(FitState state) {
    best = monitor.worst();
    wait = 0;
    cooldownCounter = 0;
  }

  @Override
  public void onEpochEnd(int epoch, Map<String, Double> logs, FitState state) {
    double lr = state.learningRate();
    Double current = monitor.read(logs, "ReduceLROnPlateau");
    if (current != null) {
      if (cooldownCounter > 0) {
        cooldownCounter--;
        wait = 0;
      }
      if (monitor.improves(current, best, minDelta)) {
        best = current;
        wait = 0;
      } else if (cooldownCounter <= 0 && ++wait >= patience) {
        double newLr = Math.max(lr * factor, minLr);
        if (lr - newLr > 1e-12 * lr) {
          state.setLearningRate(newLr);
          LOG.info("ReduceLROnPlateau: epoch {}: learning rate {} -> {}", epoch + 1, lr, newLr);
          lr = newLr;
          cooldownCounter = cooldown;
          wait = 0;
        }
      }
    }
    logs.put("learning_rate", lr);
  }
}

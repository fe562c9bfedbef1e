package dev.jeras.training.callbacks;

import dev.jeras.training.Callback;
import dev.jeras.training.FitState;
import java.util.Map;

/**
 * Stops training when the running loss is NaN or infinite, as Keras' {@code TerminateOnNaN}.
 *
 * <p>jeras' fit loop already does this for every run (and, with a checkpoint directory, puts the
 * last good checkpoint back); this callback exists for code ported from Keras and also checks the
 * metrics.
 *
 * <pre>{@code
 * new FitOptions().callbacks(new TerminateOnNaN())
 * }</pre>
 */
public final class TerminateOnNaN implements Callback {
  private int stoppedAt = -1;

  @Override
  public void onBatchEnd(int step, Map<String, Double> logs, FitState state) {
    for (double v : logs.values()) {
      if (Double.isNaN(v) || Double.isInfinite(v)) {
        stoppedAt = step;
        state.stopTraining();
        return;
      }
    }
  }

  /**
   * @return the step at which a non-finite value was seen, or -1
   */
  public int stoppedAt() {
    return stoppedAt;
  }
}

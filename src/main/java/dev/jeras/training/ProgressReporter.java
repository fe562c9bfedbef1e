package dev.jeras.training;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports fit's progress as Keras' {@code verbose=2} does: one line per epoch, printed to a stream
 * the caller chose:
 *
 * <pre>
 * Epoch 1/5 - 938/938 - 14.2s - 15ms/step - loss: 0.1501 - accuracy: 0.9547 - val_loss: ...
 * </pre>
 *
 * <p>The library's default is {@link Logging}, which writes the same line through SLF4J. The
 * command line draws a progress bar on a terminal by extending this class.
 */
public class ProgressReporter implements Callback {
  private final PrintStream out;
  private long epochStart;
  private boolean showDataWait;

  /**
   * @param out where lines go
   */
  public ProgressReporter(PrintStream out) {
    this.out = Objects.requireNonNull(out, "out");
  }

  /**
   * @param out where lines go, for example {@code System.out}
   * @return a reporter that prints one line per epoch to {@code out}
   */
  public static ProgressReporter console(PrintStream out) {
    return new ProgressReporter(out);
  }

  /**
   * @param show whether each epoch line ends with the share of the epoch spent waiting for data
   *     ({@code - data wait: 0.4%}, see {@link FitState#dataWaitFraction()})
   * @return this
   */
  public ProgressReporter showDataWait(boolean show) {
    this.showDataWait = show;
    return this;
  }

  @Override
  public void onEpochBegin(int epoch, FitState state) {
    epochStart = System.nanoTime();
  }

  @Override
  public void onEpochEnd(int epoch, Map<String, Double> logs, FitState state) {
    String line = line(epoch, state, logs, (System.nanoTime() - epochStart) / 1e9);
    if (showDataWait) {
      line += String.format(Locale.ROOT, " - data wait: %.1f%%", 100 * state.dataWaitFraction());
    }
    emit(line);
  }

  /**
   * @return the stream lines go to
   */
  protected PrintStream out() {
    return out;
  }

  /**
   * Writes one finished line.
   *
   * @param line the epoch line
   */
  protected void emit(String line) {
    out.println(line);
    out.flush();
  }

  /**
   * @param epoch the epoch, from 0
   * @param state the run's epochs and steps per epoch
   * @param logs the epoch's losses and metrics
   * @param seconds how long the epoch took
   * @return the epoch line: epoch, steps, seconds, time per step, then the logs
   */
  protected static String line(
      int epoch, FitState state, Map<String, Double> logs, double seconds) {
    return String.format(
        Locale.ROOT,
        "Epoch %d/%d - %d/%d - %.1fs - %.0fms/step - %s",
        epoch + 1,
        state.epochs(),
        state.stepsPerEpoch(),
        state.stepsPerEpoch(),
        seconds,
        1000 * seconds / Math.max(1, state.stepsPerEpoch()),
        format(logs));
  }

  /**
   * @param logs losses and metrics by name
   * @return {@code loss: 0.1234 - accuracy: 0.9876}
   */
  protected static String format(Map<String, Double> logs) {
    StringBuilder b = new StringBuilder();
    for (Map.Entry<String, Double> e : logs.entrySet()) {
      if (b.length() > 0) {
        b.append(" - ");
      }
      b.append(e.getKey()).append(": ").append(String.format(Locale.ROOT, "%.4f", e.getValue()));
    }
    return b.toString();
  }

  /** The library's default: one INFO line per epoch through SLF4J. */
  public static final class Logging implements Callback {
    private static final Logger LOG = LoggerFactory.getLogger("dev.jeras.fit");
    private long epochStart;

    @Override
    public void onEpochBegin(int epoch, FitState state) {
      epochStart = System.nanoTime();
    }

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs, FitState state) {
      if (LOG.isInfoEnabled()) {
        LOG.info(line(epoch, state, logs, (System.nanoTime() - epochStart) / 1e9));
      }
    }
  }
}

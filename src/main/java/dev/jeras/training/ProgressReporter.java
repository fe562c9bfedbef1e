package dev.jeras.training;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports fit's progress as Keras does: on an interactive terminal, a progress bar per epoch with
 * the running loss and metrics; otherwise (pipes, CI logs) one line per epoch:
 *
 * <pre>
 * Epoch 1/5 - 938/938 - 14.2s - 15ms/step - loss: 0.1501 - accuracy: 0.9547 - val_loss: ...
 * </pre>
 *
 * <p>The library's default is {@link Logging}, which writes the same line through SLF4J; the
 * command line uses {@link #console(PrintStream)}.
 */
public class ProgressReporter implements Callback {
  private final PrintStream out;
  private final boolean interactive;
  private ProgressBar bar;
  private long epochStart;
  private boolean showDataWait;

  /**
   * @param out where lines go
   * @param interactive whether to draw a progress bar (only on a terminal)
   */
  public ProgressReporter(PrintStream out, boolean interactive) {
    this.out = out;
    this.interactive = interactive;
  }

  /**
   * @param out where lines go
   * @return a reporter that draws a bar when the JVM has a terminal, else prints lines
   */
  public static ProgressReporter console(PrintStream out) {
    return new ProgressReporter(out, System.console() != null);
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
    if (interactive) {
      bar =
          new ProgressBarBuilder()
              .setTaskName(String.format(Locale.ROOT, "Epoch %d/%d", epoch + 1, state.epochs()))
              .setInitialMax(state.stepsPerEpoch())
              .setStyle(ProgressBarStyle.ASCII)
              .setConsumer(new ConsoleProgressBarConsumer(out))
              .setUpdateIntervalMillis(200)
              .build();
    }
  }

  @Override
  public void onBatchEnd(int step, Map<String, Double> logs, FitState state) {
    if (bar != null) {
      bar.stepTo(step + 1);
      bar.setExtraMessage(format(logs));
    }
  }

  @Override
  public void onEpochEnd(int epoch, Map<String, Double> logs, FitState state) {
    if (bar != null) {
      bar.close();
      bar = null;
    }
    String line = line(epoch, state, logs, (System.nanoTime() - epochStart) / 1e9);
    if (showDataWait) {
      line += String.format(Locale.ROOT, " - data wait: %.1f%%", 100 * state.dataWaitFraction());
    }
    emit(line);
  }

  @Override
  public void onTrainEnd(History history, FitState state) {
    if (bar != null) {
      bar.close();
      bar = null;
    }
  }

  /** Writes one finished line. */
  protected void emit(String line) {
    out.println(line);
    out.flush();
  }

  /**
   * @return the epoch line: epoch, steps, seconds, time per step, then the logs
   */
  static String line(int epoch, FitState state, Map<String, Double> logs, double seconds) {
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
   * @return {@code loss: 0.1234 - accuracy: 0.9876}
   */
  static String format(Map<String, Double> logs) {
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

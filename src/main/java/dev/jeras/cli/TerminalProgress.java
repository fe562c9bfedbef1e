package dev.jeras.cli;

import dev.jeras.training.FitState;
import dev.jeras.training.History;
import dev.jeras.training.ProgressReporter;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The command line's progress: on an interactive terminal a progress bar per epoch with the running
 * loss and metrics (Keras' {@code verbose=1} look), then the library's epoch line; elsewhere
 * (pipes, CI logs) the epoch line alone. The bar lives here so that the library needs no terminal
 * library.
 */
final class TerminalProgress extends ProgressReporter {
  private ProgressBar bar;

  private TerminalProgress(PrintStream out) {
    super(out);
  }

  /**
   * @param out where lines go
   * @return a bar-drawing reporter when the JVM has a terminal, else the library's line reporter
   */
  static ProgressReporter forConsole(PrintStream out) {
    return System.console() != null ? new TerminalProgress(out) : ProgressReporter.console(out);
  }

  @Override
  public void onEpochBegin(int epoch, FitState state) {
    super.onEpochBegin(epoch, state);
    bar =
        new ProgressBarBuilder()
            .setTaskName(String.format(Locale.ROOT, "Epoch %d/%d", epoch + 1, state.epochs()))
            .setInitialMax(state.stepsPerEpoch())
            .setStyle(ProgressBarStyle.ASCII)
            .setConsumer(new ConsoleProgressBarConsumer(out()))
            .setUpdateIntervalMillis(200)
            .build();
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
    closeBar();
    super.onEpochEnd(epoch, logs, state);
  }

  @Override
  public void onTrainEnd(History history, FitState state) {
    closeBar();
  }

  private void closeBar() {
    if (bar != null) {
      bar.close();
      bar = null;
    }
  }
}

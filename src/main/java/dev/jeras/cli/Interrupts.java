package dev.jeras.cli;

import dev.jeras.training.Callback;
import dev.jeras.training.FitState;
import java.io.PrintStream;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Ctrl-C during fit: the first SIGINT asks the loop to stop after the current step (writing a
 * checkpoint when a directory was given); a second one exits at once with 130.
 */
final class Interrupts implements Callback, AutoCloseable {
  /** The exit code of a run stopped by SIGINT (128 + 2). */
  static final int EXIT_CODE = 130;

  private final PrintStream err;
  private volatile FitState state;
  private volatile boolean requested;
  private SignalHandler previous;

  Interrupts(PrintStream err) {
    this.err = err;
    try {
      previous = Signal.handle(new Signal("INT"), sig -> onSignal());
    } catch (IllegalArgumentException e) {
      previous = null; // no SIGINT on this platform: nothing to install
    }
  }

  private void onSignal() {
    if (requested) {
      err.println("jeras: interrupted again: exiting now");
      Runtime.getRuntime().halt(EXIT_CODE);
    }
    requested = true;
    err.println("jeras: interrupt: finishing the current step (Ctrl-C again to exit at once)");
    FitState s = state;
    if (s != null) {
      s.interrupt();
    }
  }

  /**
   * @return whether SIGINT arrived
   */
  boolean requested() {
    return requested;
  }

  @Override
  public void onTrainBegin(FitState s) {
    state = s;
    if (requested) {
      s.interrupt();
    }
  }

  @Override
  public void close() {
    if (previous != null) {
      Signal.handle(new Signal("INT"), previous);
    }
  }
}

package dev.jeras.cli;

import ch.qos.logback.classic.Level;
import dev.jeras.JerasException;
import dev.jeras.internal.TensorFlowLogging;
import java.io.PrintWriter;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code jeras} command line: {@code train}, {@code evaluate}, {@code predict}, {@code
 * convert}, {@code summary}, {@code serve}. Errors a user can act on are printed as one line (exit
 * code 1); usage errors exit with 2; an interrupted run exits with 130.
 */
@Command(
    name = "jeras",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Define, train and export Keras-style convolutional networks on TensorFlow.",
    subcommands = {
      TrainCommand.class,
      EvaluateCommand.class,
      PredictCommand.class,
      ConvertCommand.class,
      SummaryCommand.class,
      KernelsCommand.class,
      BenchPredictCommand.class,
      ServeCommand.class,
      SparkPredictCommand.class
    })
public final class Main implements Runnable {
  /** Exit code for errors in the user's input or environment. */
  static final int USER_ERROR = 1;

  private Main() {}

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  /**
   * @param args command-line arguments
   */
  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /**
   * Runs the command line without exiting (for tests).
   *
   * @param args command-line arguments
   * @return the exit code
   */
  public static int execute(String... args) {
    TensorFlowLogging.apply(); // scripts/jeras sets TF_CPP_MIN_LOG_LEVEL=2 unless the user set it
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler(Main::handle);
    // "--top 3" after a multi-value option is an unknown option, not two more file names
    cl.setUnmatchedOptionsAllowedAsOptionParameters(false);
    return cl.execute(args);
  }

  private static int handle(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
    boolean verbose =
        parsed.subcommand() != null && parsed.subcommand().hasMatchedOption("--verbose");
    PrintWriter err = cl.getErr();
    if (e instanceof JerasException || e instanceof IllegalArgumentException) {
      err.println("jeras: error: " + e.getMessage());
    } else {
      err.println("jeras: unexpected error: " + e);
    }
    if (verbose) {
      e.printStackTrace(err);
    } else {
      err.println("(run with --verbose for details)");
    }
    err.flush();
    return USER_ERROR;
  }

  /** Sets the log level of jeras' own loggers. */
  static void setVerbose(boolean verbose) {
    if (verbose
        && LoggerFactory.getLogger("dev.jeras") instanceof ch.qos.logback.classic.Logger l) {
      l.setLevel(Level.DEBUG);
    }
  }

  /** Reports the version from the jar manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {
        "jeras " + (v == null ? "(development)" : v) + ", TensorFlow Java 1.1.0 (TF 2.18 runtime)"
      };
    }
  }
}

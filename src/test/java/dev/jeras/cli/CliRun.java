package dev.jeras.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * One command line run in this JVM through {@link Main#execute}, with what it printed.
 *
 * @param rc the exit code
 * @param out what it printed on stdout
 * @param err what it printed on stderr
 */
record CliRun(int rc, String out, String err) {
  /** Runs the command line with stdout and stderr captured. */
  static synchronized CliRun of(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int rc;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      rc = Main.execute(args);
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
    return new CliRun(
        rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /**
   * @return the command line's one error line: the first stderr line starting {@code jeras: } (log
   *     lines may come before it), or "" when there is none
   */
  String errorLine() {
    return errorLine(err);
  }

  static String errorLine(String stderr) {
    return stderr.lines().filter(l -> l.startsWith("jeras: ")).findFirst().orElse("");
  }

  /**
   * @return how many stderr lines start {@code jeras: } (an error is exactly one)
   */
  static long errorLines(String stderr) {
    return stderr.lines().filter(l -> l.startsWith("jeras: ")).count();
  }

  @Override
  public String toString() {
    return "exit " + rc + "\n--- stdout\n" + out + "--- stderr\n" + err;
  }
}

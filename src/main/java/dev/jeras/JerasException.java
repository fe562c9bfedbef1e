package dev.jeras;

/**
 * Root of the exceptions jeras throws for problems a user can act on: bad input files, shapes that
 * do not fit a model, invalid configurations, unavailable datasets.
 *
 * <p>Messages follow one rule: they say where (file, layer or option), what was expected and what
 * was received, so that the command line can print them on one line without a stack trace.
 */
public class JerasException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * @param message what went wrong: where, expected, received
   */
  public JerasException(String message) {
    super(message);
  }

  /**
   * @param message what went wrong: where, expected, received
   * @param cause the underlying failure
   */
  public JerasException(String message, Throwable cause) {
    super(message, cause);
  }
}

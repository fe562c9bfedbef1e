package dev.jeras.serve;

/**
 * A request that fails with one of TensorFlow's error codes; the REST API answers it as {@code
 * {"error": message}} with the code's HTTP status.
 */
public final class ServeException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The error code. */
  private final Status status;

  /** The HTTP status answered. */
  private final int http;

  /**
   * @param status the error code
   * @param message what went wrong, for the client
   */
  public ServeException(Status status, String message) {
    this(status, status.httpStatus(), message);
  }

  /**
   * @param status the error code
   * @param http the HTTP status to answer instead of the code's (413 for a request too large)
   * @param message what went wrong, for the client
   */
  public ServeException(Status status, int http, String message) {
    super(message);
    this.status = status;
    this.http = http;
  }

  /**
   * @return the HTTP status to answer
   */
  public int http() {
    return http;
  }

  /**
   * @return the error code
   */
  public Status status() {
    return status;
  }

  static ServeException invalid(String message) {
    return new ServeException(Status.INVALID_ARGUMENT, message);
  }

  static ServeException notFound(String message) {
    return new ServeException(Status.NOT_FOUND, message);
  }
}

package dev.jeras.serve;

/**
 * TensorFlow's error codes ({@code tensorflow.error.Code}), with the HTTP status TensorFlow
 * Serving's REST API answers for each. The names are what the status JSON ({@code error_code}) and
 * the request-count metric ({@code status}) print.
 */
public enum Status {
  /** Success. */
  OK(200),
  /** The client went away (HTTP 499, nginx's "client closed request"). */
  CANCELLED(499),
  /** An error without a better code. */
  UNKNOWN(500),
  /** A malformed request: bad JSON, wrong shapes, unknown signature or label. */
  INVALID_ARGUMENT(400),
  /** The request did not finish within {@code --rest_api_timeout_in_ms}. */
  DEADLINE_EXCEEDED(504),
  /** No such model or version. */
  NOT_FOUND(404),
  /** Not used by the REST API. */
  ALREADY_EXISTS(409),
  /** Not used by the REST API. */
  PERMISSION_DENIED(403),
  /** Too many requests queued: retry later. */
  RESOURCE_EXHAUSTED(429),
  /** The request cannot run in the server's current state. */
  FAILED_PRECONDITION(400),
  /** Not used by the REST API. */
  ABORTED(409),
  /** Not used by the REST API. */
  OUT_OF_RANGE(400),
  /** Something TensorFlow Serving offers that jeras does not ({@code :classify}, strings). */
  UNIMPLEMENTED(501),
  /** A bug or an unexpected failure inside the server. */
  INTERNAL(500),
  /** The server is shutting down, or a batch queue is full. */
  UNAVAILABLE(503),
  /** Not used by the REST API. */
  DATA_LOSS(500),
  /** Not used by the REST API. */
  UNAUTHENTICATED(401);

  private final int http;

  Status(int http) {
    this.http = http;
  }

  /**
   * @return the HTTP status code TensorFlow Serving answers for this error code
   */
  public int httpStatus() {
    return http;
  }
}

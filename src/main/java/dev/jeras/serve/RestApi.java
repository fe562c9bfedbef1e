package dev.jeras.serve;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.jeras.JerasException;
import dev.jeras.data.FloatArray;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TensorFlow Serving's REST API over the JDK's HTTP server: {@code POST
 * /v1/models/{name}[/versions/{v}|/labels/{l}]:predict}, {@code GET /v1/models/{name}[...]}
 * (status) and {@code .../metadata}; {@code :classify} and {@code :regress} answer UNIMPLEMENTED.
 * Also the Prometheus metrics page and {@code /healthz} (the process answers) and {@code /readyz}
 * (every model has a version available and the server is not shutting down). Every error is {@code
 * {"error": "..."}} with TensorFlow Serving's HTTP status for its code.
 */
final class RestApi implements HttpHandler {
  private static final Logger LOG = LoggerFactory.getLogger(RestApi.class);
  private static final Pattern PREDICT =
      Pattern.compile(
          "(?i)/v1/models/([^/:]+)(?:(?:/versions/(\\d+))|(?:/labels/([^/:]+)))?"
              + ":(classify|regress|predict)");
  private static final Pattern STATUS =
      Pattern.compile(
          "(?i)/v1/models(?:/([^/:]+))?(?:(?:/versions/(\\d+))|(?:/labels/([^/:]+)))?"
              + "(?:/(metadata))?");
  private static final String JSON = "application/json";

  /** Responses estimated larger than this are sent in chunks as they are written. */
  private static final long STREAM_ABOVE_BYTES = 1 << 20;

  /** How far past the size limit a refused body is still read (and dropped). */
  private static final long DRAIN_FACTOR = 8;

  private final ModelServer server;
  private final ServerOptions options;
  private final Map<String, ModelManager> models;
  private final Batcher batcher;
  private final Metrics metrics;

  /** What a request turned out to be, for the metrics. */
  private static final class Call {
    String model = "";
    String api = "";
  }

  /** Writes a streamed response body. */
  private interface BodyWriter {
    void write(OutputStream out) throws IOException;
  }

  /** A response ready to send: its body, or a writer for a large one sent in chunks. */
  private record Response(
      int http, Status status, String contentType, byte[] body, BodyWriter writer) {
    Response(int http, Status status, String contentType, byte[] body) {
      this(http, status, contentType, body, null);
    }

    static Response json(Status s, String body) {
      return new Response(s.httpStatus(), s, JSON, body.getBytes(StandardCharsets.UTF_8));
    }

    static Response error(ServeException e) {
      return new Response(
          e.http(),
          e.status(),
          JSON,
          PrettyJson.error(e.getMessage()).getBytes(StandardCharsets.UTF_8));
    }
  }

  RestApi(
      ModelServer server,
      ServerOptions options,
      Map<String, ModelManager> models,
      Batcher batcher,
      Metrics metrics) {
    this.server = server;
    this.options = options;
    this.models = models;
    this.batcher = batcher;
    this.metrics = metrics;
  }

  @Override
  public void handle(HttpExchange ex) throws IOException {
    long start = System.nanoTime();
    Call call = new Call();
    Response r;
    try {
      r = respond(ex, call, start);
    } catch (ServeException e) {
      r = Response.error(e);
    } catch (ClientGone e) {
      metrics.request(call.model, Status.CANCELLED);
      ex.close();
      return;
    } catch (RuntimeException e) {
      LOG.error("{} {}: unexpected failure", ex.getRequestMethod(), ex.getRequestURI(), e);
      r = Response.error(new ServeException(Status.INTERNAL, "internal error: " + e));
    } catch (OutOfMemoryError e) {
      // the request's own arrays failed to fit: they are garbage now, the server goes on
      LOG.warn("{} {}: out of memory", ex.getRequestMethod(), ex.getRequestURI());
      r =
          Response.error(
              new ServeException(
                  Status.UNAVAILABLE,
                  "out of memory for this request: send fewer instances, or start the server"
                      + " with more heap (JERAS_JAVA_OPTS=-Xmx...)"));
    }
    try {
      ex.getResponseHeaders().set("Content-Type", r.contentType());
      if (r.writer() != null) {
        ex.sendResponseHeaders(r.http(), 0);
        try (OutputStream os = ex.getResponseBody()) {
          r.writer().write(os);
        }
      } else {
        ex.sendResponseHeaders(r.http(), r.body().length == 0 ? -1 : r.body().length);
        try (OutputStream os = ex.getResponseBody()) {
          os.write(r.body());
        }
      }
    } catch (IOException | UncheckedIOException e) {
      LOG.debug(
          "{} {}: the client went away before the response",
          ex.getRequestMethod(),
          ex.getRequestURI());
      metrics.request(call.model, Status.CANCELLED);
      ex.close();
      return;
    }
    if (!call.api.isEmpty()) {
      metrics.request(call.model, r.status());
      if (r.status() == Status.OK) {
        metrics.latency(call.model, call.api, (System.nanoTime() - start) / 1000);
      }
    }
  }

  private Response respond(HttpExchange ex, Call call, long start) throws IOException {
    String method = ex.getRequestMethod().toUpperCase(Locale.ROOT);
    String path = ex.getRequestURI().getRawPath();
    if (path.equals("/healthz")) {
      return Response.json(Status.OK, "{\"status\": \"alive\"}\n");
    }
    if (path.equals("/readyz")) {
      String why = server.notReady();
      return why == null
          ? Response.json(Status.OK, "{\"status\": \"ready\"}\n")
          : Response.json(Status.UNAVAILABLE, PrettyJson.error(why));
    }
    if (options.prometheusPath() != null && path.equals(options.prometheusPath())) {
      return new Response(
          200,
          Status.OK,
          "text/plain; version=0.0.4",
          metrics.prometheus().getBytes(StandardCharsets.UTF_8));
    }
    if (!path.toLowerCase(Locale.ROOT).startsWith("/v1/")) {
      throw ServeException.notFound(
          "Not found: "
              + path
              + " (the API is under /v1/models; metrics at "
              + options.prometheusPath()
              + ")");
    }
    call.api = "unknown";
    ServeException refused = server.admit();
    if (refused != null) {
      throw refused;
    }
    server.requestStarted();
    try {
      if (method.equals("POST")) {
        Matcher m = PREDICT.matcher(path);
        if (m.matches()) {
          call.model = decode(m.group(1));
          call.api = m.group(4).toLowerCase(Locale.ROOT);
          Long version = version(m.group(2));
          String label = m.group(3) == null ? null : decode(m.group(3));
          byte[] body = body(ex);
          if (!call.api.equals("predict")) {
            throw new ServeException(
                Status.UNIMPLEMENTED,
                "jeras serve does not implement :"
                    + call.api
                    + " (tf.Example inputs); use"
                    + " :predict with the row (instances) or columnar (inputs) format");
          }
          return predict(call.model, version, label, body, start);
        }
      } else if (method.equals("GET")) {
        Matcher m = STATUS.matcher(path);
        if (m.matches()) {
          call.model = m.group(1) == null ? "" : decode(m.group(1));
          Long version = version(m.group(2));
          String label = m.group(3) == null ? null : decode(m.group(3));
          boolean metadata = m.group(4) != null;
          call.api = metadata ? "metadata" : "status";
          if (call.model.isEmpty()) {
            throw ServeException.invalid("Missing model name in request.");
          }
          return metadata
              ? metadata(call.model, version, label)
              : status(call.model, version, label);
        }
      }
      throw ServeException.invalid("Malformed request: " + method + " " + path);
    } finally {
      server.requestFinished();
    }
  }

  private Response predict(String name, Long version, String label, byte[] body, long start) {
    PredictRequest req = PredictRequest.parse(body);
    Servable s = manager(name, version).acquire(version, label);
    try {
      Signatures.Signature sig = s.runnable(req.signatureName());
      List<FloatArray> inputs = Predictions.bind(req, sig);
      List<FloatArray> outputs;
      long deadline = start + TimeUnit.MILLISECONDS.toNanos(options.restApiTimeoutMs());
      if (batcher != null) {
        Batcher.Task task = batcher.submit(s, sig, inputs);
        try {
          outputs =
              task.result().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
          task.abandon();
          throw deadline();
        } catch (InterruptedException e) {
          task.abandon();
          Thread.currentThread().interrupt();
          throw new ServeException(Status.CANCELLED, "interrupted while waiting for the batch");
        } catch (ExecutionException e) {
          throw failure(e.getCause());
        }
      } else {
        if (System.nanoTime() > deadline) {
          throw deadline();
        }
        try {
          outputs = s.run(sig, inputs);
        } catch (RuntimeException e) {
          throw failure(e);
        }
      }
      if (Predictions.estimatedBytes(outputs) <= STREAM_ABOVE_BYTES) {
        return Response.json(Status.OK, Predictions.write(req.row(), sig, outputs));
      }
      Predictions.check(req.row(), sig, outputs);
      return new Response(
          200, Status.OK, JSON, new byte[0], out -> stream(req.row(), sig, outputs, out));
    } finally {
      s.release();
    }
  }

  private static void stream(
      boolean row, Signatures.Signature sig, List<FloatArray> outputs, OutputStream out)
      throws IOException {
    try {
      Predictions.write(
          row,
          sig,
          outputs,
          new StringBuilder(),
          sb -> {
            try {
              out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  private ServeException deadline() {
    return new ServeException(
        Status.DEADLINE_EXCEEDED,
        "Deadline exceeded: no answer within --rest_api_timeout_in_ms="
            + options.restApiTimeoutMs());
  }

  private static ServeException failure(Throwable e) {
    if (e instanceof ServeException se) {
      return se;
    }
    if (e instanceof JerasException || e instanceof IllegalArgumentException) {
      return ServeException.invalid(e.getMessage());
    }
    if (e instanceof Error err) {
      throw err;
    }
    LOG.error("prediction failed", e);
    return new ServeException(Status.INTERNAL, "prediction failed: " + e);
  }

  private Response status(String name, Long version, String label) {
    ModelManager m = models.get(name);
    List<ModelManager.VersionStatus> all = m == null ? List.of() : m.statuses();
    if (all.isEmpty()) {
      throw ServeException.notFound("Could not find any versions of model " + name);
    }
    Long v = version;
    if (label != null) {
      v = m.config().labels().get(label);
      if (v == null) {
        throw ServeException.invalid("Unrecognized servable version label: " + label);
      }
    }
    if (v != null) {
      long want = v;
      all = all.stream().filter(s -> s.version() == want).toList();
      if (all.isEmpty()) {
        throw ServeException.notFound("Could not find version " + want + " of model " + name);
      }
    }
    return Response.json(Status.OK, ProtoJson.status(all));
  }

  private Response metadata(String name, Long version, String label) {
    Servable s = manager(name, version).acquire(version, label);
    try {
      return Response.json(Status.OK, ProtoJson.metadata(name, s.version(), s.signatures()));
    } finally {
      s.release();
    }
  }

  private ModelManager manager(String name, Long version) {
    ModelManager m = models.get(name);
    if (m == null) {
      throw ServeException.notFound(
          "Servable not found for request: "
              + (version == null
                  ? "Latest(" + name + ")"
                  : "Specific(" + name + ", " + version + ")"));
    }
    return m;
  }

  private static Long version(String digits) {
    if (digits == null) {
      return null;
    }
    try {
      return Long.parseLong(digits);
    } catch (NumberFormatException e) {
      throw ServeException.invalid("Failed to convert version: " + digits + " to numeric.");
    }
  }

  /**
   * Reads the body, refusing one larger than the limit (413) without keeping it: the excess is read
   * and dropped (up to {@link #DRAIN_FACTOR} times the limit) so that the client, still sending,
   * receives the answer instead of a reset connection.
   */
  private byte[] body(HttpExchange ex) {
    long limit = options.maxRequestBytes();
    String length = ex.getRequestHeaders().getFirst("Content-Length");
    long announced = -1;
    if (length != null) {
      try {
        announced = Long.parseLong(length.trim());
      } catch (NumberFormatException e) {
        throw ServeException.invalid("Content-Length expects a number, got " + length);
      }
    }
    try (InputStream in = ex.getRequestBody()) {
      byte[] chunk = new byte[16384];
      if (announced > limit) {
        if (announced <= DRAIN_FACTOR * limit) {
          drop(in, chunk, announced);
        }
        throw tooLarge(announced + " bytes");
      }
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      int r;
      while ((r = in.read(chunk)) > 0) {
        if (buf.size() + r > limit) {
          drop(in, chunk, DRAIN_FACTOR * limit - buf.size() - r);
          throw tooLarge("more than " + limit + " bytes");
        }
        buf.write(chunk, 0, r);
      }
      return buf.toByteArray();
    } catch (IOException e) {
      throw new ClientGone(e);
    }
  }

  /** Reads and drops up to {@code max} bytes (until the end of the body). */
  private static void drop(InputStream in, byte[] scratch, long max) throws IOException {
    long left = max;
    int r;
    while (left > 0 && (r = in.read(scratch, 0, (int) Math.min(scratch.length, left))) > 0) {
      left -= r;
    }
  }

  private ServeException tooLarge(String got) {
    return new ServeException(
        Status.RESOURCE_EXHAUSTED,
        413,
        "request body of "
            + got
            + " exceeds the limit of "
            + options.maxRequestBytes()
            + " bytes (--rest_api_max_request_bytes)");
  }

  /** Percent-decoding of a path segment ({@code +} stays a plus, as in TensorFlow Serving). */
  static String decode(String s) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < s.length()) {
        int hi = Character.digit(s.charAt(i + 1), 16);
        int lo = Character.digit(s.charAt(i + 2), 16);
        if (hi >= 0 && lo >= 0) {
          out.write(hi * 16 + lo);
          i += 2;
          continue;
        }
      }
      out.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** The client closed the connection while its request was being read. */
  private static final class ClientGone extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ClientGone(IOException cause) {
      super(cause);
    }
  }
}

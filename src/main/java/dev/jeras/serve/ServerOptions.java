package dev.jeras.serve;

import java.util.ArrayList;
import java.util.List;

/**
 * The model server's settings, named after TensorFlow Serving's flags where one exists.
 *
 * <pre>{@code
 * ServerOptions o = new ServerOptions().port(0).model(ModelConfig.of("mnist", dir));
 * try (ModelServer s = ModelServer.start(o)) { ... s.port() ... }
 * }</pre>
 */
public final class ServerOptions {
  private String host = "0.0.0.0";
  private int port = 8501;
  private int restApiNumThreads = 4 * Runtime.getRuntime().availableProcessors();
  private int restApiTimeoutMs = 30_000;
  private long maxRequestBytes = 32L << 20;
  private int maxQueuedRequests = 1024;
  private int fileSystemPollWaitSeconds = 1;
  private BatchingOptions batching;
  private String prometheusPath = "/monitoring/prometheus/metrics";
  private final List<ModelConfig> models = new ArrayList<>();

  /**
   * @param host the address to listen on (default 0.0.0.0, every interface, as TensorFlow Serving;
   *     127.0.0.1 for loopback only)
   * @return this
   */
  public ServerOptions host(String host) {
    this.host = host;
    return this;
  }

  /**
   * @param port {@code --rest_api_port} (default 8501; 0 picks a free port)
   * @return this
   */
  public ServerOptions port(int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("rest_api_port must be 0..65535, got " + port);
    }
    this.port = port;
    return this;
  }

  /**
   * @param n {@code --rest_api_num_threads}: requests handled at once (default 4 per CPU)
   * @return this
   */
  public ServerOptions restApiNumThreads(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("rest_api_num_threads must be at least 1, got " + n);
    }
    this.restApiNumThreads = n;
    return this;
  }

  /**
   * @param ms {@code --rest_api_timeout_in_ms}: a request not answered in this time gets 504
   *     (default 30000)
   * @return this
   */
  public ServerOptions restApiTimeoutMs(int ms) {
    if (ms < 1) {
      throw new IllegalArgumentException("rest_api_timeout_in_ms must be positive, got " + ms);
    }
    this.restApiTimeoutMs = ms;
    return this;
  }

  /**
   * @param bytes the largest request body accepted; larger ones get 413 (default 32 MiB)
   * @return this
   */
  public ServerOptions maxRequestBytes(long bytes) {
    if (bytes < 1) {
      throw new IllegalArgumentException("max request bytes must be positive, got " + bytes);
    }
    this.maxRequestBytes = bytes;
    return this;
  }

  /**
   * @param n requests that may wait for a thread beyond the running ones; more get 429 (default
   *     1024)
   * @return this
   */
  public ServerOptions maxQueuedRequests(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("max queued requests must not be negative, got " + n);
    }
    this.maxQueuedRequests = n;
    return this;
  }

  /**
   * @param seconds {@code --file_system_poll_wait_seconds}: how often base paths are scanned for
   *     new versions (default 1; 0 scans once, at start)
   * @return this
   */
  public ServerOptions fileSystemPollWaitSeconds(int seconds) {
    if (seconds < 0) {
      throw new IllegalArgumentException(
          "file_system_poll_wait_seconds must not be negative, got " + seconds);
    }
    this.fileSystemPollWaitSeconds = seconds;
    return this;
  }

  /**
   * @param batching {@code --enable_batching} with its parameters, or null for none (default)
   * @return this
   */
  public ServerOptions batching(BatchingOptions batching) {
    this.batching = batching;
    return this;
  }

  /**
   * @param path where Prometheus metrics are served (default {@code
   *     /monitoring/prometheus/metrics}), or null for none
   * @return this
   */
  public ServerOptions prometheusPath(String path) {
    if (path != null && !path.startsWith("/")) {
      throw new IllegalArgumentException("prometheus path must start with '/', got " + path);
    }
    this.prometheusPath = path;
    return this;
  }

  /**
   * @param model a model to serve
   * @return this
   */
  public ServerOptions model(ModelConfig model) {
    for (ModelConfig m : models) {
      if (m.name().equals(model.name())) {
        throw new IllegalArgumentException("model " + model.name() + " is configured twice");
      }
    }
    models.add(model);
    return this;
  }

  /**
   * @return the listen address
   */
  public String host() {
    return host;
  }

  /**
   * @return the port (0: any free one)
   */
  public int port() {
    return port;
  }

  /**
   * @return the number of request threads
   */
  public int restApiNumThreads() {
    return restApiNumThreads;
  }

  /**
   * @return the request timeout in milliseconds
   */
  public int restApiTimeoutMs() {
    return restApiTimeoutMs;
  }

  /**
   * @return the largest accepted request body
   */
  public long maxRequestBytes() {
    return maxRequestBytes;
  }

  /**
   * @return how many requests may wait for a thread
   */
  public int maxQueuedRequests() {
    return maxQueuedRequests;
  }

  /**
   * @return the version poll interval in seconds (0: once)
   */
  public int fileSystemPollWaitSeconds() {
    return fileSystemPollWaitSeconds;
  }

  /**
   * @return the batching parameters, or null when batching is off
   */
  public BatchingOptions batching() {
    return batching;
  }

  /**
   * @return the metrics path, or null when metrics are off
   */
  public String prometheusPath() {
    return prometheusPath;
  }

  /**
   * @return the configured models
   */
  public List<ModelConfig> models() {
    return List.copyOf(models);
  }
}

package dev.jeras.serve;

import com.sun.net.httpserver.HttpServer;
import dev.jeras.JerasException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model server that answers TensorFlow Serving's REST API (see {@link RestApi}) for the models of
 * a {@link ServerOptions}.
 *
 * <p>Requests run on {@code --rest_api_num_threads} threads; up to {@code maxQueuedRequests} more
 * wait for one, and beyond that a request is answered 429 at once by a small separate pool. {@link
 * #close()} (the command line calls it on SIGTERM) drains: the server stops taking new requests
 * (503, and {@code /readyz} says so), finishes the ones it has, then closes. Loading a model that
 * cannot run fails {@link #start}; afterwards a version that fails to load is logged and reported
 * by the status API while the loaded one keeps serving.
 *
 * <pre>{@code
 * ServerOptions o = new ServerOptions().host("127.0.0.1").port(8501)
 *     .model(ModelConfig.of("mnist", Path.of("models/mnist")));
 * try (ModelServer server = ModelServer.start(o)) {
 *   server.awaitTermination();
 * }
 * }</pre>
 */
public final class ModelServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelServer.class);

  /** Whether the exchange the current thread runs was accepted before the drain began. */
  private static final ThreadLocal<Boolean> BEFORE_DRAIN = new ThreadLocal<>();

  private final ServerOptions options;
  private final Map<String, ModelManager> models;
  private final Metrics metrics = new Metrics();
  private final Batcher batcher;
  private final ThreadPoolExecutor workers;
  private final ThreadPoolExecutor overflow;
  private final ScheduledExecutorService poller;
  private final HttpServer http;
  private final AtomicInteger running = new AtomicInteger();
  private final AtomicInteger pendingBeforeDrain = new AtomicInteger();
  private final AtomicBoolean closing = new AtomicBoolean();
  private final CountDownLatch closed = new CountDownLatch(1);
  private volatile boolean draining;

  /** A thread of the pool that answers 429 when the request queue is full. */
  private static final class OverflowThread extends Thread {
    OverflowThread(Runnable r, String name) {
      super(r, name);
      setDaemon(true);
    }
  }

  private ModelServer(ServerOptions options, Map<String, ModelManager> models) throws IOException {
    this.options = options;
    this.models = models;
    // bound first: a taken port fails here, before any thread is started
    this.http = HttpServer.create(new InetSocketAddress(options.host(), options.port()), 1024);
    this.batcher = options.batching() == null ? null : new Batcher(options.batching(), metrics);
    int queued = options.maxQueuedRequests();
    BlockingQueue<Runnable> queue =
        queued == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(queued);
    this.overflow =
        new ThreadPoolExecutor(
            2,
            2,
            30,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(256),
            counted("jeras-rest-overflow-", true),
            new ThreadPoolExecutor.AbortPolicy());
    this.workers =
        new ThreadPoolExecutor(
            options.restApiNumThreads(),
            options.restApiNumThreads(),
            0,
            TimeUnit.SECONDS,
            queue,
            counted("jeras-rest-", false),
            (r, pool) -> overflow.execute(r));
    http.setExecutor(this::execute);
    http.createContext("/", new RestApi(this, options, models, batcher, metrics));
    metrics.gauge(":jeras:serving:requests_running", running::get);
    metrics.gauge(":jeras:serving:requests_queued", () -> workers.getQueue().size());
    metrics.gauge(
        ":jeras:serving:batch_queue_rows", () -> batcher == null ? 0 : batcher.queuedRows());
    metrics.modelGauge(
        ":jeras:serving:versions_available",
        () -> {
          Map<String, Long> m = new LinkedHashMap<>();
          models.forEach((k, v) -> m.put(k, (long) v.availableVersions().size()));
          return m;
        });
    this.poller = Executors.newSingleThreadScheduledExecutor(counted("jeras-serve-poll-", false));
    if (options.fileSystemPollWaitSeconds() > 0) {
      poller.scheduleWithFixedDelay(
          this::pollAll,
          options.fileSystemPollWaitSeconds(),
          options.fileSystemPollWaitSeconds(),
          TimeUnit.SECONDS);
    }
    http.start();
  }

  /**
   * Hands an exchange to the request threads, counting the ones accepted before a drain so that
   * {@link #close()} can wait for them.
   */
  private void execute(Runnable exchange) {
    boolean before = !draining;
    if (before) {
      pendingBeforeDrain.incrementAndGet();
    }
    try {
      workers.execute(
          () -> {
            BEFORE_DRAIN.set(before);
            try {
              exchange.run();
            } finally {
              if (before) {
                pendingBeforeDrain.decrementAndGet();
              }
            }
          });
    } catch (RejectedExecutionException e) {
      if (before) {
        pendingBeforeDrain.decrementAndGet();
      }
      throw e; // the JDK server then closes the connection
    }
  }

  /**
   * Loads every model's selected versions, then starts answering requests.
   *
   * @param options the settings and models
   * @return the running server
   * @throws JerasException when a model has no loadable version, or the port is taken
   */
  public static ModelServer start(ServerOptions options) {
    if (options.models().isEmpty()) {
      throw new JerasException("no model to serve: give --model_base_path or --model_config_file");
    }
    configureJdkServer(options);
    Map<String, ModelManager> models = new LinkedHashMap<>();
    try {
      for (ModelConfig c : options.models()) {
        if (!Files.exists(c.basePath())) {
          throw new JerasException(
              "model " + c.name() + ": base path " + c.basePath() + ": no such file or directory");
        }
        ModelManager m = new ModelManager(c);
        models.put(c.name(), m);
        m.poll();
        if (!m.hasAvailable()) {
          List<ModelManager.VersionStatus> st = m.statuses();
          if (!st.isEmpty()) {
            throw new JerasException(
                "model "
                    + c.name()
                    + ": version "
                    + st.get(0).version()
                    + " failed to load: "
                    + st.get(0).message());
          }
        }
      }
      ModelServer s = new ModelServer(options, Map.copyOf(models));
      LOG.info(
          "serving {} on http://{}:{} (REST API: /v1/models/<name>:predict)",
          models.keySet(),
          options.host(),
          s.port());
      return s;
    } catch (IOException e) {
      models.values().forEach(ModelManager::close);
      throw new JerasException(
          "cannot listen on " + options.host() + ":" + options.port() + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      models.values().forEach(ModelManager::close);
      throw e;
    }
  }

  /**
   * Sets the JDK server's options (system properties it reads once per JVM, so only where not set
   * already): TCP_NODELAY on its sockets ({@code sun.net.httpserver.nodelay}; else a response's
   * headers and body, written apart, wait on the client's delayed ACK, about 40 ms a request), and
   * how long a client may take to send a request and read its response ({@code maxReqTime}, {@code
   * maxRspTime}): the idle interval of a kept-alive connection plus the request timeout plus 10 s,
   * because the JDK counts a kept-alive connection's idle time into its next request.
   */
  private static void configureJdkServer(ServerOptions options) {
    long idle = Long.getLong("sun.net.httpserver.idleInterval", 30);
    String seconds = Long.toString(idle + (options.restApiTimeoutMs() + 999) / 1000 + 10);
    Map<String, String> defaults =
        Map.of(
            "sun.net.httpserver.nodelay", "true",
            "sun.net.httpserver.maxReqTime", seconds,
            "sun.net.httpserver.maxRspTime", seconds);
    defaults.forEach(
        (k, v) -> {
          if (System.getProperty(k) == null) {
            System.setProperty(k, v);
          }
        });
  }

  /**
   * Polls every model. A failure is logged and the loaded versions keep serving; it must not
   * escape, or the scheduler would silently stop polling.
   */
  private void pollAll() {
    for (ModelManager m : models.values()) {
      try {
        m.poll();
      } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
        LOG.error(
            "{}: polling the base path failed; the loaded versions keep serving", m.name(), e);
      }
    }
  }

  /**
   * @return the port the server listens on
   */
  public int port() {
    return http.getAddress().getPort();
  }

  /**
   * @return the names of the served models
   */
  public List<String> models() {
    return new ArrayList<>(models.keySet());
  }

  /**
   * Scans every base path for new versions now (as the poll thread does every {@code
   * --file_system_poll_wait_seconds}).
   */
  public void pollNow() {
    try {
      poller.submit(this::pollAll).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException e) {
      throw new JerasException("polling failed: " + e.getCause(), e.getCause());
    }
  }

  /**
   * @return the refusal of a request before it starts (429 when the request queue is full, 503 when
   *     shutting down), or null to go ahead
   */
  ServeException admit() {
    if (Thread.currentThread() instanceof OverflowThread) {
      return new ServeException(
          Status.RESOURCE_EXHAUSTED,
          "Too many requests: "
              + options.restApiNumThreads()
              + " running and "
              + options.maxQueuedRequests()
              + " queued; retry later");
    }
    if (draining && !Boolean.TRUE.equals(BEFORE_DRAIN.get())) {
      return new ServeException(Status.UNAVAILABLE, "the server is shutting down");
    }
    return null;
  }

  void requestStarted() {
    running.incrementAndGet();
  }

  void requestFinished() {
    running.decrementAndGet();
  }

  /**
   * @return why the server is not ready for traffic, or null when every model has a version
   */
  String notReady() {
    if (draining) {
      return "the server is shutting down";
    }
    List<String> missing = new ArrayList<>();
    models.forEach(
        (k, m) -> {
          if (!m.hasAvailable()) {
            missing.add(k);
          }
        });
    return missing.isEmpty() ? null : "no version available for model(s) " + missing;
  }

  /** Blocks until {@link #close()} has finished. */
  public void awaitTermination() throws InterruptedException {
    closed.await();
  }

  /**
   * Drains and stops: new requests get 503 while the accepted ones finish (at most {@code
   * --rest_api_timeout_in_ms} more), then the listener, the threads and the models are closed.
   */
  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      try {
        closed.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return;
    }
    try {
      draining = true;
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(options.restApiTimeoutMs());
      LOG.info("shutting down: finishing {} accepted request(s)", pendingBeforeDrain.get());
      while (pendingBeforeDrain.get() > 0 && System.nanoTime() < deadline) {
        try {
          Thread.sleep(10);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      if (pendingBeforeDrain.get() > 0) {
        LOG.warn("shutting down with {} request(s) unfinished", pendingBeforeDrain.get());
      }
      http.stop(0);
      poller.shutdownNow();
      workers.shutdownNow();
      overflow.shutdownNow();
      if (batcher != null) {
        batcher.close();
      }
      models.values().forEach(ModelManager::close);
      LOG.info("stopped");
    } finally {
      closed.countDown();
    }
  }

  private static ThreadFactory counted(String prefix, boolean overflowPool) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      String name = prefix + n.getAndIncrement();
      Thread t = overflowPool ? new OverflowThread(r, name) : new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}

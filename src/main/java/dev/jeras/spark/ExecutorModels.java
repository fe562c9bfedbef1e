package dev.jeras.spark;

import dev.jeras.JerasException;
import dev.jeras.backend.EngineOptions;
import dev.jeras.data.FloatArray;
import dev.jeras.layers.TensorShape;
import dev.jeras.models.Predictor;
import dev.jeras.saving.ModelFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models and image decoders of this JVM (an executor's, or the driver's in local mode): each
 * loaded once per path and options on first use, shared by every task running here (TensorFlow
 * sessions run concurrent calls), and closed when the JVM exits. A model that fails to load is not
 * kept: the next task tries again and fails with the same cause.
 */
final class ExecutorModels {
  private static final Logger LOG = LoggerFactory.getLogger(ExecutorModels.class);

  /** How long the exit hook waits for a running call before leaving a model to the OS. */
  private static final long CLOSE_WAIT_SECONDS = 5;

  private static final Map<Key, Loaded> MODELS = new ConcurrentHashMap<>();
  private static final Map<ImageBytes.Config, ImageBytes> DECODERS = new ConcurrentHashMap<>();
  private static boolean hooked;

  private record Key(Path path, EngineOptions options) {}

  private ExecutorModels() {}

  /** A loaded model: calls hold a read lock, closing takes the write lock. */
  static final class Loaded {
    private final Path path;
    private final Predictor predictor;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private boolean closed;

    private Loaded(Path path, Predictor predictor) {
      this.path = path;
      this.predictor = predictor;
    }

    /**
     * @return the model's input names
     */
    List<String> inputNames() {
      return predictor.inputNames();
    }

    /**
     * @return the first input's shape, batch dimension first
     */
    TensorShape inputShape() {
      return predictor.inputShapes().get(0);
    }

    /**
     * @return the model's output names
     */
    List<String> outputNames() {
      return predictor.outputNames();
    }

    /**
     * @param x a batch for the model's only input
     * @return one array per output
     */
    List<FloatArray> predict(FloatArray x) {
      lock.readLock().lock();
      try {
        if (closed) {
          throw new JerasException(path + ": the model was closed (the JVM is exiting)");
        }
        return predictor.predict(List.of(x), Math.max(1, x.count()));
      } finally {
        lock.readLock().unlock();
      }
    }

    private void close() {
      boolean locked = false;
      try {
        locked = lock.writeLock().tryLock(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (locked) {
        try {
          closed = true;
          predictor.close();
        } finally {
          lock.writeLock().unlock();
        }
      }
    }
  }

  /**
   * The engine options a model runs with here. TensorFlow's thread pools are per process (the first
   * session sets their size), so the split is by this JVM's cores: a SavedModel runs the tasks'
   * calls concurrently and each call gets its share of the cores; a jeras model runs one call at a
   * time, which may then use them all.
   *
   * @param o the options
   * @param path the resolved model path
   * @param executorCores the executor's cores, 0 when not configured (all of this machine's)
   * @param taskCpus cores per task ({@code spark.task.cpus})
   * @return the engine options
   */
  static EngineOptions engineOptions(PredictOptions o, Path path, int executorCores, int taskCpus) {
    int cores = executorCores > 0 ? executorCores : Runtime.getRuntime().availableProcessors();
    int tasks = Math.max(1, cores / Math.max(1, taskCpus));
    int intra;
    if (o.threadsPerTask() > 0) {
      intra = o.threadsPerTask();
    } else if (Files.isDirectory(path)) {
      intra = Math.max(1, cores / tasks);
    } else {
      intra = cores;
    }
    EngineOptions e = EngineOptions.defaults().withThreads(intra, tasks);
    return o.kernels() == null ? e : e.withKernels(o.kernels());
  }

  /**
   * @param source the model
   * @param path its resolved path
   * @param options the engine options
   * @return the model, loaded on first use
   * @throws JerasException naming the model and the cause when it cannot be loaded
   */
  static Loaded get(ModelSource source, Path path, EngineOptions options) {
    Key key = new Key(path, options);
    Loaded m = MODELS.get(key);
    if (m != null) {
      return m;
    }
    synchronized (ExecutorModels.class) { // one load at a time: concurrent tasks wait for it
      m = MODELS.get(key);
      if (m != null) {
        return m;
      }
      hookOnce();
      long start = System.nanoTime();
      Predictor p;
      try {
        p = ModelFiles.loadPredictor(path, options);
      } catch (RuntimeException e) {
        throw new JerasException(
            source + ": the model cannot be loaded: " + firstLine(e.getMessage()), e);
      }
      m = new Loaded(path, p);
      MODELS.put(key, m);
      LOG.info(
          "Loaded {} for Spark tasks in {} ms ({} TensorFlow threads per call, {} concurrent)",
          path,
          (System.nanoTime() - start) / 1_000_000,
          options.intraOpThreads(),
          options.interOpThreads());
      return m;
    }
  }

  /**
   * @param config what images become
   * @return the decoder for it, built on first use
   */
  static ImageBytes decoder(ImageBytes.Config config) {
    ImageBytes d = DECODERS.get(config);
    if (d != null) {
      return d;
    }
    synchronized (ExecutorModels.class) {
      hookOnce();
      return DECODERS.computeIfAbsent(config, ImageBytes::new);
    }
  }

  private static void hookOnce() {
    if (!hooked) {
      hooked = true;
      Runtime.getRuntime()
          .addShutdownHook(new Thread(ExecutorModels::closeAll, "jeras-spark-models-close"));
    }
  }

  /** Closes every model and decoder (the exit hook; tests call it to start afresh). */
  static synchronized void closeAll() {
    MODELS.values().forEach(Loaded::close);
    MODELS.clear();
    DECODERS.values().forEach(ImageBytes::close);
    DECODERS.clear();
  }

  static String firstLine(String s) {
    if (s == null || s.isBlank()) {
      return "unknown error";
    }
    return s.strip().lines().findFirst().orElse(s);
  }
}

package dev.jeras.training.callbacks;

import dev.jeras.JerasException;
import dev.jeras.training.Callback;
import dev.jeras.training.FitState;
import dev.jeras.training.History;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.tensorflow.proto.GraphDef;

/**
 * Keras' {@code TensorBoard} callback: writes the epoch logs as TensorBoard scalars, laid out as
 * Keras lays them out, so that {@code tensorboard --logdir <logDir>} shows a {@code train} and a
 * {@code validation} run.
 *
 * <ul>
 *   <li>{@code <logDir>/train/events.out.tfevents.<seconds>.<host>.<pid>.v2}: every training log
 *       key prefixed {@code epoch_} ({@code epoch_loss}, {@code epoch_accuracy}) and {@code
 *       epoch_learning_rate}, at step = epoch (from 0, as Keras); the model's graph once, if given.
 *   <li>{@code <logDir>/validation/events...}: each {@code val_} key with the prefix removed
 *       ({@code epoch_loss}, {@code epoch_accuracy}), only when validating.
 *   <li>With {@link #updateFreq(int)}: {@code batch_loss}, {@code batch_accuracy} (running means,
 *       as Keras logs them) every that many batches, at step = batches seen since training began.
 * </ul>
 *
 * <p>Scalars are {@code simple_value} summaries: TensorBoard's scalar dashboard reads them (it
 * migrates them to its scalars plugin), and so do {@code EventAccumulator.Scalars} and {@code
 * tf.compat.v1.train.summary_iterator}. Files are flushed after each epoch and closed at train end;
 * each {@code fit} starts new files, as Keras does. A file that cannot be created or written stops
 * training with a {@link JerasException} naming it.
 *
 * <p>Parameters and defaults: {@code logDir} (Keras' {@code log_dir}, required here); {@code graph}
 * (Keras' {@code write_graph}; default none); {@code updateFreq} (Keras' {@code update_freq};
 * default 0, meaning {@code "epoch"}).
 *
 * <pre>{@code
 * var tb = new TensorBoard(Path.of("logs/run1"), model::graphDef);
 * model.fit(x, y, new FitOptions().epochs(5).validationSplit(0.1).callbacks(tb));
 * // then: tensorboard --logdir logs
 * }</pre>
 */
public final class TensorBoard implements Callback, AutoCloseable {
  /** The run directory of training scalars, under the log directory. */
  public static final String TRAIN = "train";

  /** The run directory of validation scalars, under the log directory. */
  public static final String VALIDATION = "validation";

  private static final String VAL_PREFIX = "val_";

  private final Path logDir;
  private final Supplier<GraphDef> graph;
  private int updateFreq;
  private EventFileWriter train;
  private EventFileWriter validation;
  private Path trainFile;
  private Path validationFile;
  private long globalBatch;

  /**
   * Writes scalars only (no graph).
   *
   * @param logDir the log directory; {@code train/} and {@code validation/} are created in it
   */
  public TensorBoard(Path logDir) {
    this(logDir, null);
  }

  /**
   * Writes scalars and, once per {@code fit} into the train file, the model's graph.
   *
   * @param logDir the log directory; {@code train/} and {@code validation/} are created in it
   * @param graph gives the graph at train begin ({@code () ->
   *     model.engine().graph().toGraphDef()}); {@code null} for none
   */
  public TensorBoard(Path logDir, Supplier<GraphDef> graph) {
    this.logDir = Objects.requireNonNull(logDir, "logDir");
    this.graph = graph;
  }

  /**
   * Also logs the running batch logs ({@code batch_loss}, ...) every that many batches (Keras'
   * integer {@code update_freq}).
   *
   * @param batches how often, in batches; 0 (the default) logs per epoch only
   * @return this
   */
  public TensorBoard updateFreq(int batches) {
    if (batches < 0) {
      throw new IllegalArgumentException("update frequency must be >= 0 batches, got " + batches);
    }
    this.updateFreq = batches;
    return this;
  }

  /**
   * @return the log directory
   */
  public Path logDir() {
    return logDir;
  }

  /**
   * @return the train event file of the latest {@code fit}, or {@code null} before any
   */
  public Path trainFile() {
    return trainFile;
  }

  /**
   * @return the validation event file of the latest {@code fit}, or {@code null} when it did not
   *     validate
   */
  public Path validationFile() {
    return validationFile;
  }

  @Override
  public void onTrainBegin(FitState state) {
    close();
    globalBatch = 0;
    validationFile = null;
    train = EventFileWriter.create(logDir.resolve(TRAIN));
    trainFile = train.file();
    if (graph != null) {
      guarded(
          () -> {
            GraphDef g = graph.get();
            if (g != null) {
              train.graph(g);
              train.flush();
            }
          });
    }
  }

  @Override
  public void onBatchEnd(int step, Map<String, Double> logs, FitState state) {
    globalBatch++;
    if (updateFreq <= 0 || train == null || globalBatch % updateFreq != 0) {
      return;
    }
    guarded(() -> logs.forEach((k, v) -> train.scalar("batch_" + k, globalBatch, v)));
  }

  @Override
  public void onEpochEnd(int epoch, Map<String, Double> logs, FitState state) {
    if (train == null) {
      return;
    }
    guarded(
        () -> {
          for (Map.Entry<String, Double> e : logs.entrySet()) {
            if (e.getValue() == null) {
              continue;
            }
            if (e.getKey().startsWith(VAL_PREFIX)) {
              if (validation == null) {
                validation = EventFileWriter.create(logDir.resolve(VALIDATION));
                validationFile = validation.file();
              }
              validation.scalar(
                  "epoch_" + e.getKey().substring(VAL_PREFIX.length()), epoch, e.getValue());
            } else {
              train.scalar("epoch_" + e.getKey(), epoch, e.getValue());
            }
          }
          if (!logs.containsKey("learning_rate")) {
            train.scalar("epoch_learning_rate", epoch, state.learningRate());
          }
          train.flush();
          if (validation != null) {
            validation.flush();
          }
        });
  }

  @Override
  public void onTrainEnd(History history, FitState state) {
    close();
  }

  /** Closes the event files (also done at train end); safe to call twice. */
  @Override
  public void close() {
    EventFileWriter t = train;
    EventFileWriter v = validation;
    train = null;
    validation = null;
    try {
      if (t != null) {
        t.close();
      }
    } finally {
      if (v != null) {
        v.close();
      }
    }
  }

  /** Runs a write; on failure closes both files (fit will not call onTrainEnd) and rethrows. */
  private void guarded(Runnable write) {
    try {
      write.run();
    } catch (RuntimeException e) {
      try {
        close();
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }
}

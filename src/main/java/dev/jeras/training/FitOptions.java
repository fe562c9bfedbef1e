package dev.jeras.training;

import dev.jeras.data.FloatArray;
import dev.jeras.data.NumericArray;
import dev.jeras.data.StreamingDataset;
import dev.jeras.distribute.MultiWorker;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Options of {@code fit}, with Keras' defaults: epochs 1, batch size 32, shuffle on, no validation.
 *
 * <pre>{@code
 * new FitOptions().epochs(5).batchSize(64).validationSplit(0.1).seed(42)
 * }</pre>
 */
public final class FitOptions {
  int epochs = 1;
  int initialEpoch = 0;
  int batchSize = 32;
  boolean shuffle = true;
  double validationSplit = 0;
  List<FloatArray> validationX;
  List<NumericArray> validationY;
  StreamingDataset validationStream;
  Long seed;
  final List<Callback> callbacks = new ArrayList<>();
  Callback progress;
  boolean progressSet;
  java.nio.file.Path checkpointDir;
  boolean resume;
  int keepCheckpoints = 2;
  MultiWorker cluster;

  /**
   * @return this, training for that many epochs (default 1)
   */
  public FitOptions epochs(int epochs) {
    if (epochs <= 0) {
      throw new IllegalArgumentException("epochs must be positive, got " + epochs);
    }
    this.epochs = epochs;
    return this;
  }

  /**
   * @return this, starting at that epoch (Keras' initial_epoch; used when resuming)
   */
  public FitOptions initialEpoch(int initialEpoch) {
    if (initialEpoch < 0) {
      throw new IllegalArgumentException("initial epoch must be >= 0, got " + initialEpoch);
    }
    this.initialEpoch = initialEpoch;
    return this;
  }

  /**
   * @return this, with that batch size (default 32)
   */
  public FitOptions batchSize(int batchSize) {
    if (batchSize <= 0) {
      throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
    }
    this.batchSize = batchSize;
    return this;
  }

  /**
   * @return this, shuffling the training samples before each epoch or not (default on)
   */
  public FitOptions shuffle(boolean shuffle) {
    this.shuffle = shuffle;
    return this;
  }

  /**
   * Holds out the last fraction of the samples (before shuffling) for validation, as Keras does.
   *
   * @param fraction in [0, 1)
   * @return this
   */
  public FitOptions validationSplit(double fraction) {
    if (!(fraction >= 0 && fraction < 1)) {
      throw new IllegalArgumentException("validation split must be in [0, 1), got " + fraction);
    }
    this.validationSplit = fraction;
    return this;
  }

  /**
   * Validates on separate data after each epoch.
   *
   * @param x validation features
   * @param y validation targets
   * @return this
   */
  public FitOptions validationData(FloatArray x, NumericArray y) {
    this.validationX = List.of(x);
    this.validationY = List.of(y);
    this.validationStream = null;
    return this;
  }

  /**
   * Validates on a streaming dataset after each epoch (for example an {@link
   * dev.jeras.data.ImageFolder}'s validation subset); {@code null} validates on nothing.
   *
   * @param data validation data with labels
   * @return this
   */
  public FitOptions validationData(StreamingDataset data) {
    this.validationStream = data;
    this.validationX = null;
    this.validationY = null;
    return this;
  }

  /**
   * @return this, seeding the shuffling (and, through the model, dropout)
   */
  public FitOptions seed(long seed) {
    this.seed = seed;
    return this;
  }

  /**
   * @return this, with these callbacks added
   */
  public FitOptions callbacks(Callback... callbacks) {
    this.callbacks.addAll(Arrays.asList(callbacks));
    return this;
  }

  /**
   * Sets the progress reporter (default: one SLF4J line per epoch; see {@link ProgressReporter} for
   * the Keras-style console bar); {@code null} reports nothing.
   *
   * @param progress the reporter
   * @return this
   */
  public FitOptions progress(Callback progress) {
    this.progress = progress;
    this.progressSet = true;
    return this;
  }

  /**
   * Writes a checkpoint (weights, optimizer state, position, seed) into this directory at the end
   * of every epoch, and when training is interrupted; see {@link #resume(boolean)}.
   *
   * @param dir the checkpoint directory (created if needed)
   * @return this
   */
  public FitOptions checkpointDir(java.nio.file.Path dir) {
    this.checkpointDir = dir;
    return this;
  }

  /**
   * Continues from the newest checkpoint in {@link #checkpointDir} when there is one (the epoch and
   * step it stopped at, the same shuffling order and dropout masks); starts afresh otherwise.
   *
   * @param resume whether to resume
   * @return this
   */
  public FitOptions resume(boolean resume) {
    this.resume = resume;
    return this;
  }

  /**
   * @return this, keeping the newest {@code n} checkpoints (default 2)
   */
  public FitOptions keepCheckpoints(int n) {
    if (n <= 0) {
      throw new IllegalArgumentException("checkpoints to keep must be positive, got " + n);
    }
    this.keepCheckpoints = n;
    return this;
  }

  /**
   * Trains on a cluster: synchronous data parallelism across its tasks (see {@link MultiWorker}).
   * The batch size is the global batch, split evenly between the tasks; every task must call fit
   * with the same model, data and options (they are compared at the start). Only the chief writes
   * checkpoints; with {@link #resume(boolean)}, every task continues from the chief's.
   *
   * @param cluster this process' task, or null to train in this process alone (the default)
   * @return this
   */
  public FitOptions distribute(MultiWorker cluster) {
    this.cluster = cluster;
    return this;
  }

  /**
   * @return the number of epochs
   */
  public int epochs() {
    return epochs;
  }

  /**
   * @return the batch size
   */
  public int batchSize() {
    return batchSize;
  }
}

package dev.jeras.training;

import dev.jeras.data.FloatArray;
import java.util.List;

/**
 * The state of a running {@code fit}, shared with callbacks: its size, a stop flag, the learning
 * rate and the model's weights.
 */
public final class FitState {
  private final Trainer trainer;
  private final int epochs;
  private final int stepsPerEpoch;
  private final int samples;
  private volatile boolean stopRequested;
  private volatile boolean interrupted;
  private volatile double dataWaitFraction;

  FitState(Trainer trainer, int epochs, int stepsPerEpoch, int samples) {
    this.trainer = trainer;
    this.epochs = epochs;
    this.stepsPerEpoch = stepsPerEpoch;
    this.samples = samples;
  }

  /**
   * @return the number of epochs asked for
   */
  public int epochs() {
    return epochs;
  }

  /**
   * @return the number of steps in each epoch (the last batch may be partial)
   */
  public int stepsPerEpoch() {
    return stepsPerEpoch;
  }

  /**
   * @return the number of training samples
   */
  public int samples() {
    return samples;
  }

  /** Stops training at the end of the current step (Keras' {@code model.stop_training = True}). */
  public void stopTraining() {
    stopRequested = true;
  }

  /**
   * Stops training after the current step and writes a checkpoint of that position when a
   * checkpoint directory is set (what Ctrl-C does on the command line). Safe to call from another
   * thread or a signal handler.
   */
  public void interrupt() {
    interrupted = true;
    stopRequested = true;
  }

  /**
   * @return whether {@link #interrupt()} was called
   */
  public boolean interrupted() {
    return interrupted;
  }

  /** Sets the stop flag: in a cluster, to the chief's decision at the end of every epoch. */
  void setStopRequested(boolean stop) {
    stopRequested = stop;
  }

  /**
   * @return whether a stop was requested
   */
  public boolean stopRequested() {
    return stopRequested;
  }

  /**
   * @return the fraction of the last finished epoch's wall-clock time (its training steps and its
   *     validation) spent waiting for the next batch: the input pipeline's share of the epoch; 0
   *     before the first epoch ends
   */
  public double dataWaitFraction() {
    return dataWaitFraction;
  }

  void setDataWaitFraction(double fraction) {
    this.dataWaitFraction = fraction;
  }

  /**
   * @return the current learning rate
   */
  public double learningRate() {
    return trainer.learningRate();
  }

  /**
   * @param lr the learning rate for the next steps
   */
  public void setLearningRate(double lr) {
    trainer.setLearningRate(lr);
  }

  /**
   * @return a copy of the model's weights, in Keras' order
   */
  public List<FloatArray> getWeights() {
    return trainer.engine().getWeights();
  }

  /**
   * @param weights the model's new weights, in Keras' order
   */
  public void setWeights(List<FloatArray> weights) {
    trainer.engine().setWeights(weights);
  }
}

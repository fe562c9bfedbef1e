package dev.jeras.training.callbacks;

import dev.jeras.training.Callback;
import dev.jeras.training.FitState;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Sets the learning rate at the start of each epoch from a schedule, as Keras' {@code
 * LearningRateScheduler}: {@code schedule(epoch, currentLr) -> newLr}. Adds {@code learning_rate}
 * to the epoch logs.
 *
 * <pre>{@code
 * new LearningRateScheduler((epoch, lr) -> epoch < 3 ? lr : lr * Math.exp(-0.1))
 * }</pre>
 */
public final class LearningRateScheduler implements Callback {
  private final BiFunction<Integer, Double, Double> schedule;

  /**
   * @param schedule (epoch from 0, current learning rate) to the new learning rate
   */
  public LearningRateScheduler(BiFunction<Integer, Double, Double> schedule) {
    this.schedule = schedule;
  }

  @Override
  public void onEpochBegin(int epoch, FitState state) {
    Double lr = schedule.apply(epoch, state.learningRate());
    if (lr == null || !(lr > 0) || lr.isInfinite()) {
      throw new IllegalArgumentException(
          "the learning-rate schedule returned "
              + lr
              + " for epoch "
              + epoch
              + "; it must be positive and finite");
    }
    state.setLearningRate(lr);
  }

  @Override
  public void onEpochEnd(int epoch, Map<String, Double> logs, FitState state) {
    logs.put("learning_rate", state.learningRate());
  }
}

package dev.jeras.training;

import java.util.Map;

/**
 * Hooks into {@code fit}, as Keras callbacks: called at the start and end of training, of each
 * epoch and after each batch. Logs are the running means of the loss and metrics ({@code loss},
 * {@code accuracy}; at epoch end also {@code val_loss}, {@code val_accuracy} when validating).
 * Epochs are numbered from 0, as in Keras.
 *
 * <pre>{@code
 * model.fit(x, y, new FitOptions().epochs(5).callbacks(new Callback() {
 *   public void onEpochEnd(int epoch, Map<String, Double> logs, FitState state) {
 *     if (logs.get("accuracy") > 0.99) state.stopTraining();
 *   }
 * }));
 * }</pre>
 */
public interface Callback {
  /**
   * @param state the run's state
   */
  default void onTrainBegin(FitState state) {}

  /**
   * @param epoch the epoch starting, from 0
   * @param state the run's state
   */
  default void onEpochBegin(int epoch, FitState state) {}

  /**
   * @param step the step just finished within the epoch, from 0
   * @param logs running means over the epoch so far
   * @param state the run's state
   */
  default void onBatchEnd(int step, Map<String, Double> logs, FitState state) {}

  /**
   * @param epoch the epoch just finished, from 0
   * @param logs the epoch's means, validation included
   * @param state the run's state
   */
  default void onEpochEnd(int epoch, Map<String, Double> logs, FitState state) {}

  /**
   * @param history everything recorded
   * @param state the run's state
   */
  default void onTrainEnd(History history, FitState state) {}
}

package dev.jeras.training;

import dev.jeras.data.FloatArray;
import java.util.List;

/**
 * An optimizer's state in Keras' order: the step count, the learning rate, then each trained
 * variable's slots (Adam: momentum, velocity; SGD with momentum: momentum; RMSprop: velocity,
 * momentum), as Keras' {@code optimizer.variables} lists them.
 *
 * @param iterations steps taken
 * @param learningRate the current learning rate
 * @param slots the slot values, in order
 */
public record OptimizerState(long iterations, float learningRate, List<FloatArray> slots) {
  /** Copies the list. */
  public OptimizerState {
    slots = List.copyOf(slots);
  }
}

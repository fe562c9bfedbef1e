package dev.jeras.training;

import dev.jeras.data.FloatArray;
import java.util.ArrayList;
import java.util.List;

/**
 * An optimizer's state in Keras' order: the step count, the learning rate, then the slots as Keras'
 * {@code optimizer.variables} lists them after those two (Adam: each weight's momentum and
 * velocity; RMSprop: every velocity, then every momentum; Nadam: its momentum-schedule product
 * last), with Keras' meaning.
 *
 * @param iterations steps taken
 * @param learningRate the current learning rate
 * @param slots the slot values, in order
 */
public record OptimizerState(long iterations, float learningRate, List<FloatArray> slots) {
  /**
   * Marks files and checkpoints whose slots have Keras' meaning. jeras wrote its SGD momentum as
   * TensorFlow's accumulator until it stood on tensorflow-framework; files without the mark are
   * read through {@link #fromLegacyJeras}.
   */
  public static final String KERAS_SLOTS = "keras";

  /** Copies the list. */
  public OptimizerState {
    slots = List.copyOf(slots);
  }

  /**
   * Reads a state written by an older jeras (no {@link #KERAS_SLOTS} mark): its SGD momentum slot
   * held TensorFlow's accumulator a (w -= lr a), where Keras keeps m = -lr a. Other optimizers'
   * slots already had Keras' meaning.
   *
   * @param optimizer the optimizer that wrote it
   * @return the state with Keras' meaning
   */
  public OptimizerState fromLegacyJeras(Optimizer optimizer) {
    if (!(optimizer instanceof Optimizer.Sgd s && s.momentum() > 0)) {
      return this;
    }
    List<FloatArray> converted = new ArrayList<>();
    for (FloatArray a : slots) {
      float[] m = a.data().clone();
      for (int i = 0; i < m.length; i++) {
        m[i] = -learningRate * m[i];
      }
      converted.add(FloatArray.of(m, a.shape()));
    }
    return new OptimizerState(iterations, learningRate, converted);
  }
}

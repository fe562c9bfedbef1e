package dev.jeras.layers;

import dev.jeras.backend.Backend;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * What a layer's {@link Layer#call} may use while it wires its ops: the op factory, the backend
 * that builds its math, the mode, its weights, and hooks for state updates and logits. The engine
 * provides one per forward pass (one for training, one for inference), so one model can be wired
 * twice in a graph sharing its variables.
 */
public interface CallContext {
  /**
   * @return the op factory, scoped to the layer being called
   */
  Ops tf();

  /**
   * @return true in the training forward pass (dropout active, batch statistics)
   */
  boolean training();

  /**
   * @return the backend that turns the layer's math into ops (convolutions, pooling, batch
   *     normalization, matmul, activations)
   */
  Backend backend();

  /**
   * @param layer the layer that owns the weight
   * @param weightName the weight's name within the layer, as in its {@link WeightSpec}
   * @return the variable holding it
   */
  Operand<TFloat32> weight(Layer layer, String weightName);

  /**
   * Registers an op that must run with every training step (BatchNormalization's moving averages).
   *
   * @param update the op
   */
  void addUpdate(Op update);

  /**
   * Adds a scalar to the training loss (Keras' {@code add_loss}; weight regularizers use it). The
   * terms of a forward pass are summed and added to the loss the optimizer differentiates and to
   * the loss {@code fit} and {@code evaluate} report, unscaled by the batch.
   *
   * @param key names the term: a term added again under the same key in one forward pass (a shared
   *     layer called twice) counts once
   * @param loss the scalar
   */
  void addLoss(String key, Operand<TFloat32> loss);

  /**
   * Records that {@code probabilities} is softmax(logits), so that a cross-entropy loss can be
   * computed from the logits, as Keras does, for accuracy and numerical stability.
   *
   * @param probabilities the softmax output
   * @param logits its input
   */
  void recordLogits(Operand<TFloat32> probabilities, Operand<TFloat32> logits);

  /**
   * @param layer the layer asking
   * @return a two-element seed for stateless random ops, different for each layer and each training
   *     step, and reproducible for a given model seed
   */
  Operand<TInt64> randomSeed(Layer layer);
}

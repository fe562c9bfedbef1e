package dev.jeras.training;

import java.util.Locale;
import org.tensorflow.Operand;
import org.tensorflow.framework.losses.Losses;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TType;

/**
 * A loss function under its Keras name, reduced as Keras' default "sum_over_batch_size" (the mean
 * over the batch).
 *
 * <ul>
 *   <li>{@code sparse_categorical_crossentropy}: integer labels (batch,), predictions (batch,
 *       classes)
 *   <li>{@code categorical_crossentropy}: one-hot labels (batch, classes)
 *   <li>{@code binary_crossentropy}: labels in [0, 1], same shape as the predictions
 *   <li>{@code mean_squared_error}: targets of the predictions' shape
 * </ul>
 *
 * <p>With {@code fromLogits = false} and a softmax output, the cross-entropies are computed from
 * the logits behind the softmax, as Keras does: the value is the same and the gradient is stable.
 *
 * <pre>{@code
 * model.compile(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(), Metric.ACCURACY);
 * Loss.of("categorical_crossentropy");
 * }</pre>
 */
public interface Loss {
  /** Keras' clipping epsilon for probabilities. */
  float EPSILON = 1e-7f;

  /**
   * @return the Keras name, e.g. {@code sparse_categorical_crossentropy}
   */
  String kerasName();

  /**
   * @return whether targets are integer class labels (fed as int32)
   */
  default boolean sparseLabels() {
    return false;
  }

  /**
   * Wires the per-sample losses.
   *
   * @param tf the op factory
   * @param yTrue targets (int32 labels for sparse losses, float otherwise)
   * @param yPred the model output
   * @param logits the logits behind {@code yPred} if it is a softmax, else {@code null}
   * @return one loss per sample, shape (batch,)
   */
  Operand<TFloat32> perSample(
      Ops tf, Operand<? extends TType> yTrue, Operand<TFloat32> yPred, Operand<TFloat32> logits);

  /**
   * @return sparse categorical cross-entropy on probabilities (Keras' default from_logits=False)
   */
  static Loss sparseCategoricalCrossentropy() {
    return new CrossEntropy(true, false);
  }

  /**
   * @param fromLogits whether the model outputs logits rather than probabilities
   * @return sparse categorical cross-entropy
   */
  static Loss sparseCategoricalCrossentropy(boolean fromLogits) {
    return new CrossEntropy(true, fromLogits);
  }

  /**
   * @return categorical cross-entropy on one-hot targets and probabilities
   */
  static Loss categoricalCrossentropy() {
    return new CrossEntropy(false, false);
  }

  /**
   * @param fromLogits whether the model outputs logits rather than probabilities
   * @return categorical cross-entropy
   */
  static Loss categoricalCrossentropy(boolean fromLogits) {
    return new CrossEntropy(false, fromLogits);
  }

  /**
   * @return binary cross-entropy on probabilities
   */
  static Loss binaryCrossentropy() {
    return new BinaryCrossEntropy();
  }

  /**
   * @return mean squared error
   */
  static Loss meanSquaredError() {
    return new MeanSquaredError();
  }

  /**
   * @param name a Keras loss name (snake case, or the class name)
   * @return the loss with Keras' defaults
   */
  static Loss of(String name) {
    return switch (name.replace("_", "").toLowerCase(Locale.ROOT)) {
      case "sparsecategoricalcrossentropy" -> sparseCategoricalCrossentropy();
      case "categoricalcrossentropy" -> categoricalCrossentropy();
      case "binarycrossentropy" -> binaryCrossentropy();
      case "meansquarederror", "mse" -> meanSquaredError();
      default ->
          throw new IllegalArgumentException(
              "unknown loss '"
                  + name
                  + "'; supported: sparse_categorical_crossentropy,"
                  + " categorical_crossentropy, binary_crossentropy, mean_squared_error");
    };
  }

  /**
   * Categorical cross-entropy, sparse (integer labels) or dense (one-hot).
   *
   * @param sparse whether labels are integers
   * @param fromLogits whether predictions are logits
   */
  record CrossEntropy(boolean sparse, boolean fromLogits) implements Loss {
    @Override
    public String kerasName() {
      return sparse ? "sparse_categorical_crossentropy" : "categorical_crossentropy";
    }

    @Override
    public boolean sparseLabels() {
      return sparse;
    }

    @Override
    @SuppressWarnings("unchecked")
    public Operand<TFloat32> perSample(
        Ops tf, Operand<? extends TType> yTrue, Operand<TFloat32> yPred, Operand<TFloat32> logits) {
      long classes = yPred.shape().get(-1);
      Operand<TFloat32> oneHot =
          sparse
              ? tf.oneHot(
                  (Operand<TInt32>) yTrue,
                  tf.constant((int) classes),
                  tf.constant(1f),
                  tf.constant(0f))
              : (Operand<TFloat32>) yTrue;
      Operand<TFloat32> z = fromLogits ? yPred : logits;
      // tensorflow-framework's categorical cross-entropy, Keras' formula: from logits, or from
      // probabilities normalised and clipped to [EPSILON, 1 - EPSILON]. Sparse labels go in
      // one-hot: the framework's sparse variant runs SparseSoftmaxCrossEntropyWithLogits, which
      // has no gradient in TF Java 1.1.0.
      return z != null
          ? Losses.categoricalCrossentropy(tf, tf.stopGradient(oneHot), z, true, 0f, -1)
          : Losses.categoricalCrossentropy(tf, oneHot, yPred, false, 0f, -1);
    }
  }

  /**
   * Binary cross-entropy on probabilities, mean over the last axis: Keras 3 clips the probabilities
   * only; jeras' own, as tensorflow-framework's adds an epsilon inside the logarithms too (Keras
   * 2's formula), which differs where probabilities saturate.
   */
  record BinaryCrossEntropy() implements Loss {
    @Override
    public String kerasName() {
      return "binary_crossentropy";
    }

    @Override
    @SuppressWarnings("unchecked")
    public Operand<TFloat32> perSample(
        Ops tf, Operand<? extends TType> yTrue, Operand<TFloat32> yPred, Operand<TFloat32> logits) {
      Operand<TFloat32> y = (Operand<TFloat32>) yTrue;
      Operand<TFloat32> p = tf.clipByValue(yPred, tf.constant(EPSILON), tf.constant(1f - EPSILON));
      Operand<TFloat32> one = tf.constant(1f);
      Operand<TFloat32> ll =
          tf.math.add(
              tf.math.mul(y, tf.math.log(p)),
              tf.math.mul(tf.math.sub(one, y), tf.math.log(tf.math.sub(one, p))));
      return tf.math.neg(tf.math.mean(ll, tf.constant(-1)));
    }
  }

  /** Mean squared error, mean over the last axis (tensorflow-framework's). */
  record MeanSquaredError() implements Loss {
    @Override
    public String kerasName() {
      return "mean_squared_error";
    }

    @Override
    @SuppressWarnings("unchecked")
    public Operand<TFloat32> perSample(
        Ops tf, Operand<? extends TType> yTrue, Operand<TFloat32> yPred, Operand<TFloat32> logits) {
      return Losses.meanSquaredError(tf, (Operand<TFloat32>) yTrue, yPred);
    }
  }
}

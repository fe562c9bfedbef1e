package dev.jeras.training;

import java.util.Locale;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TType;

/**
 * A metric reported by fit and evaluate: the mean over samples of a per-sample value. Keras' {@code
 * "accuracy"} is resolved against the loss, as Keras does: sparse categorical accuracy for sparse
 * labels, categorical accuracy for one-hot labels, binary accuracy for binary cross-entropy.
 *
 * <pre>{@code
 * model.compile(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(), Metric.ACCURACY);
 * }</pre>
 */
public enum Metric {
  /** "accuracy": resolved from the loss when compiled. */
  ACCURACY("accuracy"),
  /** argmax(prediction) == label. */
  SPARSE_CATEGORICAL_ACCURACY("sparse_categorical_accuracy"),
  /** argmax(prediction) == argmax(one-hot target). */
  CATEGORICAL_ACCURACY("categorical_accuracy"),
  /** (prediction > 0.5) == target, averaged over the last axis. */
  BINARY_ACCURACY("binary_accuracy");

  private final String kerasName;

  Metric(String kerasName) {
    this.kerasName = kerasName;
  }

  /**
   * @return the Keras name
   */
  public String kerasName() {
    return kerasName;
  }

  /**
   * @param name a Keras metric name ({@code accuracy}, {@code acc}, ...)
   * @return the metric
   */
  public static Metric of(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    if (n.equals("acc")) {
      return ACCURACY;
    }
    for (Metric m : values()) {
      if (m.kerasName.equals(n)) {
        return m;
      }
    }
    throw new IllegalArgumentException(
        "unknown metric '"
            + name
            + "'; supported: accuracy, sparse_categorical_accuracy,"
            + " categorical_accuracy, binary_accuracy");
  }

  /**
   * @param loss the compiled loss
   * @return the concrete metric ({@code accuracy} resolved as Keras resolves it)
   */
  public Metric resolve(Loss loss) {
    if (this != ACCURACY) {
      return this;
    }
    if (loss.sparseLabels()) {
      return SPARSE_CATEGORICAL_ACCURACY;
    }
    return loss instanceof Loss.BinaryCrossEntropy ? BINARY_ACCURACY : CATEGORICAL_ACCURACY;
  }

  /**
   * Wires the per-sample values of a resolved metric.
   *
   * @param tf the op factory
   * @param yTrue targets
   * @param yPred predictions
   * @return one value per sample, shape (batch,)
   */
  @SuppressWarnings("unchecked")
  public Operand<TFloat32> perSample(
      Ops tf, Operand<? extends TType> yTrue, Operand<TFloat32> yPred) {
    return switch (this) {
      case SPARSE_CATEGORICAL_ACCURACY -> {
        Operand<TInt64> predicted = tf.math.argMax(yPred, tf.constant(-1));
        Operand<TInt64> labels = tf.dtypes.cast((Operand<TInt32>) yTrue, TInt64.class);
        yield tf.dtypes.cast(tf.math.equal(predicted, labels), TFloat32.class);
      }
      case CATEGORICAL_ACCURACY ->
          tf.dtypes.cast(
              tf.math.equal(
                  tf.math.argMax(yPred, tf.constant(-1)),
                  tf.math.argMax((Operand<TFloat32>) yTrue, tf.constant(-1))),
              TFloat32.class);
      case BINARY_ACCURACY -> {
        Operand<TFloat32> predicted =
            tf.dtypes.cast(tf.math.greater(yPred, tf.constant(0.5f)), TFloat32.class);
        yield tf.math.mean(
            tf.dtypes.cast(tf.math.equal(predicted, (Operand<TFloat32>) yTrue), TFloat32.class),
            tf.constant(-1));
      }
      case ACCURACY -> throw new IllegalStateException("resolve 'accuracy' against the loss first");
    };
  }
}

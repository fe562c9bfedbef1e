package dev.jeras.training;

import java.util.Locale;
import org.tensorflow.Operand;
import org.tensorflow.framework.metrics.BinaryAccuracy;
import org.tensorflow.framework.metrics.CategoricalAccuracy;
import org.tensorflow.framework.metrics.SparseCategoricalAccuracy;
import org.tensorflow.framework.metrics.impl.LossMetric;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TNumber;
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
   * Wires the per-sample values of a resolved metric, with tensorflow-framework's metric classes
   * (their per-sample {@code call}; jeras sums the values over the epoch itself, so the classes'
   * own total and count variables are never created).
   *
   * @param tf the op factory
   * @param yTrue targets
   * @param yPred predictions
   * @return one value per sample, shape (batch,) (binary accuracy: averaged over the last axis, as
   *     Keras does)
   */
  public Operand<TFloat32> perSample(
      Ops tf, Operand<? extends TType> yTrue, Operand<TFloat32> yPred) {
    LossMetric m =
        switch (this) {
          case SPARSE_CATEGORICAL_ACCURACY ->
              new SparseCategoricalAccuracy<>(0L, TFloat32.class) {
                @Override
                protected void init(Ops ops) {}
              };
          case CATEGORICAL_ACCURACY ->
              new CategoricalAccuracy<>(0L, TFloat32.class) {
                @Override
                protected void init(Ops ops) {}
              };
          case BINARY_ACCURACY ->
              new BinaryAccuracy<>(0L, TFloat32.class) {
                @Override
                protected void init(Ops ops) {}
              };
          case ACCURACY ->
              throw new IllegalStateException("resolve 'accuracy' against the loss first");
        };
    @SuppressWarnings("unchecked")
    Operand<? extends TNumber> labels = (Operand<? extends TNumber>) yTrue;
    Operand<TFloat32> values = m.call(tf, labels, yPred, TFloat32.class);
    return this == BINARY_ACCURACY && yPred.shape().numDimensions() > 1
        ? tf.math.mean(values, tf.constant(-1))
        : values;
  }
}

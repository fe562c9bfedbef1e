package dev.jeras.layers;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.framework.regularizers.L1L2;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * A weight penalty added to the training loss, as Keras' {@code kernel_regularizer} and {@code
 * bias_regularizer}: {@code L1} is {@code l1 * sum(|w|)}, {@code L2} is {@code l2 * sum(w^2)},
 * {@code L1L2} both (a zero factor adds nothing). The penalties of a model's trainable weights are
 * summed and added, unscaled by the batch, to the loss that is differentiated and reported (in
 * {@code fit} and {@code evaluate}); a frozen layer's weights add nothing.
 *
 * <p>Keras' names: {@code "l1"} and {@code "l2"} mean a factor of 0.01, {@code "l1_l2"} factors of
 * 0.
 *
 * <pre>{@code
 * new Dense(64).kernelRegularizer(Regularizer.l2(1e-4))
 * new Conv2D(32, 3).kernelRegularizer(Regularizer.of("l2")).biasRegularizer(Regularizer.l1(1e-3))
 * }</pre>
 *
 * @param l1 the factor of the sum of absolute values
 * @param l2 the factor of the sum of squares
 * @param kerasClassName {@code L1}, {@code L2} or {@code L1L2}
 */
public record Regularizer(double l1, double l2, String kerasClassName) {
  /** Checks the factors. */
  public Regularizer {
    check("l1", l1);
    check("l2", l2);
  }

  private static void check(String name, double v) {
    if (!(v >= 0) || Double.isInfinite(v)) {
      throw new IllegalArgumentException(
          name + " must be a finite number >= 0, got " + v + " (regularizer factor)");
    }
  }

  /**
   * @param l1 the factor (Keras' default 0.01)
   * @return {@code l1 * sum(|w|)}
   */
  public static Regularizer l1(double l1) {
    return new Regularizer(l1, 0, "L1");
  }

  /**
   * @param l2 the factor (Keras' default 0.01)
   * @return {@code l2 * sum(w^2)}
   */
  public static Regularizer l2(double l2) {
    return new Regularizer(0, l2, "L2");
  }

  /**
   * @param l1 the factor of the absolute values (Keras' default 0)
   * @param l2 the factor of the squares (Keras' default 0)
   * @return both penalties
   */
  public static Regularizer l1l2(double l1, double l2) {
    return new Regularizer(l1, l2, "L1L2");
  }

  /**
   * @param name a Keras name: {@code l1}, {@code l2}, {@code l1_l2}, or a class name {@code L1},
   *     {@code L2}, {@code L1L2}
   * @return the regularizer with Keras' default factors
   * @throws IllegalArgumentException for another name, listing the supported ones
   */
  public static Regularizer of(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "l1" -> l1(0.01);
      case "l2" -> l2(0.01);
      case "l1_l2", "l1l2" -> l1l2(0, 0);
      default ->
          throw new IllegalArgumentException(
              "unknown regularizer '" + name + "'; supported: l1, l2, l1_l2 (L1, L2, L1L2)");
    };
  }

  /**
   * @param className a Keras regularizer class ({@code L1}, {@code L2}, {@code L1L2})
   * @param config its config ({@code l1}, {@code l2}; null or absent means Keras' default)
   * @return the regularizer
   * @throws IllegalArgumentException for another class or a bad factor
   */
  public static Regularizer fromConfig(String className, Map<?, ?> config) {
    return switch (className) {
      case "L1" -> l1(factor(config, "l1", 0.01));
      case "L2" -> l2(factor(config, "l2", 0.01));
      case "L1L2" -> l1l2(factor(config, "l1", 0), factor(config, "l2", 0));
      default ->
          throw new IllegalArgumentException(
              "unsupported regularizer class " + className + "; supported: L1, L2, L1L2");
    };
  }

  private static double factor(Map<?, ?> config, String key, double dflt) {
    Object v = config.get(key);
    if (v == null) {
      return dflt;
    }
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    throw new IllegalArgumentException(key + " expected a number, got " + v);
  }

  /**
   * @return the Keras config of this regularizer ({@code {"l2": 0.01}})
   */
  public Map<String, Object> config() {
    Map<String, Object> c = new LinkedHashMap<>();
    if (!kerasClassName.equals("L2")) {
      c.put("l1", l1);
    }
    if (!kerasClassName.equals("L1")) {
      c.put("l2", l2);
    }
    return c;
  }

  /**
   * Wires the penalty of one weight with tensorflow-framework's {@code L1L2} regularizer, which
   * computes Keras' {@code l1 * sum(|w|) + l2 * sum(w^2)} in float32 ({@code MathSourceTest} pins
   * it against Keras).
   *
   * @param tf the op factory
   * @param weight the weight
   * @return the scalar penalty
   */
  public Operand<TFloat32> penalty(Ops tf, Operand<TFloat32> weight) {
    // the value, not the variable's reference: TensorFlow's C++ gradient of Square casts a
    // constant to its input's type, and a reference type there aborts the process
    return new L1L2((float) l1, (float) l2).call(tf, tf.identity(weight));
  }

  /**
   * Adds a weight's penalty to the context's losses, when the regularizer is set and the layer is
   * trainable (Keras regularizes trainable weights only). A shared layer adds it once.
   *
   * @param ctx the call context
   * @param layer the layer owning the weight
   * @param weightName the weight's name within the layer
   * @param regularizer the regularizer, or null for none
   */
  static void addPenalty(CallContext ctx, Layer layer, String weightName, Regularizer regularizer) {
    if (regularizer != null && layer.trainable()) {
      ctx.addLoss(
          layer.name() + "/" + weightName + "/regularizer",
          regularizer.penalty(ctx.tf(), ctx.weight(layer, weightName)));
    }
  }
}

package dev.jeras.layers;

import dev.jeras.backend.Backend;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Element-wise activation functions, under Keras' names.
 *
 * <ul>
 *   <li>{@code linear}: x
 *   <li>{@code relu}: max(x, 0)
 *   <li>{@code sigmoid}: 1 / (1 + exp(-x))
 *   <li>{@code tanh}: tanh(x)
 *   <li>{@code softmax}: exp(x_i) / sum_j exp(x_j), over the last axis
 *   <li>{@code elu}, {@code selu}, {@code softplus}
 * </ul>
 *
 * <pre>{@code
 * new Dense(10).activation(Activations.SOFTMAX);
 * Activations.of("relu");
 * }</pre>
 */
public enum Activations {
  /** The identity; Keras' default for Conv2D and Dense. */
  LINEAR("linear"),
  /** Rectified linear unit. */
  RELU("relu"),
  /** Logistic sigmoid. */
  SIGMOID("sigmoid"),
  /** Hyperbolic tangent. */
  TANH("tanh"),
  /** Softmax over the last axis. */
  SOFTMAX("softmax"),
  /** Exponential linear unit, alpha 1. */
  ELU("elu"),
  /** Scaled exponential linear unit. */
  SELU("selu"),
  /** log(1 + exp(x)). */
  SOFTPLUS("softplus");

  private final String kerasName;

  Activations(String kerasName) {
    this.kerasName = kerasName;
  }

  /**
   * @return the name Keras uses in configs, e.g. {@code "relu"}
   */
  public String kerasName() {
    return kerasName;
  }

  /**
   * @param name a Keras activation name; {@code null} means linear, as in Keras
   * @return the activation
   * @throws IllegalArgumentException for an unknown name, listing the supported ones
   */
  public static Activations of(String name) {
    if (name == null) {
      return LINEAR;
    }
    for (Activations a : values()) {
      if (a.kerasName.equals(name.toLowerCase(Locale.ROOT))) {
        return a;
      }
    }
    throw new IllegalArgumentException(
        "unknown activation '" + name + "'; supported: " + supportedNames());
  }

  /**
   * @return the supported names, comma separated
   */
  public static String supportedNames() {
    return Arrays.stream(values()).map(Activations::kerasName).collect(Collectors.joining(", "));
  }

  /**
   * Wires the activation.
   *
   * @param b the backend that builds the math
   * @param tf the op factory
   * @param x the pre-activation tensor
   * @return the activated tensor ({@code x} itself for linear)
   */
  public Operand<TFloat32> apply(Backend b, Ops tf, Operand<TFloat32> x) {
    return switch (this) {
      case LINEAR -> x;
      case RELU -> b.relu(tf, x);
      case SIGMOID -> b.sigmoid(tf, x);
      case TANH -> b.tanh(tf, x);
      case SOFTMAX -> b.softmax(tf, x);
      case ELU -> b.elu(tf, x);
      case SELU -> b.selu(tf, x);
      case SOFTPLUS -> b.softplus(tf, x);
    };
  }
}

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
 *   <li>{@code relu6}: min(max(x, 0), 6); {@code leaky_relu}: x, or 0.2 * x below 0
 *   <li>{@code silu} (also {@code swish}): x * sigmoid(x); {@code mish}: x * tanh(softplus(x))
 *   <li>{@code gelu}: 0.5 * x * erfc(-x / sqrt(2)), Keras' exact form; {@code gelu_approximate}:
 *       its tanh approximation (Keras' {@code approximate=True}, a jeras name: Keras configs have
 *       no name for it)
 *   <li>{@code hard_sigmoid}: relu6(x + 3) / 6; {@code hard_silu} (also {@code hard_swish}): x *
 *       hard_sigmoid(x)
 *   <li>{@code exponential}: exp(x); {@code softsign}: x / (|x| + 1); {@code log_softmax}: over the
 *       last axis
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
  SOFTPLUS("softplus"),
  /** min(max(x, 0), 6). */
  RELU6("relu6"),
  /** x, or 0.2 * x for x &lt; 0 (Keras' activation default; the LeakyReLU layer's is 0.3). */
  LEAKY_RELU("leaky_relu"),
  /** x * sigmoid(x); Keras also calls it swish. */
  SILU("silu", "swish"),
  /** Gaussian error linear unit, exact: 0.5 * x * erfc(-x / sqrt(2)). */
  GELU("gelu"),
  /**
   * The tanh approximation of GELU (Keras' {@code gelu(x, approximate=True)}). Keras configs have
   * no name for it: files jeras writes with it name it {@code gelu_approximate}, which jeras reads
   * and Keras refuses.
   */
  GELU_APPROXIMATE("gelu_approximate"),
  /** relu6(x + 3) / 6. */
  HARD_SIGMOID("hard_sigmoid"),
  /** x * hard_sigmoid(x); Keras also calls it hard_swish. */
  HARD_SILU("hard_silu", "hard_swish"),
  /** x * tanh(softplus(x)). */
  MISH("mish"),
  /** exp(x). */
  EXPONENTIAL("exponential"),
  /** x / (|x| + 1). */
  SOFTSIGN("softsign"),
  /** log(softmax(x)) over the last axis. */
  LOG_SOFTMAX("log_softmax");

  private final String kerasName;
  private final String alias;

  Activations(String kerasName) {
    this(kerasName, null);
  }

  Activations(String kerasName, String alias) {
    this.kerasName = kerasName;
    this.alias = alias;
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
    String n = name.toLowerCase(Locale.ROOT);
    for (Activations a : values()) {
      if (a.kerasName.equals(n) || n.equals(a.alias)) {
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
    return Arrays.stream(values())
        .map(a -> a.alias == null ? a.kerasName : a.kerasName + ", " + a.alias)
        .collect(Collectors.joining(", "));
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
      case RELU6 -> b.relu6(tf, x);
      case LEAKY_RELU -> b.leakyRelu(tf, x, 0.2f);
      case SILU -> b.silu(tf, x);
      case GELU -> b.gelu(tf, x, false);
      case GELU_APPROXIMATE -> b.gelu(tf, x, true);
      case HARD_SIGMOID -> b.hardSigmoid(tf, x);
      case HARD_SILU -> b.hardSilu(tf, x);
      case MISH -> b.mish(tf, x);
      case EXPONENTIAL -> b.exponential(tf, x);
      case SOFTSIGN -> b.softsign(tf, x);
      case LOG_SOFTMAX -> b.logSoftmax(tf, x);
    };
  }
}

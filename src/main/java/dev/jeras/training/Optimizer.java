package dev.jeras.training;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.train.ApplyMomentum;
import org.tensorflow.types.TFloat32;

/**
 * A gradient-descent optimizer with Keras' names and defaults, applied through TensorFlow's fused
 * training kernels (ApplyAdam, ApplyMomentum, ApplyRMSProp, ApplyGradientDescent).
 *
 * <p>The learning rate lives in a graph variable, so callbacks can change it between steps; the
 * optimizer's state (slots, iteration count) lives in variables named {@code optimizer/...}, saved
 * with checkpoints.
 *
 * <ul>
 *   <li>{@code adam}: learning_rate 1e-3, beta_1 0.9, beta_2 0.999, epsilon 1e-7 (Keras' values;
 *       TensorFlow's own default epsilon is 1e-8)
 *   <li>{@code sgd}: learning_rate 0.01, momentum 0, nesterov false
 *   <li>{@code rmsprop}: learning_rate 1e-3, rho 0.9, momentum 0, epsilon 1e-7
 * </ul>
 *
 * <pre>{@code
 * model.compile(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(), Metric.ACCURACY);
 * Optimizer.sgd(0.1, 0.9, true);
 * }</pre>
 */
public sealed interface Optimizer permits Optimizer.Adam, Optimizer.Sgd, Optimizer.RmsProp {

  /**
   * @return the Keras class name
   */
  String kerasClassName();

  /**
   * @return the initial learning rate
   */
  double learningRate();

  /**
   * @return the Keras config
   */
  Map<String, Object> getConfig();

  /**
   * @return the names of the per-variable slots, in Keras' order
   */
  List<String> slotNames();

  /**
   * Wires the update of one variable.
   *
   * @param tf the op factory
   * @param variable the variable
   * @param gradient its gradient
   * @param slots its slot variables, in {@link #slotNames()} order
   * @param lr the learning-rate variable
   * @param step the 1-based step number as a float (for bias corrections)
   * @return the update op
   */
  Op applyDense(
      Ops tf,
      Operand<TFloat32> variable,
      Operand<TFloat32> gradient,
      List<Operand<TFloat32>> slots,
      Operand<TFloat32> lr,
      Operand<TFloat32> step);

  /**
   * @return Adam with Keras' defaults
   */
  static Optimizer adam() {
    return new Adam(1e-3, 0.9, 0.999, 1e-7);
  }

  /**
   * @return Adam with that learning rate and Keras' other defaults
   */
  static Optimizer adam(double learningRate) {
    return new Adam(learningRate, 0.9, 0.999, 1e-7);
  }

  /**
   * @return plain SGD with that learning rate
   */
  static Optimizer sgd(double learningRate) {
    return new Sgd(learningRate, 0, false);
  }

  /**
   * @return SGD with momentum
   */
  static Optimizer sgd(double learningRate, double momentum, boolean nesterov) {
    return new Sgd(learningRate, momentum, nesterov);
  }

  /**
   * @return RMSprop with Keras' defaults
   */
  static Optimizer rmsprop() {
    return new RmsProp(1e-3, 0.9, 0, 1e-7);
  }

  /**
   * @param name a Keras optimizer name ({@code adam}, {@code sgd}, {@code rmsprop})
   * @param learningRate the learning rate, or {@code null} for the optimizer's default
   * @return the optimizer
   */
  static Optimizer of(String name, Double learningRate) {
    Optimizer o =
        switch (name.toLowerCase(Locale.ROOT)) {
          case "adam" -> adam();
          case "sgd" -> new Sgd(0.01, 0, false);
          case "rmsprop" -> rmsprop();
          default ->
              throw new IllegalArgumentException(
                  "unknown optimizer '" + name + "'; supported: adam, sgd, rmsprop");
        };
    return learningRate == null ? o : o.withLearningRate(learningRate);
  }

  /**
   * @return a copy with another learning rate
   */
  Optimizer withLearningRate(double learningRate);

  private static double positive(String what, double v) {
    if (!(v > 0) || Double.isInfinite(v)) {
      throw new IllegalArgumentException(what + " must be positive and finite, got " + v);
    }
    return v;
  }

  private static double unit(String what, double v) {
    if (!(v >= 0 && v < 1)) {
      throw new IllegalArgumentException(what + " must be in [0, 1), got " + v);
    }
    return v;
  }

  /**
   * Adam: m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; w -= lr sqrt(1 - b2^t) / (1 - b1^t) m /
   * (sqrt(v) + eps).
   *
   * @param learningRate lr (1e-3)
   * @param beta1 b1 (0.9)
   * @param beta2 b2 (0.999)
   * @param epsilon eps (1e-7)
   */
  record Adam(double learningRate, double beta1, double beta2, double epsilon)
      implements Optimizer {
    /** Validates the hyper-parameters. */
    public Adam {
      positive("learning_rate", learningRate);
      unit("beta_1", beta1);
      unit("beta_2", beta2);
      positive("epsilon", epsilon);
    }

    @Override
    public String kerasClassName() {
      return "Adam";
    }

    @Override
    public List<String> slotNames() {
      return List.of("momentum", "velocity");
    }

    @Override
    public Op applyDense(
        Ops tf,
        Operand<TFloat32> variable,
        Operand<TFloat32> gradient,
        List<Operand<TFloat32>> slots,
        Operand<TFloat32> lr,
        Operand<TFloat32> step) {
      Operand<TFloat32> b1 = tf.constant((float) beta1);
      Operand<TFloat32> b2 = tf.constant((float) beta2);
      return tf.train.applyAdam(
          variable,
          slots.get(0),
          slots.get(1),
          tf.math.pow(b1, step),
          tf.math.pow(b2, step),
          lr,
          b1,
          b2,
          tf.constant((float) epsilon),
          gradient);
    }

    @Override
    public Map<String, Object> getConfig() {
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("name", "adam");
      c.put("learning_rate", learningRate);
      c.put("beta_1", beta1);
      c.put("beta_2", beta2);
      c.put("epsilon", epsilon);
      c.put("amsgrad", false);
      return c;
    }

    @Override
    public Optimizer withLearningRate(double lr) {
      return new Adam(lr, beta1, beta2, epsilon);
    }
  }

  /**
   * Stochastic gradient descent, with optional (Nesterov) momentum.
   *
   * @param learningRate lr (0.01)
   * @param momentum momentum (0)
   * @param nesterov whether to use Nesterov momentum (false)
   */
  record Sgd(double learningRate, double momentum, boolean nesterov) implements Optimizer {
    /** Validates the hyper-parameters. */
    public Sgd {
      positive("learning_rate", learningRate);
      unit("momentum", momentum);
    }

    @Override
    public String kerasClassName() {
      return "SGD";
    }

    @Override
    public List<String> slotNames() {
      return momentum > 0 ? List.of("momentum") : List.of();
    }

    @Override
    public Op applyDense(
        Ops tf,
        Operand<TFloat32> variable,
        Operand<TFloat32> gradient,
        List<Operand<TFloat32>> slots,
        Operand<TFloat32> lr,
        Operand<TFloat32> step) {
      if (momentum == 0) {
        return tf.train.applyGradientDescent(variable, lr, gradient);
      }
      return tf.train.applyMomentum(
          variable,
          slots.get(0),
          lr,
          gradient,
          tf.constant((float) momentum),
          ApplyMomentum.useNesterov(nesterov));
    }

    @Override
    public Map<String, Object> getConfig() {
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("name", "SGD");
      c.put("learning_rate", learningRate);
      c.put("momentum", momentum);
      c.put("nesterov", nesterov);
      return c;
    }

    @Override
    public Optimizer withLearningRate(double lr) {
      return new Sgd(lr, momentum, nesterov);
    }
  }

  /**
   * RMSprop: v = rho v + (1 - rho) g^2; w -= lr g / sqrt(v + eps) (with optional momentum).
   *
   * @param learningRate lr (1e-3)
   * @param rho rho (0.9)
   * @param momentum momentum (0)
   * @param epsilon eps (1e-7)
   */
  record RmsProp(double learningRate, double rho, double momentum, double epsilon)
      implements Optimizer {
    /** Validates the hyper-parameters. */
    public RmsProp {
      positive("learning_rate", learningRate);
      unit("rho", rho);
      unit("momentum", momentum);
      positive("epsilon", epsilon);
    }

    @Override
    public String kerasClassName() {
      return "RMSprop";
    }

    @Override
    public List<String> slotNames() {
      return List.of("velocity", "momentum");
    }

    @Override
    public Op applyDense(
        Ops tf,
        Operand<TFloat32> variable,
        Operand<TFloat32> gradient,
        List<Operand<TFloat32>> slots,
        Operand<TFloat32> lr,
        Operand<TFloat32> step) {
      return tf.train.applyRmsProp(
          variable,
          slots.get(0),
          slots.get(1),
          lr,
          tf.constant((float) rho),
          tf.constant((float) momentum),
          tf.constant((float) epsilon),
          gradient);
    }

    @Override
    public Map<String, Object> getConfig() {
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("name", "rmsprop");
      c.put("learning_rate", learningRate);
      c.put("rho", rho);
      c.put("momentum", momentum);
      c.put("epsilon", epsilon);
      c.put("centered", false);
      return c;
    }

    @Override
    public Optimizer withLearningRate(double lr) {
      return new RmsProp(lr, rho, momentum, epsilon);
    }
  }
}

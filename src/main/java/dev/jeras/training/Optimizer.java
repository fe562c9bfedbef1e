package dev.jeras.training;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A gradient-descent optimizer with Keras' names, defaults, update rules and saved state. Each one
 * runs as a tensorflow-framework optimizer ({@code org.tensorflow.framework.optimizers}), extended
 * where Keras needs more than the framework's 1.1.0 classes give (see {@code FrameworkOptimizers}).
 *
 * <p>The learning rate lives in a graph variable, so callbacks change it between steps; the
 * optimizer's state (slots, iteration count) lives in variables named {@code optimizer/...}, saved
 * with checkpoints and, in Keras' order, in {@code .keras} files.
 *
 * <ul>
 *   <li>{@code adam}: learning_rate 1e-3, beta_1 0.9, beta_2 0.999, epsilon 1e-7 (Keras' values;
 *       TensorFlow's own default epsilon is 1e-8)
 *   <li>{@code adamw}: Adam with weight_decay 0.004, applied as Keras does (w -= w * wd * lr,
 *       before the Adam update)
 *   <li>{@code sgd}: learning_rate 0.01, momentum 0, nesterov false
 *   <li>{@code rmsprop}: learning_rate 1e-3, rho 0.9, momentum 0, epsilon 1e-7, centered false
 *   <li>{@code nadam}: learning_rate 1e-3, beta_1 0.9, beta_2 0.999, epsilon 1e-7
 *   <li>{@code adamax}: learning_rate 1e-3, beta_1 0.9, beta_2 0.999, epsilon 1e-7
 *   <li>{@code adagrad}: learning_rate 1e-3, initial_accumulator_value 0.1, epsilon 1e-7
 *   <li>{@code adadelta}: learning_rate 1e-3, rho 0.95, epsilon 1e-7
 *   <li>{@code ftrl}: learning_rate 1e-3, learning_rate_power -0.5, initial_accumulator_value 0.1,
 *       l1, l2 and l2-shrinkage strengths 0, beta 0
 *   <li>{@code lion}: learning_rate 1e-3, beta_1 0.9, beta_2 0.99, no weight decay
 * </ul>
 *
 * <pre>{@code
 * model.compile(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(), Metric.ACCURACY);
 * Optimizer.sgd(0.1, 0.9, true);
 * Optimizer.of("nadam", 2e-3);
 * }</pre>
 */
public sealed interface Optimizer
    permits Optimizer.Adam,
        Optimizer.AdamW,
        Optimizer.Sgd,
        Optimizer.RmsProp,
        Optimizer.Nadam,
        Optimizer.Adamax,
        Optimizer.Adagrad,
        Optimizer.Adadelta,
        Optimizer.Ftrl,
        Optimizer.Lion {

  /** The names {@link #of} accepts. */
  List<String> NAMES =
      List.of(
          "adam",
          "adamw",
          "sgd",
          "rmsprop",
          "nadam",
          "adamax",
          "adagrad",
          "adadelta",
          "ftrl",
          "lion");

  /**
   * @return the Keras class name
   */
  String kerasClassName();

  /**
   * @return the initial learning rate
   */
  double learningRate();

  /**
   * @return Keras' weight_decay (w -= w * weight_decay * learning_rate before each update), 0 for
   *     none
   */
  default double weightDecay() {
    return 0;
  }

  /**
   * @return the Keras config
   */
  Map<String, Object> getConfig();

  /**
   * @return the names of the per-variable slots, as Keras names them
   */
  List<String> slotNames();

  /**
   * @return the optimizer-wide scalar variables Keras keeps after the slots (Nadam's
   *     momentum-schedule product {@code u_product}); none for most optimizers
   */
  default List<String> scalarSlots() {
    return List.of();
  }

  /**
   * @return a copy with another learning rate
   */
  Optimizer withLearningRate(double learningRate);

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
   * @return AdamW with Keras' defaults (weight_decay 0.004)
   */
  static Optimizer adamw() {
    return new AdamW(1e-3, 0.004, 0.9, 0.999, 1e-7);
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
    return new RmsProp(1e-3, 0.9, 0, 1e-7, false);
  }

  /**
   * @return Nadam with Keras' defaults
   */
  static Optimizer nadam() {
    return new Nadam(1e-3, 0.9, 0.999, 1e-7);
  }

  /**
   * @return Adamax with Keras' defaults
   */
  static Optimizer adamax() {
    return new Adamax(1e-3, 0.9, 0.999, 1e-7);
  }

  /**
   * @return Adagrad with Keras' defaults
   */
  static Optimizer adagrad() {
    return new Adagrad(1e-3, 0.1, 1e-7);
  }

  /**
   * @return Adadelta with Keras' defaults
   */
  static Optimizer adadelta() {
    return new Adadelta(1e-3, 0.95, 1e-7);
  }

  /**
   * @return FTRL with Keras' defaults
   */
  static Optimizer ftrl() {
    return new Ftrl(1e-3, -0.5, 0.1, 0, 0, 0, 0);
  }

  /**
   * @return Lion with Keras' defaults
   */
  static Optimizer lion() {
    return new Lion(1e-3, 0.9, 0.99, 0);
  }

  /**
   * @param name a Keras optimizer name (one of {@link #NAMES}, any case)
   * @param learningRate the learning rate, or {@code null} for the optimizer's default
   * @return the optimizer
   */
  static Optimizer of(String name, Double learningRate) {
    Optimizer o =
        switch (name.toLowerCase(Locale.ROOT)) {
          case "adam" -> adam();
          case "adamw" -> adamw();
          case "sgd" -> new Sgd(0.01, 0, false);
          case "rmsprop" -> rmsprop();
          case "nadam" -> nadam();
          case "adamax" -> adamax();
          case "adagrad" -> adagrad();
          case "adadelta" -> adadelta();
          case "ftrl" -> ftrl();
          case "lion" -> lion();
          default ->
              throw new IllegalArgumentException(
                  "unknown optimizer '" + name + "'; supported: " + String.join(", ", NAMES));
        };
    return learningRate == null ? o : o.withLearningRate(learningRate);
  }

  private static double positive(String what, double v) {
    if (!(v > 0) || Double.isInfinite(v)) {
      throw new IllegalArgumentException(what + " must be positive and finite, got " + v);
    }
    return v;
  }

  private static double nonNegative(String what, double v) {
    if (!(v >= 0) || Double.isInfinite(v)) {
      throw new IllegalArgumentException(what + " must be zero or positive and finite, got " + v);
    }
    return v;
  }

  private static double unit(String what, double v) {
    if (!(v >= 0 && v < 1)) {
      throw new IllegalArgumentException(what + " must be in [0, 1), got " + v);
    }
    return v;
  }

  /** The checks Adam, Nadam and Adamax share, in the order Keras reports them. */
  private static void checkAdamFamily(
      double learningRate, double beta1, double beta2, double epsilon) {
    positive("learning_rate", learningRate);
    unit("beta_1", beta1);
    unit("beta_2", beta2);
    positive("epsilon", epsilon);
  }

  /** A Keras config in key order: name, learning_rate, then the given key/value pairs in turn. */
  private static Map<String, Object> config(
      String name, double learningRate, Object... keysAndValues) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("name", name);
    c.put("learning_rate", learningRate);
    for (int i = 0; i < keysAndValues.length; i += 2) {
      c.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return c;
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
      checkAdamFamily(learningRate, beta1, beta2, epsilon);
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
    public Map<String, Object> getConfig() {
      return config(
          "adam",
          learningRate,
          "beta_1",
          beta1,
          "beta_2",
          beta2,
          "epsilon",
          epsilon,
          "amsgrad",
          false);
    }

    @Override
    public Optimizer withLearningRate(double lr) {
      return new Adam(lr, beta1, beta2, epsilon);
    }
  }

  /**
   * AdamW: Adam after a decoupled weight decay, w -= w * weight_decay * lr, applied to every
   * trained weight as Keras applies it.
   *
   * @param learningRate lr (1e-3)
   * @param weightDecay the decay (0.004)
   * @param beta1 b1 (0.9)
   * @param beta2 b2 (0.999)
   * @param epsilon eps (1e-7)
   */
  record AdamW(double learningRate, double weightDecay, double beta1, double beta2, double epsilon)
      implements Optimizer {
    /** Validates the hyper-parameters. */
    public AdamW {
      positive("learning_rate", learningRate);
      nonNegative("weight_decay", weightDecay);
      unit("beta_1", beta1);
      unit("beta_2", beta2);
      positive("epsilon", epsilon);
    }

    @Override
    public String kerasClassName() {
      return "AdamW";
    }

    @Override
    public List<String> slotNames() {
      return List.of("momentum", "velocity");
    }

    @Override
    public Map<String, Object> getConfig() {
      return config(
          "adamw",
          learningRate,
          "weight_decay",
          weightDecay,
          "beta_1",
          beta1,
          "beta_2",
          beta2,
          "epsilon",
          epsilon,
          "amsgrad",
          false);
    }

    @Override
    public Optimizer withLearningRate(double lr) {
      return new AdamW(lr, weightDecay, beta1, beta2, epsilon);
    }
  }

  /**
   * Stochastic gradient descent, with optional (Nesterov) momentum as Keras 3 defines it: m =
   * momentum m - lr g; w += m (Nesterov: w += momentum m - lr g).
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
    public Map<String, Object> getConfig() {
      return config("SGD", learningRate, "momentum", momentum, "nesterov", nesterov);
    }

    @Override
    public Optimizer withLearningRate(double lr) {
      return new Sgd(lr, momentum, nesterov);
    }
  }

  /**
   * RMSprop: v = rho v + (1 - rho) g^2; w -= lr g / sqrt(v + eps) (centered: v - avg(g)^2 under the
   * root), through a momentum accumulator when momentum is positive.
   *
   * @param learningRate lr (1e-3)
   * @param rho rho (0.9)
   * @param momentum momentum (0)
   * @param epsilon eps (1e-7)
   * @param centered whether to centre the second moment (false)
   */
  record RmsProp(double learningRate, double rho, double momentum, double epsilon, boolean centered)
      implements Optimizer {
    /** Validates the hyper-parameters. */
    public RmsProp {
      positive("learning_rate", learningRate);
      unit("rho", rho);
      unit("momentum", momentum);
      positive("epsilon", epsilon);
    }

    /** RMSprop, not centered. */
    public RmsProp(double learningRate, double rho, double momentum, double epsilon) {
      this(learningRate, rho, momentum, epsilon, false);
    }

    @Override
    public String kerasClassName() {
      return "RMSprop";
    }

    /**
     * {@inheritDoc} The momentum accumulator exists even at momentum 0 (TensorFlow's kernel updates
     * through it); Keras then has none, and saved files leave it out.
     */
    @Override
    public List<String> slotNames() {
      return centered
          ? List.of("velocity", "momentum", "average_gradient")
          : List.of("velocity", "momentum");
    }

    @Override
    public Map<String, Object> getConfig() {
      return config(
          "rmsprop",
          learningRate,
          "rho",
          rho,
          "momentum",
          momentum,
          "epsilon",
          epsilon,
          "centered",
          centered);
    }

    @Override
    public Optimizer withLearningRate(double lr) {
      return new RmsProp(lr, rho, momentum, epsilon, centered);
    }
  }

  /**
   * Nadam, Adam with Nesterov momentum and Keras' momentum schedule u_t = b1 (1 - 0.5 * 0.96^t).
   *
   * @param learningRate lr (1e-3)
   * @param beta1 b1 (0.9)
   * @param beta2 b2 (0.999)
   * @param epsilon eps (1e-7)
   */
  record Nadam(double learningRate, double beta1, double beta2, double epsilon)
      implements Optimizer {
    /** Validates the hyper-parameters. */
    public Nadam {
      checkAdamFamily(learningRate, beta1, beta2, epsilon);
    }

    @Override
    public String kerasClassName() {
      return "Nadam";
    }

    @Override
    public List<String> slotNames() {
      return List.of("momentum", "velocity");
    }

    @Override
    public List<String> scalarSlots() {
      return List.of("u_product");
    }

    @Override
    public Map<String, Object> getConfig() {
      return config("nadam", learningRate, "beta_1", beta1, "beta_2", beta2, "epsilon", epsilon);
    }

    @Override
    public Optimizer withLearningRate(double lr) {
      return new Nadam(lr, beta1, beta2, epsilon);
    }
  }

  /**
   * Adamax: m = b1 m + (1 - b1) g; u = max(b2 u, |g|); w -= lr m / ((1 - b1^t)(u + eps)).
   *
   * @param learningRate lr (1e-3)
   * @param beta1 b1 (0.9)
   * @param beta2 b2 (0.999)
   * @param epsilon eps (1e-7)
   */
  record Adamax(double learningRate, double beta1, double beta2, double epsilon)
      implements Optimizer {
    /** Validates the hyper-parameters. */
    public Adamax {
      checkAdamFamily(learningRate, beta1, beta2, epsilon);
    }

    @Override
    public String kerasClassName() {
      return "Adamax";
    }

    @Override
    public List<String> slotNames() {
      return List.of("momentum", "norm");
    }

    @Override
    public Map<String, Object> getConfig() {
      return config("adamax", learningRate, "beta_1", beta1, "beta_2", beta2, "epsilon", epsilon);
    }

    @Override
    public Optimizer withLearningRate(double lr) {
      return new Adamax(lr, beta1, beta2, epsilon);
    }
  }

  /**
   * Adagrad: a += g^2; w -= lr g / sqrt(a + eps).
   *
   * @param learningRate lr (1e-3)
   * @param initialAccumulatorValue a's starting value (0.1)
   * @param epsilon eps (1e-7)
   */
  record Adagrad(double learningRate, double initialAccumulatorValue, double epsilon)
      implements Optimizer {
    /** Validates the hyper-parameters. */
    public Adagrad {
      positive("learning_rate", learningRate);
      nonNegative("initial_accumulator_value", initialAccumulatorValue);
      positive("epsilon", epsilon);
    }

    @Override
    public String kerasClassName() {
      return "Adagrad";
    }

    @Override
    public List<String> slotNames() {
      return List.of("accumulator");
    }

    @Override
    public Map<String, Object> getConfig() {
      return config(
          "adagrad",
          learningRate,
          "initial_accumulator_value",
          initialAccumulatorValue,
          "epsilon",
          epsilon);
    }

    @Override
    public Optimizer withLearningRate(double lr) {
      return new Adagrad(lr, initialAccumulatorValue, epsilon);
    }
  }

  /**
   * Adadelta: a = rho a + (1 - rho) g^2; d = -sqrt(s + eps) / sqrt(a + eps) g; s = rho s + (1 -
   * rho) d^2; w += lr d.
   *
   * @param learningRate lr (1e-3)
   * @param rho rho (0.95)
   * @param epsilon eps (1e-7)
   */
  record Adadelta(double learningRate, double rho, double epsilon) implements Optimizer {
    /** Validates the hyper-parameters. */
    public Adadelta {
      positive("learning_rate", learningRate);
      unit("rho", rho);
      positive("epsilon", epsilon);
    }

    @Override
    public String kerasClassName() {
      return "Adadelta";
    }

    @Override
    public List<String> slotNames() {
      return List.of("accumulated_grad", "accumulated_delta_var");
    }

    @Override
    public Map<String, Object> getConfig() {
      return config("adadelta", learningRate, "rho", rho, "epsilon", epsilon);
    }

    @Override
    public Optimizer withLearningRate(double lr) {
      return new Adadelta(lr, rho, epsilon);
    }
  }

  /**
   * FTRL-proximal, as Keras 3 computes it (with l2 + beta / (2 lr) as the l2 strength).
   *
   * @param learningRate lr (1e-3)
   * @param learningRatePower the power (-0.5), zero or negative
   * @param initialAccumulatorValue the accumulator's starting value (0.1)
   * @param l1 the L1 strength (0)
   * @param l2 the L2 strength (0)
   * @param l2Shrinkage the L2 shrinkage strength (0)
   * @param beta beta (0)
   */
  record Ftrl(
      double learningRate,
      double learningRatePower,
      double initialAccumulatorValue,
      double l1,
      double l2,
      double l2Shrinkage,
      double beta)
      implements Optimizer {
    /** Validates the hyper-parameters. */
    public Ftrl {
      positive("learning_rate", learningRate);
      if (!(learningRatePower <= 0)) {
        throw new IllegalArgumentException(
            "learning_rate_power must be zero or negative, got " + learningRatePower);
      }
      nonNegative("initial_accumulator_value", initialAccumulatorValue);
      nonNegative("l1_regularization_strength", l1);
      nonNegative("l2_regularization_strength", l2);
      nonNegative("l2_shrinkage_regularization_strength", l2Shrinkage);
      nonNegative("beta", beta);
    }

    @Override
    public String kerasClassName() {
      return "Ftrl";
    }

    @Override
    public List<String> slotNames() {
      return List.of("accumulator", "linear");
    }

    @Override
    public Map<String, Object> getConfig() {
      return config(
          "ftrl",
          learningRate,
          "learning_rate_power",
          learningRatePower,
          "initial_accumulator_value",
          initialAccumulatorValue,
          "l1_regularization_strength",
          l1,
          "l2_regularization_strength",
          l2,
          "l2_shrinkage_regularization_strength",
          l2Shrinkage,
          "beta",
          beta);
    }

    @Override
    public Optimizer withLearningRate(double lr) {
      return new Ftrl(lr, learningRatePower, initialAccumulatorValue, l1, l2, l2Shrinkage, beta);
    }
  }

  /**
   * Lion: w -= lr sign(b1 m + (1 - b1) g); m = b2 m + (1 - b2) g.
   *
   * @param learningRate lr (1e-3)
   * @param beta1 b1 (0.9), in (0, 1]
   * @param beta2 b2 (0.99)
   * @param weightDecay Keras' weight_decay, 0 for none (0)
   */
  record Lion(double learningRate, double beta1, double beta2, double weightDecay)
      implements Optimizer {
    /** Validates the hyper-parameters. */
    public Lion {
      positive("learning_rate", learningRate);
      if (!(beta1 > 0 && beta1 <= 1)) {
        throw new IllegalArgumentException("beta_1 must be in (0, 1], got " + beta1);
      }
      unit("beta_2", beta2);
      nonNegative("weight_decay", weightDecay);
    }

    @Override
    public String kerasClassName() {
      return "Lion";
    }

    @Override
    public List<String> slotNames() {
      return List.of("momentum");
    }

    @Override
    public Map<String, Object> getConfig() {
      Map<String, Object> c = config("lion", learningRate);
      if (weightDecay > 0) {
        c.put("weight_decay", weightDecay);
      }
      c.put("beta_1", beta1);
      c.put("beta_2", beta2);
      return c;
    }

    @Override
    public Optimizer withLearningRate(double lr) {
      return new Lion(lr, beta1, beta2, weightDecay);
    }
  }
}

package dev.jeras.layers;

import dev.jeras.backend.Backend;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Batch normalization over one feature axis (by default the last): {@code y = gamma * (x - mean) /
 * sqrt(var + epsilon) + beta}, with statistics over every other axis.
 *
 * <p>Training uses the batch's mean and (biased) variance and updates the moving statistics with
 * every step: {@code moving = moving * momentum + batch * (1 - momentum)}. Inference (evaluate,
 * predict, exported models) and a frozen layer ({@code trainable(false)}, even while the rest of
 * the model trains, as in Keras 3) use the moving statistics.
 *
 * <p>Options, with Keras' defaults: axis -1, momentum 0.99, epsilon 1e-3, center true, scale true,
 * gamma ones, beta zeros, moving mean zeros, moving variance ones. Input of rank 2 or more, c the
 * size of the axis; same shape out. Weights: gamma (c), beta (c) trainable; moving_mean (c),
 * moving_variance (c) non-trainable. The last axis runs on TensorFlow's fused kernel; another axis
 * on plain ops, as Keras builds it.
 *
 * <pre>{@code
 * new BatchNormalization()
 * new BatchNormalization().momentum(0.9).epsilon(1e-5)
 * new BatchNormalization().axis(1)                     // channels-first feature maps
 * }</pre>
 */
public final class BatchNormalization extends Layer {
  private int axis = -1;
  private double momentum = 0.99;
  private double epsilon = 1e-3;
  private boolean center = true;
  private boolean scale = true;
  private Initializer betaInitializer = Initializer.zeros();
  private Initializer gammaInitializer = Initializer.ones();
  private Initializer movingMeanInitializer = Initializer.zeros();
  private Initializer movingVarianceInitializer = Initializer.ones();

  /**
   * @param axis the feature axis (default -1, the last); negative counts from the end; any axis but
   *     the batch (checked when the layer is called)
   * @return this layer
   */
  public BatchNormalization axis(int axis) {
    checkMutable();
    this.axis = axis;
    return this;
  }

  /**
   * @return this layer, with that momentum of the moving averages (default 0.99)
   */
  public BatchNormalization momentum(double momentum) {
    checkMutable();
    if (!(momentum >= 0 && momentum <= 1)) {
      throw new IllegalArgumentException("momentum must be in [0, 1], got " + momentum);
    }
    this.momentum = momentum;
    return this;
  }

  /**
   * @return this layer, with that epsilon (default 1e-3)
   */
  public BatchNormalization epsilon(double epsilon) {
    checkMutable();
    if (!(epsilon > 0)) {
      throw new IllegalArgumentException("epsilon must be positive, got " + epsilon);
    }
    this.epsilon = epsilon;
    return this;
  }

  /**
   * @return this layer, with or without the beta offset (default with)
   */
  public BatchNormalization center(boolean center) {
    checkMutable();
    this.center = center;
    return this;
  }

  /**
   * @return this layer, with or without the gamma scale (default with)
   */
  public BatchNormalization scale(boolean scale) {
    checkMutable();
    this.scale = scale;
    return this;
  }

  /**
   * @param beta beta's initializer (zeros)
   * @param gamma gamma's initializer (ones)
   * @param movingMean the moving mean's initializer (zeros)
   * @param movingVariance the moving variance's initializer (ones)
   * @return this layer
   */
  public BatchNormalization initializers(
      Initializer beta, Initializer gamma, Initializer movingMean, Initializer movingVariance) {
    checkMutable();
    betaInitializer = beta;
    gammaInitializer = gamma;
    movingMeanInitializer = movingMean;
    movingVarianceInitializer = movingVariance;
    return this;
  }

  /**
   * @return the momentum
   */
  public double momentum() {
    return momentum;
  }

  /**
   * @return the epsilon
   */
  public double epsilon() {
    return epsilon;
  }

  @Override
  public String className() {
    return "BatchNormalization";
  }

  /**
   * @return the feature axis of an input of that rank, non-negative
   */
  private int axisFor(int rank) {
    return axis < 0 ? axis + rank : axis;
  }

  @Override
  public TensorShape computeOutputShape(List<TensorShape> inputShapes) {
    TensorShape in = single(inputShapes);
    if (in.rank() < 2) {
      throw new IllegalArgumentException(
          describe() + ": expected input of rank 2 or more (batch, ..., features), got " + in);
    }
    int a = axisFor(in.rank());
    if (axis < -in.rank() || axis >= in.rank() || a == 0) {
      throw new IllegalArgumentException(
          describe()
              + ": axis "
              + axis
              + " is out of range for input "
              + in
              + " (expected a feature axis, 1 to "
              + (in.rank() - 1)
              + " or -1 to -"
              + (in.rank() - 1)
              + ")");
    }
    if (in.dim(a) < 0) {
      throw new IllegalArgumentException(
          describe() + ": the normalized axis " + axis + " must be known, got " + in);
    }
    return in;
  }

  @Override
  public List<WeightSpec> weightSpecs(List<TensorShape> inputShapes) {
    TensorShape in = inputShapes.get(0);
    long[] c = {in.dim(axisFor(in.rank()))};
    List<WeightSpec> w = new ArrayList<>(4);
    if (scale) {
      w.add(new WeightSpec("gamma", c, gammaInitializer, true));
    }
    if (center) {
      w.add(new WeightSpec("beta", c, betaInitializer, true));
    }
    w.add(new WeightSpec("moving_mean", c, movingMeanInitializer, false));
    w.add(new WeightSpec("moving_variance", c, movingVarianceInitializer, false));
    return w;
  }

  @Override
  public Operand<TFloat32> call(CallContext ctx, List<Operand<TFloat32>> inputs) {
    Ops tf = ctx.tf();
    Operand<TFloat32> x = inputs.get(0);
    long[] dims = x.shape().asArray();
    int a = axisFor(dims.length);
    long channels = dims[a];
    Operand<TFloat32> gamma =
        scale
            ? ctx.weight(this, "gamma")
            : tf.fill(tf.constant(new long[] {channels}), tf.constant(1f));
    Operand<TFloat32> beta =
        center
            ? ctx.weight(this, "beta")
            : tf.fill(tf.constant(new long[] {channels}), tf.constant(0f));
    Operand<TFloat32> movingMean = ctx.weight(this, "moving_mean");
    Operand<TFloat32> movingVar = ctx.weight(this, "moving_variance");
    // a frozen layer normalizes with its moving statistics even in training (Keras 3)
    boolean training = ctx.training() && trainable();
    Backend.BatchNormOutput bn =
        ctx.backend()
            .batchNorm(tf, x, a, gamma, beta, movingMean, movingVar, (float) epsilon, training);
    if (training) {
      ctx.addUpdate(movingAverage(tf, movingMean, bn.batchMean()));
      ctx.addUpdate(movingAverage(tf, movingVar, bn.batchVariance()));
    }
    return bn.y();
  }

  private org.tensorflow.op.Op movingAverage(
      Ops tf, Operand<TFloat32> variable, Operand<TFloat32> batchValue) {
    Operand<TFloat32> m = tf.constant((float) momentum);
    Operand<TFloat32> updated =
        tf.math.add(
            tf.math.mul(variable, m), tf.math.mul(batchValue, tf.constant((float) (1 - momentum))));
    return tf.assign(variable, updated);
  }

  private static int axisOf(LayerConfig c) {
    try {
      return c.getInt("axis");
    } catch (dev.jeras.JerasException e) {
      throw c.unsupported("axis", "a list", "a single axis (an integer)");
    }
  }

  @Override
  public Map<String, Object> getConfig() {
    Map<String, Object> c = super.getConfig();
    c.put("axis", axis);
    c.put("momentum", momentum);
    c.put("epsilon", epsilon);
    c.put("center", center);
    c.put("scale", scale);
    c.put("beta_initializer", betaInitializer);
    c.put("gamma_initializer", gammaInitializer);
    c.put("moving_mean_initializer", movingMeanInitializer);
    c.put("moving_variance_initializer", movingVarianceInitializer);
    c.put("beta_regularizer", null);
    c.put("gamma_regularizer", null);
    c.put("beta_constraint", null);
    c.put("gamma_constraint", null);
    c.put("synchronized", false);
    c.put("renorm", false);
    c.put("renorm_clipping", null);
    c.put("renorm_momentum", 0.99);
    return c;
  }

  /**
   * @param c a Keras BatchNormalization config
   * @return the layer it describes
   */
  public static BatchNormalization fromConfig(LayerConfig c) {
    int axis = c.has("axis") ? axisOf(c) : -1;
    BatchNormalization l =
        new BatchNormalization()
            .axis(axis)
            .momentum(c.getDouble("momentum", 0.99))
            .epsilon(c.getDouble("epsilon", 1e-3))
            .center(c.getBoolean("center", true))
            .scale(c.getBoolean("scale", true))
            .initializers(
                c.getInitializer("beta_initializer", Initializer.zeros()),
                c.getInitializer("gamma_initializer", Initializer.ones()),
                c.getInitializer("moving_mean_initializer", Initializer.zeros()),
                c.getInitializer("moving_variance_initializer", Initializer.ones()));
    c.requireNull(
        "beta_regularizer",
        "gamma_regularizer",
        "beta_constraint",
        "gamma_constraint",
        "renorm_clipping");
    c.requireValue("synchronized", false);
    c.requireValue("renorm", false);
    c.ignore("renorm_momentum");
    c.finish();
    return l;
  }

  @Override
  public BatchNormalization named(String name) {
    super.named(name);
    return this;
  }

  @Override
  public BatchNormalization trainable(boolean trainable) {
    super.trainable(trainable);
    return this;
  }
}

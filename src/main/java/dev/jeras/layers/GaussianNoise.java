package dev.jeras.layers;

import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Adds zero-mean Gaussian noise during training: {@code y = x + N(0, stddev)}; the identity at
 * inference. The noise comes from a stateless random op seeded by the model seed and the step, as
 * {@link Dropout}'s masks.
 *
 * <p>Option: {@code stddev} (required), in [0, 1] as Keras checks it. Same shape in and out; no
 * weights.
 *
 * <pre>{@code
 * new GaussianNoise(0.1)
 * }</pre>
 */
public final class GaussianNoise extends Layer {
  private final double stddev;

  /**
   * @param stddev the noise's standard deviation, in [0, 1]
   */
  public GaussianNoise(double stddev) {
    if (!(stddev >= 0 && stddev <= 1)) {
      throw new IllegalArgumentException("stddev must be in [0, 1], got " + stddev);
    }
    this.stddev = stddev;
  }

  /**
   * @return the noise's standard deviation
   */
  public double stddev() {
    return stddev;
  }

  @Override
  public String className() {
    return "GaussianNoise";
  }

  @Override
  public TensorShape computeOutputShape(List<TensorShape> inputShapes) {
    return single(inputShapes);
  }

  @Override
  public Operand<TFloat32> call(CallContext ctx, List<Operand<TFloat32>> inputs) {
    Operand<TFloat32> x = inputs.get(0);
    if (!ctx.training() || stddev == 0) {
      return x;
    }
    return ctx.tf().math.add(x, noise(ctx, this, x, (float) stddev));
  }

  /**
   * Zero-mean Gaussian noise of x's shape, drawn statelessly from the layer's seed for this step,
   * outside the gradient.
   */
  static Operand<TFloat32> noise(CallContext ctx, Layer layer, Operand<TFloat32> x, float stddev) {
    Ops tf = ctx.tf();
    Operand<TFloat32> normal =
        tf.stopGradient(
            tf.random.statelessRandomNormal(tf.shape(x), ctx.randomSeed(layer), TFloat32.class));
    return tf.math.mul(normal, tf.constant(stddev));
  }

  @Override
  public Map<String, Object> getConfig() {
    Map<String, Object> c = super.getConfig();
    c.put("stddev", stddev);
    c.put("seed", null);
    return c;
  }

  /**
   * @param c a Keras GaussianNoise config
   * @return the layer it describes
   */
  public static GaussianNoise fromConfig(LayerConfig c) {
    double stddev = c.getDouble("stddev", -1);
    if (!(stddev >= 0 && stddev <= 1)) {
      throw c.unsupported("stddev", stddev, "a value in [0, 1]");
    }
    c.ignore("seed");
    c.finish();
    return new GaussianNoise(stddev);
  }

  @Override
  public GaussianNoise named(String name) {
    super.named(name);
    return this;
  }

  @Override
  public GaussianNoise trainable(boolean trainable) {
    super.trainable(trainable);
    return this;
  }
}

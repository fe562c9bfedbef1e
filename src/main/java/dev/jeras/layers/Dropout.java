package dev.jeras.layers;

import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Randomly zeroes a fraction {@code rate} of the inputs during training and scales the rest by 1 /
 * (1 - rate); the identity at inference (evaluate, predict, exported models).
 *
 * <p>The mask comes from a stateless random op seeded by the model seed and the training step, so a
 * seeded run is reproducible, and the mask is outside the gradient path. Same shape in and out; no
 * weights.
 *
 * <pre>{@code
 * new Dropout(0.5)
 * }</pre>
 */
public final class Dropout extends Layer {
  private final double rate;

  /**
   * @param rate the fraction of inputs to drop, in [0, 1)
   */
  public Dropout(double rate) {
    this.rate = Check.rate("rate", rate);
  }

  /**
   * @return the drop rate
   */
  public double rate() {
    return rate;
  }

  @Override
  public String className() {
    return "Dropout";
  }

  @Override
  public TensorShape computeOutputShape(List<TensorShape> inputShapes) {
    return single(inputShapes);
  }

  @Override
  public Operand<TFloat32> call(CallContext ctx, List<Operand<TFloat32>> inputs) {
    Operand<TFloat32> x = inputs.get(0);
    if (!ctx.training() || rate == 0) {
      return x;
    }
    Ops tf = ctx.tf();
    Operand<TFloat32> uniform =
        tf.stopGradient(
            tf.random.statelessRandomUniform(tf.shape(x), ctx.randomSeed(this), TFloat32.class));
    Operand<TFloat32> keep =
        tf.dtypes.cast(tf.math.greaterEqual(uniform, tf.constant((float) rate)), TFloat32.class);
    return tf.math.mul(x, tf.math.mul(keep, tf.constant((float) (1.0 / (1.0 - rate)))));
  }

  @Override
  public Map<String, Object> getConfig() {
    Map<String, Object> c = super.getConfig();
    c.put("rate", rate);
    c.put("seed", null);
    c.put("noise_shape", null);
    return c;
  }

  /**
   * @param c a Keras Dropout config
   * @return the layer it describes
   */
  public static Dropout fromConfig(LayerConfig c) {
    double rate = c.getDouble("rate", 0);
    if (!(rate >= 0 && rate < 1)) {
      throw c.unsupported("rate", rate, "a value in [0, 1)");
    }
    c.requireNull("noise_shape");
    c.ignore("seed");
    c.finish();
    return new Dropout(rate);
  }

  @Override
  public Dropout named(String name) {
    super.named(name);
    return this;
  }

  @Override
  public Dropout trainable(boolean trainable) {
    super.trainable(trainable);
    return this;
  }
}

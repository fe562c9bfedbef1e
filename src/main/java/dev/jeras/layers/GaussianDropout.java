package dev.jeras.layers;

import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Multiplicative Gaussian noise during training: {@code y = x * N(1, sqrt(rate / (1 - rate)))}; the
 * identity at inference. The noise comes from a stateless random op seeded by the model seed and
 * the step, as {@link Dropout}'s masks.
 *
 * <p>Option: {@code rate} (required), in [0, 1). Same shape in and out; no weights.
 *
 * <pre>{@code
 * new GaussianDropout(0.1)
 * }</pre>
 */
public final class GaussianDropout extends Layer {
  private final double rate;

  /**
   * @param rate the equivalent drop probability, in [0, 1)
   */
  public GaussianDropout(double rate) {
    this.rate = Check.rate("rate", rate);
  }

  /**
   * @return the equivalent drop probability
   */
  public double rate() {
    return rate;
  }

  @Override
  public String className() {
    return "GaussianDropout";
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
    float stddev = (float) Math.sqrt(rate / (1.0 - rate));
    Operand<TFloat32> factor =
        tf.math.add(GaussianNoise.noise(ctx, this, x, stddev), tf.constant(1f));
    return tf.math.mul(x, factor);
  }

  @Override
  public Map<String, Object> getConfig() {
    Map<String, Object> c = super.getConfig();
    c.put("rate", rate);
    c.put("seed", null);
    return c;
  }

  /**
   * @param c a Keras GaussianDropout config
   * @return the layer it describes
   */
  public static GaussianDropout fromConfig(LayerConfig c) {
    double rate = c.getDouble("rate", -1);
    if (!(rate >= 0 && rate < 1)) {
      throw c.unsupported("rate", rate, "a value in [0, 1)");
    }
    c.ignore("seed");
    c.finish();
    return new GaussianDropout(rate);
  }

  @Override
  public GaussianDropout named(String name) {
    super.named(name);
    return this;
  }

  @Override
  public GaussianDropout trainable(boolean trainable) {
    super.trainable(trainable);
    return this;
  }
}

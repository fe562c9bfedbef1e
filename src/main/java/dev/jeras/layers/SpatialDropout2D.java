package dev.jeras.layers;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * Dropout of whole feature maps: during training each channel of each sample is zeroed with
 * probability {@code rate} (the kept ones scaled by 1 / (1 - rate)); the identity at inference.
 * Masks come from stateless random ops seeded by the model seed and the step, as {@link Dropout}'s.
 *
 * <p>Input (batch, h, w, c); same shape out. No weights.
 *
 * <pre>{@code
 * new SpatialDropout2D(0.2)
 * }</pre>
 */
public final class SpatialDropout2D extends Layer {
  private final double rate;

  /**
   * @param rate the fraction of channels to drop, in [0, 1)
   */
  public SpatialDropout2D(double rate) {
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
    return "SpatialDropout2D";
  }

  @Override
  public TensorShape computeOutputShape(List<TensorShape> inputShapes) {
    TensorShape in = single(inputShapes);
    requireRank(in, 4, "(batch, height, width, channels)");
    return in;
  }

  @Override
  public Operand<TFloat32> call(CallContext ctx, List<Operand<TFloat32>> inputs) {
    Operand<TFloat32> x = inputs.get(0);
    if (!ctx.training() || rate == 0) {
      return x;
    }
    return Dropout.drop(ctx, this, x, rate, Arrays.asList(null, 1, 1, null));
  }

  /** Keras' config of this class has no {@code trainable} (its constructor does not take it). */
  @Override
  public Map<String, Object> getConfig() {
    Map<String, Object> c = super.getConfig();
    c.remove("trainable");
    c.put("rate", rate);
    c.put("seed", null);
    c.put("data_format", "channels_last");
    return c;
  }

  /**
   * @param c a Keras SpatialDropout2D config
   * @return the layer it describes
   */
  public static SpatialDropout2D fromConfig(LayerConfig c) {
    double rate = c.getDouble("rate", 0);
    if (!(rate >= 0 && rate < 1)) {
      throw c.unsupported("rate", rate, "a value in [0, 1)");
    }
    c.ignore("seed");
    c.requireValue("data_format", "channels_last");
    c.finish();
    return new SpatialDropout2D(rate);
  }

  @Override
  public SpatialDropout2D named(String name) {
    super.named(name);
    return this;
  }

  @Override
  public SpatialDropout2D trainable(boolean trainable) {
    super.trainable(trainable);
    return this;
  }
}

package dev.jeras.layers;

import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * Leaky rectifier layer: {@code y = x} for x &gt;= 0, {@code negative_slope * x} otherwise.
 *
 * <p>Option, with Keras' default: {@code negative_slope} 0.3 (&gt;= 0; Keras 2's {@code alpha} is
 * read as it). Same shape in and out; no weights.
 *
 * <pre>{@code
 * new LeakyReLU()          // slope 0.3
 * new LeakyReLU(0.1)
 * }</pre>
 */
public final class LeakyReLU extends Layer {
  private final double negativeSlope;

  /** Slope 0.3 (Keras' default). */
  public LeakyReLU() {
    this(0.3);
  }

  /**
   * @param negativeSlope the slope for x &lt; 0 (&gt;= 0)
   */
  public LeakyReLU(double negativeSlope) {
    this.negativeSlope = ReLU.nonNegative("negative_slope", negativeSlope);
  }

  /**
   * @return the slope for x &lt; 0
   */
  public double negativeSlope() {
    return negativeSlope;
  }

  @Override
  public String className() {
    return "LeakyReLU";
  }

  @Override
  public TensorShape computeOutputShape(List<TensorShape> inputShapes) {
    return single(inputShapes);
  }

  @Override
  public Operand<TFloat32> call(CallContext ctx, List<Operand<TFloat32>> inputs) {
    return ctx.backend().leakyRelu(ctx.tf(), inputs.get(0), (float) negativeSlope);
  }

  @Override
  public Map<String, Object> getConfig() {
    Map<String, Object> c = super.getConfig();
    c.put("negative_slope", negativeSlope);
    return c;
  }

  /**
   * @param c a Keras LeakyReLU config
   * @return the layer it describes
   */
  public static LeakyReLU fromConfig(LayerConfig c) {
    double slope = c.getDouble("negative_slope", c.getDouble("alpha", 0.3));
    c.finish();
    return new LeakyReLU(slope);
  }

  @Override
  public LeakyReLU named(String name) {
    super.named(name);
    return this;
  }

  @Override
  public LeakyReLU trainable(boolean trainable) {
    super.trainable(trainable);
    return this;
  }
}

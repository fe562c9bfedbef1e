package dev.jeras.layers;

import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * Keras' rectifier layer: {@code y = max_value} for x &gt;= max_value, x for threshold &lt;= x &lt;
 * max_value, {@code negative_slope * (x - threshold)} otherwise.
 *
 * <p>Options, with Keras' defaults: {@code max_value} none, {@code negative_slope} 0, {@code
 * threshold} 0 (each &gt;= 0). Same shape in and out; no weights.
 *
 * <pre>{@code
 * new ReLU()                       // max(x, 0)
 * new ReLU().maxValue(6)           // relu6, as MobileNet uses it
 * new ReLU().negativeSlope(0.1).threshold(0.5)
 * }</pre>
 */
public final class ReLU extends Layer {
  private Double maxValue;
  private double negativeSlope;
  private double threshold;

  /**
   * @return this layer, saturating at {@code maxValue} (&gt;= 0; default none)
   */
  public ReLU maxValue(double maxValue) {
    checkMutable();
    this.maxValue = nonNegative("max_value", maxValue);
    return this;
  }

  /**
   * @return this layer, with that slope below the threshold (&gt;= 0; default 0)
   */
  public ReLU negativeSlope(double negativeSlope) {
    checkMutable();
    this.negativeSlope = nonNegative("negative_slope", negativeSlope);
    return this;
  }

  /**
   * @return this layer, with that threshold (&gt;= 0; default 0)
   */
  public ReLU threshold(double threshold) {
    checkMutable();
    this.threshold = nonNegative("threshold", threshold);
    return this;
  }

  static double nonNegative(String option, double v) {
    if (!(v >= 0) || Double.isInfinite(v)) {
      throw new IllegalArgumentException(option + " must be a finite number >= 0, got " + v);
    }
    return v;
  }

  @Override
  public String className() {
    return "ReLU";
  }

  @Override
  public TensorShape computeOutputShape(List<TensorShape> inputShapes) {
    return single(inputShapes);
  }

  @Override
  public Operand<TFloat32> call(CallContext ctx, List<Operand<TFloat32>> inputs) {
    return ctx.backend()
        .relu(
            ctx.tf(),
            inputs.get(0),
            (float) negativeSlope,
            maxValue == null ? null : (float) (double) maxValue,
            (float) threshold);
  }

  @Override
  public Map<String, Object> getConfig() {
    Map<String, Object> c = super.getConfig();
    c.put("max_value", maxValue);
    c.put("negative_slope", negativeSlope);
    c.put("threshold", threshold);
    return c;
  }

  /**
   * @param c a Keras ReLU config
   * @return the layer it describes
   */
  public static ReLU fromConfig(LayerConfig c) {
    ReLU l = new ReLU();
    if (c.has("max_value")) {
      l.maxValue(c.getDouble("max_value", 0));
    } else {
      c.ignore("max_value");
    }
    l.negativeSlope(c.getDouble("negative_slope", 0));
    l.threshold(c.getDouble("threshold", 0));
    c.finish();
    return l;
  }

  @Override
  public ReLU named(String name) {
    super.named(name);
    return this;
  }

  @Override
  public ReLU trainable(boolean trainable) {
    super.trainable(trainable);
    return this;
  }
}

package dev.jeras.layers;

import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * Exponential linear unit layer: {@code y = x} for x &gt; 0, {@code alpha * (exp(x) - 1)}
 * otherwise.
 *
 * <p>Option, with Keras' default: {@code alpha} 1.0. Same shape in and out; no weights.
 *
 * <pre>{@code
 * new ELU()
 * new ELU(0.5)
 * }</pre>
 */
public final class ELU extends Layer {
  private final double alpha;

  /** Alpha 1 (Keras' default). */
  public ELU() {
    this(1.0);
  }

  /**
   * @param alpha the scale of the negative part
   */
  public ELU(double alpha) {
    if (!Double.isFinite(alpha)) {
      throw new IllegalArgumentException("alpha must be a finite number, got " + alpha);
    }
    this.alpha = alpha;
  }

  /**
   * @return the scale of the negative part
   */
  public double alpha() {
    return alpha;
  }

  @Override
  public String className() {
    return "ELU";
  }

  @Override
  public TensorShape computeOutputShape(List<TensorShape> inputShapes) {
    return single(inputShapes);
  }

  @Override
  public Operand<TFloat32> call(CallContext ctx, List<Operand<TFloat32>> inputs) {
    return ctx.backend().elu(ctx.tf(), inputs.get(0), (float) alpha);
  }

  @Override
  public Map<String, Object> getConfig() {
    Map<String, Object> c = super.getConfig();
    c.put("alpha", alpha);
    return c;
  }

  /**
   * @param c a Keras ELU config
   * @return the layer it describes
   */
  public static ELU fromConfig(LayerConfig c) {
    ELU l = new ELU(c.getDouble("alpha", 1.0));
    c.finish();
    return l;
  }

  @Override
  public ELU named(String name) {
    super.named(name);
    return this;
  }

  @Override
  public ELU trainable(boolean trainable) {
    super.trainable(trainable);
    return this;
  }
}

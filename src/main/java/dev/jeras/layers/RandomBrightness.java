package dev.jeras.layers;

import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Shifts the brightness of each image of a training batch: {@code y = clip(x + d, value_range)}, d
 * drawn uniformly from [lower, upper] times the value range's width (one d per image, all channels
 * alike); the identity at inference.
 *
 * <p>Options, with Keras' defaults: {@code factor} (required: f for [-f, f], or a pair, within [-1,
 * 1]), {@code value_range} (0, 255). Stateless draws from the model seed, the layer and the step;
 * Keras' {@code seed} is kept in the config, not used. Same shape in and out; no weights.
 *
 * <pre>{@code
 * new RandomBrightness(0.2)
 * new RandomBrightness(-0.1, 0.3).valueRange(0, 1)
 * }</pre>
 */
public final class RandomBrightness extends Layer {
  private final double[] factor;
  private double[] valueRange = {0, 255};
  private Long seed;

  /**
   * @param factor shifts in [-f, f] of the value range
   */
  public RandomBrightness(double factor) {
    this.factor = ImageLayers.factor("factor", new double[] {factor}, -1, 1, false, true);
  }

  /**
   * @param lower the smallest shift, a fraction of the value range
   * @param upper the largest
   */
  public RandomBrightness(double lower, double upper) {
    this.factor = ImageLayers.factor("factor", new double[] {lower, upper}, -1, 1, false, true);
  }

  /**
   * @return this layer, for values in [low, high] (default [0, 255]; sorted as Keras does)
   */
  public RandomBrightness valueRange(double low, double high) {
    checkMutable();
    this.valueRange = new double[] {Math.min(low, high), Math.max(low, high)};
    return this;
  }

  @Override
  public String className() {
    return "RandomBrightness";
  }

  @Override
  public TensorShape computeOutputShape(List<TensorShape> inputShapes) {
    return ImageLayers.images(this, inputShapes);
  }

  @Override
  public Operand<TFloat32> call(CallContext ctx, List<Operand<TFloat32>> inputs) {
    Operand<TFloat32> x = inputs.get(0);
    if (!ctx.training()) {
      return x;
    }
    Ops tf = ctx.tf();
    Operand<TFloat32> u = ImageLayers.uniform(ctx, this, ImageLayers.batchShape(tf, x, 1, 1, 1));
    Operand<TFloat32> delta =
        tf.math.mul(
            ImageLayers.between(tf, u, factor[0], factor[1]),
            tf.constant((float) (valueRange[1] - valueRange[0])));
    return tf.clipByValue(
        tf.math.add(x, delta),
        tf.constant((float) valueRange[0]),
        tf.constant((float) valueRange[1]));
  }

  @Override
  public Map<String, Object> getConfig() {
    Map<String, Object> c = super.getConfig();
    c.put("data_format", "channels_last");
    c.put("factor", List.of(factor[0], factor[1]));
    c.put("value_range", List.of(valueRange[0], valueRange[1]));
    c.put("seed", seed);
    return c;
  }

  /** Reads {@code value_range}: two numbers, default (0, 255). */
  static double[] valueRange(LayerConfig c) {
    LayerConfig.Numbers n = c.getNumbers("value_range");
    if (n == null) {
      return new double[] {0, 255};
    }
    if (n.shape().length != 1 || n.values().length != 2) {
      throw c.unsupported(
          "value_range", java.util.Arrays.toString(n.values()), "a list of two numbers");
    }
    return n.values();
  }

  /**
   * @param c a Keras RandomBrightness config
   * @return the layer it describes
   */
  public static RandomBrightness fromConfig(LayerConfig c) {
    double[] f = ImageLayers.factorValues(c, "factor");
    if (f == null) {
      throw c.unsupported("factor", null, "a number or two numbers");
    }
    RandomBrightness l =
        f.length == 1 ? new RandomBrightness(f[0]) : new RandomBrightness(f[0], f[1]);
    double[] range = valueRange(c);
    l.valueRange(range[0], range[1]);
    l.seed = ImageLayers.seed(c);
    c.requireValue("data_format", "channels_last");
    c.finish();
    return l;
  }

  @Override
  public RandomBrightness named(String name) {
    super.named(name);
    return this;
  }

  @Override
  public RandomBrightness trainable(boolean trainable) {
    super.trainable(trainable);
    return this;
  }
}

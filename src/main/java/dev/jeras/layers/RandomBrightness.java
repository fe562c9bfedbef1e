package dev.jeras.layers;

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
public final class RandomBrightness extends ImageAugmentation<RandomBrightness> {
  private final double[] factor;
  private double[] valueRange = {0, 255};

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
  protected Operand<TFloat32> augment(CallContext ctx, Operand<TFloat32> x) {
    Ops tf = ctx.tf();
    Operand<TFloat32> u = drawPerImage(ctx, x, 1, 1, 1);
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
    return factorAndRangeConfig(factor, valueRange);
  }

  /**
   * @param c a Keras RandomBrightness config
   * @return the layer it describes
   */
  public static RandomBrightness fromConfig(LayerConfig c) {
    double[] f = ImageLayers.requiredFactor(c, "factor");
    RandomBrightness l =
        f.length == 1 ? new RandomBrightness(f[0]) : new RandomBrightness(f[0], f[1]);
    double[] range = ImageLayers.valueRange(c);
    l.valueRange(range[0], range[1]);
    return l.finishConfig(c);
  }
}

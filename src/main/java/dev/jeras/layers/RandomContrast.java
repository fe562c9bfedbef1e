package dev.jeras.layers;

import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.math.Mean;
import org.tensorflow.types.TFloat32;

/**
 * Scales the contrast of each image of a training batch: {@code y = clip((x - mean) * f + mean,
 * value_range)}, mean per image and channel over height and width, f drawn uniformly from [1 -
 * lower, 1 + upper]; the identity at inference. As Keras 3.15 reads the factor, one number f gives
 * [0, f], so f = 0.2 draws f in [1, 1.2]; a pair (a, b) gives [1 - a, 1 + b].
 *
 * <p>Options, with Keras' defaults: {@code factor} (required: a number or a pair in [0, 1]), {@code
 * value_range} (0, 255). Stateless draws from the model seed, the layer and the step; Keras' {@code
 * seed} is kept in the config, not used. Same shape in and out; no weights.
 *
 * <pre>{@code
 * new RandomContrast(0.2)
 * new RandomContrast(0.1, 0.3).valueRange(0, 1)
 * }</pre>
 */
public final class RandomContrast extends ImageAugmentation<RandomContrast> {
  private final double[] factor;
  private double[] valueRange = {0, 255};

  /**
   * @param factor one number f (contrast factors in [1, 1 + f])
   */
  public RandomContrast(double factor) {
    this.factor = ImageLayers.factor("factor", new double[] {factor}, 0, 1, false, true);
  }

  /**
   * @param lower contrast factors from 1 - lower
   * @param upper to 1 + upper
   */
  public RandomContrast(double lower, double upper) {
    this.factor = ImageLayers.factor("factor", new double[] {lower, upper}, 0, 1, false, true);
  }

  /**
   * @return this layer, clipping to [low, high] (default [0, 255])
   */
  public RandomContrast valueRange(double low, double high) {
    checkMutable();
    this.valueRange = new double[] {low, high};
    return this;
  }

  @Override
  public String className() {
    return "RandomContrast";
  }

  @Override
  protected Operand<TFloat32> augment(CallContext ctx, Operand<TFloat32> x) {
    Ops tf = ctx.tf();
    Operand<TFloat32> u = drawPerImage(ctx, x, 1, 1, 1);
    Operand<TFloat32> f = ImageLayers.between(tf, u, 1.0 - factor[0], 1.0 + factor[1]);
    // the mean over height, then over width, as Keras takes it
    Operand<TFloat32> mean =
        tf.math.mean(
            tf.math.mean(x, tf.constant(1), Mean.keepDims(true)),
            tf.constant(2),
            Mean.keepDims(true));
    Operand<TFloat32> y = tf.math.add(tf.math.mul(tf.math.sub(x, mean), f), mean);
    return tf.clipByValue(
        y, tf.constant((float) valueRange[0]), tf.constant((float) valueRange[1]));
  }

  @Override
  public Map<String, Object> getConfig() {
    return factorAndRangeConfig(factor, valueRange);
  }

  /**
   * @param c a Keras RandomContrast config
   * @return the layer it describes
   */
  public static RandomContrast fromConfig(LayerConfig c) {
    double[] f = ImageLayers.requiredFactor(c, "factor");
    RandomContrast l = f.length == 1 ? new RandomContrast(f[0]) : new RandomContrast(f[0], f[1]);
    double[] range = ImageLayers.valueRange(c);
    l.valueRange(range[0], range[1]);
    return l.finishConfig(c);
  }
}

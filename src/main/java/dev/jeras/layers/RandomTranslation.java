package dev.jeras.layers;

import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Shifts each image of a training batch by a fraction of its height and width drawn uniformly from
 * the factors' ranges (positive: down and right); the identity at inference. Pixels that come from
 * outside the image are filled as {@code fill_mode} says.
 *
 * <p>Options, with Keras' defaults: {@code height_factor} and {@code width_factor} (required: f for
 * [-f, f], or a pair, within [-1, 1]), {@code fill_mode} "reflect", {@code interpolation}
 * "bilinear", {@code fill_value} 0. Stateless draws from the model seed, the layer and the step;
 * Keras' {@code seed} is kept in the config, not used. Same shape in and out; no weights. Training
 * through it needs it before every trainable layer: TensorFlow has no gradient for its transform.
 *
 * <pre>{@code
 * new RandomTranslation(0.1, 0.1)
 * new RandomTranslation(new double[] {-0.2, 0}, new double[] {0, 0.2}).fillMode("constant")
 * }</pre>
 */
public final class RandomTranslation extends AffineAugmentation<RandomTranslation> {
  private final Object heightGiven;
  private final Object widthGiven;
  private final double[] height;
  private final double[] width;

  /**
   * @param heightFactor vertical shifts in [-f, f] of the height
   * @param widthFactor horizontal shifts in [-f, f] of the width
   */
  public RandomTranslation(double heightFactor, double widthFactor) {
    this(new double[] {heightFactor}, new double[] {widthFactor});
  }

  /**
   * @param heightFactor one number f for [-f, f], or the range's two ends, fractions of the height
   * @param widthFactor the same for the width
   */
  public RandomTranslation(double[] heightFactor, double[] widthFactor) {
    this.height = ImageLayers.factor("height_factor", heightFactor, -1, 1, false, false);
    this.width = ImageLayers.factor("width_factor", widthFactor, -1, 1, false, false);
    this.heightGiven = given(heightFactor);
    this.widthGiven = given(widthFactor);
  }

  private static Object given(double[] f) {
    return f.length == 1 ? (Object) f[0] : List.of(f[0], f[1]);
  }

  @Override
  public String className() {
    return "RandomTranslation";
  }

  @Override
  protected Operand<TFloat32> rows(CallContext ctx, Operand<TFloat32> x) {
    Ops tf = ctx.tf();
    long[] dims = x.shape().asArray();
    Operand<TFloat32> u = drawPerImage(ctx, x, 2);
    Operand<TFloat32> dy =
        tf.math.mul(
            ImageLayers.between(tf, ImageLayers.column(tf, u, 0), height[0], height[1]),
            tf.constant((float) dims[1]));
    Operand<TFloat32> dx =
        tf.math.mul(
            ImageLayers.between(tf, ImageLayers.column(tf, u, 1), width[0], width[1]),
            tf.constant((float) dims[2]));
    Operand<TFloat32> one = tf.onesLike(dx);
    Operand<TFloat32> zero = tf.zerosLike(dx);
    return ImageLayers.rows(tf, List.of(one, zero, tf.math.neg(dx), zero, one, tf.math.neg(dy)));
  }

  @Override
  public Map<String, Object> getConfig() {
    return heightWidthConfig(heightGiven, widthGiven);
  }

  /**
   * @param c a Keras RandomTranslation config
   * @return the layer it describes
   */
  public static RandomTranslation fromConfig(LayerConfig c) {
    double[] h = ImageLayers.requiredFactor(c, "height_factor");
    double[] w = ImageLayers.requiredFactor(c, "width_factor");
    RandomTranslation l = new RandomTranslation(h, w);
    return l.finishAffineConfig(c);
  }
}

package dev.jeras.layers;

import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Zooms each image of a training batch about its centre; the identity at inference. The output
 * samples the input at a scale drawn uniformly from [1 + lower, 1 + upper] per image, so a positive
 * factor zooms out (the image shrinks, the border is filled) and a negative one zooms in, as in
 * Keras.
 *
 * <p>Options, with Keras' defaults: {@code height_factor} (required: f for [-f, f], or a pair,
 * within (-1, 1]), {@code width_factor} none (then the width scales as the height, keeping the
 * aspect ratio), {@code fill_mode} "reflect", {@code interpolation} "bilinear", {@code fill_value}
 * 0. Stateless draws from the model seed, the layer and the step; Keras' {@code seed} is kept in
 * the config, not used. Same shape in and out; no weights. Training through it needs it before
 * every trainable layer: TensorFlow has no gradient for its transform.
 *
 * <pre>{@code
 * new RandomZoom(0.2)
 * new RandomZoom(-0.3, -0.1).widthFactor(-0.2, 0.2)
 * }</pre>
 */
public final class RandomZoom extends AffineAugmentation<RandomZoom> {
  private final Object heightGiven;
  private final double[] height;
  private Object widthGiven;
  private double[] width;

  /**
   * @param heightFactor scales in [1 - f, 1 + f]
   */
  public RandomZoom(double heightFactor) {
    this.heightGiven = heightFactor;
    this.height = zoomFactor("height_factor", heightFactor);
  }

  /**
   * @param lower the height's smallest scale minus 1
   * @param upper the height's largest scale minus 1
   */
  public RandomZoom(double lower, double upper) {
    this.heightGiven = List.of(lower, upper);
    this.height = zoomFactor("height_factor", lower, upper);
  }

  private static double[] zoomFactor(String option, double... values) {
    return ImageLayers.factor(option, values, -1, 1, true, false);
  }

  /**
   * @return this layer, scaling the width independently by [1 - f, 1 + f]
   */
  public RandomZoom widthFactor(double factor) {
    checkMutable();
    width = zoomFactor("width_factor", factor);
    widthGiven = factor;
    return this;
  }

  /**
   * @return this layer, scaling the width independently by [1 + lower, 1 + upper]
   */
  public RandomZoom widthFactor(double lower, double upper) {
    checkMutable();
    width = zoomFactor("width_factor", lower, upper);
    widthGiven = List.of(lower, upper);
    return this;
  }

  @Override
  public String className() {
    return "RandomZoom";
  }

  @Override
  protected Operand<TFloat32> rows(CallContext ctx, Operand<TFloat32> x) {
    Ops tf = ctx.tf();
    long[] dims = x.shape().asArray();
    Operand<TFloat32> u = drawPerImage(ctx, x, 2);
    Operand<TFloat32> zy =
        ImageLayers.between(tf, ImageLayers.column(tf, u, 0), 1 + height[0], 1 + height[1]);
    Operand<TFloat32> zx =
        width == null
            ? zy
            : ImageLayers.between(tf, ImageLayers.column(tf, u, 1), 1 + width[0], 1 + width[1]);
    Operand<TFloat32> one = tf.constant(1f);
    Operand<TFloat32> xOffset =
        tf.math.mul(tf.constant((float) ((dims[2] - 1.0) / 2.0)), tf.math.sub(one, zx));
    Operand<TFloat32> yOffset =
        tf.math.mul(tf.constant((float) ((dims[1] - 1.0) / 2.0)), tf.math.sub(one, zy));
    Operand<TFloat32> zero = tf.zerosLike(zx);
    return ImageLayers.rows(tf, List.of(zx, zero, xOffset, zero, zy, yOffset));
  }

  @Override
  public Map<String, Object> getConfig() {
    return heightWidthConfig(heightGiven, widthGiven);
  }

  /**
   * @param c a Keras RandomZoom config
   * @return the layer it describes
   */
  public static RandomZoom fromConfig(LayerConfig c) {
    double[] h = ImageLayers.requiredFactor(c, "height_factor");
    RandomZoom l = h.length == 1 ? new RandomZoom(h[0]) : new RandomZoom(h[0], h[1]);
    double[] w = ImageLayers.factorValues(c, "width_factor");
    if (w != null && w.length == 1) {
      l.widthFactor(w[0]);
    } else if (w != null) {
      l.widthFactor(w[0], w[1]);
    }
    return l.finishAffineConfig(c);
  }
}

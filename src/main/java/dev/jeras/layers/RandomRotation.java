package dev.jeras.layers;

import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Rotates each image of a training batch about its centre by an angle drawn uniformly from [lower,
 * upper] full turns (a factor of 0.1 means up to 36 degrees either way); the identity at inference.
 * Pixels that come from outside the image are filled as {@code fill_mode} says.
 *
 * <p>Options, with Keras' defaults: {@code factor} (required: f for [-f, f], or a pair, within [-1,
 * 1]), {@code fill_mode} "reflect" (also wrap, constant, nearest), {@code interpolation} "bilinear"
 * (also nearest), {@code fill_value} 0 (with constant). Stateless draws from the model seed, the
 * layer and the step; Keras' {@code seed} is kept in the config, not used. Same shape in and out
 * (batch, h, w, c); no weights. Training through it needs it before every trainable layer:
 * TensorFlow has no gradient for its transform.
 *
 * <pre>{@code
 * new RandomRotation(0.1)
 * new RandomRotation(-0.05, 0.05).fillMode("constant")
 * }</pre>
 */
public final class RandomRotation extends AffineAugmentation<RandomRotation> {
  private final double[] factor;

  /**
   * @param factor rotations in [-factor, factor] turns
   */
  public RandomRotation(double factor) {
    this.factor = ImageLayers.factor("factor", new double[] {factor}, -1, 1, false, true);
  }

  /**
   * @param lower the smallest rotation, in turns
   * @param upper the largest
   */
  public RandomRotation(double lower, double upper) {
    this.factor = ImageLayers.factor("factor", new double[] {lower, upper}, -1, 1, false, true);
  }

  @Override
  public String className() {
    return "RandomRotation";
  }

  @Override
  protected Operand<TFloat32> rows(CallContext ctx, Operand<TFloat32> x) {
    Ops tf = ctx.tf();
    long[] dims = x.shape().asArray();
    Operand<TFloat32> u = drawPerImage(ctx, x, 1);
    Operand<TFloat32> degrees = ImageLayers.between(tf, u, factor[0] * 360.0, factor[1] * 360.0);
    Operand<TFloat32> angle = tf.math.mul(degrees, tf.constant((float) (Math.PI / 180.0)));
    Operand<TFloat32> cos = tf.math.cos(angle);
    Operand<TFloat32> sin = tf.math.sin(angle);
    // about the centre ((w - 1) / 2, (h - 1) / 2), in Keras' order of float operations
    Operand<TFloat32> cx = tf.constant((float) (0.5 * (dims[2] - 1)));
    Operand<TFloat32> cy = tf.constant((float) (0.5 * (dims[1] - 1)));
    Operand<TFloat32> minusSin = tf.math.neg(sin);
    Operand<TFloat32> a2 =
        tf.math.sub(tf.math.sub(cx, tf.math.mul(cx, cos)), tf.math.mul(cy, minusSin));
    Operand<TFloat32> b2 = tf.math.sub(tf.math.sub(cy, tf.math.mul(cx, sin)), tf.math.mul(cy, cos));
    return ImageLayers.rows(tf, List.of(cos, minusSin, a2, sin, cos, b2));
  }

  @Override
  public Map<String, Object> getConfig() {
    return config(
        "factor",
        List.of(factor[0], factor[1]),
        "fill_mode",
        fillMode,
        "fill_value",
        fillValue,
        "interpolation",
        interpolation,
        "seed",
        seed());
  }

  /**
   * @param c a Keras RandomRotation config
   * @return the layer it describes
   */
  public static RandomRotation fromConfig(LayerConfig c) {
    double[] f = ImageLayers.requiredFactor(c, "factor");
    RandomRotation l = f.length == 1 ? new RandomRotation(f[0]) : new RandomRotation(f[0], f[1]);
    return l.finishAffineConfig(c);
  }
}

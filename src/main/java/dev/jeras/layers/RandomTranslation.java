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
public final class RandomTranslation extends Layer {
  private final Object heightGiven;
  private final Object widthGiven;
  private final double[] height;
  private final double[] width;
  private String fillMode = "reflect";
  private String interpolation = "bilinear";
  private double fillValue;
  private Long seed;

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

  /**
   * @return this layer, filling as reflect, wrap, constant or nearest (default reflect)
   */
  public RandomTranslation fillMode(String fillMode) {
    checkMutable();
    this.fillMode = ImageLayers.oneOf(fillMode, ImageLayers.FILL_MODES, "fill_mode");
    return this;
  }

  /**
   * @return this layer, sampling bilinear or nearest (default bilinear)
   */
  public RandomTranslation interpolation(String interpolation) {
    checkMutable();
    this.interpolation =
        ImageLayers.oneOf(interpolation, ImageLayers.AFFINE_INTERPOLATIONS, "interpolation");
    return this;
  }

  /**
   * @return this layer, with that fill value for constant (default 0)
   */
  public RandomTranslation fillValue(double fillValue) {
    checkMutable();
    this.fillValue = fillValue;
    return this;
  }

  @Override
  public String className() {
    return "RandomTranslation";
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
    long[] dims = x.shape().asArray();
    Operand<TFloat32> u = ImageLayers.uniform(ctx, this, ImageLayers.batchShape(tf, x, 2));
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
    Operand<TFloat32> rows =
        ImageLayers.rows(tf, List.of(one, zero, tf.math.neg(dx), zero, one, tf.math.neg(dy)));
    return ImageLayers.transform(ctx, x, rows, interpolation, fillMode, fillValue);
  }

  @Override
  public Map<String, Object> getConfig() {
    Map<String, Object> c = super.getConfig();
    c.put("data_format", "channels_last");
    c.put("height_factor", heightGiven);
    c.put("width_factor", widthGiven);
    c.put("fill_mode", fillMode);
    c.put("interpolation", interpolation);
    c.put("seed", seed);
    c.put("fill_value", fillValue);
    return c;
  }

  /**
   * @param c a Keras RandomTranslation config
   * @return the layer it describes
   */
  public static RandomTranslation fromConfig(LayerConfig c) {
    double[] h = ImageLayers.factorValues(c, "height_factor");
    double[] w = ImageLayers.factorValues(c, "width_factor");
    if (h == null || w == null) {
      throw c.unsupported(
          h == null ? "height_factor" : "width_factor", null, "a number or two numbers");
    }
    RandomTranslation l = new RandomTranslation(h, w);
    l.fillMode(c.getString("fill_mode", "reflect"))
        .interpolation(c.getString("interpolation", "bilinear"))
        .fillValue(c.getDouble("fill_value", 0));
    l.seed = ImageLayers.seed(c);
    c.requireValue("data_format", "channels_last");
    c.finish();
    return l;
  }

  @Override
  public RandomTranslation named(String name) {
    super.named(name);
    return this;
  }

  @Override
  public RandomTranslation trainable(boolean trainable) {
    super.trainable(trainable);
    return this;
  }
}

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
public final class RandomZoom extends Layer {
  private final Object heightGiven;
  private final double[] height;
  private Object widthGiven;
  private double[] width;
  private String fillMode = "reflect";
  private String interpolation = "bilinear";
  private double fillValue;
  private Long seed;

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

  /**
   * @return this layer, filling as reflect, wrap, constant or nearest (default reflect)
   */
  public RandomZoom fillMode(String fillMode) {
    checkMutable();
    this.fillMode = ImageLayers.oneOf(fillMode, ImageLayers.FILL_MODES, "fill_mode");
    return this;
  }

  /**
   * @return this layer, sampling bilinear or nearest (default bilinear)
   */
  public RandomZoom interpolation(String interpolation) {
    checkMutable();
    this.interpolation =
        ImageLayers.oneOf(interpolation, ImageLayers.AFFINE_INTERPOLATIONS, "interpolation");
    return this;
  }

  /**
   * @return this layer, with that fill value for constant (default 0)
   */
  public RandomZoom fillValue(double fillValue) {
    checkMutable();
    this.fillValue = fillValue;
    return this;
  }

  @Override
  public String className() {
    return "RandomZoom";
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
    Operand<TFloat32> rows = ImageLayers.rows(tf, List.of(zx, zero, xOffset, zero, zy, yOffset));
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
   * @param c a Keras RandomZoom config
   * @return the layer it describes
   */
  public static RandomZoom fromConfig(LayerConfig c) {
    double[] h = ImageLayers.factorValues(c, "height_factor");
    if (h == null) {
      throw c.unsupported("height_factor", null, "a number or two numbers");
    }
    RandomZoom l = h.length == 1 ? new RandomZoom(h[0]) : new RandomZoom(h[0], h[1]);
    double[] w = ImageLayers.factorValues(c, "width_factor");
    if (w != null && w.length == 1) {
      l.widthFactor(w[0]);
    } else if (w != null) {
      l.widthFactor(w[0], w[1]);
    }
    l.fillMode(c.getString("fill_mode", "reflect"))
        .interpolation(c.getString("interpolation", "bilinear"))
        .fillValue(c.getDouble("fill_value", 0));
    l.seed = ImageLayers.seed(c);
    c.requireValue("data_format", "channels_last");
    c.finish();
    return l;
  }

  @Override
  public RandomZoom named(String name) {
    super.named(name);
    return this;
  }

  @Override
  public RandomZoom trainable(boolean trainable) {
    super.trainable(trainable);
    return this;
  }
}

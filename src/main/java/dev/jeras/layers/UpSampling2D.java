package dev.jeras.layers;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Enlarges NHWC images by whole factors: {@code nearest} repeats each row and column (Keras' {@code
 * repeat}), {@code bilinear} interpolates as {@code tf.image.resize} does (half-pixel centers, no
 * antialiasing).
 *
 * <p>Options, with Keras' defaults: {@code size} (2, 2), {@code interpolation} "nearest" (or
 * "bilinear"; Keras' bicubic, lanczos and area are refused).
 *
 * <p>Input (batch, h, w, c); output (batch, h * size_h, w * size_w, c). No weights.
 *
 * <pre>{@code
 * new UpSampling2D()
 * new UpSampling2D(2, 2).interpolation("bilinear")
 * }</pre>
 */
public final class UpSampling2D extends Layer {
  private final int[] size;
  private String interpolation = "nearest";

  /** Doubles height and width. */
  public UpSampling2D() {
    this(2, 2);
  }

  /**
   * @param height the factor along the height
   * @param width the factor along the width
   */
  public UpSampling2D(int height, int width) {
    size = Check.positivePair("size", height, width);
  }

  /**
   * @return this layer, with "nearest" (default) or "bilinear" interpolation
   */
  public UpSampling2D interpolation(String interpolation) {
    checkMutable();
    String i = interpolation == null ? "" : interpolation.toLowerCase(Locale.ROOT);
    if (!i.equals("nearest") && !i.equals("bilinear")) {
      throw new IllegalArgumentException(
          "interpolation must be 'nearest' or 'bilinear', got '" + interpolation + "'");
    }
    this.interpolation = i;
    return this;
  }

  @Override
  public String className() {
    return "UpSampling2D";
  }

  @Override
  public TensorShape computeOutputShape(List<TensorShape> inputShapes) {
    TensorShape in = single(inputShapes);
    requireRank(in, 4, "(batch, height, width, channels)");
    if (in.dim(1) < 0 || in.dim(2) < 0 || in.dim(3) < 0) {
      throw new IllegalArgumentException(
          describe() + ": height, width and channels must be known, got " + in);
    }
    return TensorShape.of(in.dim(0), in.dim(1) * size[0], in.dim(2) * size[1], in.dim(3));
  }

  @Override
  public Operand<TFloat32> call(CallContext ctx, List<Operand<TFloat32>> inputs) {
    Ops tf = ctx.tf();
    Operand<TFloat32> x = inputs.get(0);
    long[] d = x.shape().asArray();
    int h = (int) d[1];
    int w = (int) d[2];
    int c = (int) d[3];
    if (interpolation.equals("bilinear")) {
      return ctx.backend().resize(tf, x, h * size[0], w * size[1], "bilinear", false);
    }
    // nearest: every value repeated size_h x size_w times, as Keras' repeat along both axes
    Operand<TFloat32> spread = tf.reshape(x, tf.constant(new int[] {-1, h, 1, w, 1, c}));
    Operand<TFloat32> tiled =
        tf.tile(spread, tf.constant(new int[] {1, 1, size[0], 1, size[1], 1}));
    return tf.reshape(tiled, tf.constant(new int[] {-1, h * size[0], w * size[1], c}));
  }

  @Override
  public Map<String, Object> getConfig() {
    Map<String, Object> c = super.getConfig();
    c.put("size", List.of(size[0], size[1]));
    c.put("data_format", "channels_last");
    c.put("interpolation", interpolation);
    return c;
  }

  /**
   * @param c a Keras UpSampling2D config
   * @return the layer it describes
   */
  public static UpSampling2D fromConfig(LayerConfig c) {
    int[] s = c.getPair("size", new int[] {2, 2});
    UpSampling2D l = new UpSampling2D(s[0], s[1]);
    String i = c.getString("interpolation", "nearest");
    if (!i.equalsIgnoreCase("nearest") && !i.equalsIgnoreCase("bilinear")) {
      throw c.unsupported("interpolation", i, "nearest, bilinear");
    }
    l.interpolation(i);
    c.requireValue("data_format", "channels_last");
    c.finish();
    return l;
  }

  @Override
  public UpSampling2D named(String name) {
    super.named(name);
    return this;
  }

  @Override
  public UpSampling2D trainable(boolean trainable) {
    super.trainable(trainable);
    return this;
  }
}

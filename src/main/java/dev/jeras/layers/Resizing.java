package dev.jeras.layers;

import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Resizes a batch of images to (height, width), in training and inference alike, as Keras'
 * preprocessing layer (TensorFlow's {@code tf.image.resize}, half-pixel centres). With {@code
 * crop_to_aspect_ratio} the largest centred window of the target aspect ratio is resized (no
 * distortion); with {@code pad_to_aspect_ratio} the image is first padded evenly with {@code
 * fill_value} to the target aspect ratio.
 *
 * <p>Options, with Keras' defaults: {@code height}, {@code width} (required), {@code interpolation}
 * "bilinear" (also nearest, bicubic, area, lanczos3, lanczos5), {@code crop_to_aspect_ratio} false,
 * {@code pad_to_aspect_ratio} false, {@code fill_mode} "constant" (the only one), {@code
 * fill_value} 0, {@code antialias} false. Input (batch, h, w, c); output (batch, height, width, c).
 *
 * <pre>{@code
 * new Resizing(224, 224)
 * new Resizing(160, 160).interpolation("nearest").cropToAspectRatio(true)
 * }</pre>
 */
public final class Resizing extends Layer {
  private static final List<String> INTERPOLATIONS =
      List.of("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic", "area");

  private final int height;
  private final int width;
  private String interpolation = "bilinear";
  private boolean cropToAspectRatio;
  private boolean padToAspectRatio;
  private double fillValue;
  private boolean antialias;

  /**
   * @param height the output height
   * @param width the output width
   */
  public Resizing(int height, int width) {
    this.height = Check.positive("height", height);
    this.width = Check.positive("width", width);
  }

  /**
   * @return this layer, with that interpolation (default bilinear)
   */
  public Resizing interpolation(String interpolation) {
    checkMutable();
    this.interpolation = ImageLayers.oneOf(interpolation, INTERPOLATIONS, "interpolation");
    return this;
  }

  /**
   * @return this layer, resizing the largest centred window of the target aspect ratio
   */
  public Resizing cropToAspectRatio(boolean crop) {
    checkMutable();
    this.cropToAspectRatio = crop;
    return this;
  }

  /**
   * @return this layer, padding to the target aspect ratio before resizing
   */
  public Resizing padToAspectRatio(boolean pad) {
    checkMutable();
    this.padToAspectRatio = pad;
    return this;
  }

  /**
   * @return this layer, with that padding value (default 0)
   */
  public Resizing fillValue(double fillValue) {
    checkMutable();
    this.fillValue = fillValue;
    return this;
  }

  /**
   * @return this layer, with or without an anti-aliasing filter when downsampling
   */
  public Resizing antialias(boolean antialias) {
    checkMutable();
    this.antialias = antialias;
    return this;
  }

  @Override
  public String className() {
    return "Resizing";
  }

  @Override
  public TensorShape computeOutputShape(List<TensorShape> inputShapes) {
    TensorShape in = ImageLayers.images(this, inputShapes);
    if (cropToAspectRatio && padToAspectRatio) {
      throw new IllegalArgumentException(
          describe() + ": crop_to_aspect_ratio and pad_to_aspect_ratio cannot both be true");
    }
    return TensorShape.of(in.dim(0), height, width, in.dim(3));
  }

  @Override
  public Operand<TFloat32> call(CallContext ctx, List<Operand<TFloat32>> inputs) {
    return resize(
        ctx,
        inputs.get(0),
        height,
        width,
        interpolation,
        antialias,
        cropToAspectRatio,
        padToAspectRatio,
        fillValue);
  }

  /** Keras' {@code image.resize} with its aspect-ratio options (the TensorFlow backend's). */
  static Operand<TFloat32> resize(
      CallContext ctx,
      Operand<TFloat32> x,
      int height,
      int width,
      String interpolation,
      boolean antialias,
      boolean cropToAspect,
      boolean padToAspect,
      double fillValue) {
    Ops tf = ctx.tf();
    long[] dims = x.shape().asArray();
    Operand<TFloat32> v = x;
    if (cropToAspect) {
      long[] win = ImageLayers.aspectWindow(dims[1], dims[2], height, width);
      v = ImageLayers.crop(tf, v, win[2], win[3], win[0], win[1]);
    } else if (padToAspect) {
      long padHeight = Math.max(dims[1], (long) ((double) (dims[2] * height) / width));
      long padWidth = Math.max(dims[2], (long) ((double) (dims[1] * width) / height));
      long top = (padHeight - dims[1]) / 2;
      long left = (padWidth - dims[2]) / 2;
      if (top > 0 || left > 0) {
        // Keras pads `top` rows (or `left` columns) on both sides
        v =
            tf.pad(
                v,
                tf.constant(new long[][] {{0, 0}, {top, top}, {left, left}, {0, 0}}),
                tf.constant((float) fillValue));
      }
    }
    return ctx.backend().resize(tf, v, height, width, interpolation, antialias);
  }

  @Override
  public Map<String, Object> getConfig() {
    Map<String, Object> c = super.getConfig();
    c.put("data_format", "channels_last");
    c.put("height", height);
    c.put("width", width);
    c.put("interpolation", interpolation);
    c.put("crop_to_aspect_ratio", cropToAspectRatio);
    c.put("pad_to_aspect_ratio", padToAspectRatio);
    c.put("fill_mode", "constant");
    c.put("fill_value", fillValue);
    c.put("antialias", antialias);
    return c;
  }

  /**
   * @param c a Keras Resizing config
   * @return the layer it describes
   */
  public static Resizing fromConfig(LayerConfig c) {
    Resizing l = new Resizing(c.getInt("height"), c.getInt("width"));
    String interpolation = c.getString("interpolation", "bilinear");
    if (!INTERPOLATIONS.contains(interpolation)) {
      throw c.unsupported("interpolation", interpolation, String.join(", ", INTERPOLATIONS));
    }
    l.interpolation(interpolation)
        .cropToAspectRatio(c.getBoolean("crop_to_aspect_ratio", false))
        .padToAspectRatio(c.getBoolean("pad_to_aspect_ratio", false))
        .fillValue(c.getDouble("fill_value", 0))
        .antialias(c.getBoolean("antialias", false));
    c.requireValue("fill_mode", "constant");
    c.requireValue("data_format", "channels_last");
    c.finish();
    return l;
  }

  @Override
  public Resizing named(String name) {
    super.named(name);
    return this;
  }

  @Override
  public Resizing trainable(boolean trainable) {
    super.trainable(trainable);
    return this;
  }
}

package dev.jeras.layers;

import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * What the augmentation layers that move pixels share (RandomRotation, RandomZoom,
 * RandomTranslation): a per-image affine transform, and Keras' {@code fill_mode} (default reflect),
 * {@code interpolation} (default bilinear) and {@code fill_value} (default 0) options. TensorFlow
 * has no gradient for the transform, so training through such a layer needs it before every
 * trainable layer.
 *
 * @param <T> the layer's own type, returned by the fluent setters
 */
public abstract class AffineAugmentation<T extends AffineAugmentation<T>>
    extends ImageAugmentation<T> {
  /** reflect, wrap, constant or nearest. */
  protected String fillMode = "reflect";

  /** bilinear or nearest. */
  protected String interpolation = "bilinear";

  /** The value outside the image with fill_mode constant. */
  protected double fillValue;

  /** Only the layers of this package extend it. */
  AffineAugmentation() {}

  /**
   * @return this layer, filling as reflect, wrap, constant or nearest (default reflect)
   */
  public T fillMode(String fillMode) {
    checkMutable();
    this.fillMode = ImageLayers.oneOf(fillMode, ImageLayers.FILL_MODES, "fill_mode");
    return self();
  }

  /**
   * @return this layer, sampling bilinear or nearest (default bilinear)
   */
  public T interpolation(String interpolation) {
    checkMutable();
    this.interpolation =
        ImageLayers.oneOf(interpolation, ImageLayers.AFFINE_INTERPOLATIONS, "interpolation");
    return self();
  }

  /**
   * @return this layer, with that fill value for constant (default 0)
   */
  public T fillValue(double fillValue) {
    checkMutable();
    this.fillValue = fillValue;
    return self();
  }

  @Override
  protected final Operand<TFloat32> augment(CallContext ctx, Operand<TFloat32> x) {
    return ImageLayers.transform(ctx, x, rows(ctx, x), interpolation, fillMode, fillValue);
  }

  /**
   * @param ctx the call's context (training)
   * @param x the image batch
   * @return the per-image transforms, (batch, 8) as ImageLayers.rows builds them
   */
  protected abstract Operand<TFloat32> rows(CallContext ctx, Operand<TFloat32> x);

  /**
   * @param heightGiven height_factor as given (a number or a pair)
   * @param widthGiven width_factor as given (null when not given)
   * @return the Keras config of a layer with height and width factors, in Keras' order
   */
  protected final Map<String, Object> heightWidthConfig(Object heightGiven, Object widthGiven) {
    return config(
        "height_factor",
        heightGiven,
        "width_factor",
        widthGiven,
        "fill_mode",
        fillMode,
        "interpolation",
        interpolation,
        "seed",
        seed(),
        "fill_value",
        fillValue);
  }

  /**
   * Reads the fill options from a Keras config, then what every augmentation config ends with.
   *
   * @param c the layer's Keras config, its factors already read
   * @return this layer
   */
  final T finishAffineConfig(LayerConfig c) {
    fillMode(c.getString("fill_mode", "reflect"))
        .interpolation(c.getString("interpolation", "bilinear"))
        .fillValue(c.getDouble("fill_value", 0));
    return finishConfig(c);
  }
}

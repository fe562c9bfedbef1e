package dev.jeras.layers;

import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * What the random image augmentation layers share: an image batch (batch, h, w, c) in, Keras'
 * unused {@code seed} option kept for the config, the change applied in training only (the identity
 * at inference unless a layer says otherwise), per-image stateless draws from the model seed, the
 * layer and the step, and the fluent {@code named}/{@code trainable}.
 *
 * @param <T> the layer's own type, returned by the fluent setters
 */
public abstract class ImageAugmentation<T extends ImageAugmentation<T>> extends Layer {
  /** Keras' own seed option: kept in the config, not used (null when not given). */
  private Long seed;

  /** Only the layers of this package extend it. */
  ImageAugmentation() {}

  /**
   * @return this layer as its own type
   */
  @SuppressWarnings("unchecked")
  protected final T self() {
    return (T) this;
  }

  @Override
  public T named(String name) {
    super.named(name);
    return self();
  }

  @Override
  public T trainable(boolean trainable) {
    super.trainable(trainable);
    return self();
  }

  @Override
  public TensorShape computeOutputShape(List<TensorShape> inputShapes) {
    return ImageLayers.images(this, inputShapes);
  }

  @Override
  public final Operand<TFloat32> call(CallContext ctx, List<Operand<TFloat32>> inputs) {
    Operand<TFloat32> x = inputs.get(0);
    return ctx.training() ? augment(ctx, x) : inference(ctx, x);
  }

  /**
   * @param ctx the call's context (training)
   * @param x the image batch
   * @return the augmented batch
   */
  protected abstract Operand<TFloat32> augment(CallContext ctx, Operand<TFloat32> x);

  /**
   * @param ctx the call's context (inference)
   * @param x the image batch
   * @return the batch at inference: unchanged unless a layer says otherwise
   */
  protected Operand<TFloat32> inference(CallContext ctx, Operand<TFloat32> x) {
    return x;
  }

  /**
   * @param ctx the call's context
   * @param x the image batch
   * @param rest the draw's shape after the batch axis
   * @return uniform draws in [0, 1) of shape (batch, rest...), one set per image
   */
  protected final Operand<TFloat32> drawPerImage(
      CallContext ctx, Operand<TFloat32> x, long... rest) {
    return ImageLayers.uniform(ctx, this, ImageLayers.batchShape(ctx.tf(), x, rest));
  }

  /**
   * @param options the layer's own options as key, value, key, value, ... in Keras' order
   * @return the layer's Keras config: the common part, data_format, then the options
   */
  protected final Map<String, Object> config(Object... options) {
    Map<String, Object> c = super.getConfig();
    c.put("data_format", "channels_last");
    for (int i = 0; i < options.length; i += 2) {
      c.put((String) options[i], options[i + 1]);
    }
    return c;
  }

  /**
   * @param factor the factor's range {lower, upper}
   * @param valueRange the value range {low, high}
   * @return the Keras config of a layer with a factor and a value range, in Keras' order
   */
  protected final Map<String, Object> factorAndRangeConfig(double[] factor, double[] valueRange) {
    return config(
        "factor",
        List.of(factor[0], factor[1]),
        "value_range",
        List.of(valueRange[0], valueRange[1]),
        "seed",
        seed());
  }

  /**
   * @return Keras' seed option as given (null when not given), for the config
   */
  protected final Long seed() {
    return seed;
  }

  /**
   * Reads what every augmentation config ends with ({@code seed}, {@code data_format}) and checks
   * that nothing is left over.
   *
   * @param c the layer's Keras config, its own options already read
   * @return this layer
   */
  final T finishConfig(LayerConfig c) {
    seed = ImageLayers.seed(c);
    c.requireValue("data_format", "channels_last");
    c.finish();
    return self();
  }
}

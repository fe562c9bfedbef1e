package dev.jeras.layers;

import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * Crops the centre (height, width) window of each image, in training and inference alike (Keras'
 * preprocessing layer). An image smaller than the target on either axis is instead resized as
 * Keras' {@code smart_resize} does: the largest centred window of the target aspect ratio, resized
 * bilinearly.
 *
 * <p>Options: {@code height}, {@code width} (required). Input (batch, h, w, c); output (batch,
 * height, width, c).
 *
 * <pre>{@code
 * new CenterCrop(224, 224)
 * }</pre>
 */
public final class CenterCrop extends Layer {
  private final int height;
  private final int width;

  /**
   * @param height the output height
   * @param width the output width
   */
  public CenterCrop(int height, int width) {
    this.height = Check.positive("height", height);
    this.width = Check.positive("width", width);
  }

  @Override
  public String className() {
    return "CenterCrop";
  }

  @Override
  public TensorShape computeOutputShape(List<TensorShape> inputShapes) {
    return ImageLayers.resizedImages(this, inputShapes, height, width);
  }

  @Override
  public Operand<TFloat32> call(CallContext ctx, List<Operand<TFloat32>> inputs) {
    Operand<TFloat32> x = inputs.get(0);
    long[] dims = x.shape().asArray();
    long dh = dims[1] - height;
    long dw = dims[2] - width;
    if (dh >= 0 && dw >= 0) {
      return ImageLayers.crop(ctx.tf(), x, dh / 2, dw / 2, height, width);
    }
    return Resizing.resize(ctx, x, height, width, "bilinear", false, true, false, 0);
  }

  @Override
  public Map<String, Object> getConfig() {
    Map<String, Object> c = super.getConfig();
    c.put("data_format", "channels_last");
    c.put("height", height);
    c.put("width", width);
    return c;
  }

  /**
   * @param c a Keras CenterCrop config
   * @return the layer it describes
   */
  public static CenterCrop fromConfig(LayerConfig c) {
    CenterCrop l = new CenterCrop(c.getInt("height"), c.getInt("width"));
    c.requireValue("data_format", "channels_last");
    c.finish();
    return l;
  }

  @Override
  public CenterCrop named(String name) {
    super.named(name);
    return this;
  }

  @Override
  public CenterCrop trainable(boolean trainable) {
    super.trainable(trainable);
    return this;
  }
}

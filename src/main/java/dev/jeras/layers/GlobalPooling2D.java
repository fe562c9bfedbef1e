package dev.jeras.layers;

import java.util.List;
import java.util.Map;

/**
 * What the global poolings share: (batch, h, w, c) reduced over height and width to (batch, c), or
 * to (batch, 1, 1, c) with {@code keepdims}, and their Keras config.
 */
public abstract class GlobalPooling2D extends Layer {
  /** Whether the pooled axes stay as size 1. */
  protected boolean keepDims;

  GlobalPooling2D() {}

  @Override
  public final TensorShape computeOutputShape(List<TensorShape> inputShapes) {
    TensorShape in = single(inputShapes);
    requireRank(in, 4, "(batch, height, width, channels)");
    return keepDims
        ? TensorShape.of(in.dim(0), 1, 1, in.dim(3))
        : TensorShape.of(in.dim(0), in.dim(3));
  }

  @Override
  public Map<String, Object> getConfig() {
    Map<String, Object> c = super.getConfig();
    c.put("data_format", "channels_last");
    c.put("keepdims", keepDims);
    return c;
  }

  /** Reads keepdims and checks the data format of a Keras config into {@code layer}. */
  static <T extends GlobalPooling2D> T fromConfig(LayerConfig c, T layer) {
    layer.checkMutable();
    layer.keepDims = c.getBoolean("keepdims", false);
    c.requireValue("data_format", "channels_last");
    c.finish();
    return layer;
  }
}

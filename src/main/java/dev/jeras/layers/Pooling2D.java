package dev.jeras.layers;

import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * Shared shape logic and options of {@link MaxPooling2D} and {@link AveragePooling2D}: pool size
 * (default (2, 2)), strides (default: the pool size), padding (default valid).
 */
public abstract sealed class Pooling2D extends Layer permits MaxPooling2D, AveragePooling2D {
  /** The pool size (height, width). */
  protected int[] poolSize = {2, 2};

  /** The strides, or null for "same as the pool size" (Keras' strides=None). */
  protected int[] strides;

  /** The padding. */
  protected Padding padding = Padding.VALID;

  Pooling2D(int height, int width) {
    poolSize = Check.positivePair("pool_size", height, width);
  }

  /**
   * @return the strides in effect
   */
  protected final int[] effectiveStrides() {
    return strides == null ? poolSize : strides;
  }

  /** Sets strides; see subclasses. */
  void setStrides(int h, int w) {
    checkMutable();
    strides = Check.positivePair("strides", h, w);
  }

  /** Sets padding; see subclasses. */
  void setPadding(Padding p) {
    checkMutable();
    padding = p;
  }

  @Override
  public TensorShape computeOutputShape(List<TensorShape> inputShapes) {
    TensorShape in = single(inputShapes);
    requireRank(in, 4, "(batch, height, width, channels)");
    int[] s = effectiveStrides();
    long h = padding.outputLength(in.dim(1), poolSize[0], s[0]);
    long w = padding.outputLength(in.dim(2), poolSize[1], s[1]);
    if ((in.dim(1) >= 0 && h <= 0) || (in.dim(2) >= 0 && w <= 0)) {
      throw new IllegalArgumentException(
          describe()
              + ": pool "
              + poolSize[0]
              + "x"
              + poolSize[1]
              + " with padding '"
              + padding.kerasName()
              + "' does not fit input "
              + in);
    }
    return TensorShape.of(in.dim(0), h, w, in.dim(3));
  }

  @Override
  public abstract Operand<TFloat32> call(CallContext ctx, List<Operand<TFloat32>> inputs);

  @Override
  public Map<String, Object> getConfig() {
    Map<String, Object> c = super.getConfig();
    c.put("pool_size", List.of(poolSize[0], poolSize[1]));
    c.put("padding", padding.kerasName());
    int[] s = effectiveStrides();
    c.put("strides", List.of(s[0], s[1]));
    c.put("data_format", "channels_last");
    return c;
  }
}

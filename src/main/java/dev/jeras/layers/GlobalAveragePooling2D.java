package dev.jeras.layers;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * The mean of each channel over height and width: (batch, h, w, c) to (batch, c), or (batch, 1, 1,
 * c) with {@code keepdims}. No weights.
 *
 * <pre>{@code
 * new GlobalAveragePooling2D()
 * }</pre>
 */
public final class GlobalAveragePooling2D extends GlobalPooling2D {

  /**
   * @return this layer, keeping the pooled axes as size 1 (default false)
   */
  public GlobalAveragePooling2D keepDims(boolean keep) {
    checkMutable();
    keepDims = keep;
    return this;
  }

  @Override
  public String className() {
    return "GlobalAveragePooling2D";
  }

  @Override
  public Operand<TFloat32> call(CallContext ctx, List<Operand<TFloat32>> inputs) {
    return ctx.tf()
        .math
        .mean(
            inputs.get(0),
            ctx.tf().constant(new int[] {1, 2}),
            org.tensorflow.op.math.Mean.keepDims(keepDims));
  }

  /**
   * @param c a Keras GlobalAveragePooling2D config
   * @return the layer it describes
   */
  public static GlobalAveragePooling2D fromConfig(LayerConfig c) {
    return fromConfig(c, new GlobalAveragePooling2D());
  }

  @Override
  public GlobalAveragePooling2D named(String name) {
    super.named(name);
    return this;
  }

  @Override
  public GlobalAveragePooling2D trainable(boolean trainable) {
    super.trainable(trainable);
    return this;
  }
}

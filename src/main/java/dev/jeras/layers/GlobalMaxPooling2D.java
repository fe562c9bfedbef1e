package dev.jeras.layers;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.core.Max;
import org.tensorflow.types.TFloat32;

/**
 * The maximum of each channel over height and width: (batch, h, w, c) to (batch, c), or (batch, 1,
 * 1, c) with {@code keepdims}. No weights.
 *
 * <pre>{@code
 * new GlobalMaxPooling2D()
 * new GlobalMaxPooling2D().keepDims(true)
 * }</pre>
 */
public final class GlobalMaxPooling2D extends GlobalPooling2D {

  /**
   * @return this layer, keeping the pooled axes as size 1 (default false)
   */
  public GlobalMaxPooling2D keepDims(boolean keep) {
    checkMutable();
    keepDims = keep;
    return this;
  }

  @Override
  public String className() {
    return "GlobalMaxPooling2D";
  }

  @Override
  public Operand<TFloat32> call(CallContext ctx, List<Operand<TFloat32>> inputs) {
    return ctx.tf().max(inputs.get(0), ctx.tf().constant(new int[] {1, 2}), Max.keepDims(keepDims));
  }

  /**
   * @param c a Keras GlobalMaxPooling2D config
   * @return the layer it describes
   */
  public static GlobalMaxPooling2D fromConfig(LayerConfig c) {
    return fromConfig(c, new GlobalMaxPooling2D());
  }

  @Override
  public GlobalMaxPooling2D named(String name) {
    super.named(name);
    return this;
  }

  @Override
  public GlobalMaxPooling2D trainable(boolean trainable) {
    super.trainable(trainable);
    return this;
  }
}

package dev.jeras.layers;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The element-wise maximum of its inputs: {@code y = max(x1, x2, ...)}. Inputs of one rank whose
 * dimensions agree or are 1 (broadcast). No weights.
 *
 * <pre>{@code
 * SymbolicTensor y = new Maximum().apply(a, b);
 * }</pre>
 */
public final class Maximum extends ElementwiseMerge {
  @Override
  public String className() {
    return "Maximum";
  }

  @Override
  Operand<TFloat32> combine(Ops tf, Operand<TFloat32> a, Operand<TFloat32> b) {
    return tf.math.maximum(a, b);
  }

  /**
   * @param c a Keras Maximum config
   * @return the layer it describes
   */
  public static Maximum fromConfig(LayerConfig c) {
    c.finish();
    return new Maximum();
  }

  @Override
  public Maximum named(String name) {
    super.named(name);
    return this;
  }

  @Override
  public Maximum trainable(boolean trainable) {
    super.trainable(trainable);
    return this;
  }
}

package dev.jeras.layers;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The element-wise minimum of its inputs: {@code y = min(x1, x2, ...)}. Inputs of one rank whose
 * dimensions agree or are 1 (broadcast). No weights.
 *
 * <pre>{@code
 * SymbolicTensor y = new Minimum().apply(a, b);
 * }</pre>
 */
public final class Minimum extends ElementwiseMerge {
  @Override
  public String className() {
    return "Minimum";
  }

  @Override
  Operand<TFloat32> combine(Ops tf, Operand<TFloat32> a, Operand<TFloat32> b) {
    return tf.math.minimum(a, b);
  }

  /**
   * @param c a Keras Minimum config
   * @return the layer it describes
   */
  public static Minimum fromConfig(LayerConfig c) {
    c.finish();
    return new Minimum();
  }

  @Override
  public Minimum named(String name) {
    super.named(name);
    return this;
  }

  @Override
  public Minimum trainable(boolean trainable) {
    super.trainable(trainable);
    return this;
  }
}

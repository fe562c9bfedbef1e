package dev.jeras.layers;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The product of its inputs: {@code y = x1 * x2 * ...}. Inputs of one rank whose dimensions agree
 * or are 1 (broadcast). No weights.
 *
 * <pre>{@code
 * SymbolicTensor y = new Multiply().apply(a, b);
 * }</pre>
 */
public final class Multiply extends ElementwiseMerge {
  @Override
  public String className() {
    return "Multiply";
  }

  @Override
  Operand<TFloat32> combine(Ops tf, Operand<TFloat32> a, Operand<TFloat32> b) {
    return tf.math.mul(a, b);
  }

  /**
   * @param c a Keras Multiply config
   * @return the layer it describes
   */
  public static Multiply fromConfig(LayerConfig c) {
    c.finish();
    return new Multiply();
  }

  @Override
  public Multiply named(String name) {
    super.named(name);
    return this;
  }

  @Override
  public Multiply trainable(boolean trainable) {
    super.trainable(trainable);
    return this;
  }
}

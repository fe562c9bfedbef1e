package dev.jeras.layers;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The element-wise mean of its inputs: {@code y = (x1 + x2 + ...) / n}. Inputs of one rank whose
 * dimensions agree or are 1 (broadcast). No weights.
 *
 * <pre>{@code
 * SymbolicTensor y = new Average().apply(a, b);
 * }</pre>
 */
public final class Average extends ElementwiseMerge {
  @Override
  public String className() {
    return "Average";
  }

  @Override
  Operand<TFloat32> combine(Ops tf, Operand<TFloat32> a, Operand<TFloat32> b) {
    return tf.math.add(a, b);
  }

  @Override
  Operand<TFloat32> finish(Ops tf, Operand<TFloat32> sum, int inputCount) {
    return tf.math.div(sum, tf.constant((float) inputCount));
  }

  /**
   * @param c a Keras Average config
   * @return the layer it describes
   */
  public static Average fromConfig(LayerConfig c) {
    c.finish();
    return new Average();
  }

  @Override
  public Average named(String name) {
    super.named(name);
    return this;
  }

  @Override
  public Average trainable(boolean trainable) {
    super.trainable(trainable);
    return this;
  }
}

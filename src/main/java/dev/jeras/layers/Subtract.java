package dev.jeras.layers;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The difference of two inputs of its inputs: {@code y = x1 - x2}. Inputs of one rank whose
 * dimensions agree or are 1 (broadcast). No weights.
 *
 * <pre>{@code
 * SymbolicTensor y = new Subtract().apply(a, b);
 * }</pre>
 */
public final class Subtract extends ElementwiseMerge {
  @Override
  public String className() {
    return "Subtract";
  }

  @Override
  Operand<TFloat32> combine(Ops tf, Operand<TFloat32> a, Operand<TFloat32> b) {
    return tf.math.sub(a, b);
  }

  @Override
  public TensorShape computeOutputShape(List<TensorShape> inputShapes) {
    if (inputShapes.size() != 2) {
      throw new IllegalArgumentException(
          describe() + ": expected exactly 2 inputs, got " + inputShapes.size());
    }
    return super.computeOutputShape(inputShapes);
  }

  /**
   * @param c a Keras Subtract config
   * @return the layer it describes
   */
  public static Subtract fromConfig(LayerConfig c) {
    c.finish();
    return new Subtract();
  }

  @Override
  public Subtract named(String name) {
    super.named(name);
    return this;
  }

  @Override
  public Subtract trainable(boolean trainable) {
    super.trainable(trainable);
    return this;
  }
}

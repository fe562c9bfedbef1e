package dev.jeras.layers;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * Element-wise sum of two or more inputs of the same shape: {@code y = x1 + x2 + ...}. No weights.
 *
 * <pre>{@code
 * SymbolicTensor sum = new Add().apply(a, b);
 * }</pre>
 */
public final class Add extends Merge {
  @Override
  public String className() {
    return "Add";
  }

  @Override
  public TensorShape computeOutputShape(List<TensorShape> inputShapes) {
    TensorShape first = atLeastTwo(inputShapes).get(0);
    for (TensorShape s : inputShapes) {
      if (!s.isCompatibleWith(first)) {
        throw new IllegalArgumentException(
            describe() + ": inputs must have the same shape, got " + first + " and " + s);
      }
    }
    return first;
  }

  @Override
  public Operand<TFloat32> call(CallContext ctx, List<Operand<TFloat32>> inputs) {
    return inputs.size() == 2
        ? ctx.tf().math.add(inputs.get(0), inputs.get(1))
        : ctx.tf().math.addN(inputs);
  }

  /**
   * @param c a Keras Add config
   * @return the layer it describes
   */
  public static Add fromConfig(LayerConfig c) {
    c.finish();
    return new Add();
  }

  @Override
  public Add named(String name) {
    super.named(name);
    return this;
  }

  @Override
  public Add trainable(boolean trainable) {
    super.trainable(trainable);
    return this;
  }
}

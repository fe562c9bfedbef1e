package dev.jeras.layers;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Merges that combine their inputs element by element, left to right, as Keras' merge layers do:
 * inputs of one rank whose dimensions agree or are 1 (broadcast, as a squeeze-and-excitation scale
 * (batch, 1, 1, c) times features (batch, h, w, c)).
 */
abstract sealed class ElementwiseMerge extends Merge
    permits Multiply, Subtract, Average, Maximum, Minimum {

  /**
   * @return the two inputs combined
   */
  abstract Operand<TFloat32> combine(Ops tf, Operand<TFloat32> a, Operand<TFloat32> b);

  /**
   * @param inputCount how many inputs there are
   * @return the combination of all inputs, finished (Average divides here)
   */
  Operand<TFloat32> finish(Ops tf, Operand<TFloat32> combined, int inputCount) {
    return combined;
  }

  @Override
  public TensorShape computeOutputShape(List<TensorShape> inputShapes) {
    TensorShape first = atLeastTwo(inputShapes).get(0);
    long[] out = first.dims();
    for (TensorShape s : inputShapes) {
      boolean ok = s.rank() == out.length;
      for (int i = 1; ok && i < out.length; i++) {
        long a = out[i];
        long b = s.dim(i);
        if (a < 0 || b < 0) {
          out[i] = a == 1 ? b : b == 1 ? a : -1;
        } else if (a == 1 || b == 1 || a == b) {
          out[i] = Math.max(a, b);
        } else {
          ok = false;
        }
      }
      if (!ok) {
        throw new IllegalArgumentException(
            describe()
                + ": inputs must have the same shape (or 1 where they differ), got "
                + first
                + " and "
                + s);
      }
    }
    return TensorShape.of(out);
  }

  @Override
  public Operand<TFloat32> call(CallContext ctx, List<Operand<TFloat32>> inputs) {
    Ops tf = ctx.tf();
    Operand<TFloat32> y = inputs.get(0);
    for (int i = 1; i < inputs.size(); i++) {
      y = combine(tf, y, inputs.get(i));
    }
    return finish(tf, y, inputs.size());
  }
}

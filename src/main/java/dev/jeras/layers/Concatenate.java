package dev.jeras.layers;

import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * Joins two or more inputs along an axis (default the last); the other dimensions must agree. No
 * weights.
 *
 * <pre>{@code
 * SymbolicTensor joined = new Concatenate().apply(a, b);
 * new Concatenate(1).apply(a, b)
 * }</pre>
 */
public final class Concatenate extends Merge {
  private final int axis;

  /** Concatenates along the last axis. */
  public Concatenate() {
    this(-1);
  }

  /**
   * @param axis the axis to join along (negative counts from the end; 0, the batch, is refused)
   */
  public Concatenate(int axis) {
    this.axis = axis;
  }

  @Override
  public String className() {
    return "Concatenate";
  }

  @Override
  public TensorShape computeOutputShape(List<TensorShape> inputShapes) {
    TensorShape first = atLeastTwo(inputShapes).get(0);
    int rank = first.rank();
    int a = axis < 0 ? rank + axis : axis;
    if (a <= 0 || a >= rank) {
      throw new IllegalArgumentException(
          describe() + ": axis " + axis + " is invalid for inputs of rank " + rank);
    }
    long[] out = first.dims();
    out[a] = 0;
    for (TensorShape s : inputShapes) {
      boolean ok = s.rank() == rank;
      for (int i = 0; ok && i < rank; i++) {
        ok = i == a || s.dim(i) < 0 || first.dim(i) < 0 || s.dim(i) == first.dim(i);
      }
      if (!ok) {
        throw new IllegalArgumentException(
            describe()
                + ": inputs must agree except on axis "
                + axis
                + ", got "
                + first
                + " and "
                + s);
      }
      out[a] = out[a] < 0 || s.dim(a) < 0 ? -1 : out[a] + s.dim(a);
    }
    return TensorShape.of(out);
  }

  @Override
  public Operand<TFloat32> call(CallContext ctx, List<Operand<TFloat32>> inputs) {
    return ctx.tf().concat(inputs, ctx.tf().constant(axis));
  }

  @Override
  public Map<String, Object> getConfig() {
    Map<String, Object> c = super.getConfig();
    c.put("axis", axis);
    return c;
  }

  /**
   * @param c a Keras Concatenate config
   * @return the layer it describes
   */
  public static Concatenate fromConfig(LayerConfig c) {
    Concatenate l = new Concatenate(c.getInt("axis", -1));
    c.finish();
    return l;
  }

  @Override
  public Concatenate named(String name) {
    super.named(name);
    return this;
  }

  @Override
  public Concatenate trainable(boolean trainable) {
    super.trainable(trainable);
    return this;
  }
}

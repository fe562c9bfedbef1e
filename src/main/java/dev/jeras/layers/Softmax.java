package dev.jeras.layers;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * Softmax as a layer: {@code y = exp(x) / sum(exp(x))} over {@code axis} (default -1, the last), or
 * over several axes together. Same shape in and out; no weights. As with a softmax activation, a
 * cross-entropy loss on a last-axis Softmax output is computed from its input (the logits).
 *
 * <pre>{@code
 * new Softmax()            // over the last axis
 * new Softmax(1, 2)        // over height and width together
 * }</pre>
 */
public final class Softmax extends Layer {
  private final List<Integer> axes;
  private final boolean axisList;

  /** Softmax over the last axis (Keras' default {@code axis=-1}). */
  public Softmax() {
    this(List.of(-1), false);
  }

  /**
   * @param axes the axes to normalize over (negative counts from the end; the batch axis is
   *     refused); one axis is Keras' {@code axis=a}, several {@code axis=[a, b]}
   */
  public Softmax(int... axes) {
    this(toList(axes), axes.length != 1);
  }

  private Softmax(List<Integer> axes, boolean axisList) {
    if (axes.isEmpty()) {
      throw new IllegalArgumentException("axis must name at least one axis, got []");
    }
    this.axes = List.copyOf(axes);
    this.axisList = axisList;
  }

  private static List<Integer> toList(int[] a) {
    List<Integer> l = new ArrayList<>();
    for (int i : a) {
      l.add(i);
    }
    return l;
  }

  @Override
  public String className() {
    return "Softmax";
  }

  @Override
  public TensorShape computeOutputShape(List<TensorShape> inputShapes) {
    TensorShape in = single(inputShapes);
    resolve(in.rank());
    return in;
  }

  /** The axes as non-negative, sorted, distinct indices, or an error naming the layer. */
  private int[] resolve(int rank) {
    TreeSet<Integer> set = new TreeSet<>();
    for (int a : axes) {
      int r = a < 0 ? rank + a : a;
      if (r <= 0 || r >= rank || !set.add(r)) {
        throw new IllegalArgumentException(
            describe() + ": axis " + axes + " is invalid for inputs of rank " + rank);
      }
    }
    return set.stream().mapToInt(Integer::intValue).toArray();
  }

  @Override
  public Operand<TFloat32> call(CallContext ctx, List<Operand<TFloat32>> inputs) {
    Operand<TFloat32> x = inputs.get(0);
    int rank = x.shape().numDimensions();
    int[] a = resolve(rank);
    Operand<TFloat32> y = ctx.backend().softmax(ctx.tf(), x, a);
    if (a.length == 1 && a[0] == rank - 1) {
      ctx.recordLogits(y, x);
    }
    return y;
  }

  @Override
  public Map<String, Object> getConfig() {
    Map<String, Object> c = super.getConfig();
    c.put("axis", axisList ? axes : axes.get(0));
    return c;
  }

  /**
   * @param c a Keras Softmax config
   * @return the layer it describes
   */
  public static Softmax fromConfig(LayerConfig c) {
    List<Integer> axes = c.getIntList("axis");
    if (axes == null) {
      axes = List.of(-1);
    }
    if (axes.isEmpty() || axes.contains(null)) {
      throw c.unsupported("axis", axes, "an integer or a list of integers");
    }
    boolean list = axes.size() != 1 || c.isList("axis");
    c.finish();
    return new Softmax(axes, list);
  }

  @Override
  public Softmax named(String name) {
    super.named(name);
    return this;
  }

  @Override
  public Softmax trainable(boolean trainable) {
    super.trainable(trainable);
    return this;
  }
}

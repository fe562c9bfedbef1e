package dev.jeras.layers;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * Reorders the axes after the batch: output axis i is input axis {@code dims[i - 1]}, counting from
 * 1 after the batch.
 *
 * <p>Option: {@code dims} (required), a permutation of 1..k for inputs of rank k + 1. No weights.
 *
 * <pre>{@code
 * new Permute(2, 1)          // (batch, a, b) to (batch, b, a)
 * new Permute(3, 1, 2)       // NHWC to NCHW
 * }</pre>
 */
public final class Permute extends Layer {
  private final int[] dims;

  /**
   * @param dims a permutation of 1..k
   */
  public Permute(int... dims) {
    int[] sorted = dims.clone();
    Arrays.sort(sorted);
    for (int i = 0; i < sorted.length; i++) {
      if (sorted[i] != i + 1) {
        throw new IllegalArgumentException(
            "dims must be a permutation of 1.." + dims.length + ", got " + Arrays.toString(dims));
      }
    }
    if (dims.length == 0) {
      throw new IllegalArgumentException("dims must name at least one axis, got []");
    }
    this.dims = dims.clone();
  }

  @Override
  public String className() {
    return "Permute";
  }

  @Override
  public TensorShape computeOutputShape(List<TensorShape> inputShapes) {
    TensorShape in = single(inputShapes);
    if (in.rank() != dims.length + 1) {
      throw new IllegalArgumentException(
          describe()
              + ": dims "
              + Arrays.toString(dims)
              + " need input of rank "
              + (dims.length + 1)
              + ", got "
              + in);
    }
    long[] out = new long[in.rank()];
    out[0] = in.dim(0);
    for (int i = 0; i < dims.length; i++) {
      out[i + 1] = in.dim(dims[i]);
    }
    return TensorShape.of(out);
  }

  @Override
  public Operand<TFloat32> call(CallContext ctx, List<Operand<TFloat32>> inputs) {
    int[] perm = new int[dims.length + 1];
    System.arraycopy(dims, 0, perm, 1, dims.length);
    return ctx.tf().linalg.transpose(inputs.get(0), ctx.tf().constant(perm));
  }

  @Override
  public Map<String, Object> getConfig() {
    Map<String, Object> c = super.getConfig();
    c.put("dims", Arrays.stream(dims).boxed().toList());
    return c;
  }

  /**
   * @param c a Keras Permute config
   * @return the layer it describes
   */
  public static Permute fromConfig(LayerConfig c) {
    List<Integer> d = c.getIntList("dims");
    if (d == null || d.contains(null)) {
      throw c.unsupported("dims", d, "a permutation of 1..k");
    }
    c.finish();
    return new Permute(d.stream().mapToInt(Integer::intValue).toArray());
  }

  @Override
  public Permute named(String name) {
    super.named(name);
    return this;
  }

  @Override
  public Permute trainable(boolean trainable) {
    super.trainable(trainable);
    return this;
  }
}

package dev.jeras.layers;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * Gives each sample a new shape with the same number of values, in row-major order: (batch, ...) to
 * (batch, target_shape...). One target dimension may be -1, inferred from the others.
 *
 * <p>Option: {@code target_shape} (required), without the batch axis. No weights.
 *
 * <pre>{@code
 * new Reshape(7, 7, 64)
 * new Reshape(1, 1, -1)        // (batch, c) to (batch, 1, 1, c), as squeeze-and-excitation
 * }</pre>
 */
public final class Reshape extends Layer {
  private final int[] targetShape;

  /**
   * @param targetShape the new sample shape (positive dimensions, at most one -1)
   */
  public Reshape(int... targetShape) {
    int unknown = 0;
    for (int d : targetShape) {
      if (d == -1) {
        unknown++;
      } else if (d <= 0) {
        throw new IllegalArgumentException(
            "target_shape dimensions must be positive or -1, got " + Arrays.toString(targetShape));
      }
    }
    if (targetShape.length == 0 || unknown > 1) {
      throw new IllegalArgumentException(
          "target_shape must have at least one dimension and at most one -1, got "
              + Arrays.toString(targetShape));
    }
    this.targetShape = targetShape.clone();
  }

  @Override
  public String className() {
    return "Reshape";
  }

  @Override
  public TensorShape computeOutputShape(List<TensorShape> inputShapes) {
    TensorShape in = single(inputShapes);
    long n = in.sampleSize();
    if (n < 0) {
      throw new IllegalArgumentException(
          describe() + ": every dimension after the batch must be known, got " + in);
    }
    long known = 1;
    int free = -1;
    for (int i = 0; i < targetShape.length; i++) {
      if (targetShape[i] == -1) {
        free = i;
      } else {
        known *= targetShape[i];
      }
    }
    long[] out = new long[targetShape.length + 1];
    out[0] = in.dim(0);
    for (int i = 0; i < targetShape.length; i++) {
      out[i + 1] = targetShape[i];
    }
    if (free >= 0 && n % known == 0) {
      out[free + 1] = n / known;
      known = n;
    }
    if (known != n) {
      throw new IllegalArgumentException(
          describe()
              + ": cannot reshape input "
              + in
              + " ("
              + n
              + " values a sample) to target_shape "
              + shapeText());
    }
    return TensorShape.of(out);
  }

  private String shapeText() {
    return Arrays.stream(targetShape)
        .mapToObj(Integer::toString)
        .collect(Collectors.joining(", ", "(", targetShape.length == 1 ? ",)" : ")"));
  }

  @Override
  public Operand<TFloat32> call(CallContext ctx, List<Operand<TFloat32>> inputs) {
    long[] out =
        computeOutputShape(List.of(TensorShape.of(inputs.get(0).shape().asArray()))).dims();
    out[0] = -1;
    return ctx.tf().reshape(inputs.get(0), ctx.tf().constant(out));
  }

  @Override
  public Map<String, Object> getConfig() {
    Map<String, Object> c = super.getConfig();
    c.put("target_shape", Arrays.stream(targetShape).boxed().toList());
    return c;
  }

  /**
   * @param c a Keras Reshape config
   * @return the layer it describes
   */
  public static Reshape fromConfig(LayerConfig c) {
    List<Integer> t = c.getIntList("target_shape");
    if (t == null || t.isEmpty() || t.stream().anyMatch(d -> d == null || (d <= 0 && d != -1))) {
      throw c.unsupported("target_shape", t, "a list of positive dimensions with at most one -1");
    }
    c.finish();
    return new Reshape(t.stream().mapToInt(Integer::intValue).toArray());
  }

  @Override
  public Reshape named(String name) {
    super.named(name);
    return this;
  }

  @Override
  public Reshape trainable(boolean trainable) {
    super.trainable(trainable);
    return this;
  }
}

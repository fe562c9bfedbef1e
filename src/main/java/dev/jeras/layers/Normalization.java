package dev.jeras.layers;

import dev.jeras.data.FloatArray;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Shifts and scales inputs by a stored mean and variance: {@code y = (x - mean) / max(sqrt(var),
 * 1e-7)}, or the inverse {@code y = mean + x * max(sqrt(var), 1e-7)} with {@code invert(true)}
 * (Keras' preprocessing layer).
 *
 * <p>The statistics are either given ({@link #meanVariance}, Keras' {@code mean} and {@code
 * variance}: one number, or an array aligned with the kept axes from the right), learnt from data
 * with {@link #adapt} before the layer is first called (they then become its given mean and
 * variance), or read from a Keras file, where an adapted layer keeps them as non-trainable weights
 * mean, variance (the kept axes' shape) and count.
 *
 * <p>Options, with Keras' defaults: {@code axis} -1 (the axes that get their own statistics; none
 * for one mean and variance over everything), {@code invert} false. Same shape in and out.
 *
 * <pre>{@code
 * Normalization norm = new Normalization();
 * norm.adapt(trainX);                                  // one mean and variance per channel
 * new Normalization().meanVariance(new double[] {0.5}, new double[] {0.25})
 * }</pre>
 */
public final class Normalization extends Layer {
  /** Keras' backend epsilon, the smallest standard deviation divided by. */
  private static final float EPSILON = 1e-7f;

  private int[] axis = {-1};
  private boolean invert;
  private long[] statsShape;
  private double[] mean;
  private double[] variance;

  /**
   * @param axes the axes that get their own mean and variance (default -1); none for one mean and
   *     variance over all values
   * @return this layer
   */
  public Normalization axis(int... axes) {
    checkMutable();
    this.axis = axes.clone();
    return this;
  }

  /**
   * @param invert whether to undo a normalization instead (default false)
   * @return this layer
   */
  public Normalization invert(boolean invert) {
    checkMutable();
    this.invert = invert;
    return this;
  }

  /**
   * Sets the statistics: one number each, or one value per index of the last kept axis.
   *
   * @param mean the mean(s)
   * @param variance the variance(s), same count
   * @return this layer
   */
  public Normalization meanVariance(double[] mean, double[] variance) {
    return meanVariance(mean.length == 1 ? new long[0] : new long[] {mean.length}, mean, variance);
  }

  /**
   * Sets the statistics as arrays of the given shape (aligned with the kept axes from the right,
   * dimensions of 1 broadcast, as in Keras).
   *
   * @param shape the arrays' shape ({@code []} for one number)
   * @param mean the means, row-major
   * @param variance the variances, row-major
   * @return this layer
   */
  public Normalization meanVariance(long[] shape, double[] mean, double[] variance) {
    checkMutable();
    long n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
    if (mean.length != n || variance.length != n) {
      throw new IllegalArgumentException(
          "mean and variance must each have "
              + n
              + " values for shape "
              + Arrays.toString(shape)
              + ", got "
              + mean.length
              + " and "
              + variance.length);
    }
    for (double v : variance) {
      if (!(v >= 0) || !Double.isFinite(v)) {
        throw new IllegalArgumentException("variance must be finite and >= 0, got " + v);
      }
    }
    this.statsShape = shape.clone();
    this.mean = mean.clone();
    this.variance = variance.clone();
    return this;
  }

  /**
   * Computes the mean and (population) variance of the data for each index of the kept axes, as
   * Keras' {@code adapt}, and keeps them as this layer's statistics. Call it before the layer is
   * first called (added to a model).
   *
   * @param data samples first, each of the shape the layer will see
   * @return this layer
   */
  public Normalization adapt(FloatArray data) {
    if (builtInputShapes() != null) {
      throw new IllegalStateException(
          describe()
              + ": adapt the layer before it is added to a model; a built layer's statistics are"
              + " weights (Model.setWeights changes them)");
    }
    long[] shape = data.shape();
    if (data.count() == 0) {
      throw new IllegalArgumentException(describe() + ": adapt expected data, got no samples");
    }
    int[] keep = keptAxes(shape.length, TensorShape.of(shape));
    long[] kept = keptShape(shape, keep);
    int keptSize = Math.toIntExact(Arrays.stream(kept).reduce(1, (a, b) -> a * b));
    double[] sum = new double[keptSize];
    double[] sumSq = new double[keptSize];
    long[] count = new long[keptSize];
    float[] v = data.data();
    long[] idx = new long[shape.length];
    for (int i = 0; i < v.length; i++) {
      int k = 0;
      for (int a : keep) {
        k = Math.toIntExact(k * shape[a] + idx[a]);
      }
      sum[k] += v[i];
      count[k]++;
      for (int d = shape.length - 1; d >= 0 && ++idx[d] == shape[d]; d--) {
        idx[d] = 0;
      }
    }
    double[] m = new double[keptSize];
    for (int k = 0; k < keptSize; k++) {
      m[k] = sum[k] / count[k];
    }
    Arrays.fill(idx, 0);
    for (int i = 0; i < v.length; i++) {
      int k = 0;
      for (int a : keep) {
        k = Math.toIntExact(k * shape[a] + idx[a]);
      }
      double dev = v[i] - m[k];
      sumSq[k] += dev * dev;
      for (int d = shape.length - 1; d >= 0 && ++idx[d] == shape[d]; d--) {
        idx[d] = 0;
      }
    }
    double[] var = new double[keptSize];
    for (int k = 0; k < keptSize; k++) {
      var[k] = sumSq[k] / count[k];
    }
    return meanVariance(kept, m, var);
  }

  /**
   * @return the given or adapted means (row-major, of {@link #statsShape()}), or null for a layer
   *     whose statistics are weights
   */
  public double[] mean() {
    return mean == null ? null : mean.clone();
  }

  /**
   * @return the given or adapted variances, or null for a layer whose statistics are weights
   */
  public double[] variance() {
    return variance == null ? null : variance.clone();
  }

  /**
   * @return the shape of {@link #mean()} and {@link #variance()}, or null
   */
  public long[] statsShape() {
    return statsShape == null ? null : statsShape.clone();
  }

  @Override
  public String className() {
    return "Normalization";
  }

  /** The kept axes, non-negative and sorted, checked against the input. */
  private int[] keptAxes(int rank, TensorShape in) {
    int[] keep = new int[axis.length];
    for (int i = 0; i < axis.length; i++) {
      int a = axis[i];
      if (a < -rank || a >= rank) {
        throw new IllegalArgumentException(
            describe() + ": axis " + a + " is out of range for input " + in);
      }
      keep[i] = a < 0 ? a + rank : a;
    }
    Arrays.sort(keep);
    for (int a : keep) {
      if (a == 0 || in.dim(a) < 0) {
        throw new IllegalArgumentException(
            describe()
                + ": axis "
                + a
                + " of input "
                + in
                + " must have a known size to keep its own statistics");
      }
    }
    return keep;
  }

  private static long[] keptShape(long[] dims, int[] keep) {
    long[] kept = new long[keep.length];
    for (int i = 0; i < keep.length; i++) {
      kept[i] = dims[keep[i]];
    }
    return kept;
  }

  @Override
  public TensorShape computeOutputShape(List<TensorShape> inputShapes) {
    TensorShape in = single(inputShapes);
    int[] keep = keptAxes(in.rank(), in);
    if (statsShape != null) {
      broadcastStats(keptShape(in.dims(), keep), mean);
    }
    return in;
  }

  /**
   * Broadcasts given statistics to the kept axes' shape, aligning them from the right (Keras).
   *
   * @return the values for every index of the kept axes, row-major
   */
  private double[] broadcastStats(long[] kept, double[] values) {
    if (statsShape.length > kept.length) {
      throw new IllegalArgumentException(
          describe()
              + ": mean and variance of shape "
              + Arrays.toString(statsShape)
              + " have more axes than the "
              + kept.length
              + " kept axes");
    }
    int offset = kept.length - statsShape.length;
    for (int i = 0; i < statsShape.length; i++) {
      if (statsShape[i] != 1 && statsShape[i] != kept[offset + i]) {
        throw new IllegalArgumentException(
            describe()
                + ": mean and variance of shape "
                + Arrays.toString(statsShape)
                + " do not broadcast to the kept axes' shape "
                + Arrays.toString(kept));
      }
    }
    int n = Math.toIntExact(Arrays.stream(kept).reduce(1, (a, b) -> a * b));
    double[] out = new double[n];
    long[] idx = new long[kept.length];
    for (int i = 0; i < n; i++) {
      int src = 0;
      for (int d = 0; d < statsShape.length; d++) {
        src = Math.toIntExact(src * statsShape[d] + (statsShape[d] == 1 ? 0 : idx[offset + d]));
      }
      out[i] = values[src];
      for (int d = kept.length - 1; d >= 0 && ++idx[d] == kept[d]; d--) {
        idx[d] = 0;
      }
    }
    return out;
  }

  @Override
  public List<WeightSpec> weightSpecs(List<TensorShape> inputShapes) {
    if (statsShape != null) {
      return List.of();
    }
    TensorShape in = inputShapes.get(0);
    long[] kept = keptShape(in.dims(), keptAxes(in.rank(), in));
    return List.of(
        new WeightSpec("mean", kept, Initializer.zeros(), false),
        new WeightSpec("variance", kept, Initializer.ones(), false),
        new WeightSpec("count", new long[0], Initializer.zeros(), false, true));
  }

  @Override
  public Operand<TFloat32> call(CallContext ctx, List<Operand<TFloat32>> inputs) {
    Ops tf = ctx.tf();
    Operand<TFloat32> x = inputs.get(0);
    TensorShape in = TensorShape.of(x.shape().asArray());
    int[] keep = keptAxes(in.rank(), in);
    long[] broadcast = new long[in.rank()];
    Arrays.fill(broadcast, 1);
    for (int a : keep) {
      broadcast[a] = in.dim(a);
    }
    Operand<TFloat32> m;
    Operand<TFloat32> v;
    if (statsShape != null) {
      long[] kept = keptShape(in.dims(), keep);
      m = tf.constant(toFloats(broadcastStats(kept, mean)));
      v = tf.constant(toFloats(broadcastStats(kept, variance)));
    } else {
      m = ctx.weight(this, "mean");
      v = ctx.weight(this, "variance");
    }
    m = tf.reshape(m, tf.constant(broadcast));
    v = tf.reshape(v, tf.constant(broadcast));
    Operand<TFloat32> std = tf.math.maximum(tf.math.sqrt(v), tf.constant(EPSILON));
    return invert ? tf.math.add(m, tf.math.mul(x, std)) : tf.math.div(tf.math.sub(x, m), std);
  }

  private static float[] toFloats(double[] d) {
    float[] f = new float[d.length];
    for (int i = 0; i < d.length; i++) {
      f[i] = (float) d[i];
    }
    return f;
  }

  /**
   * @return the values as nested lists of that shape (a number for shape {@code []})
   */
  private static Object nested(double[] values, long[] shape, int depth, int[] pos) {
    if (depth == shape.length) {
      return values[pos[0]++];
    }
    List<Object> l = new ArrayList<>();
    for (long i = 0; i < shape[depth]; i++) {
      l.add(nested(values, shape, depth + 1, pos));
    }
    return l;
  }

  @Override
  public Map<String, Object> getConfig() {
    Map<String, Object> c = super.getConfig();
    c.put("axis", Arrays.stream(axis).boxed().toList());
    c.put("invert", invert);
    c.put("mean", statsShape == null ? null : nested(mean, statsShape, 0, new int[1]));
    c.put("variance", statsShape == null ? null : nested(variance, statsShape, 0, new int[1]));
    return c;
  }

  /**
   * @param c a Keras Normalization config
   * @return the layer it describes
   */
  public static Normalization fromConfig(LayerConfig c) {
    Normalization l = new Normalization();
    LayerConfig.Numbers axes = c.getNumbers("axis");
    if (axes == null) {
      l.axis();
    } else {
      int[] a = new int[axes.values().length];
      for (int i = 0; i < a.length; i++) {
        double d = axes.values()[i];
        if (d != Math.rint(d) || axes.shape().length > 1) {
          throw c.unsupported("axis", Arrays.toString(axes.values()), "an integer or a list");
        }
        a[i] = (int) d;
      }
      l.axis(a);
    }
    l.invert(c.getBoolean("invert", false));
    LayerConfig.Numbers m = c.getNumbers("mean");
    LayerConfig.Numbers v = c.getNumbers("variance");
    if ((m == null) != (v == null)) {
      throw c.unsupported(
          m == null ? "variance" : "mean", "set alone", "mean and variance set together");
    }
    if (m != null) {
      if (!Arrays.equals(m.shape(), v.shape())) {
        throw c.unsupported(
            "variance",
            "shape " + Arrays.toString(v.shape()),
            "the mean's shape " + Arrays.toString(m.shape()));
      }
      l.meanVariance(m.shape(), m.values(), v.values());
    }
    c.finish();
    return l;
  }

  @Override
  public Normalization named(String name) {
    super.named(name);
    return this;
  }

  @Override
  public Normalization trainable(boolean trainable) {
    super.trainable(trainable);
    return this;
  }
}

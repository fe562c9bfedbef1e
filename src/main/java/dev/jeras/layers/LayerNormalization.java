package dev.jeras.layers;

import dev.jeras.backend.Backend;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Normalizes each sample over some axes (by default the last): {@code y = gamma * (x - mean) /
 * sqrt(var + epsilon) + beta}, the mean and (biased) variance taken per sample over those axes, the
 * same in training and inference. With the deprecated {@code rms_scaling}, as Keras 3: {@code y =
 * gamma * x / sqrt(var + epsilon)} (no centering, no beta).
 *
 * <p>Options, with Keras' defaults: {@code axis} -1 (one axis or several), {@code epsilon} 1e-3,
 * {@code center} true (beta), {@code scale} true (gamma), {@code rms_scaling} false, gamma ones,
 * beta zeros. Same shape in and out. Weights: gamma, beta, each of the normalized axes' shape.
 *
 * <pre>{@code
 * new LayerNormalization()
 * new LayerNormalization().axis(1, 2, 3).epsilon(1e-6)
 * }</pre>
 */
public final class LayerNormalization extends BaseNormalization<LayerNormalization> {
  private int[] axis = {-1};
  private boolean axisList;
  private boolean rmsScaling;

  /**
   * @param axes the axes to normalize over (default -1); negative counts from the end
   * @return this layer
   */
  public LayerNormalization axis(int... axes) {
    checkMutable();
    if (axes.length == 0) {
      throw new IllegalArgumentException("axis must name at least one axis");
    }
    this.axis = axes.clone();
    this.axisList = axes.length > 1;
    return this;
  }

  /**
   * Keras 3's deprecated {@code rms_scaling}: divides by sqrt(variance + epsilon) without centering
   * (kept for the files that use it; Keras recommends RMSNormalization instead).
   *
   * @return this layer
   */
  public LayerNormalization rmsScaling(boolean rmsScaling) {
    checkMutable();
    this.rmsScaling = rmsScaling;
    return this;
  }

  @Override
  public String className() {
    return "LayerNormalization";
  }

  /** The normalized axes, non-negative and sorted. */
  private int[] axes(TensorShape in) {
    int[] a = new int[axis.length];
    for (int i = 0; i < axis.length; i++) {
      if (axis[i] < -in.rank() || axis[i] >= in.rank()) {
        throw new IllegalArgumentException(
            describe() + ": axis " + axis[i] + " is out of range for input " + in);
      }
      a[i] = axis[i] < 0 ? axis[i] + in.rank() : axis[i];
      if (a[i] == 0) {
        throw new IllegalArgumentException(
            describe() + ": axis " + axis[i] + " is the batch axis of input " + in);
      }
      if (in.dim(a[i]) < 0) {
        throw new IllegalArgumentException(
            describe() + ": the normalized axis " + axis[i] + " must be known, got " + in);
      }
    }
    Arrays.sort(a);
    return a;
  }

  @Override
  public TensorShape computeOutputShape(List<TensorShape> inputShapes) {
    TensorShape in = single(inputShapes);
    axes(in);
    return in;
  }

  @Override
  public List<WeightSpec> weightSpecs(List<TensorShape> inputShapes) {
    TensorShape in = inputShapes.get(0);
    int[] a = axes(in);
    long[] shape = new long[a.length];
    for (int i = 0; i < a.length; i++) {
      shape[i] = in.dim(a[i]);
    }
    return gammaBeta(shape, scale || rmsScaling, center && !rmsScaling);
  }

  @Override
  public Operand<TFloat32> call(CallContext ctx, List<Operand<TFloat32>> inputs) {
    Ops tf = ctx.tf();
    Operand<TFloat32> x = inputs.get(0);
    TensorShape in = TensorShape.of(x.shape().asArray());
    int[] a = axes(in);
    long[] broadcast = new long[in.rank()];
    Arrays.fill(broadcast, 1);
    for (int i : a) {
      broadcast[i] = in.dim(i);
    }
    Operand<TFloat32> gamma = weightAs(ctx, "gamma", scale || rmsScaling, broadcast);
    Operand<TFloat32> beta = weightAs(ctx, "beta", center && !rmsScaling, broadcast);
    Backend.Moments m = ctx.backend().moments(tf, x, a);
    if (rmsScaling) {
      Operand<TFloat32> y =
          tf.math.mul(x, tf.math.rsqrt(tf.math.add(m.variance(), tf.constant((float) epsilon))));
      return gamma == null ? y : tf.math.mul(y, gamma);
    }
    return ctx.backend().normalize(tf, x, m.mean(), m.variance(), gamma, beta, (float) epsilon);
  }

  @Override
  public Map<String, Object> getConfig() {
    Map<String, Object> c = super.getConfig();
    // Keras writes a list once the layer is built (as in .keras files), the given form before
    boolean list = axisList || builtInputShapes() != null;
    c.put("axis", list ? Arrays.stream(axis).boxed().toList() : axis[0]);
    putEpsilonCenterScale(c);
    c.put("rms_scaling", rmsScaling);
    putWeightOptions(c);
    return c;
  }

  /**
   * @param c a Keras LayerNormalization config
   * @return the layer it describes
   */
  public static LayerNormalization fromConfig(LayerConfig c) {
    LayerNormalization l = new LayerNormalization();
    LayerConfig.Numbers axes = c.getNumbers("axis");
    if (axes != null) {
      if (axes.shape().length > 1 || axes.values().length == 0) {
        throw c.unsupported("axis", Arrays.toString(axes.values()), "an integer or a list");
      }
      int[] a = new int[axes.values().length];
      for (int i = 0; i < a.length; i++) {
        a[i] = (int) axes.values()[i];
        if (a[i] != axes.values()[i]) {
          throw c.unsupported("axis", Arrays.toString(axes.values()), "integers");
        }
      }
      l.axis(a);
      l.axisList = axes.shape().length == 1;
    }
    l.readEpsilonCenterScale(c).rmsScaling(c.getBoolean("rms_scaling", false));
    return l.finishConfig(c);
  }
}

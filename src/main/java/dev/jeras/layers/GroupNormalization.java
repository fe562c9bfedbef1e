package dev.jeras.layers;

import dev.jeras.backend.Backend;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Group normalization: the channels (of {@code axis}) are split into {@code groups} groups, and
 * each sample is normalized per group over the group's channels and every other non-batch axis,
 * {@code y = gamma * (x - mean) / sqrt(var + epsilon) + beta} with per-channel gamma and beta; the
 * same in training and inference. {@code groups} -1 gives one group per channel (instance
 * normalization); 1 gives layer normalization over all axes.
 *
 * <p>Options, with Keras' defaults: {@code groups} 32 (must divide the channels), {@code axis} -1,
 * {@code epsilon} 1e-3, {@code center} true, {@code scale} true, gamma ones, beta zeros. Same shape
 * in and out. Weights: gamma (channels), beta (channels).
 *
 * <pre>{@code
 * new GroupNormalization().groups(8)
 * new GroupNormalization().groups(-1)                  // instance normalization
 * }</pre>
 */
public final class GroupNormalization extends BaseNormalization<GroupNormalization> {
  private int groups = 32;
  private int axis = -1;

  /**
   * @param groups the number of groups (default 32), a divisor of the channels; -1 for one per
   *     channel
   * @return this layer
   */
  public GroupNormalization groups(int groups) {
    checkMutable();
    if (groups <= 0 && groups != -1) {
      throw new IllegalArgumentException(
          "groups must be positive (or -1 for one group per channel), got " + groups);
    }
    this.groups = groups;
    return this;
  }

  /**
   * @param axis the channel axis (default -1); negative counts from the end
   * @return this layer
   */
  public GroupNormalization axis(int axis) {
    checkMutable();
    this.axis = axis;
    return this;
  }

  @Override
  public String className() {
    return "GroupNormalization";
  }

  private int axisFor(TensorShape in) {
    if (axis < -in.rank() || axis >= in.rank() || axis == 0 || axis == -in.rank()) {
      throw new IllegalArgumentException(
          describe() + ": axis " + axis + " is out of range for input " + in);
    }
    return axis < 0 ? axis + in.rank() : axis;
  }

  /** The number of groups for an input with that many channels. */
  private int groupsFor(long channels) {
    return groups == -1 ? Math.toIntExact(channels) : groups;
  }

  @Override
  public TensorShape computeOutputShape(List<TensorShape> inputShapes) {
    TensorShape in = single(inputShapes);
    if (in.rank() < 2) {
      throw new IllegalArgumentException(
          describe() + ": expected input of rank 2 or more, got " + in);
    }
    long channels = in.dim(axisFor(in));
    if (channels < 0) {
      throw new IllegalArgumentException(
          describe() + ": the channel axis " + axis + " must be known, got " + in);
    }
    int g = groupsFor(channels);
    if (channels < g || channels % g != 0) {
      throw new IllegalArgumentException(
          describe()
              + ": groups "
              + g
              + " must divide the "
              + channels
              + " channels of input "
              + in);
    }
    return in;
  }

  @Override
  public List<WeightSpec> weightSpecs(List<TensorShape> inputShapes) {
    TensorShape in = inputShapes.get(0);
    long[] c = {in.dim(axisFor(in))};
    return gammaBeta(c, scale, center);
  }

  @Override
  public Operand<TFloat32> call(CallContext ctx, List<Operand<TFloat32>> inputs) {
    Ops tf = ctx.tf();
    Operand<TFloat32> x = inputs.get(0);
    TensorShape in = TensorShape.of(x.shape().asArray());
    int a = axisFor(in);
    long channels = in.dim(a);
    int g = groupsFor(channels);
    // (batch, ..., groups, channels / groups, ...): statistics over all but batch and groups
    long[] grouped = new long[in.rank() + 1];
    long[] broadcast = new long[in.rank() + 1];
    Arrays.fill(broadcast, 1);
    for (int i = 0, j = 0; i < in.rank(); i++) {
      if (i == a) {
        grouped[j] = g;
        broadcast[j++] = g;
        grouped[j] = channels / g;
        broadcast[j++] = channels / g;
      } else {
        grouped[j++] = i == 0 ? -1 : in.dim(i);
      }
    }
    int[] reduce = new int[in.rank() - 1];
    for (int i = 1, j = 0; i <= in.rank(); i++) {
      if (i != a) {
        reduce[j++] = i;
      }
    }
    Operand<TFloat32> xg = tf.reshape(x, tf.constant(grouped));
    Backend.Moments m = ctx.backend().moments(tf, xg, reduce);
    Operand<TFloat32> gamma = weightAs(ctx, "gamma", scale, broadcast);
    Operand<TFloat32> beta = weightAs(ctx, "beta", center, broadcast);
    Operand<TFloat32> y =
        ctx.backend().normalize(tf, xg, m.mean(), m.variance(), gamma, beta, (float) epsilon);
    long[] back = in.dims();
    back[0] = -1;
    return tf.reshape(y, tf.constant(back));
  }

  @Override
  public Map<String, Object> getConfig() {
    Map<String, Object> c = super.getConfig();
    List<TensorShape> built = builtInputShapes();
    // Keras writes the resolved number of groups once built (-1 becomes the channels)
    c.put(
        "groups",
        built == null || groups != -1
            ? groups
            : groupsFor(built.get(0).dim(axisFor(built.get(0)))));
    c.put("axis", axis);
    putEpsilonCenterScale(c);
    putWeightOptions(c);
    return c;
  }

  /**
   * @param c a Keras GroupNormalization config
   * @return the layer it describes
   */
  public static GroupNormalization fromConfig(LayerConfig c) {
    return new GroupNormalization()
        .groups(c.getInt("groups", 32))
        .axis(c.getInt("axis", -1))
        .readEpsilonCenterScale(c)
        .finishConfig(c);
  }
}

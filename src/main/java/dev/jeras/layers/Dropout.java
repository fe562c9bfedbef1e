package dev.jeras.layers;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Randomly zeroes a fraction {@code rate} of the inputs during training and scales the rest by 1 /
 * (1 - rate); the identity at inference (evaluate, predict, exported models).
 *
 * <p>The mask comes from a stateless random op seeded by the model seed and the training step, so a
 * seeded run is reproducible, and the mask is outside the gradient path. With {@code noise_shape}
 * (default none: every value on its own) one draw is shared along the axes where it is 1, as in
 * Keras; null entries take the input's dimension. Same shape in and out; no weights.
 *
 * <pre>{@code
 * new Dropout(0.5)
 * new Dropout(0.2).noiseShape(null, 1, 1, null)     // whole channels per sample
 * }</pre>
 */
public final class Dropout extends Layer {
  private final double rate;
  private List<Integer> noiseShape;

  /**
   * @param rate the fraction of inputs to drop, in [0, 1)
   */
  public Dropout(double rate) {
    this.rate = Check.rate("rate", rate);
  }

  /**
   * @param dims the mask's shape, batch first: null takes the input's dimension, 1 shares a draw
   *     along that axis; none (default) draws every value
   * @return this layer
   */
  public Dropout noiseShape(Integer... dims) {
    checkMutable();
    for (Integer d : dims) {
      if (d != null && d <= 0) {
        throw new IllegalArgumentException(
            "noise_shape dimensions must be positive or null, got " + Arrays.toString(dims));
      }
    }
    noiseShape =
        dims.length == 0 ? null : Collections.unmodifiableList(Arrays.asList(dims.clone()));
    return this;
  }

  /**
   * @return the drop rate
   */
  public double rate() {
    return rate;
  }

  @Override
  public String className() {
    return "Dropout";
  }

  @Override
  public TensorShape computeOutputShape(List<TensorShape> inputShapes) {
    TensorShape in = single(inputShapes);
    if (noiseShape != null) {
      boolean ok = noiseShape.size() == in.rank();
      for (int i = 0; ok && i < in.rank(); i++) {
        Integer d = noiseShape.get(i);
        ok = d == null || d == 1 || in.dim(i) < 0 || d == in.dim(i);
      }
      if (!ok) {
        throw new IllegalArgumentException(
            describe()
                + ": noise_shape "
                + noiseShape
                + " must have the input's rank and, on each axis, null, 1 or the input's"
                + " dimension; got input "
                + in);
      }
    }
    return in;
  }

  @Override
  public Operand<TFloat32> call(CallContext ctx, List<Operand<TFloat32>> inputs) {
    Operand<TFloat32> x = inputs.get(0);
    if (!ctx.training() || rate == 0) {
      return x;
    }
    return drop(ctx, this, x, rate, noiseShape);
  }

  /**
   * Zeroes a fraction {@code rate} of the values (one draw per cell of the noise shape) and scales
   * the rest by 1 / (1 - rate).
   *
   * @param noiseShape the mask's shape (null entries: the input's dimension), or null for x's
   */
  static Operand<TFloat32> drop(
      CallContext ctx, Layer layer, Operand<TFloat32> x, double rate, List<Integer> noiseShape) {
    Ops tf = ctx.tf();
    Operand<TInt32> shape = tf.shape(x);
    if (noiseShape != null) {
      List<Operand<TInt32>> dims = new ArrayList<>();
      for (int i = 0; i < noiseShape.size(); i++) {
        Integer d = noiseShape.get(i);
        dims.add(
            d == null
                ? tf.gather(shape, tf.constant(new int[] {i}), tf.constant(0))
                : tf.constant(new int[] {d}));
      }
      shape = tf.concat(dims, tf.constant(0));
    }
    Operand<TFloat32> uniform =
        tf.stopGradient(
            tf.random.statelessRandomUniform(shape, ctx.randomSeed(layer), TFloat32.class));
    Operand<TFloat32> keep =
        tf.dtypes.cast(tf.math.greaterEqual(uniform, tf.constant((float) rate)), TFloat32.class);
    return tf.math.mul(x, tf.math.mul(keep, tf.constant((float) (1.0 / (1.0 - rate)))));
  }

  @Override
  public Map<String, Object> getConfig() {
    Map<String, Object> c = super.getConfig();
    c.put("rate", rate);
    c.put("seed", null);
    c.put("noise_shape", noiseShape);
    return c;
  }

  /**
   * @param c a Keras Dropout config
   * @return the layer it describes
   */
  public static Dropout fromConfig(LayerConfig c) {
    double rate = c.getDouble("rate", 0);
    if (!(rate >= 0 && rate < 1)) {
      throw c.unsupported("rate", rate, "a value in [0, 1)");
    }
    List<Integer> noise = c.getIntList("noise_shape");
    c.ignore("seed");
    c.finish();
    Dropout d = new Dropout(rate);
    if (noise != null) {
      d.noiseShape(noise.toArray(new Integer[0]));
    }
    return d;
  }

  @Override
  public Dropout named(String name) {
    super.named(name);
    return this;
  }

  @Override
  public Dropout trainable(boolean trainable) {
    super.trainable(trainable);
    return this;
  }
}

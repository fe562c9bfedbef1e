package dev.jeras.layers;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Rescales every value: {@code y = x * scale + offset}, in training and inference alike (Keras'
 * preprocessing layer, e.g. pixels 0..255 to 0..1 with scale 1/255, or to -1..1 with scale 1/127.5
 * and offset -1).
 *
 * <p>Options: {@code scale} (required) and {@code offset} (default 0), each one number or one per
 * channel (a list as long as the input's last axis). Same shape in and out; no weights.
 *
 * <pre>{@code
 * new Rescaling(1.0 / 255)
 * new Rescaling(1.0 / 127.5, -1)
 * }</pre>
 */
public final class Rescaling extends Layer {
  private final double[] scale;
  private final double[] offset;
  private final boolean scaleList;
  private final boolean offsetList;

  /**
   * @param scale the factor
   */
  public Rescaling(double scale) {
    this(scale, 0);
  }

  /**
   * @param scale the factor
   * @param offset added after scaling
   */
  public Rescaling(double scale, double offset) {
    this(new double[] {scale}, false, new double[] {offset}, false);
  }

  /**
   * @param scale one factor per channel
   * @param offset one offset per channel
   */
  public Rescaling(double[] scale, double[] offset) {
    this(scale, true, offset, true);
  }

  private Rescaling(double[] scale, boolean scaleList, double[] offset, boolean offsetList) {
    this.scale = finite("scale", scale);
    this.offset = finite("offset", offset);
    this.scaleList = scaleList;
    this.offsetList = offsetList;
  }

  private static double[] finite(String option, double[] values) {
    if (values.length == 0) {
      throw new IllegalArgumentException(option + " must have at least one value");
    }
    for (double v : values) {
      if (!Double.isFinite(v)) {
        throw new IllegalArgumentException(option + " must be finite, got " + v);
      }
    }
    return values.clone();
  }

  @Override
  public String className() {
    return "Rescaling";
  }

  @Override
  public TensorShape computeOutputShape(List<TensorShape> inputShapes) {
    TensorShape in = single(inputShapes);
    for (double[] v : List.of(scale, offset)) {
      if (v.length > 1 && in.dim(-1) != v.length) {
        throw new IllegalArgumentException(
            describe()
                + ": "
                + v.length
                + " values per channel do not fit input "
                + in
                + " (its last axis has "
                + in.dim(-1)
                + ")");
      }
    }
    return in;
  }

  @Override
  public Operand<TFloat32> call(CallContext ctx, List<Operand<TFloat32>> inputs) {
    Ops tf = ctx.tf();
    return tf.math.add(tf.math.mul(inputs.get(0), constant(tf, scale)), constant(tf, offset));
  }

  private static Operand<TFloat32> constant(Ops tf, double[] v) {
    if (v.length == 1) {
      return tf.constant((float) v[0]);
    }
    float[] f = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      f[i] = (float) v[i];
    }
    return tf.constant(f);
  }

  private static Object configValue(double[] v, boolean list) {
    if (!list) {
      return v[0];
    }
    List<Double> l = new ArrayList<>();
    for (double d : v) {
      l.add(d);
    }
    return l;
  }

  @Override
  public Map<String, Object> getConfig() {
    Map<String, Object> c = super.getConfig();
    c.put("scale", configValue(scale, scaleList));
    c.put("offset", configValue(offset, offsetList));
    return c;
  }

  /**
   * @param c a Keras Rescaling config
   * @return the layer it describes
   */
  public static Rescaling fromConfig(LayerConfig c) {
    LayerConfig.Numbers scale = c.getNumbers("scale");
    if (scale == null) {
      throw c.unsupported("scale", null, "a number or a list of numbers");
    }
    LayerConfig.Numbers offset = c.getNumbers("offset");
    if (offset == null) {
      offset = new LayerConfig.Numbers(new long[0], new double[] {0});
    }
    for (String key : List.of("scale", "offset")) {
      LayerConfig.Numbers n = key.equals("scale") ? scale : offset;
      if (n.shape().length > 1 || n.values().length == 0) {
        throw c.unsupported(key, java.util.Arrays.toString(n.values()), "a number or a list");
      }
    }
    c.finish();
    return new Rescaling(
        scale.values(), scale.shape().length == 1, offset.values(), offset.shape().length == 1);
  }

  @Override
  public Rescaling named(String name) {
    super.named(name);
    return this;
  }

  @Override
  public Rescaling trainable(boolean trainable) {
    super.trainable(trainable);
    return this;
  }
}

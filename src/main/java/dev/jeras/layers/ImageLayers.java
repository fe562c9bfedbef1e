package dev.jeras.layers;

import java.util.List;
import java.util.Locale;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * What the image preprocessing layers share: the input check, the random draws of a training pass
 * (stateless, seeded by the model seed, the layer and the step), Keras' factor forms, and the
 * cropping and resizing of Keras' {@code Resizing}, {@code CenterCrop} and {@code RandomCrop}.
 */
final class ImageLayers {
  /** Keras' fill modes of the affine-transform layers. */
  static final List<String> FILL_MODES = List.of("reflect", "wrap", "constant", "nearest");

  /** Keras' interpolations of the affine-transform layers. */
  static final List<String> AFFINE_INTERPOLATIONS = List.of("nearest", "bilinear");

  private ImageLayers() {}

  /**
   * @return the single input, checked to be a batch of images (batch, height, width, channels) of
   *     known height and width
   */
  static TensorShape images(Layer layer, List<TensorShape> inputShapes) {
    TensorShape in = layer.single(inputShapes);
    layer.requireRank(in, 4, "(batch, height, width, channels)");
    if (in.dim(1) < 0 || in.dim(2) < 0) {
      throw new IllegalArgumentException(
          layer.describe() + ": the image height and width must be known, got " + in);
    }
    return in;
  }

  /**
   * @param tf the op factory
   * @param x a batch
   * @param rest the dimensions after the batch's
   * @return (batch, rest...) as a shape tensor
   */
  static Operand<TInt64> batchShape(Ops tf, Operand<TFloat32> x, long... rest) {
    Operand<TInt64> batch =
        tf.slice(
            tf.shape(x, TInt64.class), tf.constant(new long[] {0}), tf.constant(new long[] {1}));
    return tf.concat(List.of(batch, tf.constant(rest)), tf.constant(0));
  }

  /**
   * Values uniform in [0, 1), out of the gradient path, from a stateless draw seeded by the model
   * seed, the layer and the training step.
   *
   * @param ctx the training pass
   * @param layer the layer drawing (its own stream)
   * @param shape the shape to draw
   * @return the values
   */
  static Operand<TFloat32> uniform(CallContext ctx, Layer layer, Operand<TInt64> shape) {
    Ops tf = ctx.tf();
    return tf.stopGradient(tf.random.statelessRandomUniform(shape, ctx.randomSeed(layer)));
  }

  /**
   * @return {@code u * (hi - lo) + lo} in float32, as TensorFlow's uniform scales its draws (so
   *     exactly lo where lo == hi)
   */
  static Operand<TFloat32> between(Ops tf, Operand<TFloat32> u, double lo, double hi) {
    return tf.math.add(
        tf.math.mul(u, tf.constant((float) hi - (float) lo)), tf.constant((float) lo));
  }

  /**
   * @return column i of a (batch, n) tensor, as (batch, 1)
   */
  static Operand<TFloat32> column(Ops tf, Operand<TFloat32> m, int i) {
    return tf.slice(m, tf.constant(new int[] {0, i}), tf.constant(new int[] {-1, 1}));
  }

  /**
   * Applies one projective transform per image (rows of a0, a1, a2, b0, b1, b2, c0, c1 mapping
   * output to input coordinates) with Keras' interpolation and fill options.
   */
  static Operand<TFloat32> transform(
      CallContext ctx,
      Operand<TFloat32> x,
      Operand<TFloat32> rows,
      String interpolation,
      String fillMode,
      double fillValue) {
    return ctx.backend()
        .affineTransform(
            ctx.tf(),
            x,
            rows,
            interpolation.toUpperCase(Locale.ROOT),
            fillMode.toUpperCase(Locale.ROOT),
            (float) fillValue);
  }

  /**
   * @return the (batch, 8) rows of pieces each (batch, 1), zeros for c0 and c1
   */
  static Operand<TFloat32> rows(Ops tf, List<Operand<TFloat32>> sixColumns) {
    Operand<TFloat32> zero = tf.zerosLike(sixColumns.get(0));
    List<Operand<TFloat32>> all = new java.util.ArrayList<>(sixColumns);
    all.add(zero);
    all.add(zero);
    return tf.concat(all, tf.constant(1));
  }

  /**
   * @param c a config
   * @param key a factor option
   * @return its one or two numbers (null in the config gives null)
   */
  static double[] factorValues(LayerConfig c, String key) {
    LayerConfig.Numbers n = c.getNumbers(key);
    if (n == null) {
      return null;
    }
    if (n.shape().length > 1 || n.values().length == 0 || n.values().length > 2) {
      throw c.unsupported(key, java.util.Arrays.toString(n.values()), "a number or two numbers");
    }
    return n.values();
  }

  /**
   * @return the shape of an image batch resized to (height, width)
   */
  static TensorShape resizedImages(
      Layer layer, List<TensorShape> inputShapes, int height, int width) {
    TensorShape in = images(layer, inputShapes);
    return TensorShape.of(in.dim(0), height, width, in.dim(3));
  }

  /**
   * @param c a config
   * @param key a required factor option
   * @return its one or two numbers
   */
  static double[] requiredFactor(LayerConfig c, String key) {
    double[] f = factorValues(c, key);
    if (f == null) {
      throw c.unsupported(key, null, "a number or two numbers");
    }
    return f;
  }

  /** Reads {@code value_range}: two numbers, default (0, 255). */
  static double[] valueRange(LayerConfig c) {
    LayerConfig.Numbers n = c.getNumbers("value_range");
    if (n == null) {
      return new double[] {0, 255};
    }
    if (n.shape().length != 1 || n.values().length != 2) {
      throw c.unsupported(
          "value_range", java.util.Arrays.toString(n.values()), "a list of two numbers");
    }
    return n.values();
  }

  /**
   * Reads a random layer's own {@code seed}: kept for its config, not used (the draws come from the
   * model seed, so that one number makes a whole model's training repeat).
   *
   * @param c the config
   * @return the seed, or null
   */
  static Long seed(LayerConfig c) {
    if (!c.has("seed")) {
      c.ignore("seed");
      return null;
    }
    double d = c.getDouble("seed", 0);
    if (d != Math.rint(d)) {
      throw c.unsupported("seed", d, "an integer or null");
    }
    return (long) d;
  }

  /**
   * @param value an option's value
   * @param options the accepted values
   * @param option the option's Keras name
   * @return the value, lower case, if accepted
   */
  static String oneOf(String value, List<String> options, String option) {
    String v = value.toLowerCase(Locale.ROOT);
    if (!options.contains(v)) {
      throw new IllegalArgumentException(
          option + " must be one of " + String.join(", ", options) + ", got '" + value + "'");
    }
    return v;
  }

  /**
   * A factor given as one number f (the range [-f, f], or [max(-f, lowest), f] for the base layers)
   * or as two numbers (sorted), checked against Keras' bounds.
   *
   * @param option the option's name, for messages
   * @param values one or two numbers
   * @param min the smallest allowed value
   * @param max the largest allowed value
   * @param minExclusive whether min itself is refused (RandomZoom's -1)
   * @param clampLower whether one number f gives [max(-f, min), f] (Keras' base image layer)
   * @return {lower, upper}
   */
  static double[] factor(
      String option,
      double[] values,
      double min,
      double max,
      boolean minExclusive,
      boolean clampLower) {
    if (values.length != 1 && values.length != 2) {
      throw new IllegalArgumentException(
          option + " must be a number or a pair of numbers, got " + values.length + " numbers");
    }
    for (double v : values) {
      if (!Double.isFinite(v) || v > max || v < min || (minExclusive && v == min)) {
        throw new IllegalArgumentException(
            option
                + " values must be in "
                + (minExclusive ? "(" : "[")
                + min
                + ", "
                + max
                + "], got "
                + v);
      }
    }
    if (values.length == 2) {
      return new double[] {Math.min(values[0], values[1]), Math.max(values[0], values[1])};
    }
    double f = Math.abs(values[0]);
    return new double[] {clampLower ? Math.max(-f, min) : -f, f};
  }

  /**
   * @return Keras' window of the target aspect ratio in a (height, width) image: {crop height, crop
   *     width, top, left} (the largest such window, centred)
   */
  static long[] aspectWindow(long height, long width, long targetHeight, long targetWidth) {
    long cropHeight =
        Math.max(Math.min(height, (long) ((double) (width * targetHeight) / targetWidth)), 1);
    long cropWidth =
        Math.max(Math.min(width, (long) ((double) (height * targetWidth) / targetHeight)), 1);
    long top = (long) ((double) (height - cropHeight) / 2);
    long left = (long) ((double) (width - cropWidth) / 2);
    return new long[] {cropHeight, cropWidth, top, left};
  }

  /**
   * @return x[:, top:top+h, left:left+w, :], h and w cut at the image's edge as Python slices do
   */
  static Operand<TFloat32> crop(Ops tf, Operand<TFloat32> x, long top, long left, long h, long w) {
    long[] dims = x.shape().asArray();
    long rows = Math.min(h, dims[1] - top);
    long cols = Math.min(w, dims[2] - left);
    if (top == 0 && left == 0 && rows == dims[1] && cols == dims[2]) {
      return x;
    }
    return tf.slice(
        x,
        tf.constant(new int[] {0, Math.toIntExact(top), Math.toIntExact(left), 0}),
        tf.constant(new int[] {-1, Math.toIntExact(rows), Math.toIntExact(cols), -1}));
  }
}

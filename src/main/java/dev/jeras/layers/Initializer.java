package dev.jeras.layers;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * Initial values of a weight, under Keras' names and formulas.
 *
 * <p>jeras' own, not tensorflow-framework's: values are drawn in Java from the model's seed before
 * any graph exists (rebuilds carry them), and 1.1.0's uniform VarianceScaling draws from [0, limit)
 * rather than [-limit, limit).
 *
 * <p>fan_in and fan_out follow Keras: for a Dense kernel (in, out) they are in and out; for a
 * Conv2D kernel (kh, kw, in, out) they are kh*kw*in and kh*kw*out.
 *
 * <ul>
 *   <li>{@code glorot_uniform} (Keras' default kernel initializer): U(-l, l), l = sqrt(6 / (fan_in
 *       + fan_out))
 *   <li>{@code glorot_normal}: truncated normal, stddev = sqrt(2 / (fan_in + fan_out)) / 0.8796...
 *   <li>{@code he_normal}: truncated normal, stddev = sqrt(2 / fan_in) / 0.8796...
 *   <li>{@code he_uniform}: U(-l, l), l = sqrt(6 / fan_in)
 *   <li>{@code lecun_normal}, {@code lecun_uniform}: as He with scale 1
 *   <li>{@code zeros}, {@code ones}, {@code constant(value)}, {@code random_normal(mean 0, stddev
 *       0.05)}, {@code random_uniform(-0.05, 0.05)}, {@code truncated_normal(mean 0, stddev 0.05)}
 * </ul>
 *
 * <pre>{@code
 * new Conv2D(32, 3).kernelInitializer(Initializer.heNormal());
 * Initializer.of("zeros");
 * }</pre>
 */
public sealed interface Initializer
    permits Initializer.Constant, Initializer.VarianceScaling, Initializer.Random {

  /**
   * @param shape the weight's shape
   * @param rng the random source (ignored by constant initializers)
   * @return row-major initial values
   */
  float[] generate(long[] shape, RandomGenerator rng);

  /**
   * @return the Keras class name, e.g. {@code GlorotUniform}
   */
  String kerasClassName();

  /**
   * @return the Keras config of this initializer
   */
  Map<String, Object> config();

  /**
   * @return Keras' default kernel initializer, glorot_uniform
   */
  static Initializer glorotUniform() {
    return new VarianceScaling("GlorotUniform", 1.0, "fan_avg", "uniform");
  }

  /**
   * @return glorot_normal
   */
  static Initializer glorotNormal() {
    return new VarianceScaling("GlorotNormal", 1.0, "fan_avg", "truncated_normal");
  }

  /**
   * @return he_normal
   */
  static Initializer heNormal() {
    return new VarianceScaling("HeNormal", 2.0, "fan_in", "truncated_normal");
  }

  /**
   * @return he_uniform
   */
  static Initializer heUniform() {
    return new VarianceScaling("HeUniform", 2.0, "fan_in", "uniform");
  }

  /**
   * @return lecun_normal
   */
  static Initializer lecunNormal() {
    return new VarianceScaling("LecunNormal", 1.0, "fan_in", "truncated_normal");
  }

  /**
   * @return lecun_uniform
   */
  static Initializer lecunUniform() {
    return new VarianceScaling("LecunUniform", 1.0, "fan_in", "uniform");
  }

  /**
   * @return Keras' default bias initializer, zeros
   */
  static Initializer zeros() {
    return new Constant("Zeros", 0f);
  }

  /**
   * @return ones
   */
  static Initializer ones() {
    return new Constant("Ones", 1f);
  }

  /**
   * @return a constant value
   */
  static Initializer constant(float value) {
    return new Constant("Constant", value);
  }

  /**
   * @param name a Keras initializer name in snake case ({@code he_normal}) or its class name
   *     ({@code HeNormal})
   * @return the initializer with Keras' default arguments
   */
  static Initializer of(String name) {
    String key = name.replace("_", "").toLowerCase(Locale.ROOT);
    return switch (key) {
      case "glorotuniform" -> glorotUniform();
      case "glorotnormal" -> glorotNormal();
      case "henormal" -> heNormal();
      case "heuniform" -> heUniform();
      case "lecunnormal" -> lecunNormal();
      case "lecununiform" -> lecunUniform();
      case "zeros" -> zeros();
      case "ones" -> ones();
      case "randomnormal" -> new Random("RandomNormal", 0.0, 0.05);
      case "randomuniform" -> new Random("RandomUniform", -0.05, 0.05);
      case "truncatednormal" -> new Random("TruncatedNormal", 0.0, 0.05);
      case "constant" -> constant(0f);
      case "variancescaling" ->
          new VarianceScaling("VarianceScaling", 1.0, "fan_in", "truncated_normal");
      default ->
          throw new IllegalArgumentException(
              "unknown initializer '"
                  + name
                  + "'; supported: glorot_uniform, glorot_normal, he_normal, he_uniform,"
                  + " lecun_normal, lecun_uniform, zeros, ones, constant, random_normal,"
                  + " random_uniform, truncated_normal, variance_scaling");
    };
  }

  /**
   * @param shape a weight shape
   * @return {fan_in, fan_out} as Keras computes them
   */
  static double[] fans(long[] shape) {
    if (shape.length == 0) {
      return new double[] {1, 1};
    }
    if (shape.length == 1) {
      return new double[] {shape[0], shape[0]};
    }
    if (shape.length == 2) {
      return new double[] {shape[0], shape[1]};
    }
    double receptive = 1;
    for (int i = 0; i < shape.length - 2; i++) {
      receptive *= shape[i];
    }
    return new double[] {shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive};
  }

  /**
   * @return the number of values in a shape
   */
  static int size(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return Math.toIntExact(n);
  }

  /** Normal samples truncated at two standard deviations, as Keras' truncated_normal. */
  static double truncatedNormal(RandomGenerator rng) {
    double v;
    do {
      v = rng.nextGaussian();
    } while (Math.abs(v) > 2.0);
    return v;
  }

  /**
   * Every value the same: zeros, ones, constant.
   *
   * @param kerasClassName Zeros, Ones or Constant
   * @param value the value
   */
  record Constant(String kerasClassName, float value) implements Initializer {
    @Override
    public float[] generate(long[] shape, RandomGenerator rng) {
      float[] v = new float[size(shape)];
      if (value != 0f) {
        java.util.Arrays.fill(v, value);
      }
      return v;
    }

    @Override
    public Map<String, Object> config() {
      Map<String, Object> c = new LinkedHashMap<>();
      if (kerasClassName.equals("Constant")) {
        c.put("value", (double) value);
      }
      return c;
    }
  }

  /**
   * Keras' VarianceScaling family: glorot, he and lecun initializers.
   *
   * @param kerasClassName the Keras class (GlorotUniform, HeNormal, VarianceScaling, ...)
   * @param scale the scale (1 for Glorot and LeCun, 2 for He)
   * @param mode fan_in, fan_out or fan_avg
   * @param distribution uniform, truncated_normal or untruncated_normal
   */
  record VarianceScaling(String kerasClassName, double scale, String mode, String distribution)
      implements Initializer {
    /** Validates mode and distribution. */
    public VarianceScaling {
      if (!mode.equals("fan_in") && !mode.equals("fan_out") && !mode.equals("fan_avg")) {
        throw new IllegalArgumentException(
            "mode must be fan_in, fan_out or fan_avg, got '" + mode + "'");
      }
      if (distribution.equals("normal")) {
        distribution = "truncated_normal";
      }
      if (!distribution.equals("uniform")
          && !distribution.equals("truncated_normal")
          && !distribution.equals("untruncated_normal")) {
        throw new IllegalArgumentException(
            "distribution must be uniform, truncated_normal or untruncated_normal, got '"
                + distribution
                + "'");
      }
      if (!(scale > 0)) {
        throw new IllegalArgumentException("scale must be positive, got " + scale);
      }
    }

    @Override
    public float[] generate(long[] shape, RandomGenerator rng) {
      double[] fans = fans(shape);
      double n =
          switch (mode) {
            case "fan_in" -> fans[0];
            case "fan_out" -> fans[1];
            default -> (fans[0] + fans[1]) / 2.0;
          };
      double variance = scale / Math.max(1.0, n);
      float[] v = new float[size(shape)];
      switch (distribution) {
        case "uniform" -> {
          double limit = Math.sqrt(3.0 * variance);
          for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((rng.nextDouble() * 2 - 1) * limit);
          }
        }
        case "truncated_normal" -> {
          double stddev = Math.sqrt(variance) / 0.87962566103423978;
          for (int i = 0; i < v.length; i++) {
            v[i] = (float) (truncatedNormal(rng) * stddev);
          }
        }
        default -> {
          double stddev = Math.sqrt(variance);
          for (int i = 0; i < v.length; i++) {
            v[i] = (float) (rng.nextGaussian() * stddev);
          }
        }
      }
      return v;
    }

    @Override
    public Map<String, Object> config() {
      Map<String, Object> c = new LinkedHashMap<>();
      if (kerasClassName.equals("VarianceScaling")) {
        c.put("scale", scale);
        c.put("mode", mode);
        c.put("distribution", distribution);
      }
      c.put("seed", null);
      return c;
    }
  }

  /**
   * RandomNormal (a = mean, b = stddev), TruncatedNormal (a = mean, b = stddev) or RandomUniform (a
   * = minval, b = maxval).
   *
   * @param kerasClassName RandomNormal, TruncatedNormal or RandomUniform
   * @param a mean or minval
   * @param b stddev or maxval
   */
  record Random(String kerasClassName, double a, double b) implements Initializer {
    @Override
    public float[] generate(long[] shape, RandomGenerator rng) {
      float[] v = new float[size(shape)];
      for (int i = 0; i < v.length; i++) {
        v[i] =
            (float)
                switch (kerasClassName) {
                  case "RandomUniform" -> a + rng.nextDouble() * (b - a);
                  case "TruncatedNormal" -> a + truncatedNormal(rng) * b;
                  default -> a + rng.nextGaussian() * b;
                };
      }
      return v;
    }

    @Override
    public Map<String, Object> config() {
      Map<String, Object> c = new LinkedHashMap<>();
      if (kerasClassName.equals("RandomUniform")) {
        c.put("minval", a);
        c.put("maxval", b);
      } else {
        c.put("mean", a);
        c.put("stddev", b);
      }
      c.put("seed", null);
      return c;
    }
  }
}

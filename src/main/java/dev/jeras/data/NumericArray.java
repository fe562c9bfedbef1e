package dev.jeras.data;

import java.util.Arrays;

/**
 * A dense, row-major array whose first axis indexes samples: the Java counterpart of the NumPy
 * arrays a Keras user passes to {@code fit}. Implemented by {@link FloatArray} (features, one-hot
 * or regression targets) and {@link IntArray} (class labels).
 */
public sealed interface NumericArray permits FloatArray, IntArray {

  /**
   * @return the full shape, first dimension = number of samples (a copy)
   */
  long[] shape();

  /**
   * @return the number of samples (the first dimension)
   */
  default int count() {
    return (int) shape()[0];
  }

  /**
   * @return the shape of one sample (the shape without its first dimension)
   */
  default long[] sampleShape() {
    long[] s = shape();
    return Arrays.copyOfRange(s, 1, s.length);
  }

  /**
   * @return the number of scalars in one sample
   */
  default int sampleSize() {
    long n = 1;
    for (long d : sampleShape()) {
      n *= d;
    }
    return (int) n;
  }

  /**
   * @param from first sample, inclusive
   * @param to last sample, exclusive
   * @return a copy of samples {@code [from, to)}
   */
  NumericArray slice(int from, int to);

  /**
   * @param indices sample indices, in the order wanted
   * @return a copy holding those samples
   */
  NumericArray gather(int[] indices);

  /** Formats a shape the way Keras prints it: {@code (28, 28, 1)}. */
  static String format(long[] shape) {
    StringBuilder b = new StringBuilder("(");
    for (int i = 0; i < shape.length; i++) {
      if (i > 0) {
        b.append(", ");
      }
      b.append(shape[i] < 0 ? "None" : Long.toString(shape[i]));
    }
    if (shape.length == 1) {
      b.append(',');
    }
    return b.append(')').toString();
  }

  /** Checks a shape against a data length; used by the factories. */
  static long checkedSize(long[] shape, int length, String what) {
    if (shape.length == 0) {
      throw new IllegalArgumentException(what + ": shape must have a sample axis, got ()");
    }
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException(what + ": negative dimension in shape " + format(shape));
      }
      n *= d;
    }
    if (n != length) {
      throw new IllegalArgumentException(
          what + ": shape " + format(shape) + " holds " + n + " values, data has " + length);
    }
    return n;
  }
}

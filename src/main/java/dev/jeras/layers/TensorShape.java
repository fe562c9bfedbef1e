package dev.jeras.layers;

import java.util.Arrays;
import org.tensorflow.ndarray.Shape;

/**
 * The shape of a symbolic tensor, batch dimension included; {@code -1} marks an unknown dimension
 * (Keras' {@code None}). Printed as Keras prints shapes: {@code (None, 26, 26, 32)}.
 *
 * <pre>{@code
 * TensorShape s = TensorShape.batchOf(28, 28, 1);   // (None, 28, 28, 1)
 * s.rank();       // 4
 * s.dim(-1);      // 1
 * }</pre>
 */
public final class TensorShape {
  /** The marker of an unknown dimension. */
  public static final long UNKNOWN = -1;

  private final long[] dims;

  private TensorShape(long[] dims) {
    this.dims = dims;
  }

  /**
   * @return a shape with exactly these dimensions (-1 = unknown)
   */
  public static TensorShape of(long... dims) {
    for (long d : dims) {
      if (d < UNKNOWN) {
        throw new IllegalArgumentException(
            "invalid dimension " + d + " in " + Arrays.toString(dims));
      }
    }
    return new TensorShape(dims.clone());
  }

  /**
   * @return the shape {@code (None, sampleDims...)}
   */
  public static TensorShape batchOf(long... sampleDims) {
    long[] d = new long[sampleDims.length + 1];
    d[0] = UNKNOWN;
    System.arraycopy(sampleDims, 0, d, 1, sampleDims.length);
    return of(d);
  }

  /**
   * @return the number of dimensions
   */
  public int rank() {
    return dims.length;
  }

  /**
   * @param i an axis; negative counts from the end
   * @return that dimension, -1 if unknown
   */
  public long dim(int i) {
    return dims[i < 0 ? dims.length + i : i];
  }

  /**
   * @return all dimensions (a copy)
   */
  public long[] dims() {
    return dims.clone();
  }

  /**
   * @return the dimensions after the batch axis (a copy)
   */
  public long[] sampleDims() {
    return Arrays.copyOfRange(dims, 1, dims.length);
  }

  /**
   * @return the product of the dimensions after the batch axis, -1 if one is unknown
   */
  public long sampleSize() {
    long n = 1;
    for (int i = 1; i < dims.length; i++) {
      if (dims[i] < 0) {
        return UNKNOWN;
      }
      n *= dims[i];
    }
    return n;
  }

  /**
   * @return this shape with a new batch dimension
   */
  public TensorShape withBatch(long batch) {
    long[] d = dims.clone();
    d[0] = batch;
    return new TensorShape(d);
  }

  /**
   * @return the equivalent TensorFlow shape
   */
  public Shape toTf() {
    return Shape.of(dims);
  }

  /**
   * @param other another shape
   * @return whether the two agree on every dimension both know
   */
  public boolean isCompatibleWith(TensorShape other) {
    if (other.rank() != rank()) {
      return false;
    }
    for (int i = 0; i < dims.length; i++) {
      if (dims[i] >= 0 && other.dims[i] >= 0 && dims[i] != other.dims[i]) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorShape t && Arrays.equals(dims, t.dims);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(dims);
  }

  /**
   * @return Keras' notation, e.g. {@code (None, 10)}
   */
  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("(");
    for (int i = 0; i < dims.length; i++) {
      if (i > 0) {
        b.append(", ");
      }
      b.append(dims[i] < 0 ? "None" : Long.toString(dims[i]));
    }
    if (dims.length == 1) {
      b.append(',');
    }
    return b.append(')').toString();
  }
}

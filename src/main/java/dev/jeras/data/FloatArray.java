package dev.jeras.data;

import java.util.Arrays;

/**
 * A dense float32 array, row-major, first axis = samples.
 *
 * <pre>{@code
 * FloatArray x = FloatArray.of(pixels, 60000, 28, 28, 1);
 * FloatArray firstTen = x.slice(0, 10);
 * }</pre>
 *
 * <p>{@link #data()} exposes the backing array without copying, for fast batch assembly; callers
 * that keep it must not change it while a model trains on it.
 */
public final class FloatArray implements NumericArray {
  private final long[] shape;
  private final float[] data;

  private FloatArray(float[] data, long[] shape) {
    NumericArray.checkedSize(shape, data.length, "FloatArray");
    this.shape = shape.clone();
    this.data = data;
  }

  private FloatArray(float value) {
    this.shape = new long[0];
    this.data = new float[] {value};
  }

  /**
   * A rank-0 array: one value with no sample axis, as a model output that reduces its whole batch
   * to one number ({@code tf.reduce_sum(x)}) returns. It has no samples: {@link #count()}, {@link
   * #slice} and {@link #gather} refuse it.
   *
   * @param value the value
   * @return an array of shape {@code ()}
   */
  public static FloatArray scalar(float value) {
    return new FloatArray(value);
  }

  /**
   * @param data values in row-major order (kept, not copied)
   * @param shape the shape, first dimension = samples
   * @return the array
   */
  public static FloatArray of(float[] data, long... shape) {
    return new FloatArray(data, shape);
  }

  /**
   * @param rows one row per sample
   * @return an array of shape (rows, columns)
   */
  public static FloatArray of(float[][] rows) {
    int cols = rows.length == 0 ? 0 : rows[0].length;
    float[] d = new float[rows.length * cols];
    for (int i = 0; i < rows.length; i++) {
      if (rows[i].length != cols) {
        throw new IllegalArgumentException(
            "FloatArray: row " + i + " has " + rows[i].length + " values, row 0 has " + cols);
      }
      System.arraycopy(rows[i], 0, d, i * cols, cols);
    }
    return new FloatArray(d, new long[] {rows.length, cols});
  }

  /**
   * @return an array of zeros with that shape
   */
  public static FloatArray zeros(long... shape) {
    long n = 1;
    for (long s : shape) {
      n *= s;
    }
    return new FloatArray(new float[Math.toIntExact(n)], shape);
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  @Override
  public int count() {
    if (shape.length == 0) {
      throw new IllegalStateException("FloatArray: a scalar (shape ()) has no sample axis");
    }
    return (int) shape[0];
  }

  @Override
  public long[] sampleShape() {
    count();
    return Arrays.copyOfRange(shape, 1, shape.length);
  }

  /**
   * @return the backing array (not a copy)
   */
  public float[] data() {
    return data;
  }

  /**
   * @param index one index per axis
   * @return the value there
   */
  public float get(long... index) {
    if (index.length != shape.length) {
      throw new IllegalArgumentException(
          "FloatArray.get: " + index.length + " indices for shape " + NumericArray.format(shape));
    }
    long flat = 0;
    for (int i = 0; i < shape.length; i++) {
      if (index[i] < 0 || index[i] >= shape[i]) {
        throw new IndexOutOfBoundsException(
            "index " + Arrays.toString(index) + " outside shape " + NumericArray.format(shape));
      }
      flat = flat * shape[i] + index[i];
    }
    return data[(int) flat];
  }

  /**
   * @return a copy with a new shape holding the same number of values
   */
  public FloatArray reshape(long... newShape) {
    return new FloatArray(data.clone(), newShape);
  }

  @Override
  public FloatArray slice(int from, int to) {
    checkRange(from, to);
    int n = sampleSize();
    long[] s = shape.clone();
    s[0] = to - from;
    return new FloatArray(Arrays.copyOfRange(data, from * n, to * n), s);
  }

  @Override
  public FloatArray gather(int[] indices) {
    int n = sampleSize();
    float[] out = new float[indices.length * n];
    for (int i = 0; i < indices.length; i++) {
      checkIndex(indices[i]);
      System.arraycopy(data, indices[i] * n, out, i * n, n);
    }
    long[] s = shape.clone();
    s[0] = indices.length;
    return new FloatArray(out, s);
  }

  private void checkRange(int from, int to) {
    if (from < 0 || to > count() || from > to) {
      throw new IndexOutOfBoundsException(
          "samples [" + from + ", " + to + ") outside 0.." + count());
    }
  }

  private void checkIndex(int i) {
    if (i < 0 || i >= count()) {
      throw new IndexOutOfBoundsException("sample " + i + " outside 0.." + count());
    }
  }

  @Override
  public String toString() {
    return "FloatArray" + NumericArray.format(shape);
  }
}

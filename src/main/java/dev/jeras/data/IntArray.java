package dev.jeras.data;

import java.util.Arrays;

/**
 * A dense int32 array, row-major, first axis = samples: the usual holder of class labels for sparse
 * categorical losses.
 *
 * <pre>{@code
 * IntArray y = IntArray.of(new int[] {7, 2, 1});   // shape (3,)
 * }</pre>
 */
public final class IntArray implements NumericArray {
  private final long[] shape;
  private final int[] data;

  private IntArray(int[] data, long[] shape) {
    NumericArray.checkedSize(shape, data.length, "IntArray");
    this.shape = shape.clone();
    this.data = data;
  }

  /**
   * @param data values in row-major order (kept, not copied)
   * @param shape the shape; omitted means one value per sample, shape (n,)
   * @return the array
   */
  public static IntArray of(int[] data, long... shape) {
    return new IntArray(data, shape.length == 0 ? new long[] {data.length} : shape);
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  /**
   * @return the backing array (not a copy)
   */
  public int[] data() {
    return data;
  }

  /**
   * @return the smallest and largest value, or {@code null} when empty
   */
  public int[] range() {
    if (data.length == 0) {
      return null;
    }
    int lo = Integer.MAX_VALUE;
    int hi = Integer.MIN_VALUE;
    for (int v : data) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    return new int[] {lo, hi};
  }

  @Override
  public IntArray slice(int from, int to) {
    if (from < 0 || to > count() || from > to) {
      throw new IndexOutOfBoundsException(
          "samples [" + from + ", " + to + ") outside 0.." + count());
    }
    int n = sampleSize();
    long[] s = shape.clone();
    s[0] = to - from;
    return new IntArray(Arrays.copyOfRange(data, from * n, to * n), s);
  }

  @Override
  public IntArray gather(int[] indices) {
    int n = sampleSize();
    int[] out = new int[indices.length * n];
    for (int i = 0; i < indices.length; i++) {
      if (indices[i] < 0 || indices[i] >= count()) {
        throw new IndexOutOfBoundsException("sample " + indices[i] + " outside 0.." + count());
      }
      System.arraycopy(data, indices[i] * n, out, i * n, n);
    }
    long[] s = shape.clone();
    s[0] = indices.length;
    return new IntArray(out, s);
  }

  @Override
  public String toString() {
    return "IntArray" + NumericArray.format(shape);
  }
}

package dev.jeras.training;

import dev.jeras.data.FloatArray;
import dev.jeras.data.IntArray;
import dev.jeras.data.NumericArray;
import dev.jeras.internal.Tensors;
import org.tensorflow.Tensor;

/**
 * Assembles batch tensors from arrays: contiguous ranges in one bulk copy, shuffled samples
 * gathered into a reusable scratch array first. Tensors returned are owned by the caller.
 */
final class Batches {
  private float[] floatScratch = new float[0];
  private int[] intScratch = new int[0];

  /**
   * @param a the source array
   * @param order sample order, or {@code null} for the natural order
   * @param from first position in {@code order}, inclusive
   * @param to last position, exclusive
   * @param asInts whether to produce an int32 tensor of shape (batch,) (sparse labels)
   * @return a new tensor holding the batch
   */
  Tensor batch(NumericArray a, int[] order, int from, int to, boolean asInts) {
    int size = to - from;
    long[] shape = a.shape();
    shape[0] = size;
    if (asInts) {
      return Tensors.ints(labels(a, order, from, to), 0, size);
    }
    FloatArray f = (FloatArray) a;
    int n = f.sampleSize();
    if (order == null) {
      return Tensors.floats(f.data(), from * n, shape);
    }
    if (floatScratch.length < size * n) {
      floatScratch = new float[size * n];
    }
    float[] src = f.data();
    for (int i = 0; i < size; i++) {
      System.arraycopy(src, order[from + i] * n, floatScratch, i * n, n);
    }
    return Tensors.floats(floatScratch, 0, shape);
  }

  private int[] labels(NumericArray a, int[] order, int from, int to) {
    int size = to - from;
    if (intScratch.length < size) {
      intScratch = new int[size];
    }
    for (int i = 0; i < size; i++) {
      int idx = order == null ? from + i : order[from + i];
      intScratch[i] =
          a instanceof IntArray ia ? ia.data()[idx] : (int) ((FloatArray) a).data()[idx];
    }
    return intScratch;
  }
}

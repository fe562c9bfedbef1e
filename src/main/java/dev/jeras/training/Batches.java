package dev.jeras.training;

import dev.jeras.data.FloatArray;
import dev.jeras.data.IntArray;
import dev.jeras.data.NumericArray;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.FloatDataBuffer;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Assembles batch tensors from arrays: {@link #fill} copies each sample's values once, straight
 * into a tensor made by {@link #allocate} (contiguous ranges in one bulk copy), which a pass may
 * refill from step to step.
 */
final class Batches {
  private int[] intScratch = new int[0];

  /**
   * @param a the source array
   * @param rows the samples the tensor holds
   * @param asInts whether an int32 tensor of shape (rows,) (sparse labels)
   * @return a new tensor for {@code rows} samples of {@code a}, its values not yet written
   */
  static Tensor allocate(NumericArray a, int rows, boolean asInts) {
    if (asInts) {
      return TInt32.tensorOf(Shape.of(rows));
    }
    long[] shape = a.shape();
    shape[0] = rows;
    return TFloat32.tensorOf(Shape.of(shape));
  }

  /**
   * Writes samples {@code order[from..to)} of {@code a} into {@code into}, a tensor made by {@link
   * #allocate} for {@code to - from} rows.
   */
  void fill(NumericArray a, int[] order, int from, int to, boolean asInts, Tensor into) {
    int size = to - from;
    if (asInts) {
      into.asRawTensor().data().asInts().write(labels(a, order, from, to), 0, size);
      return;
    }
    FloatArray f = (FloatArray) a;
    int n = f.sampleSize();
    FloatDataBuffer dst = into.asRawTensor().data().asFloats();
    float[] src = f.data();
    if (order == null) {
      dst.write(src, from * n, size * n);
      return;
    }
    for (int i = 0; i < size; i++) {
      dst.offset((long) i * n).write(src, order[from + i] * n, n);
    }
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

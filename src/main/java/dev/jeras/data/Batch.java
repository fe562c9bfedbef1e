package dev.jeras.data;

import org.tensorflow.Tensor;
import org.tensorflow.types.TFloat32;

/**
 * One batch of a {@link StreamingDataset}, as tensors ready to feed a model. Owns native memory:
 * close it once used.
 */
public interface Batch extends AutoCloseable {
  /**
   * @return the number of samples (fewer than the batch size for the last batch, or where images
   *     were skipped)
   */
  int size();

  /**
   * @return the features, float32 (size, ...), owned by this batch
   */
  TFloat32 features();

  /**
   * @return the targets, int32 (size) or float32 (size, ...), owned by this batch; {@code null}
   *     when the dataset has none
   */
  Tensor targets();

  /**
   * @return the positions of the samples in the dataset's natural order
   */
  int[] indices();

  /**
   * @return a copy of the features as an array
   */
  default FloatArray featuresArray() {
    float[] data = new float[Math.toIntExact(features().shape().size())];
    features().asRawTensor().data().asFloats().read(data);
    return FloatArray.of(data, features().shape().asArray());
  }

  @Override
  void close();
}

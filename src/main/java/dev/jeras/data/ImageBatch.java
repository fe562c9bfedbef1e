package dev.jeras.data;

import dev.jeras.internal.Tensors;
import org.tensorflow.Result;
import org.tensorflow.Tensor;
import org.tensorflow.types.TFloat32;

/**
 * A decoded batch of an {@link ImageFolder}: the images (held by the decoding session's result, or
 * a compacted copy where images were skipped) and their labels.
 */
final class ImageBatch implements Batch {
  private final Result result;
  private final TFloat32 features;
  private final Tensor targets;
  private final int[] indices;

  private ImageBatch(Result result, TFloat32 features, Tensor targets, int[] indices) {
    this.result = result;
    this.features = features;
    this.targets = targets;
    this.indices = indices;
  }

  /**
   * Builds the batch from a decoded result, leaving out the rows marked bad. Takes ownership of the
   * result.
   *
   * @param result the decoding result, tensor 0 = (n, h, w, c)
   * @param positions the samples' positions in the dataset (the first rows)
   * @param bad which rows to leave out (rows past the positions are padding: always bad)
   * @param labels every sample's label, or null
   * @param targetShape one target's shape, or null
   * @param labelMode int, categorical, binary or none
   * @return the batch
   */
  static ImageBatch of(
      Result result,
      int[] positions,
      boolean[] bad,
      int[] labels,
      long[] targetShape,
      String labelMode) {
    int good = 0;
    for (int i = 0; i < positions.length; i++) {
      good += bad[i] ? 0 : 1;
    }
    int[] kept = new int[good];
    for (int i = 0, k = 0; i < positions.length; i++) {
      if (!bad[i]) {
        kept[k++] = positions[i];
      }
    }
    TFloat32 decoded = (TFloat32) result.get(0);
    Result owner = result;
    TFloat32 features = decoded;
    Tensor targets = null;
    try {
      if (good < bad.length) {
        features = compact(decoded, bad, good);
        owner = null;
        result.close();
      }
      targets = labels == null ? null : targets(kept, labels, targetShape, labelMode);
      return new ImageBatch(owner, features, targets, kept);
    } catch (RuntimeException e) {
      if (owner == null) {
        features.close();
      }
      throw e;
    }
  }

  private static TFloat32 compact(TFloat32 decoded, boolean[] bad, int good) {
    long[] shape = decoded.shape().asArray();
    float[] all = Tensors.toFloats(decoded);
    int per = Math.toIntExact(all.length / Math.max(1, shape[0]));
    float[] out = new float[good * per];
    for (int i = 0, k = 0; i < bad.length; i++) {
      if (!bad[i]) {
        System.arraycopy(all, i * per, out, k++ * per, per);
      }
    }
    shape[0] = good;
    return Tensors.floats(out, 0, shape);
  }

  private static Tensor targets(int[] kept, int[] labels, long[] targetShape, String labelMode) {
    int n = kept.length;
    if (labelMode.equals("int")) {
      int[] y = new int[n];
      for (int i = 0; i < n; i++) {
        y[i] = labels[kept[i]];
      }
      return Tensors.ints(y, 0, n);
    }
    int k = (int) targetShape[0];
    float[] y = new float[n * k];
    for (int i = 0; i < n; i++) {
      int label = labels[kept[i]];
      if (labelMode.equals("binary")) {
        y[i] = label;
      } else {
        y[i * k + label] = 1f;
      }
    }
    return Tensors.floats(y, 0, n, k);
  }

  @Override
  public int size() {
    return indices.length;
  }

  @Override
  public TFloat32 features() {
    return features;
  }

  @Override
  public Tensor targets() {
    return targets;
  }

  @Override
  public int[] indices() {
    return indices.clone();
  }

  @Override
  public void close() {
    try {
      if (targets != null) {
        targets.close();
      }
    } finally {
      if (result != null) {
        result.close();
      } else {
        features.close();
      }
    }
  }
}

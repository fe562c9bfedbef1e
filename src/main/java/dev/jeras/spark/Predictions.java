package dev.jeras.spark;

import dev.jeras.data.FloatArray;
import java.util.List;

/** One row's prediction and label out of a batch's outputs. */
final class Predictions {
  private Predictions() {}

  /**
   * @param outputs the model's outputs for a batch
   * @param i the row in the batch
   * @return the row's values of every output, in output order, concatenated
   */
  static float[] row(List<FloatArray> outputs, int i) {
    int total = 0;
    for (FloatArray o : outputs) {
      total += o.sampleSize();
    }
    float[] p = new float[total];
    int at = 0;
    for (FloatArray o : outputs) {
      int per = o.sampleSize();
      System.arraycopy(o.data(), i * per, p, at, per);
      at += per;
    }
    return p;
  }

  /**
   * The class of the first output: its argmax (the first of equal values), or, for a single unit (a
   * sigmoid), 1 above 0.5 and 0 otherwise.
   *
   * @param first the first output for a batch
   * @param i the row in the batch
   * @return the label
   */
  static int label(FloatArray first, int i) {
    int per = first.sampleSize();
    float[] d = first.data();
    int from = i * per;
    if (per == 1) {
      return d[from] > 0.5f ? 1 : 0;
    }
    int best = 0;
    for (int k = 1; k < per; k++) {
      if (d[from + k] > d[from + best]) {
        best = k;
      }
    }
    return best;
  }
}

package dev.jeras.models;

import dev.jeras.backend.RewriteResult;
import dev.jeras.data.Batch;
import dev.jeras.data.BatchIterator;
import dev.jeras.data.FloatArray;
import dev.jeras.data.StreamingDataset;
import dev.jeras.layers.TensorShape;
import java.util.ArrayList;
import java.util.List;

/**
 * Anything that maps input batches to output batches: a jeras {@link Model}, or a loaded SavedModel
 * (Keras' {@code model.export()}, TensorFlow's, jeras'). Owns native memory: close it.
 *
 * <pre>{@code
 * try (Predictor p = ModelFiles.loadPredictor(Path.of("exported"))) {
 *   FloatArray probs = p.predict(x, 256);
 * }
 * }</pre>
 */
public interface Predictor extends AutoCloseable {
  /**
   * @return the input names (input layer names, or signature input keys)
   */
  List<String> inputNames();

  /**
   * @return the input shapes, batch dimension first (-1 where unknown)
   */
  List<TensorShape> inputShapes();

  /**
   * @return the output names
   */
  List<String> outputNames();

  /**
   * @param xs one array per input, in {@link #inputNames()} order
   * @param batchSize the batch size
   * @return one array per output, in {@link #outputNames()} order
   */
  List<FloatArray> predict(List<FloatArray> xs, int batchSize);

  /**
   * @param x the input of a single-input model
   * @param batchSize the batch size
   * @return the first output
   */
  default FloatArray predict(FloatArray x, int batchSize) {
    return predict(List.of(x), batchSize).get(0);
  }

  /**
   * Predicts on a streaming dataset batch by batch, in its natural order (its shuffling is not
   * applied), holding only the outputs in memory.
   *
   * @param data the inputs of a single-input model
   * @return the first output, one row per sample the dataset delivered (images it skipped are
   *     absent: see their positions with {@link Batch#indices()} when iterating yourself)
   */
  default FloatArray predict(StreamingDataset data) {
    List<float[]> parts = new ArrayList<>();
    long[] shape = null;
    int rows = 0;
    try (BatchIterator it = data.batches()) {
      for (Batch next = it.next(); next != null; next = it.next()) {
        try (Batch b = next) {
          if (b.size() == 0) {
            continue;
          }
          FloatArray out = predict(b.featuresArray(), b.size());
          shape = out.shape();
          rows += b.size();
          parts.add(out.data());
        }
      }
    }
    if (shape == null) {
      throw new dev.jeras.JerasException(data.name() + ": no sample to predict on");
    }
    float[] all = new float[parts.stream().mapToInt(p -> p.length).sum()];
    int at = 0;
    for (float[] p : parts) {
      System.arraycopy(p, 0, all, at, p.length);
      at += p.length;
    }
    shape[0] = rows;
    return FloatArray.of(all, shape);
  }

  /**
   * @return the kernels the CPU engine put in place of TensorFlow's ops (none where it changed
   *     nothing)
   */
  RewriteResult kernels();

  @Override
  void close();
}

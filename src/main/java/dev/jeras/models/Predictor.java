package dev.jeras.models;

import dev.jeras.backend.RewriteResult;
import dev.jeras.data.FloatArray;
import dev.jeras.layers.TensorShape;
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
   * @return the kernels the CPU engine put in place of TensorFlow's ops (none where it changed
   *     nothing)
   */
  RewriteResult kernels();

  @Override
  void close();
}

package dev.jeras.layers;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * The entry point of a model: holds the input's shape and passes the fed tensor through. Created by
 * {@link Input#shape}; Keras' {@code InputLayer}.
 */
public final class InputLayer extends Layer {
  private final TensorShape batchShape;

  /**
   * @param batchShape the input shape with its batch dimension, usually {@code (None, ...)}
   */
  public InputLayer(TensorShape batchShape) {
    if (batchShape.rank() < 1) {
      throw new IllegalArgumentException("InputLayer: shape must have a batch axis");
    }
    for (int i = 1; i < batchShape.rank(); i++) {
      if (batchShape.dim(i) <= 0) {
        throw new IllegalArgumentException(
            "InputLayer: every dimension after the batch must be positive, got " + batchShape);
      }
    }
    this.batchShape = batchShape;
  }

  @Override
  public String className() {
    return "InputLayer";
  }

  /**
   * @return the input shape, batch dimension first
   */
  public TensorShape batchShape() {
    return batchShape;
  }

  @Override
  public TensorShape computeOutputShape(List<TensorShape> inputShapes) {
    return batchShape;
  }

  @Override
  public Operand<TFloat32> call(CallContext ctx, List<Operand<TFloat32>> inputs) {
    return inputs.get(0);
  }

  @Override
  public Map<String, Object> getConfig() {
    Map<String, Object> c = new java.util.LinkedHashMap<>();
    List<Object> shape = new ArrayList<>();
    for (long d : batchShape.dims()) {
      shape.add(d < 0 ? null : d);
    }
    c.put("batch_shape", shape);
    c.put("dtype", "float32");
    c.put("sparse", false);
    c.put("ragged", false);
    c.put("name", name());
    c.put("optional", false);
    return c;
  }
}

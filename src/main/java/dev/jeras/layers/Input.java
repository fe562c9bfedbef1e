package dev.jeras.layers;

import java.util.List;

/**
 * Creates a model input, Keras' {@code keras.Input(shape=...)}.
 *
 * <pre>{@code
 * SymbolicTensor in = Input.shape(28, 28, 1);          // (None, 28, 28, 1)
 * SymbolicTensor named = Input.shape("image", 32, 32, 3);
 * }</pre>
 */
public final class Input {
  private Input() {}

  /**
   * @param sampleShape the shape of one sample, without the batch dimension
   * @return the symbolic input tensor
   */
  public static SymbolicTensor shape(long... sampleShape) {
    return new InputLayer(TensorShape.batchOf(sampleShape)).apply(List.of());
  }

  /**
   * @param name the input's name (the input key of exported signatures)
   * @param sampleShape the shape of one sample, without the batch dimension
   * @return the symbolic input tensor
   */
  public static SymbolicTensor shape(String name, long... sampleShape) {
    InputLayer layer = new InputLayer(TensorShape.batchOf(sampleShape));
    layer.named(name);
    return layer.apply(List.of());
  }
}

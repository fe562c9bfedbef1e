package dev.jeras.layers;

/**
 * A placeholder for a tensor in a model under construction (Keras' {@code KerasTensor}): the output
 * of one call of a layer, with its shape. Functional models are built by calling layers on symbolic
 * tensors.
 *
 * <pre>{@code
 * SymbolicTensor in = Input.shape(28, 28, 1);
 * SymbolicTensor h = new Conv2D(32, 3).activation("relu").apply(in);
 * }</pre>
 */
public final class SymbolicTensor {
  private final Node node;
  private final TensorShape shape;

  SymbolicTensor(Node node, TensorShape shape) {
    this.node = node;
    this.shape = shape;
  }

  /**
   * @return the shape, batch dimension first (unknown, -1)
   */
  public TensorShape shape() {
    return shape;
  }

  /**
   * @return the call of a layer that produces this tensor
   */
  public Node node() {
    return node;
  }

  /**
   * @return the layer that produces this tensor
   */
  public Layer layer() {
    return node.layer();
  }

  @Override
  public String toString() {
    String n = node.layer().name() == null ? node.layer().className() : node.layer().name();
    return "<SymbolicTensor shape=" + shape + " from " + n + "[" + node.index() + "]>";
  }
}

package dev.jeras.layers;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One call of a layer on symbolic inputs. A layer called twice has two nodes and one set of
 * weights. Nodes are numbered in creation order, which is always a topological order.
 */
public final class Node {
  private static final AtomicLong SEQUENCE = new AtomicLong();

  private final Layer layer;
  private final int index;
  private final List<SymbolicTensor> inputs;
  private final SymbolicTensor output;
  private final Boolean training;
  private final long sequence = SEQUENCE.incrementAndGet();

  Node(
      Layer layer,
      int index,
      List<SymbolicTensor> inputs,
      TensorShape outputShape,
      Boolean training) {
    this.layer = layer;
    this.index = index;
    this.inputs = List.copyOf(inputs);
    this.output = new SymbolicTensor(this, outputShape);
    this.training = training;
  }

  /**
   * @return the mode this call is fixed to (Keras' {@code training=} argument), or null when it
   *     follows the model's
   */
  public Boolean training() {
    return training;
  }

  /**
   * @return the layer called
   */
  public Layer layer() {
    return layer;
  }

  /**
   * @return the position of this call among the layer's calls (Keras' node index)
   */
  public int index() {
    return index;
  }

  /**
   * @return the symbolic inputs, in call order (empty for an input layer)
   */
  public List<SymbolicTensor> inputs() {
    return inputs;
  }

  /**
   * @return the symbolic output
   */
  public SymbolicTensor output() {
    return output;
  }

  /**
   * @return the creation order number, used to sort nodes topologically
   */
  public long sequence() {
    return sequence;
  }
}

package dev.jeras.layers;

import dev.jeras.internal.Naming;
import dev.jeras.internal.TensorFlowLogging;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * The base of every layer. A layer has three phases, kept apart so that one model can be wired
 * twice in a graph (training and inference) sharing its variables:
 *
 * <ol>
 *   <li>{@link #computeOutputShape}: pure shape inference, with errors that name the layer and the
 *       shapes;
 *   <li>{@link #weightSpecs}: the weights it needs for given input shapes (declared once, when the
 *       layer is first called);
 *   <li>{@link #call}: wires TensorFlow ops, reading its weights from the {@link CallContext}.
 * </ol>
 *
 * <p>Options are set with fluent setters before the layer is first called; afterwards the layer is
 * frozen and setters throw. Names are assigned by the model ({@code conv2d}, {@code conv2d_1}, ...)
 * unless given with {@link #named}.
 */
public abstract class Layer {
  static {
    TensorFlowLogging.apply(); // before jeras' first TensorFlow op: TF's start-up lines stay quiet
  }

  private String name;
  private boolean provisionalName;
  private boolean trainable = true;
  private List<TensorShape> builtInputShapes;
  private final List<Node> nodes = new ArrayList<>();

  /**
   * @return the Keras class name, e.g. {@code Conv2D}
   */
  public abstract String className();

  /**
   * @param inputShapes the shapes of the inputs, batch dimension first
   * @return the output shape
   * @throws IllegalArgumentException naming the layer and the shapes when the inputs do not fit
   */
  public abstract TensorShape computeOutputShape(List<TensorShape> inputShapes);

  /**
   * Wires the layer's ops.
   *
   * @param ctx the forward pass's context (op factory, mode, weights)
   * @param inputs the input tensors, one per symbolic input
   * @return the output tensor
   */
  public abstract Operand<TFloat32> call(CallContext ctx, List<Operand<TFloat32>> inputs);

  /**
   * @param inputShapes the input shapes the layer is built for
   * @return the weights the layer needs, in Keras' order (empty by default)
   */
  public List<WeightSpec> weightSpecs(List<TensorShape> inputShapes) {
    return List.of();
  }

  /**
   * @return the layer's Keras config (name, trainable, then the layer's own options)
   */
  public Map<String, Object> getConfig() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("name", name);
    c.put("trainable", trainable);
    c.put("dtype", "float32");
    return c;
  }

  /**
   * @return the name, or {@code null} until named or added to a model
   */
  public final String name() {
    return name;
  }

  /**
   * @param name the layer's name (unique within a model)
   * @return this layer
   */
  public Layer named(String name) {
    if (this.name != null && !this.name.equals(name) && !nodes.isEmpty() && !provisionalName) {
      throw new IllegalStateException(
          "layer " + this.name + " is already part of a model and cannot be renamed to " + name);
    }
    this.name = Naming.checkName(name);
    provisionalName = false;
    return this;
  }

  /**
   * Gives the layer a default name that a model may still change to keep its layers' names unique
   * (a nested model's {@code functional} becomes {@code functional_1} beside another).
   *
   * @param name the default name
   */
  protected final void provisionalName(String name) {
    this.name = Naming.checkName(name);
    provisionalName = true;
  }

  /**
   * @return whether the name is a default that a model may change (see {@link #provisionalName})
   */
  public final boolean hasProvisionalName() {
    return provisionalName;
  }

  /**
   * @return the default name prefix: Keras' snake case of the class name, e.g. {@code conv2d}
   */
  public String namePrefix() {
    return Naming.snakeCase(className());
  }

  /**
   * @return whether the optimizer updates this layer's weights
   */
  public final boolean trainable() {
    return trainable;
  }

  /**
   * Freezes or unfreezes the layer's weights (Keras' {@code layer.trainable = False}).
   *
   * @param trainable whether the optimizer updates this layer's weights
   * @return this layer
   */
  public Layer trainable(boolean trainable) {
    this.trainable = trainable;
    return this;
  }

  /**
   * @return the input shapes the layer was built for, or {@code null} before its first call
   */
  public final List<TensorShape> builtInputShapes() {
    return builtInputShapes;
  }

  /**
   * @return the weights declared at build time, empty before the layer's first call (a model's are
   *     its layers' weights)
   */
  public List<WeightSpec> weights() {
    return builtInputShapes == null ? List.of() : weightSpecs(builtInputShapes);
  }

  /**
   * @return the number of scalars in all the layer's weights
   */
  public final long countParams() {
    return weights().stream().mapToLong(WeightSpec::size).sum();
  }

  /**
   * @return the layer's calls, in order
   */
  public final List<Node> nodes() {
    return Collections.unmodifiableList(nodes);
  }

  /**
   * Calls the layer on symbolic inputs (Keras' {@code layer(x)}), inferring the output shape. The
   * first call builds the layer; later calls share its weights and must have compatible shapes.
   *
   * @param inputs the symbolic inputs
   * @return the symbolic output
   */
  public SymbolicTensor apply(SymbolicTensor... inputs) {
    return apply(Arrays.asList(inputs));
  }

  /**
   * @param inputs the symbolic inputs
   * @return the symbolic output
   * @see #apply(SymbolicTensor...)
   */
  public SymbolicTensor apply(List<SymbolicTensor> inputs) {
    return apply(inputs, null);
  }

  /**
   * Calls the layer in a fixed mode (Keras' {@code layer(x, training=False)}): with {@code false},
   * the call runs in inference mode even while the model trains (a transfer-learning base whose
   * BatchNormalization layers keep their moving statistics once unfrozen).
   *
   * @param input the symbolic input
   * @param training the mode of this call
   * @return the symbolic output
   */
  public SymbolicTensor apply(SymbolicTensor input, boolean training) {
    return apply(List.of(input), training);
  }

  /**
   * @param inputs the symbolic inputs
   * @param training the mode of this call, or null for the model's mode
   * @return the symbolic output
   * @see #apply(SymbolicTensor, boolean)
   */
  public SymbolicTensor apply(List<SymbolicTensor> inputs, Boolean training) {
    List<TensorShape> shapes = inputs.stream().map(SymbolicTensor::shape).toList();
    TensorShape out = computeOutputShape(shapes);
    if (builtInputShapes != null) {
      checkCompatible(shapes);
    }
    if (builtInputShapes == null) {
      builtInputShapes = List.copyOf(shapes);
      weightSpecs(builtInputShapes); // validates weight shapes now, not at graph time
    }
    Node node = new Node(this, nodes.size(), inputs, out, training);
    nodes.add(node);
    return node.output();
  }

  /**
   * The output of the layer's single call (Keras' {@code layer.output}), for models that reuse part
   * of another: {@code new Model(base.input(), base.getLayer("block_13_expand_relu").output())}.
   *
   * @return the symbolic output
   * @throws IllegalStateException if the layer has not been called, or has been called more than
   *     once (then its output is ambiguous: use the tensor each call returned)
   */
  public SymbolicTensor output() {
    if (nodes.size() != 1) {
      throw new IllegalStateException(
          describe()
              + (nodes.isEmpty()
                  ? " has not been called yet: it has no output"
                  : " has been called "
                      + nodes.size()
                      + " times, so its output is ambiguous: use the tensor each call returned"));
    }
    return nodes.get(0).output();
  }

  /**
   * A built layer may be called again on any inputs that give its weights the same shapes (as in
   * Keras, where Dense fixes only the last axis and Conv2D only the channels).
   */
  private void checkCompatible(List<TensorShape> shapes) {
    List<WeightSpec> built = weightSpecs(builtInputShapes);
    boolean ok = shapes.size() == builtInputShapes.size();
    if (ok && !built.isEmpty()) {
      List<WeightSpec> now = weightSpecs(shapes);
      ok = now.size() == built.size();
      for (int i = 0; ok && i < now.size(); i++) {
        ok = Arrays.equals(now.get(i).shape(), built.get(i).shape());
      }
    }
    if (!ok) {
      throw new IllegalArgumentException(
          describe()
              + ": a shared layer was built for input "
              + format(builtInputShapes)
              + " and cannot be called on "
              + format(shapes));
    }
  }

  /** Throws unless the layer is still unbuilt (options may change only before the first call). */
  protected final void checkMutable() {
    if (builtInputShapes != null) {
      throw new IllegalStateException(
          describe() + ": options cannot change after the layer has been called");
    }
  }

  /**
   * @return {@code name (ClassName)} for messages
   */
  public final String describe() {
    return (name == null ? namePrefix() : name) + " (" + className() + ")";
  }

  /**
   * @return the single input shape, or an error naming the layer
   */
  protected final TensorShape single(List<TensorShape> inputShapes) {
    if (inputShapes.size() != 1) {
      throw new IllegalArgumentException(
          describe() + ": expected 1 input, got " + inputShapes.size() + " " + format(inputShapes));
    }
    return inputShapes.get(0);
  }

  /**
   * @param shape an input shape
   * @param rank the rank expected
   * @param layout a description of the expected layout, e.g. {@code (batch, height, width,
   *     channels)}
   */
  protected final void requireRank(TensorShape shape, int rank, String layout) {
    if (shape.rank() != rank) {
      throw new IllegalArgumentException(
          describe() + ": expected input of rank " + rank + " " + layout + ", got " + shape);
    }
  }

  /**
   * @return the shapes in Keras notation, comma separated
   */
  protected static String format(List<TensorShape> shapes) {
    return shapes.size() == 1 ? shapes.get(0).toString() : shapes.toString();
  }

  @Override
  public String toString() {
    return describe();
  }
}

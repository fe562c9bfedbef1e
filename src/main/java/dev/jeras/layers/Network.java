package dev.jeras.layers;

import dev.jeras.internal.Naming;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * The topology of a model: its inputs, outputs and the layer calls (nodes) between them, in a
 * topological order. It names unnamed layers (Keras' {@code conv2d}, {@code conv2d_1}, ...) and
 * wires the whole graph for a {@link CallContext}. Structure only: no session, no training.
 */
public final class Network {
  private final List<SymbolicTensor> inputs;
  private final List<SymbolicTensor> outputs;
  private final List<Node> nodes;
  private final List<Layer> layers;

  /**
   * @param inputs the model inputs, each made by {@link Input#shape}
   * @param outputs the model outputs
   * @throws IllegalArgumentException if an output does not depend only on the given inputs
   */
  public Network(List<SymbolicTensor> inputs, List<SymbolicTensor> outputs) {
    if (inputs.isEmpty() || outputs.isEmpty()) {
      throw new IllegalArgumentException("a model needs at least one input and one output");
    }
    for (SymbolicTensor in : inputs) {
      if (!(in.layer() instanceof InputLayer)) {
        throw new IllegalArgumentException(
            "model inputs must come from Input.shape(...), got the output of " + in.layer());
      }
    }
    this.inputs = List.copyOf(inputs);
    this.outputs = List.copyOf(outputs);
    this.nodes = collectNodes();
    LinkedHashSet<Layer> ordered = new LinkedHashSet<>();
    for (Node n : nodes) {
      ordered.add(n.layer());
    }
    this.layers = List.copyOf(ordered);
    assignNames();
  }

  private List<Node> collectNodes() {
    Set<Node> inputNodes = new HashSet<>();
    for (SymbolicTensor t : inputs) {
      inputNodes.add(t.node());
    }
    Set<Node> seen = new HashSet<>();
    Deque<Node> todo = new ArrayDeque<>();
    for (SymbolicTensor t : outputs) {
      todo.add(t.node());
    }
    while (!todo.isEmpty()) {
      Node n = todo.pop();
      if (!seen.add(n)) {
        continue;
      }
      if (n.layer() instanceof InputLayer && !inputNodes.contains(n)) {
        throw new IllegalArgumentException(
            "graph disconnected: an output depends on input "
                + n.output()
                + " which is not among the model's inputs");
      }
      todo.addAll(n.inputs().stream().map(SymbolicTensor::node).toList());
    }
    for (Node n : inputNodes) {
      seen.add(n);
    }
    List<Node> list = new ArrayList<>(seen);
    list.sort(Comparator.comparingLong(Node::sequence));
    return List.copyOf(list);
  }

  private void assignNames() {
    Set<String> used = new HashSet<>();
    Map<String, Layer> byName = new HashMap<>();
    for (Layer l : layers) {
      if (l.name() != null && !l.hasProvisionalName()) {
        Layer other = byName.put(l.name(), l);
        if (other != null && other != l) {
          throw new IllegalArgumentException(
              "two layers are named '"
                  + l.name()
                  + "': "
                  + other.className()
                  + " and "
                  + l.className()
                  + "; layer names must be unique within a model");
        }
        used.add(l.name());
      }
    }
    for (Layer l : layers) {
      if (l.name() == null) {
        l.named(Naming.unique(l.namePrefix(), used));
      } else if (l.hasProvisionalName()) {
        // a model's default name yields to the names given, and to earlier defaults
        String n = Naming.unique(l.name(), used);
        if (!n.equals(l.name())) {
          l.named(n);
        }
      }
    }
  }

  /**
   * @return the model inputs
   */
  public List<SymbolicTensor> inputs() {
    return inputs;
  }

  /**
   * @return the model outputs
   */
  public List<SymbolicTensor> outputs() {
    return outputs;
  }

  /**
   * @return the layer calls in topological order (inputs first)
   */
  public List<Node> nodes() {
    return nodes;
  }

  /**
   * @return the distinct layers in order of first call, input layers included
   */
  public List<Layer> layers() {
    return layers;
  }

  /**
   * @param name a layer name
   * @return that layer
   * @throws IllegalArgumentException naming the known layers when absent
   */
  public Layer layer(String name) {
    for (Layer l : layers) {
      if (l.name().equals(name)) {
        return l;
      }
    }
    String inside = "";
    for (Layer l : layers) {
      if (l instanceof Nested n && n.network().findLayer(name) != null) {
        inside =
            "; a layer of that name is inside nested model "
                + l.name()
                + " (ask that model: getLayer(\""
                + l.name()
                + "\") then its getLayer(\""
                + name
                + "\"))";
        break;
      }
    }
    throw new IllegalArgumentException(
        "no layer named '"
            + name
            + "'; layers: "
            + layers.stream().map(Layer::name).toList()
            + inside);
  }

  /**
   * @param name a layer name
   * @return the layer of that name here or, depth first, inside a nested model; null if none
   */
  public Layer findLayer(String name) {
    for (Layer l : layers) {
      if (l.name().equals(name)) {
        return l;
      }
    }
    for (Layer l : layers) {
      if (l instanceof Nested n) {
        Layer found = n.network().findLayer(name);
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }

  /**
   * @return every weight with its layer, in Keras' order (layer order, then the layer's order)
   */
  public List<LayerWeight> weights() {
    List<LayerWeight> w = new ArrayList<>();
    for (Layer l : layers) {
      for (WeightSpec s : l.weights()) {
        w.add(new LayerWeight(l, s));
      }
    }
    return w;
  }

  /**
   * Wires every layer call.
   *
   * @param ctx the forward pass's context
   * @param inputTensors one tensor per model input, in order
   * @return one tensor per model output, in order
   */
  public List<Operand<TFloat32>> call(CallContext ctx, List<Operand<TFloat32>> inputTensors) {
    return wire(ctx, inputTensors);
  }

  /**
   * Wires every layer call of a model nested in another: its weights are looked up under the nested
   * model's name ({@code base/Conv1/kernel}).
   *
   * @param ctx the enclosing model's context
   * @param owner the nested model
   * @param inputTensors one tensor per input of the nested model
   * @return one tensor per output of the nested model
   */
  public List<Operand<TFloat32>> callNested(
      CallContext ctx, Layer owner, List<Operand<TFloat32>> inputTensors) {
    return wire(new ScopedContext(ctx, owner, ctx.training()), inputTensors);
  }

  private List<Operand<TFloat32>> wire(CallContext ctx, List<Operand<TFloat32>> inputTensors) {
    Map<SymbolicTensor, Operand<TFloat32>> values = new IdentityHashMap<>();
    for (int i = 0; i < inputs.size(); i++) {
      values.put(inputs.get(i), inputTensors.get(i));
    }
    for (Node n : nodes) {
      if (values.containsKey(n.output())) {
        continue;
      }
      List<Operand<TFloat32>> args = n.inputs().stream().map(values::get).toList();
      Boolean fixed = n.training();
      CallContext c =
          fixed == null || fixed == ctx.training() ? ctx : new ScopedContext(ctx, null, fixed);
      values.put(n.output(), n.layer().call(c, args));
    }
    return outputs.stream().map(values::get).toList();
  }

  /**
   * A layer that holds a network of its own: a model used as a layer in another (Keras' nested
   * {@code Functional} and {@code Sequential}).
   */
  public interface Nested {
    /**
     * @return the nested network
     */
    Network network();
  }

  /**
   * A weight and the layer that owns it.
   *
   * @param layer the owner
   * @param spec the weight
   */
  public record LayerWeight(Layer layer, WeightSpec spec) {
    /**
     * @return the variable name, {@code layer/weight}
     */
    public String path() {
      return Naming.variable(layer.name(), spec.name());
    }
  }
}

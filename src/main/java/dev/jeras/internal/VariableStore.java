package dev.jeras.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Assign;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TType;

/**
 * The variables of one graph, by name, each with an assign op fed by a placeholder, so that values
 * computed in Java (initializers, imported weights, checkpoints) can be written in one session run,
 * and read back in one run.
 *
 * <p>Variables are TensorFlow reference variables (VariableV2), the kind TensorFlow Java's
 * SavedModel exporter saves.
 */
public final class VariableStore {
  private final Ops tf;
  private final Map<String, Entry<?>> entries = new LinkedHashMap<>();
  private final Map<String, Ops> scopes = new java.util.HashMap<>();

  /**
   * @param tf the op factory of the graph that holds the variables
   */
  public VariableStore(Ops tf) {
    this.tf = tf;
  }

  private record Entry<T extends TType>(
      Operand<T> variable, Operand<T> value, Op assign, long[] shape, Class<T> type) {}

  /**
   * Creates a float variable.
   *
   * @param name its op name, e.g. {@code conv2d/kernel}
   * @param shape its shape
   * @return the variable
   */
  public Variable<TFloat32> createFloat(String name, long[] shape) {
    return create(name, shape, TFloat32.class);
  }

  /**
   * Creates an int64 scalar variable (counters such as the optimizer's iterations).
   *
   * @param name its op name
   * @return the variable
   */
  public Variable<TInt64> createLong(String name) {
    return create(name, new long[0], TInt64.class);
  }

  private <T extends TType> Variable<T> create(String name, long[] shape, Class<T> type) {
    if (entries.containsKey(name)) {
      throw new IllegalStateException("variable " + name + " already exists");
    }
    int slash = name.lastIndexOf('/');
    Ops scope = slash < 0 ? tf : scope(name.substring(0, slash));
    String leaf = name.substring(slash + 1);
    Variable<T> v = scope.withName(leaf).variable(Shape.of(shape), type);
    if (!v.op().name().equals(name)) {
      throw new IllegalStateException(
          "variable " + name + " was created as " + v.op().name() + ": the name is taken");
    }
    Placeholder<T> p =
        scope.withName(leaf + "_value").placeholder(type, Placeholder.shape(Shape.of(shape)));
    Assign<T> a = scope.withName(leaf + "_assign").assign(v, p);
    entries.put(name, new Entry<>(v, p, a, shape.clone(), type));
    return v;
  }

  /**
   * @return the op factory whose ops are named {@code path/...}, made once per path
   */
  private Ops scope(String path) {
    Ops s = scopes.get(path);
    if (s == null) {
      int slash = path.lastIndexOf('/');
      Ops parent = slash < 0 ? tf : scope(path.substring(0, slash));
      s = parent.withSubScope(path.substring(slash + 1));
      scopes.put(path, s);
    }
    return s;
  }

  /**
   * The same variables in another graph that holds them under the same names (a copy of this
   * store's graph, rewritten and imported): each variable with its value placeholder and assign op.
   *
   * @param graph the other graph
   * @param ops its op factory
   * @return a store over that graph
   * @throws IllegalStateException naming a variable the graph lacks
   */
  public VariableStore rebind(Graph graph, Ops ops) {
    VariableStore s = new VariableStore(ops);
    for (Map.Entry<String, Entry<?>> e : entries.entrySet()) {
      s.entries.put(e.getKey(), rebound(graph, e.getKey(), e.getValue()));
    }
    return s;
  }

  @SuppressWarnings("unchecked")
  private static <T extends TType> Entry<T> rebound(Graph graph, String name, Entry<T> e) {
    GraphOperation v = graph.operation(name);
    GraphOperation p = graph.operation(name + "_value");
    GraphOperation a = graph.operation(name + "_assign");
    if (v == null || p == null || a == null) {
      throw new IllegalStateException("the rewritten graph lost variable " + name);
    }
    return new Entry<>(
        (Operand<T>) v.output(0), (Operand<T>) p.output(0), () -> a, e.shape(), e.type());
  }

  /**
   * @return whether a variable of that name exists
   */
  public boolean contains(String name) {
    return entries.containsKey(name);
  }

  /**
   * @param name a float variable's name
   * @return that variable
   */
  public Operand<TFloat32> floatVariable(String name) {
    return variable(name);
  }

  /**
   * @param name a variable name
   * @param <T> its type
   * @return that variable
   */
  @SuppressWarnings("unchecked")
  public <T extends TType> Operand<T> variable(String name) {
    Entry<?> e = entries.get(name);
    if (e == null) {
      throw new IllegalArgumentException("no variable named " + name);
    }
    return (Operand<T>) e.variable();
  }

  /**
   * @return the shape of a variable
   */
  public long[] shape(String name) {
    return entries.get(name).shape().clone();
  }

  /**
   * @return every variable name, in creation order
   */
  public List<String> names() {
    return Collections.unmodifiableList(new ArrayList<>(entries.keySet()));
  }

  /**
   * Writes values into variables in one session run.
   *
   * @param session the session
   * @param values tensors by variable name; the caller keeps ownership and closes them
   */
  public void assign(Session session, Map<String, ? extends Tensor> values) {
    if (values.isEmpty()) {
      return;
    }
    Session.Runner r = session.runner();
    for (Map.Entry<String, ? extends Tensor> v : values.entrySet()) {
      Entry<?> e = entries.get(v.getKey());
      if (e == null) {
        throw new IllegalArgumentException("no variable named " + v.getKey());
      }
      r.feed(e.value(), v.getValue()).addTarget(e.assign());
    }
    r.run().close();
  }

  /**
   * Reads float variables in one session run.
   *
   * @param session the session
   * @param names the variables wanted
   * @return their values, by name
   */
  public Map<String, float[]> readFloats(Session session, List<String> names) {
    Map<String, float[]> out = new LinkedHashMap<>();
    if (names.isEmpty()) {
      return out;
    }
    Session.Runner r = session.runner();
    for (String n : names) {
      r.fetch(floatVariable(n));
    }
    try (Result res = r.run()) {
      for (int i = 0; i < names.size(); i++) {
        out.put(names.get(i), Tensors.toFloats(res.get(i)));
      }
    }
    return out;
  }

  /**
   * @param session the session
   * @param name an int64 scalar variable
   * @return its value
   */
  public long readLong(Session session, String name) {
    try (Result res = session.runner().fetch(entries.get(name).variable()).run()) {
      return Tensors.scalarLong(res.get(0));
    }
  }
}

package dev.jeras.backend.cpu;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;

/**
 * A graph definition seen the way the rewrite rules match it: nodes by name, each node's consumers,
 * static shapes (from an imported copy), which nodes are fetched (never removed) or lie on a
 * training forward pass, and which nodes a rule has already taken.
 */
final class NodeGraph implements AutoCloseable {
  /** An input of {@code consumer}: {@code ^node}, {@code node} or {@code node:k}. */
  private record Edge(NodeDef consumer, String input) {}

  private final GraphDef def;
  private final Map<String, NodeDef> nodes = new LinkedHashMap<>();
  private final Map<String, List<Edge>> consumers = new HashMap<>();
  private final Set<String> fetched;
  private final Set<String> differentiated;
  private final Set<String> claimed = new HashSet<>();
  private final Graph shapes;

  /**
   * @param def the graph
   * @param fetched nodes fetched or fed by name
   * @param differentiated nodes of a training forward pass
   * @throws RuntimeException where TensorFlow cannot import the graph (unknown ops)
   */
  NodeGraph(GraphDef def, Set<String> fetched, Set<String> differentiated) {
    this.def = def;
    this.fetched = Set.copyOf(fetched);
    this.differentiated = Set.copyOf(differentiated);
    for (NodeDef n : def.getNodeList()) {
      nodes.put(n.getName(), n);
      for (String in : n.getInputList()) {
        consumers.computeIfAbsent(Nodes.nodeName(in), k -> new ArrayList<>()).add(new Edge(n, in));
      }
    }
    shapes = new Graph();
    try {
      shapes.importGraphDef(def);
    } catch (RuntimeException e) {
      shapes.close();
      throw e;
    }
  }

  /**
   * @return the definition this view was made from
   */
  GraphDef def() {
    return def;
  }

  /**
   * @return every node, in the definition's order
   */
  Collection<NodeDef> nodes() {
    return nodes.values();
  }

  /**
   * @return the node of that name, or null
   */
  NodeDef node(String name) {
    return nodes.get(name);
  }

  /**
   * @return whether the node is on a training forward pass
   */
  boolean differentiated(NodeDef n) {
    return differentiated.contains(n.getName());
  }

  /**
   * @return whether a rule has taken the node
   */
  boolean claimed(NodeDef n) {
    return claimed.contains(n.getName());
  }

  /** Marks nodes as taken by a rule. */
  void claim(Collection<String> names) {
    claimed.addAll(names);
  }

  /**
   * The node's only consumer, through its output 0 and a data edge, where the node is not fetched
   * and the consumer not taken; else null.
   */
  NodeDef soleConsumer(NodeDef n) {
    List<Edge> cs = consumers.getOrDefault(n.getName(), List.of());
    if (cs.size() != 1 || fetched.contains(n.getName())) {
      return null;
    }
    String in = cs.get(0).input();
    NodeDef c = cs.get(0).consumer();
    return in.startsWith("^") || Nodes.outputIndex(in) != 0 || claimed(c) ? null : c;
  }

  /**
   * The only consumer of the node's output 0, through a data edge, where the node is not fetched
   * and the consumer not taken; else null. Its other outputs may have consumers.
   */
  NodeDef soleConsumerOfFirst(NodeDef n) {
    if (fetched.contains(n.getName())) {
      return null;
    }
    List<Edge> cs =
        consumers.getOrDefault(n.getName(), List.of()).stream()
            .filter(e -> !e.input().startsWith("^") && Nodes.outputIndex(e.input()) == 0)
            .toList();
    return cs.size() != 1 || claimed(cs.get(0).consumer()) ? null : cs.get(0).consumer();
  }

  /**
   * @return whether nothing reads an output of the node other than its first (control edges aside)
   */
  boolean onlyFirstOutputRead(NodeDef n) {
    return consumers.getOrDefault(n.getName(), List.of()).stream()
        .allMatch(e -> e.input().startsWith("^") || Nodes.outputIndex(e.input()) == 0);
  }

  /**
   * @return the node an input string names, where it is a data edge; else null
   */
  NodeDef producer(String input) {
    return input.startsWith("^") ? null : nodes.get(Nodes.nodeName(input));
  }

  /**
   * @return the static shape of a tensor ({@code node:k}), unknown where the graph lacks it
   */
  Shape shape(String tensor) {
    GraphOperation op = shapes.operation(Nodes.nodeName(tensor));
    return op == null ? Shape.unknown() : op.output(Nodes.outputIndex(tensor)).shape();
  }

  /**
   * @return a new definition: this one without the removed nodes, with the added ones
   */
  GraphDef apply(List<Rule.Replacement> replacements) {
    Set<String> removed = new HashSet<>();
    List<NodeDef> added = new ArrayList<>();
    for (Rule.Replacement r : replacements) {
      removed.addAll(r.removed());
      added.addAll(r.added());
    }
    GraphDef.Builder out = def.toBuilder().clearNode();
    for (NodeDef n : def.getNodeList()) {
      if (!removed.contains(n.getName())) {
        out.addNode(n);
      }
    }
    added.forEach(out::addNode);
    return out.build();
  }

  @Override
  public void close() {
    shapes.close();
  }
}

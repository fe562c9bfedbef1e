package dev.jeras.backend.cpu;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.TensorFlow;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.OpDef;

/**
 * Replaces the function calls that a graph's fetches reach ({@code PartitionedCall}, {@code
 * StatefulPartitionedCall} of a function in the graph's library, as TensorFlow 2 SavedModels make
 * them) by the functions' nodes, recursively, so that {@link CpuInferenceGraph} sees plain ops. A
 * call's node becomes an {@code IdentityN} of the function's results under the call's name, so
 * consumers and fetches keep their tensor names; the function's nodes are named {@code
 * <call>/inlined/<node>}.
 */
final class FunctionInliner {
  private static final Logger LOG = LoggerFactory.getLogger(FunctionInliner.class);
  private static final int MAX_CALLS = 10_000;
  private static Map<String, OpDef> opDefs;

  private FunctionInliner() {}

  /**
   * The part of a graph that computes {@code fetches}, with the function calls on that part
   * inlined. Calls the fetches do not reach (a SavedModel's save and restore functions, other
   * signatures) are left out, so a function this class cannot inline declines the graph only where
   * it lies on the path.
   *
   * @param def the graph
   * @param fetches the nodes whose results are wanted
   * @param fed nodes that will be fed: the walk stops there
   * @return the nodes the fetches need, calls inlined (the library kept only for a fed call), or
   *     null where a call on the path cannot be inlined or a node is missing
   */
  static GraphDef inline(GraphDef def, Collection<String> fetches, Set<String> fed) {
    Map<String, FunctionDef> library = new HashMap<>();
    for (FunctionDef f : def.getLibrary().getFunctionList()) {
      library.put(f.getSignature().getName(), f);
    }
    Map<String, NodeDef> nodes = new HashMap<>();
    for (NodeDef n : def.getNodeList()) {
      nodes.put(n.getName(), n);
    }
    Map<String, NodeDef> needed = new LinkedHashMap<>();
    Deque<String> todo = new ArrayDeque<>(fetches);
    int calls = 0;
    while (!todo.isEmpty()) {
      String name = todo.pop();
      if (needed.containsKey(name)) {
        continue;
      }
      NodeDef n = nodes.get(name);
      if (n == null) {
        LOG.debug("function inlining: no node {}", name);
        return null;
      }
      if (!fed.contains(name) && isCall(n)) {
        AttrValue f = n.getAttrOrDefault("f", null);
        FunctionDef fd = f == null ? null : library.get(f.getFunc().getName());
        if (fd == null || ++calls > MAX_CALLS) {
          LOG.debug("function inlining: {} calls no function of the library", name);
          return null;
        }
        List<NodeDef> body = expand(n, fd);
        if (body == null) {
          return null;
        }
        body.forEach(b -> nodes.put(b.getName(), b)); // the last is the call's IdentityN
        n = nodes.get(name);
      }
      needed.put(name, n);
      if (!fed.contains(name)) {
        for (String in : n.getInputList()) {
          todo.push(Nodes.nodeName(in));
        }
      }
    }
    GraphDef.Builder out =
        GraphDef.newBuilder().setVersions(def.getVersions()).addAllNode(needed.values());
    if (needed.values().stream().anyMatch(FunctionInliner::isCall)) {
      out.setLibrary(def.getLibrary()); // a fed call stays a call
    }
    return out.build();
  }

  private static boolean isCall(NodeDef n) {
    return n.getOp().equals("StatefulPartitionedCall") || n.getOp().equals("PartitionedCall");
  }

  /** The function's nodes for one call, and the call's IdentityN; null where unsupported. */
  private static List<NodeDef> expand(NodeDef call, FunctionDef fd) {
    String prefix = call.getName() + "/inlined/";
    List<String> data = new ArrayList<>();
    List<String> control = new ArrayList<>();
    for (String in : call.getInputList()) {
      (in.startsWith("^") ? control : data).add(in);
    }
    List<OpDef.ArgDef> args = fd.getSignature().getInputArgList();
    if (args.size() != data.size()) {
      LOG.debug(
          "function inlining: {} passes {} inputs to {} arguments",
          call.getName(),
          data.size(),
          args.size());
      return null;
    }
    Map<String, String> argTensor = new HashMap<>();
    for (int i = 0; i < args.size(); i++) {
      if (!args.get(i).getNumberAttr().isEmpty() || !args.get(i).getTypeListAttr().isEmpty()) {
        return null;
      }
      argTensor.put(args.get(i).getName(), data.get(i));
    }
    Map<String, NodeDef> inner = new HashMap<>();
    for (NodeDef n : fd.getNodeDefList()) {
      inner.put(n.getName(), n);
    }
    List<NodeDef> out = new ArrayList<>();
    for (NodeDef n : fd.getNodeDefList()) {
      for (AttrValue v : n.getAttrMap().values()) {
        if (v.getValueCase() == AttrValue.ValueCase.PLACEHOLDER) {
          return null; // a generic function: attributes bound at the call
        }
      }
      NodeDef.Builder b = n.toBuilder().setName(prefix + n.getName()).clearInput().clearDevice();
      for (String in : n.getInputList()) {
        String t = resolve(in, prefix, argTensor, inner);
        if (t == null) {
          LOG.debug("function inlining: cannot resolve input {} of {}", in, n.getName());
          return null;
        }
        b.addInput(t);
      }
      out.add(b.build());
    }
    AttrValue.ListValue.Builder types = AttrValue.ListValue.newBuilder();
    NodeDef.Builder identity = NodeDef.newBuilder().setName(call.getName()).setOp("IdentityN");
    for (OpDef.ArgDef o : fd.getSignature().getOutputArgList()) {
      String ret = fd.getRetMap().get(o.getName());
      String t = ret == null ? null : resolve(ret, prefix, argTensor, inner);
      if (t == null || !o.getNumberAttr().isEmpty() || !o.getTypeListAttr().isEmpty()) {
        return null;
      }
      identity.addInput(t);
      types.addType(o.getType());
    }
    control.forEach(identity::addInput);
    out.add(identity.putAttr("T", AttrValue.newBuilder().setList(types).build()).build());
    return out;
  }

  /**
   * A function-body input ({@code arg}, {@code node:output_arg:index}, {@code ^node}) as a graph
   * tensor name; null where it names nothing known.
   */
  private static String resolve(
      String in, String prefix, Map<String, String> argTensor, Map<String, NodeDef> inner) {
    if (in.startsWith("^")) {
      String name = in.substring(1);
      if (argTensor.containsKey(name)) {
        return "^" + Nodes.nodeName(argTensor.get(name));
      }
      return inner.containsKey(name) ? "^" + prefix + name : null;
    }
    String[] parts = in.split(":");
    if (parts.length == 1) {
      return argTensor.get(in);
    }
    if (parts.length != 3) {
      return null;
    }
    NodeDef n = inner.get(parts[0]);
    int index = n == null ? -1 : flatIndex(n, parts[1], Integer.parseInt(parts[2]));
    return index < 0 ? null : prefix + parts[0] + ":" + index;
  }

  /** The position among a node's outputs of its output argument's {@code index}-th tensor. */
  private static int flatIndex(NodeDef n, String outputArg, int index) {
    OpDef op = opDefs().get(n.getOp());
    if (op == null) {
      return -1;
    }
    int offset = 0;
    for (OpDef.ArgDef a : op.getOutputArgList()) {
      if (a.getName().equals(outputArg)) {
        return offset + index;
      }
      if (!a.getNumberAttr().isEmpty()) {
        AttrValue v = n.getAttrOrDefault(a.getNumberAttr(), null);
        if (v == null) {
          return -1;
        }
        offset += (int) v.getI();
      } else if (!a.getTypeListAttr().isEmpty()) {
        AttrValue v = n.getAttrOrDefault(a.getTypeListAttr(), null);
        if (v == null) {
          return -1;
        }
        offset += v.getList().getTypeCount();
      } else {
        offset++;
      }
    }
    return -1;
  }

  private static synchronized Map<String, OpDef> opDefs() {
    if (opDefs == null) {
      Map<String, OpDef> m = new HashMap<>();
      for (OpDef d : TensorFlow.registeredOpList().getOpList()) {
        m.put(d.getName(), d);
      }
      opDefs = m;
    }
    return opDefs;
  }
}

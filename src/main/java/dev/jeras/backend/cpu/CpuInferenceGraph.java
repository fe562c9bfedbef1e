package dev.jeras.backend.cpu;

import com.google.protobuf.ByteString;
import dev.jeras.backend.Backend;
import dev.jeras.backend.Devices;
import dev.jeras.backend.EngineOptions;
import dev.jeras.backend.RewriteResult;
import dev.jeras.internal.Tensors;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.TensorFlow;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

/**
 * An inference-only copy of a loaded graph (a SavedModel's) that the CPU engine can rewrite: the
 * part of the graph that computes the requested outputs from the fed inputs, function calls inlined
 * ({@link FunctionInliner}: TensorFlow 2 SavedModels such as Keras' {@code model.export()} call
 * their serving function), every variable's current value as a constant, then prepared by {@link
 * CpuBackend} as jeras' own graphs are. Each call runs the copy's ops in the calling thread (no
 * hand-off to the inter-op pool: the copy is a chain of large ops).
 *
 * <p>The copy holds the weights a second time, built once at load; later changes to the loaded
 * session's variables do not reach it. {@link #build} declines (returns null) where the copy would
 * not be the same computation: a call on the path of a function the graph's library lacks, other
 * stateful ops on the path, variables read other than by {@code VariableV2} or {@code
 * ReadVariableOp}, string weights, more than {@value #MAX_CONSTANT_BYTES} bytes of weights, or
 * outputs that differ from the loaded graph's on a check input by more than {@value #TOLERANCE}
 * relative.
 */
public final class CpuInferenceGraph implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CpuInferenceGraph.class);

  /** Weights beyond this many bytes stay in variables (a GraphDef is limited to 2 GB). */
  static final long MAX_CONSTANT_BYTES = 512L << 20;

  /** How far the copy's outputs may be from the loaded graph's, relative to their largest value. */
  static final double TOLERANCE = 1e-4;

  /**
   * What one call returns.
   *
   * @param values each fetched output's values, in the order the fetches were given
   * @param shapes each output's shape
   */
  public record Outputs(float[][] values, long[][] shapes) {}

  private final NativeSession session;
  private final RewriteResult rewrite;

  private CpuInferenceGraph(NativeSession session, RewriteResult rewrite) {
    this.session = session;
    this.rewrite = rewrite;
  }

  /**
   * @param source the loaded graph
   * @param sourceSession its session, holding the variables' values
   * @param feeds the tensors that will be fed ({@code node:index})
   * @param fetches the tensors that will be fetched ({@code node:index})
   * @param options the engine options the copy is prepared with
   * @return the copy, or null where it does not apply (see the class comment)
   */
  public static CpuInferenceGraph build(
      Graph source,
      Session sourceSession,
      List<String> feeds,
      List<String> fetches,
      EngineOptions options) {
    Set<String> fed = new HashSet<>();
    for (String f : feeds) {
      fed.add(Nodes.nodeName(f));
    }
    List<String> fetched = new ArrayList<>();
    for (String f : fetches) {
      fetched.add(Nodes.nodeName(f));
    }
    GraphDef def = FunctionInliner.inline(source.toGraphDef(), fetched, fed);
    if (def == null) {
      return null;
    }
    Map<String, NodeDef> nodes = new LinkedHashMap<>();
    for (NodeDef n : def.getNodeList()) {
      nodes.put(n.getName(), n);
    }
    // the nodes the fetches need, variable reads becoming constants
    Set<String> keep = new HashSet<>();
    List<NodeDef> frozen = new ArrayList<>();
    Deque<String> todo = new ArrayDeque<>();
    for (String f : fetches) {
      todo.push(Nodes.nodeName(f));
    }
    while (!todo.isEmpty()) {
      String name = todo.pop();
      NodeDef n = nodes.get(name);
      if (n == null) {
        LOG.debug("CPU inference graph: no node {}", name);
        return null;
      }
      if (!keep.add(name) || fed.contains(name)) {
        continue;
      }
      String op = n.getOp();
      if (op.equals("VariableV2") || op.equals("ReadVariableOp")) {
        frozen.add(n);
        continue;
      }
      if (!isStateless(op)) {
        LOG.debug(
            "CPU inference graph: {} is a stateful op ({}); the graph runs as loaded", name, op);
        return null;
      }
      for (String in : n.getInputList()) {
        todo.push(Nodes.nodeName(in));
      }
    }
    Map<String, NodeDef> constants = constants(source, sourceSession, frozen);
    if (constants == null) {
      return null;
    }
    List<NodeDef> kept = new ArrayList<>();
    for (NodeDef n : def.getNodeList()) {
      if (keep.contains(n.getName())) {
        NodeDef c = constants.get(n.getName());
        kept.add((c != null ? c : n).toBuilder().clearDevice().build());
      }
    }
    GraphDef copyDef =
        GraphDef.newBuilder().setVersions(def.getVersions()).addAllNode(kept).build();
    Set<String> named = new HashSet<>(fed);
    named.addAll(fetched);
    RewriteResult rewrite =
        new CpuBackend(options).prepare(new Backend.GraphPlan(copyDef, named, Set.of(), 0));
    if (rewrite.applied().isEmpty()) {
      // still worth running: with the functions inlined and the weights constant, TensorFlow's
      // graph optimizer folds and fuses what it cannot across a function call on variables
      // (docs/performance.md)
      LOG.debug("CPU inference graph: no kernel to replace; the flat copy runs TensorFlow's ops");
    }
    CpuInferenceGraph copy;
    try {
      copy =
          new CpuInferenceGraph(
              NativeSession.create(rewrite.graph(), Devices.configure(options), feeds, fetches),
              rewrite);
    } catch (RuntimeException e) {
      LOG.debug(
          "CPU inference graph refused by TensorFlow ({}); the graph runs as loaded", e.toString());
      return null;
    }
    if (!copy.agrees(source, sourceSession, feeds, fetches)) {
      copy.close();
      return null;
    }
    return copy;
  }

  /**
   * Runs the copy and the source on the same two-sample input and compares every fetched output.
   *
   * @return whether they agree within {@value #TOLERANCE} relative to the outputs' largest value
   */
  private boolean agrees(
      Graph source, Session sourceSession, List<String> feeds, List<String> fetches) {
    Map<String, Tensor> inputs = new LinkedHashMap<>();
    float[][] data = new float[feeds.size()][];
    long[][] shapes = new long[feeds.size()][];
    try {
      for (int k = 0; k < feeds.size(); k++) {
        String f = feeds.get(k);
        GraphOperation op = source.operation(Nodes.nodeName(f));
        Shape s = op == null ? Shape.unknown() : op.output(Nodes.outputIndex(f)).shape();
        if (op == null
            || op.output(Nodes.outputIndex(f)).dataType() != DataType.DT_FLOAT
            || s.isUnknown()
            || s.numDimensions() < 1) {
          LOG.debug("CPU inference graph: input {} is not a float tensor of known rank", f);
          return false;
        }
        long[] dims = s.asArray();
        dims[0] = 2;
        long n = 1;
        for (int i = 1; i < dims.length; i++) {
          if (dims[i] < 0) {
            LOG.debug("CPU inference graph: input {} has an unknown dimension", f);
            return false;
          }
          n *= dims[i];
        }
        float[] v = new float[Math.toIntExact(2 * n)];
        for (int i = 0; i < v.length; i++) {
          v[i] = (float) (0.5 + 0.5 * Math.sin(0.37 * i));
        }
        data[k] = v;
        shapes[k] = dims;
        inputs.put(f, Tensors.floats(v, 0, dims));
      }
      Session.Runner ref = sourceSession.runner();
      inputs.forEach(ref::feed);
      fetches.forEach(ref::fetch);
      Outputs got = run(data, new int[feeds.size()], shapes);
      try (Result want = ref.run()) {
        for (int i = 0; i < fetches.size(); i++) {
          if (want.get(i).dataType() != DataType.DT_FLOAT) {
            LOG.debug("CPU inference graph: output {} is not float", fetches.get(i));
            return false;
          }
          float[] a = Tensors.toFloats(want.get(i));
          float[] b = got.values()[i];
          double scale = 0;
          double diff = a.length == b.length ? 0 : Double.POSITIVE_INFINITY;
          for (int j = 0; j < Math.min(a.length, b.length); j++) {
            scale = Math.max(scale, Math.abs(a[j]));
            diff = Math.max(diff, Math.abs(a[j] - b[j]));
          }
          if (!(diff <= TOLERANCE * Math.max(1, scale))) {
            LOG.warn(
                "CPU inference graph: output {} differs from the loaded graph's by {}; the"
                    + " graph runs as loaded",
                fetches.get(i),
                diff);
            return false;
          }
        }
      }
      return true;
    } catch (RuntimeException e) {
      LOG.debug(
          "CPU inference graph: check run failed ({}); the graph runs as loaded", e.getMessage());
      return false;
    } finally {
      inputs.values().forEach(Tensor::close);
    }
  }

  /**
   * @return what the CPU engine changed in the copy
   */
  public RewriteResult rewrite() {
    return rewrite;
  }

  /**
   * Runs the copy on float inputs, in the order of the feeds it was built for, and fetches every
   * output it was built for. Safe to call from several threads at once.
   *
   * @param data each input's values
   * @param offsets where each input's values start in its array
   * @param shapes each input's shape, batch first
   * @return the outputs, in the order of the fetches
   * @throws IllegalArgumentException where TensorFlow fails the run (its message)
   */
  public Outputs run(float[][] data, int[] offsets, long[][] shapes) {
    return session.run(data, offsets, shapes);
  }

  @Override
  public void close() {
    session.close();
  }

  private static boolean isStateless(String op) {
    try {
      return !TensorFlow.isOpStateful(op);
    } catch (RuntimeException e) {
      return false; // not a registered op: a function call
    }
  }

  /**
   * The variables' current values as Const nodes under the names of the nodes that read them; null
   * where one cannot be. A read that exists only in an inlined function is added to the source
   * graph, on the variable handle it reads.
   */
  private static Map<String, NodeDef> constants(
      Graph source, Session session, List<NodeDef> reads) {
    Map<String, NodeDef> out = new HashMap<>();
    if (reads.isEmpty()) {
      return out;
    }
    List<String> names = new ArrayList<>();
    Session.Runner r = session.runner();
    for (NodeDef n : reads) {
      names.add(n.getName());
      if (source.operation(n.getName()) != null) {
        r.fetch(n.getName(), 0);
        continue;
      }
      String handle = n.getInputCount() == 0 ? null : n.getInput(0);
      GraphOperation h =
          handle == null || handle.startsWith("^")
              ? null
              : source.operation(Nodes.nodeName(handle));
      AttrValue dtype = n.getAttrOrDefault("dtype", null);
      if (h == null || dtype == null) {
        LOG.debug("CPU inference graph: cannot read {}; the graph runs as loaded", n.getName());
        return null;
      }
      try {
        r.fetch(
            org.tensorflow.op.Ops.create(source)
                .scope()
                .opBuilder("ReadVariableOp", "jeras_cpu_copy_read")
                .addInput(h.output(Nodes.outputIndex(handle)))
                .setAttr("dtype", dtype.getType())
                .build()
                .output(0));
      } catch (RuntimeException e) {
        LOG.debug(
            "CPU inference graph: cannot read {} ({}); the graph runs as loaded",
            n.getName(),
            e.getMessage());
        return null;
      }
    }
    long bytes = 0;
    try (Result values = r.run()) {
      for (int i = 0; i < names.size(); i++) {
        Tensor t = values.get(i);
        DataType type = t.dataType();
        if (type == DataType.DT_STRING
            || type == DataType.DT_RESOURCE
            || type == DataType.DT_VARIANT) {
          LOG.debug(
              "CPU inference graph: {} holds {}; the graph runs as loaded", names.get(i), type);
          return null;
        }
        bytes += t.numBytes();
        if (bytes > MAX_CONSTANT_BYTES) {
          LOG.debug(
              "CPU inference graph: weights over {} bytes; the graph runs as loaded",
              MAX_CONSTANT_BYTES);
          return null;
        }
        byte[] content = new byte[Math.toIntExact(t.numBytes())];
        t.asRawTensor().data().read(content);
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (long d : t.shape().asArray()) {
          shape.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
        }
        TensorProto value =
            TensorProto.newBuilder()
                .setDtype(type)
                .setTensorShape(shape)
                .setTensorContent(ByteString.copyFrom(content))
                .build();
        out.put(
            names.get(i),
            NodeDef.newBuilder()
                .setName(names.get(i))
                .setOp("Const")
                .putAttr("dtype", AttrValue.newBuilder().setType(type).build())
                .putAttr("value", AttrValue.newBuilder().setTensor(value).build())
                .build());
      }
    } catch (RuntimeException e) {
      LOG.debug(
          "CPU inference graph: cannot read the weights ({}); the graph runs as loaded",
          e.getMessage());
      return null;
    }
    return out;
  }
}

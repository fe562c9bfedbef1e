package dev.jeras.internal;

import com.google.protobuf.ByteString;
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
import org.tensorflow.proto.RunOptions;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

/**
 * An inference-only copy of a loaded graph for the CPU, with jeras' fused convolution + max pool
 * ({@link NativeOps}) and oneDNN's convolution where an image patch is short, as in jeras' own
 * inference graphs.
 *
 * <p>TensorFlow runs a graph's convolutions either all on oneDNN ({@code TF_ENABLE_ONEDNN_OPTS=1})
 * or all on its own kernels (its choice on CPUs without AVX-512 VNNI, AVX-VNNI or AMX). Neither is
 * best: oneDNN is 2-3x faster for the MNIST model's first convolution (one channel, 3x3),
 * TensorFlow's kernel faster for its second (32 channels); and for a short patch followed by a max
 * pool, both spend their time writing the full-size convolution output and reading it back, which
 * jeras' fused kernel never writes. The copy keeps the part of the graph that computes the
 * requested outputs from the fed inputs, function calls inlined ({@link FunctionInliner}:
 * TensorFlow 2 SavedModels such as Keras' {@code model.export()} call their serving function), with
 * every variable's current value as a constant. Each stride-1 convolution + bias [+ ReLU] whose
 * patch (channels x kernel height x width) is at most 32 long, with a multiple of 8 filters,
 * followed only by a max pool (MaxPool or MaxPoolV2) whose windows do not overlap, becomes one
 * {@value NativeOps#CONV_MAX_POOL} (where {@link NativeOps#available}). Where oneDNN is not on for
 * the process, each other convolution + bias [+ ReLU] with a short patch becomes oneDNN's fused
 * convolution, and each batch normalization of images (inference mode, rank 4) oneDNN's, 2x
 * TensorFlow's for CIFAR's layers. TensorFlow's optimizer fuses the rest as usual.
 *
 * <p>Each call runs the copy's ops one after another in the calling thread ({@code
 * inter_op_thread_pool = -1}); every kernel still spreads its work over TensorFlow's intra-op
 * threads. Handing each op of the copy (a chain of large ops) to the inter-op pool only adds thread
 * switches, and each is a chance to wait for a core: on 2 shared cores (MNIST SavedModel, nine
 * alternations of {@code dev.jeras.bench.InferenceBench}) batch-1 p99 latency went from 2.56 to
 * 0.83 ms (medians), p50 (0.45 ms) and batch-256 images/s (14,166 against 14,195) unchanged.
 *
 * <p>The copy holds the weights a second time (the loaded bundle keeps its variables), built once
 * at load; later changes to the loaded session's variables do not reach it.
 *
 * <p>{@link #build} declines (returns null) where the copy would not be the same computation or
 * would not help: a GPU, neither oneDNN's kernels ({@value OneDnn#PROPERTY}{@code =off} or oneDNN
 * on for the process) nor jeras' ({@value NativeOps#PROPERTY}{@code =off}, not built, a CPU without
 * AVX2) to use, a call on the path of a function the graph's library lacks or that is generic,
 * other stateful ops on the path (tables, random ops), variables read other than by {@code
 * VariableV2} or {@code ReadVariableOp}, string weights, more than {@value #MAX_CONSTANT_BYTES}
 * bytes of weights, nothing to replace, or outputs that differ from the loaded graph's on a check
 * input by more than {@value #TOLERANCE} relative.
 */
public final class CpuInferenceGraph implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CpuInferenceGraph.class);

  /** Weights beyond this many bytes stay in variables (a GraphDef is limited to 2 GB). */
  static final long MAX_CONSTANT_BYTES = 512L << 20;

  /** How far the copy's outputs may be from the loaded graph's, relative to their largest value. */
  static final double TOLERANCE = 1e-4;

  /** Ops run in the caller's thread (see the class comment). */
  private static final RunOptions CALLER_THREAD =
      RunOptions.newBuilder().setInterOpThreadPool(-1).build();

  private final Graph graph;
  private final Session session;
  private final int replaced;
  private final int convolutions;
  private final int batchNorms;
  private final int convPools;

  private CpuInferenceGraph(
      Graph graph, Session session, int replaced, int convolutions, int batchNorms, int convPools) {
    this.graph = graph;
    this.session = session;
    this.replaced = replaced;
    this.convolutions = convolutions;
    this.batchNorms = batchNorms;
    this.convPools = convPools;
  }

  /**
   * @param source the loaded graph
   * @param sourceSession its session, holding the variables' values
   * @param feeds the tensors that will be fed ({@code node:index})
   * @param fetches the tensors that will be fetched ({@code node:index})
   * @return the copy, or null where it does not apply (see the class comment)
   */
  public static CpuInferenceGraph build(
      Graph source, Session sourceSession, List<String> feeds, List<String> fetches) {
    boolean oneDnn = OneDnn.inferenceEnabled();
    boolean pools = NativeOps.available();
    if (!oneDnn && !pools) {
      return null;
    }
    Set<String> fed = new HashSet<>();
    for (String f : feeds) {
      fed.add(nodeName(f));
    }
    List<String> fetched = new ArrayList<>();
    for (String f : fetches) {
      fetched.add(nodeName(f));
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
      todo.push(nodeName(f));
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
        todo.push(nodeName(in));
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
    int[] counts = new int[4];
    List<NodeDef> rewritten;
    try (Graph shapes = new Graph()) { // the copy's static shapes (inlined nodes are not in source)
      shapes.importGraphDef(
          GraphDef.newBuilder().setVersions(def.getVersions()).addAllNode(kept).build());
      rewritten = fuseShortConvolutions(shapes, kept, fetches, oneDnn, pools, counts);
      if (oneDnn) {
        rewritten = oneDnnBatchNorms(shapes, rewritten, counts);
      }
    } catch (RuntimeException e) {
      LOG.debug(
          "CPU inference graph refused by TensorFlow ({}); the graph runs as loaded", e.toString());
      return null;
    }
    if (counts[0] == 0 && counts[2] == 0 && counts[3] == 0) {
      LOG.debug(
          "CPU inference graph: no short-patch convolution, no batch normalization; the"
              + " graph runs as loaded");
      return null;
    }
    GraphDef.Builder out = GraphDef.newBuilder().setVersions(def.getVersions());
    rewritten.forEach(out::addNode);
    Graph g = new Graph();
    CpuInferenceGraph copy;
    try {
      g.importGraphDef(out.build());
      copy = new CpuInferenceGraph(g, new Session(g), counts[0], counts[1], counts[2], counts[3]);
    } catch (RuntimeException e) {
      g.close();
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
    try {
      for (String f : feeds) {
        GraphOperation op = source.operation(nodeName(f));
        Shape s = op == null ? Shape.unknown() : op.output(outputIndex(f)).shape();
        if (op == null
            || op.output(outputIndex(f)).dataType() != DataType.DT_FLOAT
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
        inputs.put(f, Tensors.floats(v, 0, dims));
      }
      Session.Runner ref = sourceSession.runner();
      inputs.forEach(ref::feed);
      fetches.forEach(ref::fetch);
      try (Result want = ref.run();
          Result got = run(inputs, fetches)) {
        for (int i = 0; i < fetches.size(); i++) {
          if (want.get(i).dataType() != DataType.DT_FLOAT
              || got.get(i).dataType() != DataType.DT_FLOAT) {
            LOG.debug("CPU inference graph: output {} is not float", fetches.get(i));
            return false;
          }
          float[] a = Tensors.toFloats(want.get(i));
          float[] b = Tensors.toFloats(got.get(i));
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
   * @return how many convolutions run on oneDNN
   */
  public int oneDnnConvolutions() {
    return replaced;
  }

  /**
   * @return how many convolutions the graph has
   */
  public int convolutions() {
    return convolutions;
  }

  /**
   * @return how many batch normalizations run on oneDNN
   */
  public int oneDnnBatchNorms() {
    return batchNorms;
  }

  /**
   * @return how many convolutions run with their max pool in jeras' fused kernel
   */
  public int fusedConvPools() {
    return convPools;
  }

  /**
   * @return the copy's graph
   */
  public Graph graph() {
    return graph;
  }

  /**
   * @param feeds tensor name to value, in any order
   * @param fetches the tensors to fetch
   * @return the fetched tensors, in the order asked
   */
  public Result run(Map<String, Tensor> feeds, List<String> fetches) {
    Session.Runner r = session.runner().setOptions(CALLER_THREAD);
    feeds.forEach(r::feed);
    fetches.forEach(r::fetch);
    return r.run();
  }

  @Override
  public void close() {
    session.close();
    graph.close();
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
          handle == null || handle.startsWith("^") ? null : source.operation(nodeName(handle));
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
                .addInput(h.output(outputIndex(handle)))
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

  /**
   * Replaces each float NHWC Conv2D (unit dilations, SAME or VALID) with a short patch whose only
   * consumer is a BiasAdd (and that one's, optionally, a Relu) by jeras' fused op where a max pool
   * follows that fits it ({@link #poolAfter}), else by oneDNN's fused op where {@code oneDnn}; each
   * replacement is named as the last op it replaces so that consumers keep their inputs.
   *
   * @param oneDnn whether oneDNN's fused op may replace convolutions
   * @param pools whether jeras' fused op may replace convolutions with their pools
   * @param counts receives the number of convolutions replaced by oneDNN's op ({@code [0]}), of all
   *     convolutions ({@code [1]}) and of those replaced with their pool by jeras' ({@code [3]})
   */
  private static List<NodeDef> fuseShortConvolutions(
      Graph source,
      List<NodeDef> nodes,
      List<String> fetches,
      boolean oneDnn,
      boolean pools,
      int[] counts) {
    Map<String, List<Edge>> consumers = new HashMap<>();
    for (NodeDef n : nodes) {
      for (String in : n.getInputList()) {
        consumers.computeIfAbsent(nodeName(in), k -> new ArrayList<>()).add(new Edge(n, in));
      }
    }
    Set<String> fetched = new HashSet<>();
    for (String f : fetches) {
      fetched.add(nodeName(f));
    }
    Map<String, NodeDef> byName = new HashMap<>();
    for (NodeDef n : nodes) {
      byName.put(n.getName(), n);
    }
    Map<String, NodeDef> replacement = new HashMap<>();
    Set<String> removed = new HashSet<>();
    for (NodeDef conv : nodes) {
      if (!conv.getOp().equals("Conv2D")) {
        continue;
      }
      counts[1]++;
      if (!convertible(source, conv)) {
        continue;
      }
      NodeDef bias = soleConsumer(conv, consumers, fetched);
      if (bias == null
          || !bias.getOp().equals("BiasAdd")
          || bias.getInputCount() != 2
          || !nodeName(bias.getInput(0)).equals(conv.getName())
          || !nhwc(bias)) {
        continue;
      }
      NodeDef relu = soleConsumer(bias, consumers, fetched);
      boolean fuseRelu = relu != null && relu.getOp().equals("Relu") && relu.getInputCount() == 1;
      NodeDef last = fuseRelu ? relu : bias;
      NodeDef pool = pools ? poolAfter(source, conv, last, consumers, fetched) : null;
      List<Long> ksize = pool == null ? null : poolParameter(pool, "ksize", 1, byName);
      List<Long> strides = pool == null ? null : poolParameter(pool, "strides", 2, byName);
      if (pool != null && poolFits(pool, ksize, strides)) {
        NodeDef.Builder fused =
            NodeDef.newBuilder()
                .setName(pool.getName())
                .setOp(NativeOps.CONV_MAX_POOL)
                .addInput(conv.getInput(0))
                .addInput(conv.getInput(1))
                .addInput(bias.getInput(1))
                .putAttr("conv_same", bool(padding(conv).equals("SAME")))
                .putAttr("relu", bool(fuseRelu))
                .putAttr("ksize", ints(ksize.get(1), ksize.get(2)))
                .putAttr("strides", ints(strides.get(1), strides.get(2)))
                .putAttr("pool_same", bool(padding(pool).equals("SAME")));
        replace(
            fused,
            fuseRelu ? List.of(conv, bias, relu, pool) : List.of(conv, bias, pool),
            replacement,
            removed);
        counts[3]++;
        continue;
      }
      if (!oneDnn) {
        continue;
      }
      NodeDef.Builder fused =
          NodeDef.newBuilder()
              .setName(last.getName())
              .setOp("_MklNativeFusedConv2D")
              .addInput(conv.getInput(0))
              .addInput(conv.getInput(1))
              .addInput(bias.getInput(1))
              .putAttr("T", conv.getAttrOrThrow("T"))
              .putAttr(
                  "TArgs",
                  AttrValue.newBuilder()
                      .setList(AttrValue.ListValue.newBuilder().addType(DataType.DT_FLOAT))
                      .build())
              .putAttr("num_args", AttrValue.newBuilder().setI(1).build())
              .putAttr("strides", conv.getAttrOrThrow("strides"))
              .putAttr("padding", conv.getAttrOrThrow("padding"))
              .putAttr("data_format", string("NHWC"))
              .putAttr(
                  "fused_ops",
                  AttrValue.newBuilder()
                      .setList(
                          fuseRelu
                              ? AttrValue.ListValue.newBuilder()
                                  .addS(bytes("BiasAdd"))
                                  .addS(bytes("Relu"))
                              : AttrValue.ListValue.newBuilder().addS(bytes("BiasAdd")))
                      .build())
              .putAttr("_kernel", string(OneDnn.LABEL));
      replace(
          fused, fuseRelu ? List.of(conv, bias, relu) : List.of(conv, bias), replacement, removed);
      counts[0]++;
    }
    List<NodeDef> out = new ArrayList<>();
    for (NodeDef n : nodes) {
      NodeDef r = replacement.get(n.getName());
      if (r != null) {
        out.add(r);
      } else if (!removed.contains(n.getName())) {
        out.add(n);
      }
    }
    return out;
  }

  /**
   * Records {@code fused} (named as the last of {@code parts}) as the replacement of {@code parts},
   * with their control inputs.
   */
  private static void replace(
      NodeDef.Builder fused,
      List<NodeDef> parts,
      Map<String, NodeDef> replacement,
      Set<String> removed) {
    for (NodeDef part : parts) {
      for (String in : part.getInputList()) {
        if (in.startsWith("^")) {
          fused.addInput(in);
        }
      }
      removed.add(part.getName());
    }
    replacement.put(fused.getName(), fused.build());
  }

  /**
   * The max pool that {@link NativeOps#CONV_MAX_POOL} may compute together with this convolution
   * and what follows it up to {@code last}, or null: a stride-1 convolution that {@link
   * NativeOps#convolutionFits fits}, and {@code last}'s only consumer a float NHWC MaxPool or
   * MaxPoolV2 (whose windows {@link #poolFits} checks).
   */
  private static NodeDef poolAfter(
      Graph source,
      NodeDef conv,
      NodeDef last,
      Map<String, List<Edge>> consumers,
      Set<String> fetched) {
    for (long s : conv.getAttrOrThrow("strides").getList().getIList()) {
      if (s != 1) {
        return null;
      }
    }
    Shape k = kernelShape(source, conv);
    if (!NativeOps.convolutionFits(k.get(0), k.get(1), k.get(2), k.get(3))) {
      return null;
    }
    NodeDef pool = soleConsumer(last, consumers, fetched);
    if (pool == null
        || !(pool.getOp().equals("MaxPool") || pool.getOp().equals("MaxPoolV2"))
        || !nodeName(pool.getInput(0)).equals(last.getName())
        || !nhwc(pool)) {
      return null;
    }
    AttrValue type = pool.getAttrOrDefault("T", null); // float where left out (its default)
    if (type != null && type.getType() != DataType.DT_FLOAT) {
      return null;
    }
    return pool;
  }

  /**
   * A pool's ksize or strides: its attribute (MaxPool) or the constant at {@code input}
   * (MaxPoolV2); null where it is neither.
   */
  private static List<Long> poolParameter(
      NodeDef pool, String attr, int input, Map<String, NodeDef> byName) {
    if (pool.getOp().equals("MaxPool")) {
      return pool.getAttrOrThrow(attr).getList().getIList();
    }
    if (pool.getInputCount() <= input || pool.getInput(input).startsWith("^")) {
      return null;
    }
    NodeDef c = byName.get(nodeName(pool.getInput(input)));
    AttrValue v =
        c == null || !c.getOp().equals("Const") ? null : c.getAttrOrDefault("value", null);
    if (v == null || v.getTensor().getDtype() != DataType.DT_INT32) {
      return null;
    }
    TensorProto t = v.getTensor();
    List<Long> out = new ArrayList<>();
    if (!t.getTensorContent().isEmpty()) {
      java.nio.ByteBuffer b =
          t.getTensorContent().asReadOnlyByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN);
      while (b.remaining() >= 4) {
        out.add((long) b.getInt());
      }
    } else {
      t.getIntValList().forEach(i -> out.add((long) i));
    }
    return out;
  }

  /** Whether a pool of these ksize and strides (NHWC) fits the fused kernel. */
  private static boolean poolFits(NodeDef pool, List<Long> ksize, List<Long> strides) {
    return ksize != null
        && strides != null
        && ksize.size() == 4
        && strides.size() == 4
        && ksize.get(0) == 1
        && ksize.get(3) == 1
        && strides.get(0) == 1
        && strides.get(3) == 1
        && NativeOps.poolFits(
            ksize.get(1), ksize.get(2), strides.get(1), strides.get(2), padding(pool));
  }

  private static String padding(NodeDef n) {
    return n.getAttrOrThrow("padding").getS().toStringUtf8();
  }

  /** The static shape of a convolution's kernel; unknown where the graph lacks its producer. */
  private static Shape kernelShape(Graph source, NodeDef conv) {
    String kernel = conv.getInput(1);
    GraphOperation op = source.operation(nodeName(kernel));
    return op == null ? Shape.unknown() : op.output(outputIndex(kernel)).shape();
  }

  /**
   * Gives each inference-mode float NHWC FusedBatchNormV3 of a rank-4 input oneDNN's kernel (the
   * same op, inputs, outputs and attributes, under oneDNN's name and kernel label).
   *
   * @param counts {@code counts[2]} receives the number of replaced batch normalizations
   */
  private static List<NodeDef> oneDnnBatchNorms(Graph source, List<NodeDef> nodes, int[] counts) {
    List<NodeDef> out = new ArrayList<>();
    for (NodeDef n : nodes) {
      AttrValue training = n.getAttrOrDefault("is_training", null);
      if (n.getOp().equals("FusedBatchNormV3")
          && training != null
          && !training.getB()
          && n.getAttrOrThrow("T").getType() == DataType.DT_FLOAT
          && n.getAttrOrThrow("U").getType() == DataType.DT_FLOAT
          && nhwc(n)
          && rank(source, n.getInput(0)) == 4) {
        out.add(
            n.toBuilder()
                .setOp("_MklNative" + n.getOp())
                .putAttr("_kernel", string(OneDnn.LABEL))
                .build());
        counts[2]++;
      } else {
        out.add(n);
      }
    }
    return out;
  }

  /**
   * @return the static rank of a tensor of the source graph, -1 where unknown
   */
  private static int rank(Graph source, String tensor) {
    GraphOperation op = source.operation(nodeName(tensor));
    return op == null ? -1 : op.output(outputIndex(tensor)).shape().numDimensions();
  }

  /** Whether oneDNN's fused op computes this Conv2D, and its patch is short. */
  private static boolean convertible(Graph source, NodeDef conv) {
    if (conv.getAttrOrThrow("T").getType() != DataType.DT_FLOAT || !nhwc(conv)) {
      return false;
    }
    String padding = conv.getAttrOrThrow("padding").getS().toStringUtf8();
    if (!padding.equals("SAME") && !padding.equals("VALID")) {
      return false;
    }
    AttrValue dilations = conv.getAttrOrDefault("dilations", null);
    if (dilations != null) {
      for (long d : dilations.getList().getIList()) {
        if (d != 1) {
          return false;
        }
      }
    }
    Shape k = kernelShape(source, conv);
    return k.numDimensions() == 4
        && !k.hasUnknownDimension()
        && OneDnn.forward(k.get(2), k.get(0), k.get(1));
  }

  private static boolean nhwc(NodeDef n) {
    AttrValue f = n.getAttrOrDefault("data_format", null);
    return f == null || f.getS().toStringUtf8().equals("NHWC");
  }

  /** An input of {@code consumer}: {@code ^node}, {@code node} or {@code node:k}. */
  private record Edge(NodeDef consumer, String input) {}

  /** The node's only consumer (through its output 0, no control edges), or null. */
  private static NodeDef soleConsumer(
      NodeDef n, Map<String, List<Edge>> consumers, Set<String> fetched) {
    List<Edge> cs = consumers.getOrDefault(n.getName(), List.of());
    if (cs.size() != 1 || fetched.contains(n.getName())) {
      return null;
    }
    String in = cs.get(0).input();
    return in.startsWith("^") || outputIndex(in) != 0 ? null : cs.get(0).consumer();
  }

  /** {@code ^name}, {@code name}, {@code name:1} -&gt; {@code name}. */
  static String nodeName(String tensor) {
    String s = tensor.startsWith("^") ? tensor.substring(1) : tensor;
    int colon = s.lastIndexOf(':');
    return colon < 0 ? s : s.substring(0, colon);
  }

  private static int outputIndex(String tensor) {
    int colon = tensor.lastIndexOf(':');
    return colon < 0 ? 0 : Integer.parseInt(tensor.substring(colon + 1));
  }

  private static AttrValue bool(boolean b) {
    return AttrValue.newBuilder().setB(b).build();
  }

  private static AttrValue ints(long... values) {
    AttrValue.ListValue.Builder l = AttrValue.ListValue.newBuilder();
    for (long v : values) {
      l.addI(v);
    }
    return AttrValue.newBuilder().setList(l).build();
  }

  private static AttrValue string(String s) {
    return AttrValue.newBuilder().setS(bytes(s)).build();
  }

  private static ByteString bytes(String s) {
    return ByteString.copyFromUtf8(s);
  }
}

package dev.jeras.training;

import dev.jeras.JerasException;
import dev.jeras.backend.Backend;
import dev.jeras.backend.Devices;
import dev.jeras.backend.EngineOptions;
import dev.jeras.backend.ExportBackend;
import dev.jeras.backend.KernelPolicy;
import dev.jeras.backend.RewriteResult;
import dev.jeras.backend.StandardBackend;
import dev.jeras.backend.cpu.CpuBackend;
import dev.jeras.backend.cpu.StepExecutor;
import dev.jeras.data.FloatArray;
import dev.jeras.data.NumericArray;
import dev.jeras.distribute.MultiWorker;
import dev.jeras.internal.Naming;
import dev.jeras.internal.Tensors;
import dev.jeras.internal.VariableStore;
import dev.jeras.layers.CallContext;
import dev.jeras.layers.InputLayer;
import dev.jeras.layers.Layer;
import dev.jeras.layers.Network;
import dev.jeras.layers.SymbolicTensor;
import dev.jeras.layers.TensorShape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * One model's TensorFlow graph and session: its variables, the inference forward pass, the compiled
 * training step, and the hooks the exporters build on. Owns native memory: close it.
 *
 * <p>A graph is built in two stages. First the layers wire TensorFlow's standard ops (weights as
 * named variables {@code conv2d/kernel}, one placeholder per model input, the inference outputs
 * {@code output_0}, ..., and, once compiled, the training forward pass, losses and metrics); then
 * the backend prepares that graph for the device ({@link Backend#prepare}: on the CPU, jeras' and
 * oneDNN's kernels where they measured faster) and the result is imported into the graph the
 * session runs, where the gradients and optimizer updates are added. The graph is rebuilt, values
 * kept, when the model is compiled again, when layers are frozen or unfrozen, or when the engine
 * options change.
 */
public final class Engine implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Engine.class);

  /** Name of the step counter variable, shared by the optimizer and the dropout seeds. */
  public static final String ITERATIONS = "optimizer/iterations";

  private final Network network;
  private final boolean forExport;
  private long seed;
  private EngineOptions options;
  private Backend backend;
  private Trainer trainer;
  private int trainingBatch;
  private DataParallel dataParallel;

  private Graph graph;
  private Ops tf;
  private VariableStore store;
  private Session session;
  private final List<Operand<TFloat32>> inputs = new ArrayList<>();
  private final List<Operand<TFloat32>> outputs = new ArrayList<>();
  private Trainer.Step step;
  private StepExecutor stepExecutor;
  private RewriteResult rewrite;
  private List<Operand<TFloat32>> trainingOutputs;

  /**
   * Builds the inference graph, creates the session and initializes every weight from its
   * initializer.
   *
   * @param network the model's topology
   * @param seed seeds the initial weights and the dropout masks
   * @param options the engine options
   * @param forExport true for a graph that is written out (a SavedModel): TensorFlow's standard ops
   *     only, never kernels chosen for this process' CPU
   */
  public Engine(Network network, long seed, EngineOptions options, boolean forExport) {
    this(network, seed, options, forExport, Map.of());
  }

  /**
   * As {@link #Engine(Network, long, EngineOptions, boolean)}, with the values some weights start
   * from (a model built from another model's layers starts from their current values).
   *
   * @param network the model's topology
   * @param seed seeds the other initial weights and the dropout masks
   * @param options the engine options
   * @param forExport true for a graph that is written out
   * @param initial values by variable path ({@code layer/weight}), each of the weight's size
   */
  public Engine(
      Network network,
      long seed,
      EngineOptions options,
      boolean forExport,
      Map<String, float[]> initial) {
    this.network = network;
    this.seed = seed;
    this.forExport = forExport;
    this.options = options;
    this.backend = backendFor(options, forExport);
    build(initial.isEmpty() ? null : new HashMap<>(initial));
  }

  /** The backend for these options: the export form, standard for GPUs, else the CPU engine. */
  private static Backend backendFor(EngineOptions options, boolean forExport) {
    if (forExport) {
      return ExportBackend.INSTANCE;
    }
    if (Devices.usesGpu(options.device())
        || (options.kernels() == KernelPolicy.TENSORFLOW && options.pinned().isEmpty())) {
      return StandardBackend.INSTANCE;
    }
    return new CpuBackend(options);
  }

  /** What stage 1 wires: the graph being built, its ops and variables, names stage 2 looks up. */
  final class Wiring implements CallContext {
    final Graph graph;
    final Ops tf;
    final VariableStore store;
    final List<Operand<TFloat32>> inputs = new ArrayList<>();
    final Set<String> named = new HashSet<>();
    private boolean training;
    private Map<Operand<TFloat32>, Operand<TFloat32>> logits;
    private List<Op> updates;
    private Map<String, Operand<TFloat32>> losses;

    /** Stage 1: a new graph, its variables yet to be created. */
    Wiring(Graph graph) {
      this.graph = graph;
      this.tf = Ops.create(graph);
      this.store = new VariableStore(tf);
    }

    /** More ops in the current graph, on its variables and inputs. */
    Wiring(Graph graph, Ops tf, VariableStore store, List<Operand<TFloat32>> inputs) {
      this.graph = graph;
      this.tf = tf;
      this.store = store;
      this.inputs.addAll(inputs);
    }

    @Override
    public Ops tf() {
      return tf;
    }

    @Override
    public Backend backend() {
      return backend;
    }

    @Override
    public boolean training() {
      return training;
    }

    @Override
    public Operand<TFloat32> weight(Layer layer, String weightName) {
      return store.floatVariable(Naming.variable(layer.name(), weightName));
    }

    @Override
    public void addUpdate(Op update) {
      updates.add(update);
    }

    @Override
    public void recordLogits(Operand<TFloat32> probabilities, Operand<TFloat32> l) {
      logits.put(probabilities, l);
    }

    @Override
    public void addLoss(String key, Operand<TFloat32> loss) {
      losses.putIfAbsent(key, loss);
    }

    @Override
    public Operand<TInt64> randomSeed(Layer layer) {
      long layerSeed = seed * 1_000_003L + layer.name().hashCode();
      return tf.stack(List.of(tf.constant(layerSeed), store.<TInt64>variable(ITERATIONS)));
    }

    /**
     * Wires the model once more (training or inference mode) on the input placeholders.
     *
     * @param trainingMode the mode
     * @return the outputs, the logits behind softmax outputs and the state updates
     */
    Forward forward(boolean trainingMode) {
      training = trainingMode;
      logits = new IdentityHashMap<>();
      updates = new ArrayList<>();
      losses = new LinkedHashMap<>();
      List<Operand<TFloat32>> outs = network.call(this, new ArrayList<>(inputs));
      return new Forward(outs, logits, List.copyOf(updates), List.copyOf(losses.values()));
    }

    /** Records that stage 2 looks this node up by name. */
    <T extends Operand<?>> T keep(T operand) {
      named.add(operand.op().name());
      return operand;
    }

    /** The names of the graph's nodes. */
    Set<String> nodeNames() {
      Set<String> names = new HashSet<>();
      graph.operations().forEachRemaining(op -> names.add(op.name()));
      return names;
    }
  }

  /**
   * The result of wiring the model.
   *
   * @param outputs one tensor per model output
   * @param logits the logits behind outputs that are a softmax, by output tensor (identity map)
   * @param updates state updates to run with each training step
   * @param losses scalars to add to the loss (weight penalties)
   */
  record Forward(
      List<Operand<TFloat32>> outputs,
      Map<Operand<TFloat32>, Operand<TFloat32>> logits,
      List<Op> updates,
      List<Operand<TFloat32>> losses) {}

  /**
   * Builds a graph generation and its session, then gives its variables values: {@code carry}'s
   * where it has them (a rebuild), initial values otherwise.
   */
  private void build(Map<String, Object> carry) {
    boolean training = trainer != null && !forExport;
    int batch = trainingBatch; // 0 until a fit gives it: training kernels measured then
    Trainer.Wired wired = null;
    Set<String> differentiated = Set.of();
    Backend.GraphPlan plan;
    VariableStore stage1Store;
    try (Graph g1 = new Graph()) {
      Wiring w = new Wiring(g1);
      for (Network.LayerWeight lw : network.weights()) {
        w.keep(w.store.createFloat(lw.path(), lw.spec().shape()));
      }
      w.keep(w.store.createLong(ITERATIONS));
      for (SymbolicTensor in : network.inputs()) {
        InputLayer layer = (InputLayer) in.layer();
        w.inputs.add(
            w.keep(
                w.tf
                    .withName(layer.name())
                    .placeholder(TFloat32.class, Placeholder.shape(layer.batchShape().toTf()))));
      }
      Forward inference = w.forward(false);
      for (int i = 0; i < inference.outputs().size(); i++) {
        w.keep(w.tf.withName("output_" + i).identity(inference.outputs().get(i)));
      }
      if (training) {
        Set<String> before = w.nodeNames();
        wired = trainer.wire(w, inference);
        Set<String> added = w.nodeNames();
        added.removeAll(before);
        differentiated = added;
      }
      plan = new Backend.GraphPlan(g1.toGraphDef(), w.named, differentiated, batch);
      stage1Store = w.store;
    }
    rewrite = backend.prepare(plan);
    Graph g = new Graph();
    try {
      g.importGraphDef(rewrite.graph());
      Ops ops = Ops.create(g);
      VariableStore s = stage1Store.rebind(g, ops);
      inputs.clear();
      outputs.clear();
      for (SymbolicTensor in : network.inputs()) {
        inputs.add(Tensors.floatOutput(g, in.layer().name()));
      }
      for (int i = 0; i < network.outputs().size(); i++) {
        outputs.add(Tensors.floatOutput(g, "output_" + i));
      }
      Trainer.Step st = wired == null ? null : trainer.finish(wired, g, ops, s);
      Session sess =
          dataParallel == null
              ? new Session(g, Devices.configure(options))
              : dataParallel.cluster().session(g, Devices.configure(options));
      this.graph = g;
      this.tf = ops;
      this.store = s;
      this.session = sess;
      this.step = st;
      this.stepExecutor =
          st != null && dataParallel == null && backend instanceof CpuBackend
              ? StepExecutor.of(options, "training step")
              : null;
      this.trainingOutputs = null;
    } catch (RuntimeException e) {
      g.close();
      throw e;
    }
    if (!rewrite.applied().isEmpty()) {
      LOG.debug("{} backend: {}", backend.name(), rewrite.summary());
    }
    try {
      initialize(carry);
    } catch (RuntimeException e) {
      closeGeneration();
      throw e;
    }
  }

  /** Gives every variable a value: carried over where possible, else its initial value. */
  private void initialize(Map<String, Object> carry) {
    SplittableRandom root = new SplittableRandom(seed);
    Map<String, Tensor> values = new LinkedHashMap<>();
    try {
      for (Network.LayerWeight w : network.weights()) {
        SplittableRandom rng = root.split(); // split for every weight, carried or not
        Object old = carry == null ? null : carry.get(w.path());
        float[] v =
            old instanceof float[] f && f.length == size(w.spec().shape())
                ? f
                : w.spec().initializer().generate(w.spec().shape(), rng);
        values.put(w.path(), Tensors.floats(v, 0, w.spec().shape()));
      }
      if (step != null) {
        for (Map.Entry<String, float[]> e : trainer.initialValues().entrySet()) {
          Object old = carry == null ? null : carry.get(e.getKey());
          float[] v =
              old instanceof float[] f && f.length == e.getValue().length ? f : e.getValue();
          values.put(e.getKey(), Tensors.floats(v, 0, store.shape(e.getKey())));
        }
      }
      Object iterations = carry == null ? null : carry.get(ITERATIONS);
      values.put(ITERATIONS, TInt64.scalarOf(iterations instanceof Long l ? l : 0L));
      store.assign(session, values);
    } finally {
      values.values().forEach(Tensor::close);
    }
  }

  private static long size(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  /**
   * Rebuilds the graph (a new generation) keeping every variable's value that the new graph still
   * has; {@code dropOptimizer} starts the optimizer afresh (a new compile).
   */
  private void rebuild(boolean dropOptimizer) {
    Map<String, Object> carry = new HashMap<>();
    List<String> floats = new ArrayList<>();
    for (String n : store.names()) {
      if (n.equals(ITERATIONS)) {
        continue;
      }
      if (!dropOptimizer || !(trainer != null && trainer.ownsVariable(n))) {
        floats.add(n);
      }
    }
    carry.putAll(store.readFloats(session, floats));
    if (!dropOptimizer) {
      carry.put(ITERATIONS, store.readLong(session, ITERATIONS));
    }
    closeGeneration();
    build(carry);
  }

  /**
   * Attaches a compiled training step (a new compile): the graph is rebuilt with it, the weights
   * kept, the optimizer's state fresh (as Keras' compile starts a new optimizer).
   *
   * @param t the trainer
   */
  synchronized void compile(Trainer t) {
    Trainer previous = trainer;
    Map<String, Object> carry = new HashMap<>(store.readFloats(session, weightNames()));
    if (previous != null) {
      carry.put(ITERATIONS, 0L);
    }
    trainer = t;
    closeGeneration();
    try {
      build(carry);
    } catch (RuntimeException e) {
      trainer = previous; // leave a usable engine behind
      build(carry);
      throw e;
    }
  }

  /**
   * Makes sure the training step matches the layers' trainable flags and was built for about this
   * batch size (where kernels are measured), rebuilding it (values kept) where not.
   *
   * @param batch the batch size about to be trained
   */
  synchronized void prepareTraining(int batch) {
    boolean stale = step != null && !step.trainable().equals(trainer.trainablePaths());
    boolean retune =
        batch > 0
            && batch != trainingBatch
            && options.kernels() == KernelPolicy.TUNED
            && backend instanceof CpuBackend;
    if (stale || retune) {
      if (batch > 0) {
        trainingBatch = batch;
      }
      LOG.debug(
          "rebuilding the training step ({})",
          stale ? "trainable layers changed" : "kernels measured at batch " + batch);
      rebuild(false);
    }
  }

  /**
   * Trains on a cluster from now on (its tasks' gradients summed in every step, the session on this
   * task's server), or in this process alone again; the graph is rebuilt when that changes, values
   * kept.
   *
   * @param cluster the cluster, or null for this process alone
   */
  synchronized void distribute(MultiWorker cluster) {
    MultiWorker current = dataParallel == null ? null : dataParallel.cluster();
    if (cluster != current && !forExport) {
      dataParallel = cluster == null ? null : new DataParallel(cluster);
      LOG.debug("training {}", cluster == null ? "in this process" : "on " + cluster);
      rebuild(false);
    }
  }

  /**
   * @return the cluster's part of training, or null when this process trains alone
   */
  DataParallel dataParallel() {
    return dataParallel;
  }

  /**
   * Changes the engine options; the graph is rebuilt with them, values kept.
   *
   * @param o the new options
   */
  public synchronized void setOptions(EngineOptions o) {
    if (o.equals(options)) {
      return;
    }
    options = o;
    backend = backendFor(o, forExport);
    rebuild(false);
  }

  /**
   * Changes the seed of the dropout masks (the weights keep their values); the graph is rebuilt.
   *
   * @param s the seed
   */
  public synchronized void reseed(long s) {
    if (s != seed) {
      seed = s;
      rebuild(false);
    }
  }

  private List<String> weightNames() {
    return network.weights().stream().map(Network.LayerWeight::path).toList();
  }

  /**
   * @return the options this engine runs with
   */
  public EngineOptions options() {
    return options;
  }

  /**
   * @return what the backend changed in the current graph
   */
  public RewriteResult rewrite() {
    return rewrite;
  }

  /**
   * @return the topology this engine runs
   */
  public Network network() {
    return network;
  }

  /**
   * @return the current graph (owned by this engine; replaced when it is rebuilt)
   */
  public Graph graph() {
    return graph;
  }

  /**
   * @return the op factory of the current graph
   */
  public Ops tf() {
    return tf;
  }

  /**
   * @return the current session (owned by this engine; replaced when it is rebuilt)
   */
  public Session session() {
    return session;
  }

  /**
   * @return the current graph's variables
   */
  public VariableStore store() {
    return store;
  }

  /**
   * @return the compiled step of the current graph, or null
   */
  Trainer.Step step() {
    return step;
  }

  /**
   * @return how the current training step's ops run (CPU engine, one process), or null for
   *     TensorFlow's default
   */
  StepExecutor stepExecutor() {
    return stepExecutor;
  }

  /**
   * Gives an untimed call on the current graph (evaluation, prediction) the training step's
   * executor, where one was chosen.
   *
   * @param r the call
   */
  void runAsTrained(Session.Runner r) {
    if (stepExecutor != null) {
      r.setOptions(stepExecutor.settled());
    }
  }

  /**
   * @return the seed of this engine
   */
  long seed() {
    return seed;
  }

  /**
   * @return one placeholder per model input, named after the input layers
   */
  public List<Operand<TFloat32>> inputs() {
    return inputs;
  }

  /**
   * @return the inference outputs, named {@code output_0}, {@code output_1}, ...
   */
  public List<Operand<TFloat32>> outputs() {
    return outputs;
  }

  /**
   * Checks data against the model's inputs.
   *
   * @param xs one array per model input
   * @param what where the data comes from, for messages
   */
  public void checkInputs(List<FloatArray> xs, String what) {
    if (xs.size() != inputs.size()) {
      throw new JerasException(
          "the model has " + inputs.size() + " input(s) but " + xs.size() + " array(s) were given");
    }
    int n = xs.get(0).count();
    for (int i = 0; i < xs.size(); i++) {
      InputLayer layer = (InputLayer) network.inputs().get(i).layer();
      TensorShape expected = layer.batchShape();
      long[] got = xs.get(i).shape();
      TensorShape gotShape = TensorShape.of(got).withBatch(-1);
      if (!expected.isCompatibleWith(gotShape)) {
        throw new JerasException(
            "model input "
                + layer.name()
                + " expects "
                + expected
                + ", got data of shape "
                + NumericArray.format(got)
                + (what == null ? "" : " from " + what));
      }
      if (xs.get(i).count() != n) {
        throw new JerasException(
            "model inputs disagree on the number of samples: " + n + " and " + xs.get(i).count());
      }
    }
  }

  /**
   * Runs inference in batches.
   *
   * @param xs one array per model input
   * @param batchSize the batch size
   * @return one array per model output
   */
  public synchronized List<FloatArray> predict(List<FloatArray> xs, int batchSize) {
    return run(xs, batchSize, outputs);
  }

  /**
   * Runs the training-mode forward pass (dropout active, batch statistics) without updating any
   * state: for tests and diagnostics.
   *
   * @param xs one array per model input
   * @param batchSize the batch size
   * @return one array per model output
   */
  public synchronized List<FloatArray> predictTrainingMode(List<FloatArray> xs, int batchSize) {
    if (trainingOutputs == null) {
      // wired into the current graph; its state updates are built but never run
      trainingOutputs =
          new Wiring(graph, tf, store, inputs)
              .forward(true).outputs().stream()
                  .map(o -> (Operand<TFloat32>) tf.identity(o))
                  .toList();
    }
    return run(xs, batchSize, trainingOutputs);
  }

  private List<FloatArray> run(
      List<FloatArray> xs, int batchSize, List<Operand<TFloat32>> fetches) {
    if (batchSize <= 0) {
      throw new JerasException("batch size must be positive, got " + batchSize);
    }
    checkInputs(xs, null);
    int n = xs.get(0).count();
    List<float[]> results = new ArrayList<>();
    List<long[]> shapes = new ArrayList<>();
    for (SymbolicTensor out : network.outputs()) {
      long[] s = out.shape().dims();
      s[0] = n;
      shapes.add(s);
      long size = 1;
      for (long d : s) {
        size *= d;
      }
      results.add(new float[Math.toIntExact(size)]);
    }
    for (int from = 0; from < n; from += batchSize) {
      int to = Math.min(n, from + batchSize);
      List<Tensor> feeds = new ArrayList<>();
      try {
        Session.Runner r = session.runner();
        for (int i = 0; i < xs.size(); i++) {
          FloatArray x = xs.get(i);
          long[] shape = x.shape();
          shape[0] = to - from;
          Tensor t = Tensors.floats(x.data(), from * x.sampleSize(), shape);
          feeds.add(t);
          r.feed(inputs.get(i), t);
        }
        fetches.forEach(r::fetch);
        runAsTrained(r);
        try (Result res = r.run()) {
          for (int o = 0; o < fetches.size(); o++) {
            int per = results.get(o).length / Math.max(1, n);
            Tensors.readFloats(res.get(o), results.get(o), from * per);
          }
        }
      } finally {
        feeds.forEach(Tensor::close);
      }
    }
    List<FloatArray> out = new ArrayList<>();
    for (int o = 0; o < results.size(); o++) {
      out.add(FloatArray.of(results.get(o), shapes.get(o)));
    }
    return out;
  }

  /**
   * @return every model weight in Keras' order, as arrays of their shapes
   */
  public synchronized List<FloatArray> getWeights() {
    List<Network.LayerWeight> ws = network.weights();
    Map<String, float[]> values =
        store.readFloats(session, ws.stream().map(Network.LayerWeight::path).toList());
    List<FloatArray> out = new ArrayList<>();
    for (Network.LayerWeight w : ws) {
      out.add(FloatArray.of(values.get(w.path()), withLeading(w.spec().shape())));
    }
    return out;
  }

  /**
   * Replaces every model weight.
   *
   * @param weights one array per weight, in Keras' order, each of the weight's shape
   */
  public synchronized void setWeights(List<FloatArray> weights) {
    List<Network.LayerWeight> ws = network.weights();
    if (weights.size() != ws.size()) {
      throw new JerasException(
          "the model has " + ws.size() + " weights, " + weights.size() + " were given");
    }
    Map<String, float[]> values = new LinkedHashMap<>();
    for (int i = 0; i < ws.size(); i++) {
      long[] expected = ws.get(i).spec().shape();
      long[] got = weights.get(i).shape();
      if (!Arrays.equals(withLeading(expected), got) && !Arrays.equals(expected, got)) {
        throw new JerasException(
            "weight "
                + ws.get(i).path()
                + " has shape "
                + NumericArray.format(expected)
                + ", got "
                + NumericArray.format(got));
      }
      values.put(ws.get(i).path(), weights.get(i).data());
    }
    assignFloats(values);
  }

  /**
   * Reads float variables by name.
   *
   * @param names variable paths ({@code layer/weight})
   * @return their values, by name
   */
  public synchronized Map<String, float[]> readFloats(List<String> names) {
    return store.readFloats(session, names);
  }

  /**
   * Writes float variables by name.
   *
   * @param values values by variable name, each of the variable's size
   */
  public synchronized void assignFloats(Map<String, float[]> values) {
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, float[]> e : values.entrySet()) {
        tensors.put(e.getKey(), Tensors.floats(e.getValue(), 0, store.shape(e.getKey())));
      }
      store.assign(session, tensors);
    } finally {
      tensors.values().forEach(Tensor::close);
    }
  }

  /** Writes an int64 scalar variable. */
  synchronized void assignLong(String name, long value) {
    try (Tensor t = TInt64.scalarOf(value)) {
      store.assign(session, Map.of(name, t));
    }
  }

  /** A weight shape as a {@link FloatArray} shape (scalars and vectors get no extra axis). */
  private static long[] withLeading(long[] shape) {
    return shape.length == 0 ? new long[] {1} : shape;
  }

  private void closeGeneration() {
    try {
      if (session != null) {
        session.close();
      }
    } finally {
      session = null;
      if (graph != null) {
        graph.close();
      }
      graph = null;
    }
  }

  @Override
  public synchronized void close() {
    closeGeneration();
    LOG.debug("closed the engine of a {}-layer model", network.layers().size());
  }

  /** Looks an op up in the current graph; for the trainer's step. */
  GraphOperation operation(String name) {
    return graph.operation(name);
  }
}

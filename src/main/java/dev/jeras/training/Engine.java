package dev.jeras.training;

import dev.jeras.JerasException;
import dev.jeras.data.FloatArray;
import dev.jeras.data.NumericArray;
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
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * One model's TensorFlow graph and session: its variables, the inference forward pass, and the
 * hooks the trainer and the exporters build on. Owns native memory: close it.
 *
 * <p>The graph holds the model's weights as named variables ({@code conv2d/kernel}), one
 * placeholder per model input (named after the input layer), and the inference outputs ({@code
 * output_0}, ...). A training step, when compiled, is added to the same graph and shares the
 * variables.
 */
public final class Engine implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Engine.class);

  /** Name of the step counter variable, shared by the optimizer and the dropout seeds. */
  public static final String ITERATIONS = "optimizer/iterations";

  private static volatile ConfigProto defaultConfig;

  private final Network network;
  private final Graph graph;
  private final Ops tf;
  private final VariableStore store;
  private final Session session;
  private final long seed;
  private final boolean forExport;
  private Variable<TInt64> iterations;
  private final List<Placeholder<TFloat32>> inputs = new ArrayList<>();
  private final Forward inference;
  private final List<Operand<TFloat32>> outputs = new ArrayList<>();
  private List<Operand<TFloat32>> trainingOutputs;

  /**
   * Builds the graph, creates the session and initializes every weight from its initializer.
   *
   * @param network the model's topology
   * @param seed seeds the initial weights and the dropout masks
   * @param config the session configuration, or {@code null} for TensorFlow's defaults
   */
  public Engine(Network network, long seed, ConfigProto config) {
    this(network, seed, config, false);
  }

  /**
   * As {@link #Engine(Network, long, ConfigProto)}, for a graph that will be written out.
   *
   * @param network the model's topology
   * @param seed seeds the initial weights and the dropout masks
   * @param config the session configuration, or {@code null} for TensorFlow's defaults
   * @param forExport true for a graph that is exported (a SavedModel): its inference ops are
   *     TensorFlow's standard ones only, never a kernel jeras picks for this process' CPU
   */
  public Engine(Network network, long seed, ConfigProto config, boolean forExport) {
    this.network = network;
    this.seed = seed;
    this.forExport = forExport;
    this.graph = new Graph();
    try {
      this.tf = Ops.create(graph);
      this.store = new VariableStore(tf);
      for (Network.LayerWeight w : network.weights()) {
        store.createFloat(w.path(), w.spec().shape());
      }
      for (SymbolicTensor in : network.inputs()) {
        InputLayer layer = (InputLayer) in.layer();
        inputs.add(
            tf.withName(layer.name())
                .placeholder(TFloat32.class, Placeholder.shape(layer.batchShape().toTf())));
      }
      this.inference = forward(false);
      for (int i = 0; i < inference.outputs().size(); i++) {
        outputs.add(tf.withName("output_" + i).identity(inference.outputs().get(i)));
      }
      ConfigProto c = config != null ? config : defaultConfig;
      this.session = c == null ? new Session(graph) : new Session(graph, c);
    } catch (RuntimeException e) {
      graph.close();
      throw e;
    }
    try {
      initializeWeights();
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  private void initializeWeights() {
    SplittableRandom root = new SplittableRandom(seed);
    Map<String, Tensor> values = new LinkedHashMap<>();
    try {
      for (Network.LayerWeight w : network.weights()) {
        float[] v = w.spec().initializer().generate(w.spec().shape(), root.split());
        values.put(w.path(), Tensors.floats(v, 0, w.spec().shape()));
      }
      store.assign(session, values);
    } finally {
      values.values().forEach(Tensor::close);
    }
  }

  /**
   * Wires the model once more (training or inference mode) on the input placeholders.
   *
   * @param training the mode
   * @return the outputs, the logits behind softmax outputs and the state updates
   */
  Forward forward(boolean training) {
    Context ctx = new Context(training);
    List<Operand<TFloat32>> outs = network.call(ctx, new ArrayList<>(inputs));
    return new Forward(outs, ctx.logits, List.copyOf(ctx.updates));
  }

  /**
   * The result of wiring the model.
   *
   * @param outputs one tensor per model output
   * @param logits the logits behind outputs that are a softmax, by output tensor (identity map)
   * @param updates state updates to run with each training step
   */
  record Forward(
      List<Operand<TFloat32>> outputs,
      Map<Operand<TFloat32>, Operand<TFloat32>> logits,
      List<Op> updates) {}

  private final class Context implements CallContext {
    private final boolean training;
    private final Map<Operand<TFloat32>, Operand<TFloat32>> logits = new IdentityHashMap<>();
    private final List<Op> updates = new ArrayList<>();

    Context(boolean training) {
      this.training = training;
    }

    @Override
    public Ops tf() {
      return tf;
    }

    @Override
    public boolean training() {
      return training;
    }

    @Override
    public boolean forExport() {
      return forExport;
    }

    @Override
    public Operand<TFloat32> weight(Layer layer, String weightName) {
      return store.floatVariable(dev.jeras.internal.Naming.variable(layer.name(), weightName));
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
    public Operand<TInt64> randomSeed(Layer layer) {
      long layerSeed = seed * 1_000_003L + layer.name().hashCode();
      return tf.stack(List.of(tf.constant(layerSeed), (Operand<TInt64>) iterations()));
    }
  }

  /**
   * Sets the session configuration of engines created without one (the command line's {@code
   * --device}).
   *
   * @param config the configuration, or null for TensorFlow's defaults
   */
  public static void setDefaultConfig(ConfigProto config) {
    defaultConfig = config;
  }

  /**
   * @return the default session configuration, or null
   */
  public static ConfigProto defaultConfig() {
    return defaultConfig;
  }

  /**
   * @return the topology this engine runs
   */
  public Network network() {
    return network;
  }

  /**
   * @return the graph (owned by this engine)
   */
  public Graph graph() {
    return graph;
  }

  /**
   * @return the op factory of the graph
   */
  public Ops tf() {
    return tf;
  }

  /**
   * @return the session (owned by this engine)
   */
  public Session session() {
    return session;
  }

  /**
   * @return the graph's variables
   */
  public VariableStore store() {
    return store;
  }

  /**
   * @return the step counter, created (at 0) on first use: inference-only graphs have none
   */
  synchronized Variable<TInt64> iterations() {
    if (iterations == null) {
      iterations = store.createLong(ITERATIONS);
      assignLong(ITERATIONS, 0);
    }
    return iterations;
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
  public List<Placeholder<TFloat32>> inputs() {
    return inputs;
  }

  /**
   * @return the inference outputs, named {@code output_0}, {@code output_1}, ...
   */
  public List<Operand<TFloat32>> outputs() {
    return outputs;
  }

  /**
   * @return the inference forward pass (for loss and metric wiring in evaluate)
   */
  Forward inference() {
    return inference;
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
  public List<FloatArray> predict(List<FloatArray> xs, int batchSize) {
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
  public List<FloatArray> predictTrainingMode(List<FloatArray> xs, int batchSize) {
    List<Operand<TFloat32>> outs;
    synchronized (this) {
      if (trainingOutputs == null) {
        trainingOutputs =
            forward(true).outputs().stream().map(o -> (Operand<TFloat32>) tf.identity(o)).toList();
      }
      outs = trainingOutputs;
    }
    return run(xs, batchSize, outs);
  }

  private List<FloatArray> run(
      List<FloatArray> xs, int batchSize, List<Operand<TFloat32>> outputs) {
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
        outputs.forEach(r::fetch);
        try (Result res = r.run()) {
          for (int o = 0; o < outputs.size(); o++) {
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
  public List<FloatArray> getWeights() {
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
  public void setWeights(List<FloatArray> weights) {
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
   * Writes float variables by name.
   *
   * @param values values by variable name, each of the variable's size
   */
  public void assignFloats(Map<String, float[]> values) {
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
  void assignLong(String name, long value) {
    try (Tensor t = org.tensorflow.types.TInt64.scalarOf(value)) {
      store.assign(session, Map.of(name, t));
    }
  }

  /** A weight shape as a {@link FloatArray} shape (scalars and vectors get no extra axis). */
  private static long[] withLeading(long[] shape) {
    return shape.length == 0 ? new long[] {1} : shape;
  }

  @Override
  public void close() {
    try {
      if (session != null) {
        session.close();
      }
    } finally {
      graph.close();
      LOG.debug("closed the engine of a {}-layer model", network.layers().size());
    }
  }
}

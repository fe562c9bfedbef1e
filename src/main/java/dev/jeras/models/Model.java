package dev.jeras.models;

import dev.jeras.JerasException;
import dev.jeras.backend.EngineOptions;
import dev.jeras.backend.RewriteResult;
import dev.jeras.data.FloatArray;
import dev.jeras.data.NumericArray;
import dev.jeras.data.StreamingDataset;
import dev.jeras.internal.Naming;
import dev.jeras.layers.CallContext;
import dev.jeras.layers.InputLayer;
import dev.jeras.layers.Layer;
import dev.jeras.layers.Network;
import dev.jeras.layers.SymbolicTensor;
import dev.jeras.layers.TensorShape;
import dev.jeras.layers.WeightSpec;
import dev.jeras.training.Engine;
import dev.jeras.training.FitOptions;
import dev.jeras.training.History;
import dev.jeras.training.Loss;
import dev.jeras.training.Metric;
import dev.jeras.training.Optimizer;
import dev.jeras.training.OptimizerState;
import dev.jeras.training.Trainer;
import java.lang.ref.WeakReference;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import org.tensorflow.Operand;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.types.TFloat32;

/**
 * A model built with the functional API (Keras' {@code keras.Model(inputs, outputs)}): any DAG of
 * layer calls, several inputs and outputs, shared layers. The Keras-style face of jeras: {@code
 * compile}, {@code fit}, {@code evaluate}, {@code predict}, {@code summary}; the work happens in
 * {@code training} and {@code saving}.
 *
 * <p>A model owns a TensorFlow graph and session once it has been compiled or run: close it.
 *
 * <p>A model is also a layer (as in Keras): called on a symbolic tensor it nests in another model,
 * which is how transfer-learning models are built and saved. Its weights then belong to the outer
 * model under the nested model's name ({@code base/Conv1/kernel}); freezing it ({@code
 * trainable(false)}) freezes each of its layers. A model built from layers that another live model
 * has run starts from that model's current values (a loaded base keeps its weights); after that
 * each model trains its own copy.
 *
 * <pre>{@code
 * SymbolicTensor in = Input.shape(32, 32, 3);
 * SymbolicTensor x = new Conv2D(32, 3).padding("same").activation("relu").apply(in);
 * SymbolicTensor out = new Dense(10).activation("softmax").apply(new Flatten().apply(x));
 * try (Model model = new Model(in, out)) {
 *   model.compile(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(), Metric.ACCURACY);
 *   model.fit(xTrain, yTrain, new FitOptions().epochs(10).batchSize(64));
 * }
 * }</pre>
 */
public class Model extends Layer implements Predictor, Network.Nested {
  /** The model that last built an engine holding each layer's weights, for models built later. */
  private static final Map<Layer, WeakReference<Model>> HOLDERS = new WeakHashMap<>();

  private Network network;
  private boolean closed;
  private Long seed;
  private EngineOptions options = EngineOptions.defaults();
  private Engine engine;
  private Trainer trainer;

  /**
   * @param input the model's input, from {@link dev.jeras.layers.Input#shape}
   * @param output the model's output
   */
  public Model(SymbolicTensor input, SymbolicTensor output) {
    this(List.of(input), List.of(output));
  }

  /**
   * @param inputs the model's inputs
   * @param outputs the model's outputs
   */
  public Model(List<SymbolicTensor> inputs, List<SymbolicTensor> outputs) {
    this.network = new Network(inputs, outputs);
    provisionalName("functional");
  }

  /** For subclasses that build their network later ({@link Sequential}). */
  protected Model(String defaultName) {
    provisionalName(defaultName);
  }

  /** Replaces the network (Sequential, while layers are added). */
  final void setNetwork(Network network) {
    if (engine != null) {
      throw new IllegalStateException(
          "model " + name() + " has already been compiled or run; its layers can no longer change");
    }
    if (!nodes().isEmpty()) {
      throw new IllegalStateException(
          "model " + name() + " is already used as a layer; its layers can no longer change");
    }
    this.network = network;
  }

  /**
   * @return the network, built if needed
   */
  @Override
  public Network network() {
    if (network == null) {
      throw new JerasException(
          "model " + name() + " has no input shape yet: start it with Input.shape(...)");
    }
    return network;
  }

  /**
   * @param name the model's name
   * @return this model
   */
  @Override
  public Model named(String name) {
    super.named(name);
    return this;
  }

  /**
   * @return {@code Functional}, Keras' class of models built from inputs and outputs
   */
  @Override
  public String className() {
    return "Functional";
  }

  /**
   * Freezes or unfreezes the model and every layer in it, nested models included (Keras' {@code
   * model.trainable = False}); takes effect at the next fit. A frozen BatchNormalization runs in
   * inference mode.
   *
   * @param trainable whether the optimizer updates the model's weights
   * @return this model
   */
  @Override
  public Model trainable(boolean trainable) {
    super.trainable(trainable);
    if (network != null) {
      for (Layer l : network.layers()) {
        l.trainable(trainable);
      }
    }
    return this;
  }

  /**
   * Prepares the fine-tuning stage of transfer learning (Keras' guide: unfreeze the base, then
   * freeze its layers before a given one): {@code layerName} and every layer after it, in the order
   * of the model's layers with each nested model's layers in its place, become trainable, every
   * layer before it frozen; a nested model stays trainable where some of its layers are. Takes
   * effect at the next fit; compile again to start a new optimizer, as Keras' guide does.
   *
   * @param layerName the first layer to train, here or inside a nested model
   * @return this model
   * @throws IllegalArgumentException naming the layers when no layer has that name
   */
  public Model unfreezeFrom(String layerName) {
    Layer first = network().findLayer(layerName);
    if (first == null) {
      throw new IllegalArgumentException(
          "no layer named '"
              + layerName
              + "' in model "
              + name()
              + " or its nested models; layers: "
              + network().layers().stream().map(Layer::name).toList());
    }
    List<Layer> order = new ArrayList<>();
    flatten(network(), order);
    trainable(true);
    boolean reached = false;
    for (Layer l : order) {
      reached |= l == first;
      if (!(l instanceof Model)) {
        l.trainable(reached);
      } else if (l == first) {
        l.trainable(true);
      }
    }
    for (int i = order.size() - 1; i >= 0; i--) {
      if (order.get(i) instanceof Model m
          && m.network().weights().stream().noneMatch(w -> w.layer().trainable())) {
        m.trainable(false); // nothing inside trains: freeze the nested model itself too
      }
    }
    return this;
  }

  /** The layers in order, each nested model followed by its own layers (depth first). */
  private static void flatten(Network net, List<Layer> out) {
    for (Layer l : net.layers()) {
      if (!out.contains(l)) {
        out.add(l);
        if (l instanceof Model m) {
          flatten(m.network(), out);
        }
      }
    }
  }

  /**
   * @return the model's input (Keras' {@code model.input}), for models built from its graph
   * @throws IllegalStateException if it has several
   */
  public SymbolicTensor input() {
    List<SymbolicTensor> in = network().inputs();
    if (in.size() != 1) {
      throw new IllegalStateException(
          "model " + name() + " has " + in.size() + " inputs: use inputs()");
    }
    return in.get(0);
  }

  /**
   * @return the model's inputs (Keras' {@code model.inputs})
   */
  public List<SymbolicTensor> inputs() {
    return network().inputs();
  }

  /**
   * @return the model's output (Keras' {@code model.output}: of its graph, not of a call of the
   *     model as a layer)
   * @throws IllegalStateException if it has several
   */
  @Override
  public SymbolicTensor output() {
    List<SymbolicTensor> out = network().outputs();
    if (out.size() != 1) {
      throw new IllegalStateException(
          "model " + name() + " has " + out.size() + " outputs: use outputs()");
    }
    return out.get(0);
  }

  /**
   * @return the model's outputs (Keras' {@code model.outputs})
   */
  public List<SymbolicTensor> outputs() {
    return network().outputs();
  }

  /**
   * As a layer in another model: the input shapes must fit the model's inputs; one output.
   *
   * @param inputShapes the shapes the model is called on
   * @return the model's output shape
   */
  @Override
  public TensorShape computeOutputShape(List<TensorShape> inputShapes) {
    List<SymbolicTensor> ins = network().inputs();
    if (inputShapes.size() != ins.size()) {
      throw new IllegalArgumentException(
          describe()
              + ": expected "
              + ins.size()
              + " input(s) "
              + ins.stream().map(SymbolicTensor::shape).toList()
              + ", got "
              + inputShapes.size()
              + " "
              + inputShapes);
    }
    for (int i = 0; i < ins.size(); i++) {
      if (!ins.get(i).shape().isCompatibleWith(inputShapes.get(i))) {
        throw new IllegalArgumentException(
            describe()
                + ": input "
                + ins.get(i).layer().name()
                + " expects "
                + ins.get(i).shape()
                + ", got "
                + inputShapes.get(i));
      }
    }
    List<SymbolicTensor> outs = network().outputs();
    if (outs.size() != 1) {
      throw new IllegalArgumentException(
          describe()
              + ": has "
              + outs.size()
              + " outputs; jeras nests models with one output only");
    }
    return outs.get(0).shape();
  }

  /**
   * Wires the model's layers as one layer of an enclosing model.
   *
   * @param ctx the enclosing model's context
   * @param inputs one tensor per input
   * @return the output
   */
  @Override
  public Operand<TFloat32> call(CallContext ctx, List<Operand<TFloat32>> inputs) {
    return network().callNested(ctx, this, inputs).get(0);
  }

  /**
   * @return every weight of the model's layers, named {@code layer/weight} within the model, in
   *     Keras' order; a weight is trainable when its layer is
   */
  @Override
  public List<WeightSpec> weights() {
    List<WeightSpec> specs = new ArrayList<>();
    for (Network.LayerWeight w : network().weights()) {
      WeightSpec s = w.spec();
      specs.add(
          new WeightSpec(
              w.path(), s.shape(), s.initializer(), s.trainable() && w.layer().trainable()));
    }
    return specs;
  }

  @Override
  public List<WeightSpec> weightSpecs(List<TensorShape> inputShapes) {
    return weights();
  }

  /**
   * Seeds the initial weights and dropout (default: random, as in Keras). On a model that has
   * already been built (compiled, run or loaded), only the dropout masks change.
   *
   * @param seed the seed
   * @return this model
   */
  public synchronized Model seed(long seed) {
    this.seed = seed;
    if (engine != null) {
      engine.reseed(seed);
    }
    return this;
  }

  /**
   * Sets how the model's graphs are built and run (device, kernel choice, threads); a model that
   * has been built is rebuilt with them, its weights and optimizer state kept.
   *
   * @param options the options (default {@link EngineOptions#defaults()})
   * @return this model
   */
  public synchronized Model engineOptions(EngineOptions options) {
    this.options = java.util.Objects.requireNonNull(options, "options");
    if (engine != null) {
      engine.setOptions(options);
    }
    return this;
  }

  /**
   * @return the engine options
   */
  public EngineOptions engineOptions() {
    return options;
  }

  /**
   * @return the layers, in order (input layers included for functional models)
   */
  public List<Layer> layers() {
    return network().layers();
  }

  /**
   * @param layerName a layer name
   * @return that layer
   */
  public Layer getLayer(String layerName) {
    return network().layer(layerName);
  }

  /**
   * @return the kernels the backend put into the model's current graph (the CPU engine's
   *     replacements of TensorFlow's ops; none on a GPU or with the tensorflow kernel policy)
   */
  @Override
  public RewriteResult kernels() {
    return engine().rewrite();
  }

  /**
   * @return the number of scalars the optimizer trains
   */
  public long countTrainableParams() {
    return network().weights().stream()
        .filter(w -> trainable() && w.spec().trainable() && w.layer().trainable())
        .map(Network.LayerWeight::spec)
        .mapToLong(WeightSpec::size)
        .sum();
  }

  /**
   * @return the Keras-style summary table
   */
  public String summary() {
    return Summary.of(this);
  }

  /** The engine (graph and session), created on first use. */
  private synchronized Engine engine() {
    if (closed) {
      throw new IllegalStateException("model " + name() + " has been closed");
    }
    if (engine == null) {
      long s = seed != null ? seed : new SecureRandom().nextLong();
      engine = new Engine(network(), s, options, false, sharedValues());
      synchronized (HOLDERS) {
        for (Layer l : leaves().keySet()) {
          HOLDERS.put(l, new WeakReference<>(this));
        }
      }
    }
    return engine;
  }

  /**
   * @return the layers holding weights, nested models' included, each with the prefix of its
   *     variables in this model ({@code ""}, or {@code base/} inside nested model base)
   */
  private Map<Layer, String> leaves() {
    Map<Layer, String> out = new LinkedHashMap<>();
    collectLeaves(network(), "", out);
    return out;
  }

  private static void collectLeaves(Network net, String prefix, Map<Layer, String> out) {
    for (Layer l : net.layers()) {
      if (l instanceof Network.Nested n) {
        collectLeaves(n.network(), prefix + l.name() + "/", out);
      } else if (!l.weights().isEmpty()) {
        out.putIfAbsent(l, prefix);
      }
    }
  }

  /**
   * The current values of this model's layers that another live model holds (the last one built
   * with them), by variable path in this model.
   */
  private Map<String, float[]> sharedValues() {
    Map<Model, Map<String, String>> byHolder = new LinkedHashMap<>();
    Map<Layer, String> mine = leaves();
    synchronized (HOLDERS) {
      for (Map.Entry<Layer, String> e : mine.entrySet()) {
        WeakReference<Model> ref = HOLDERS.get(e.getKey());
        Model holder = ref == null ? null : ref.get();
        if (holder == null || holder == this) {
          continue;
        }
        String theirs = holder.leafPrefix(e.getKey());
        if (theirs == null) {
          continue;
        }
        Map<String, String> paths = byHolder.computeIfAbsent(holder, h -> new LinkedHashMap<>());
        for (WeightSpec w : e.getKey().weights()) {
          String n = Naming.variable(e.getKey().name(), w.name());
          paths.put(theirs + n, e.getValue() + n);
        }
      }
    }
    Map<String, float[]> values = new HashMap<>();
    for (Map.Entry<Model, Map<String, String>> e : byHolder.entrySet()) {
      Map<String, float[]> read = e.getKey().readIfLive(new ArrayList<>(e.getValue().keySet()));
      for (Map.Entry<String, float[]> v : read.entrySet()) {
        values.put(e.getValue().get(v.getKey()), v.getValue());
      }
    }
    return values;
  }

  /** The prefix of a layer's variables in this model, or null if it holds none of it now. */
  private synchronized String leafPrefix(Layer layer) {
    return engine == null || closed ? null : leaves().get(layer);
  }

  /** Reads variables, or nothing once the model has been closed. */
  private synchronized Map<String, float[]> readIfLive(List<String> paths) {
    return engine == null || closed ? Map.of() : engine.readFloats(paths);
  }

  /**
   * @return whether {@link #compile} has been called
   */
  public boolean isCompiled() {
    return trainer != null;
  }

  /** The trainer made by compile. */
  private Trainer trainer() {
    if (trainer == null) {
      throw new JerasException(
          "model " + name() + " must be compiled before training or evaluating");
    }
    return trainer;
  }

  /**
   * @return the optimizer given to {@link #compile} (Keras' {@code model.optimizer})
   */
  public Optimizer optimizer() {
    return trainer().optimizer();
  }

  /**
   * @return the losses given to {@link #compile}, one per output
   */
  public List<Loss> losses() {
    return trainer().losses();
  }

  /**
   * @return the metrics given to {@link #compile}
   */
  public List<Metric> metrics() {
    return trainer().metrics();
  }

  /**
   * @return a copy of the optimizer's state: steps taken, learning rate, slots
   */
  public OptimizerState optimizerState() {
    return trainer().optimizerState();
  }

  /**
   * Restores the optimizer's state (from a checkpoint or a .keras file).
   *
   * @param state the state, with as many slots as the compiled optimizer has, of the same sizes
   */
  public void restoreOptimizerState(OptimizerState state) {
    trainer().restoreOptimizerState(state);
  }

  /**
   * @return the learning rate the next step uses
   */
  public double learningRate() {
    return trainer().learningRate();
  }

  /**
   * @param learningRate the learning rate for the next steps (the optimizer's state is kept)
   */
  public void setLearningRate(double learningRate) {
    trainer().setLearningRate(learningRate);
  }

  /**
   * @return trainable weights that no gradient reaches (the optimizer cannot train them)
   */
  public List<String> weightsWithoutGradient() {
    return trainer().weightsWithoutGradient();
  }

  /**
   * @return the model's current TensorFlow graph (for TensorBoard's graph view)
   */
  public GraphDef graphDef() {
    return engine().graph().toGraphDef();
  }

  /**
   * Configures training, as Keras' {@code compile}. Compiling again (a loaded or compiled model)
   * starts a new optimizer on the same weights; layers frozen or unfrozen in between take effect.
   *
   * @param optimizer the optimizer
   * @param loss the loss (applied to every output)
   * @param metrics metrics to report
   */
  public void compile(Optimizer optimizer, Loss loss, Metric... metrics) {
    compile(optimizer, List.of(loss), Arrays.asList(metrics));
  }

  /**
   * @param optimizer the optimizer
   * @param losses one loss, or one per output
   * @param metrics metrics to report for every output
   */
  public synchronized void compile(Optimizer optimizer, List<Loss> losses, List<Metric> metrics) {
    trainer = new Trainer(engine(), optimizer, losses, metrics);
  }

  /**
   * Configures training with Keras' names: {@code compile("adam",
   * "sparse_categorical_crossentropy", "accuracy")}.
   *
   * @param optimizer an optimizer name
   * @param loss a loss name
   * @param metrics metric names
   */
  public void compile(String optimizer, String loss, String... metrics) {
    compile(
        Optimizer.of(optimizer, null),
        List.of(Loss.of(loss)),
        Arrays.stream(metrics).map(Metric::of).toList());
  }

  /**
   * Trains, as Keras' {@code fit}.
   *
   * @param x the inputs
   * @param y the targets
   * @param options epochs, batch size, validation, callbacks
   * @return the history
   */
  public History fit(FloatArray x, NumericArray y, FitOptions options) {
    return fit(List.of(x), List.of(y), options);
  }

  /**
   * @param xs one array per input
   * @param ys one array per output
   * @param options epochs, batch size, validation, callbacks
   * @return the history
   */
  public History fit(List<FloatArray> xs, List<NumericArray> ys, FitOptions options) {
    return trainer().fit(xs, ys, options);
  }

  /**
   * Trains on a streaming dataset, as Keras' {@code fit(dataset)}: the dataset's own batch size and
   * shuffling; validation from {@link FitOptions#validationData(StreamingDataset)}.
   *
   * @param data the training data, with labels (an {@link dev.jeras.data.ImageFolder})
   * @param options epochs, validation data, callbacks
   * @return the history
   */
  public History fit(StreamingDataset data, FitOptions options) {
    return trainer().fit(data, options);
  }

  /**
   * Evaluates in inference mode on a streaming dataset, in its natural order.
   *
   * @param data the data, with labels
   * @return {@code loss} and the compiled metrics, averaged over the samples
   */
  public Map<String, Double> evaluate(StreamingDataset data) {
    return trainer().evaluate(data);
  }

  /**
   * Evaluates in inference mode with batch size 32.
   *
   * @param x the inputs
   * @param y the targets
   * @return {@code loss} and the compiled metrics, averaged over the samples
   */
  public Map<String, Double> evaluate(FloatArray x, NumericArray y) {
    return evaluate(x, y, 32);
  }

  /**
   * @param x the inputs
   * @param y the targets
   * @param batchSize the batch size
   * @return {@code loss} and the compiled metrics, averaged over the samples
   */
  public Map<String, Double> evaluate(FloatArray x, NumericArray y, int batchSize) {
    return trainer().evaluate(List.of(x), List.of(y), batchSize);
  }

  /**
   * @param xs one array per input
   * @param ys one array per output
   * @param batchSize the batch size
   * @return {@code loss} and the compiled metrics, averaged over the samples
   */
  public Map<String, Double> evaluate(List<FloatArray> xs, List<NumericArray> ys, int batchSize) {
    return trainer().evaluate(xs, ys, batchSize);
  }

  /**
   * Predicts in inference mode with batch size 32.
   *
   * @param x the inputs of a single-input, single-output model
   * @return the outputs
   */
  public FloatArray predict(FloatArray x) {
    return predict(x, 32);
  }

  /**
   * @param x the inputs of a single-input, single-output model
   * @param batchSize the batch size
   * @return the outputs
   */
  @Override
  public FloatArray predict(FloatArray x, int batchSize) {
    List<FloatArray> out = predict(List.of(x), batchSize);
    if (out.size() != 1) {
      throw new JerasException(
          "model " + name() + " has " + out.size() + " outputs: use predict(List, int)");
    }
    return out.get(0);
  }

  /**
   * @param xs one array per input
   * @param batchSize the batch size
   * @return one array per output
   */
  @Override
  public List<FloatArray> predict(List<FloatArray> xs, int batchSize) {
    return engine().predict(xs, batchSize);
  }

  /**
   * Runs the model as in training (Keras' {@code model(x, training=True)}): dropout active, batch
   * normalization with the batch's statistics; updates no state.
   *
   * @param xs one array per input
   * @param batchSize the batch size
   * @return one array per output
   */
  public List<FloatArray> predictTrainingMode(List<FloatArray> xs, int batchSize) {
    return engine().predictTrainingMode(xs, batchSize);
  }

  /**
   * @return the weights, in Keras' order ({@code get_weights()})
   */
  public List<FloatArray> getWeights() {
    return engine().getWeights();
  }

  /**
   * @param weights new weights, in Keras' order ({@code set_weights()})
   */
  public void setWeights(List<FloatArray> weights) {
    engine().setWeights(weights);
  }

  @Override
  public List<String> inputNames() {
    return inputLayers().stream().map(InputLayer::name).toList();
  }

  @Override
  public List<dev.jeras.layers.TensorShape> inputShapes() {
    return inputLayers().stream().map(InputLayer::batchShape).toList();
  }

  @Override
  public List<String> outputNames() {
    return network().outputs().stream().map(t -> t.layer().name()).toList();
  }

  /**
   * @return the input layers
   */
  public List<InputLayer> inputLayers() {
    return network().inputs().stream().map(t -> (InputLayer) t.layer()).toList();
  }

  /** Releases the graph and session. */
  @Override
  public synchronized void close() {
    closed = true;
    if (engine != null) {
      engine.close();
    }
  }

  @Override
  public String toString() {
    return "Model["
        + name()
        + ", "
        + (network == null ? "unbuilt" : layers().size() + " layers")
        + "]";
  }
}

package dev.jeras.models;

import dev.jeras.JerasException;
import dev.jeras.backend.EngineOptions;
import dev.jeras.backend.RewriteResult;
import dev.jeras.data.FloatArray;
import dev.jeras.data.NumericArray;
import dev.jeras.data.StreamingDataset;
import dev.jeras.layers.InputLayer;
import dev.jeras.layers.Layer;
import dev.jeras.layers.Network;
import dev.jeras.layers.SymbolicTensor;
import dev.jeras.layers.WeightSpec;
import dev.jeras.training.Engine;
import dev.jeras.training.FitOptions;
import dev.jeras.training.History;
import dev.jeras.training.Loss;
import dev.jeras.training.Metric;
import dev.jeras.training.Optimizer;
import dev.jeras.training.OptimizerState;
import dev.jeras.training.Trainer;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.tensorflow.proto.GraphDef;

/**
 * A model built with the functional API (Keras' {@code keras.Model(inputs, outputs)}): any DAG of
 * layer calls, several inputs and outputs, shared layers. The Keras-style face of jeras: {@code
 * compile}, {@code fit}, {@code evaluate}, {@code predict}, {@code summary}; the work happens in
 * {@code training} and {@code saving}.
 *
 * <p>A model owns a TensorFlow graph and session once it has been compiled or run: close it.
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
public class Model implements Predictor {
  private Network network;
  private String name;
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
    this.name = "functional";
  }

  /** For subclasses that build their network later ({@link Sequential}). */
  protected Model(String defaultName) {
    this.name = defaultName;
  }

  /** Replaces the network (Sequential, while layers are added). */
  final void setNetwork(Network network) {
    if (engine != null) {
      throw new IllegalStateException(
          "model " + name + " has already been compiled or run; its layers can no longer change");
    }
    this.network = network;
  }

  /**
   * @return the network, built if needed
   */
  public Network network() {
    if (network == null) {
      throw new JerasException(
          "model " + name + " has no input shape yet: start it with Input.shape(...)");
    }
    return network;
  }

  /**
   * @return the model's name
   */
  public String name() {
    return name;
  }

  /**
   * @param name the model's name
   * @return this model
   */
  public Model named(String name) {
    this.name = dev.jeras.internal.Naming.checkName(name);
    return this;
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
   * @return the number of weights' scalars
   */
  public long countParams() {
    return network().weights().stream().mapToLong(w -> w.spec().size()).sum();
  }

  /**
   * @return the number of scalars the optimizer trains
   */
  public long countTrainableParams() {
    return network().weights().stream()
        .filter(w -> w.spec().trainable() && w.layer().trainable())
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
    if (engine == null) {
      long s = seed != null ? seed : new SecureRandom().nextLong();
      engine = new Engine(network(), s, options, false);
    }
    return engine;
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
      throw new JerasException("model " + name + " must be compiled before training or evaluating");
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
          "model " + name + " has " + out.size() + " outputs: use predict(List, int)");
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
    if (engine != null) {
      engine.close();
    }
  }

  @Override
  public String toString() {
    return "Model["
        + name
        + ", "
        + (network == null ? "unbuilt" : layers().size() + " layers")
        + "]";
  }
}

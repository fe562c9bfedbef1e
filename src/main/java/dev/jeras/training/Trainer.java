package dev.jeras.training;

import dev.jeras.JerasException;
import dev.jeras.backend.cpu.StepExecutor;
import dev.jeras.data.FloatArray;
import dev.jeras.data.IntArray;
import dev.jeras.data.NumericArray;
import dev.jeras.data.StreamingDataset;
import dev.jeras.internal.Tensors;
import dev.jeras.internal.VariableStore;
import dev.jeras.layers.Dense;
import dev.jeras.layers.Layer;
import dev.jeras.layers.Network;
import dev.jeras.layers.SymbolicTensor;
import dev.jeras.layers.TensorShape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.framework.optimizers.Optimizer.GradAndVar;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TType;

/**
 * A compiled model: the optimizer, losses and metrics, the training step built from them (loss,
 * gated gradients of the trainable weights only, optimizer updates, state updates such as
 * BatchNormalization's moving statistics) and the evaluation ops; plus the fit and evaluate loops.
 *
 * <p>The step is wired into each graph the engine builds, in two stages: {@link #wire} (targets,
 * training forward pass, losses, metrics, optimizer variables: TensorFlow's standard ops that the
 * backend may rewrite) and {@link #finish} (gradients and updates, in the graph the session runs).
 */
public final class Trainer {
  private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);
  static final String LEARNING_RATE = "optimizer/learning_rate";

  private final Engine engine;
  private final Optimizer optimizer;
  private final List<Loss> losses;
  private final List<Metric> metrics;
  private final List<String> sumNames = new ArrayList<>();
  private final List<String> optimizerVariables = new ArrayList<>();
  private final List<String> withoutGradient = new ArrayList<>();
  private List<String> kerasOrder = List.of();

  /**
   * Compiles: the engine rebuilds its graph with this training step (weights kept, a fresh
   * optimizer state).
   *
   * @param engine the model's engine
   * @param optimizer the optimizer
   * @param losses one loss, or one per output
   * @param metrics metrics reported for every output
   */
  public Trainer(Engine engine, Optimizer optimizer, List<Loss> losses, List<Metric> metrics) {
    this.engine = engine;
    this.optimizer = optimizer;
    int outputs = engine.network().outputs().size();
    if (losses.size() != 1 && losses.size() != outputs) {
      throw new JerasException(
          "the model has "
              + outputs
              + " outputs; give one loss or "
              + outputs
              + ", got "
              + losses.size());
    }
    this.losses = losses.size() == outputs ? List.copyOf(losses) : nCopies(losses.get(0), outputs);
    this.metrics = List.copyOf(metrics);
    engine.compile(this);
  }

  /** What {@link #wire} built, by node name, for {@link #finish} to find in the final graph. */
  record Wired(
      List<String> targets,
      String trainLoss,
      String evalLossSum,
      List<String> trainSums,
      List<String> evalSums,
      List<String> updates,
      List<String> trainable) {}

  /**
   * The step in the graph the session runs.
   *
   * @param targets one placeholder per output
   * @param trainLoss the batch's mean loss
   * @param evalLossSum the inference pass' summed loss
   * @param trainSums the training pass' summed per-output losses and metrics
   * @param evalSums the inference pass' summed per-output losses and metrics
   * @param trainOp runs one step
   * @param trainable the trainable weights it updates
   */
  record Step(
      List<Operand<?>> targets,
      Operand<TFloat32> trainLoss,
      Operand<TFloat32> evalLossSum,
      List<Operand<TFloat32>> trainSums,
      List<Operand<TFloat32>> evalSums,
      Op trainOp,
      List<String> trainable) {}

  /**
   * @return the weights the optimizer trains now: trainable weights of trainable layers
   */
  List<String> trainablePaths() {
    return engine.network().weights().stream()
        .filter(w -> w.spec().trainable() && w.layer().trainable())
        .map(Network.LayerWeight::path)
        .toList();
  }

  /**
   * Stage 1: targets, the training forward pass, losses and metrics of both passes, and the
   * optimizer's variables, wired with TensorFlow's standard ops.
   *
   * @param w the engine's wiring of the graph being built
   * @param infer the inference forward pass already wired
   * @return what stage 2 needs, by name
   */
  Wired wire(Engine.Wiring w, Engine.Forward infer) {
    Ops tf = w.tf;
    Network net = engine.network();
    int outputs = net.outputs().size();
    List<Operand<?>> targets = new ArrayList<>();
    for (int o = 0; o < outputs; o++) {
      SymbolicTensor out = net.outputs().get(o);
      String target = out.layer().name() + "_target";
      targets.add(
          w.keep(
              losses.get(o).sparseLabels()
                  ? tf.withName(target).placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)))
                  : tf.withName(target)
                      .placeholder(TFloat32.class, Placeholder.shape(out.shape().toTf()))));
    }
    Engine.Forward train = w.forward(true);
    List<Operand<TFloat32>> trainLosses = new ArrayList<>();
    List<Operand<TFloat32>> evalLosses = new ArrayList<>();
    List<Operand<TFloat32>> trainSums = new ArrayList<>();
    List<Operand<TFloat32>> evalSums = new ArrayList<>();
    sumNames.clear();
    for (int o = 0; o < outputs; o++) {
      String prefix = outputs == 1 ? "" : net.outputs().get(o).layer().name() + "_";
      Loss loss = losses.get(o);
      @SuppressWarnings("unchecked")
      Operand<? extends TType> t = (Operand<? extends TType>) targets.get(o);
      Operand<TFloat32> yPred = train.outputs().get(o);
      Operand<TFloat32> evalPred = infer.outputs().get(o);
      Operand<TFloat32> perSample =
          perSample(tf, loss.perSample(tf, t, yPred, train.logits().get(yPred)));
      Operand<TFloat32> evalPerSample =
          perSample(tf, loss.perSample(tf, t, evalPred, infer.logits().get(evalPred)));
      trainLosses.add(tf.math.mean(perSample, tf.constant(0)));
      evalLosses.add(sum(tf, evalPerSample));
      if (outputs > 1) {
        sumNames.add(prefix + "loss");
        trainSums.add(sum(tf, perSample));
        evalSums.add(sum(tf, evalPerSample));
      }
      for (Metric m : metrics) {
        Metric resolved = m.resolve(loss);
        sumNames.add(prefix + m.kerasName());
        trainSums.add(
            sum(tf, perSample(tf, resolved.perSample(tf, t, ranked(resolved, yPred, train)))));
        evalSums.add(
            sum(tf, perSample(tf, resolved.perSample(tf, t, ranked(resolved, evalPred, infer)))));
      }
    }
    Operand<TFloat32> trainLoss = outputs == 1 ? trainLosses.get(0) : tf.math.addN(trainLosses);
    Operand<TFloat32> evalLossSum = outputs == 1 ? evalLosses.get(0) : tf.math.addN(evalLosses);
    // Added losses (weight penalties), as Keras adds them: to the batch's mean loss, so the
    // evaluation's per-sample sum gets them once per sample.
    if (!train.losses().isEmpty()) {
      trainLoss = tf.math.add(trainLoss, tf.math.addN(train.losses()));
    }
    if (!infer.losses().isEmpty()) {
      Operand<TFloat32> batch = tf.dtypes.cast(tf.shape(infer.outputs().get(0)), TFloat32.class);
      Operand<TFloat32> samples = tf.gather(batch, tf.constant(0), tf.constant(0));
      evalLossSum = tf.math.add(evalLossSum, tf.math.mul(tf.math.addN(infer.losses()), samples));
    }
    optimizerVariables.clear();
    w.keep(w.store.createFloat(LEARNING_RATE, new long[0]));
    optimizerVariables.add(LEARNING_RATE);
    List<String> trainable = trainablePaths();
    for (String path : trainable) {
      for (String slot : optimizer.slotNames()) {
        String name = OptimizerVariables.slotName(path, slot);
        w.keep(w.store.createFloat(name, w.store.shape(path)));
        optimizerVariables.add(name);
      }
    }
    for (String global : FrameworkOptimizers.globals(optimizer)) {
      String name = OptimizerVariables.globalName(global);
      w.keep(w.store.createFloat(name, new long[0]));
      optimizerVariables.add(name);
    }
    kerasOrder = FrameworkOptimizers.kerasOrder(optimizer, trainable);
    return new Wired(
        targets.stream().map(t -> w.keep(t).op().name()).toList(),
        w.keep(trainLoss).op().name(),
        w.keep(evalLossSum).op().name(),
        trainSums.stream().map(t -> w.keep(t).op().name()).toList(),
        evalSums.stream().map(t -> w.keep(t).op().name()).toList(),
        train.updates().stream().map(u -> u.op().name()).toList(),
        trainable);
  }

  /**
   * Stage 2: in the graph the session runs, the gradients of the training loss with respect to the
   * trainable weights, the optimizer updates gated behind all of them, the state updates and the
   * step counter.
   *
   * @param wired what stage 1 built
   * @param g the final graph
   * @param tf its op factory
   * @param store its variables
   * @return the step
   */
  Step finish(Wired wired, Graph g, Ops tf, VariableStore store) {
    Operand<TFloat32> trainLoss = Tensors.floatOutput(g, wired.trainLoss());
    List<Operand<TFloat32>> trainSums =
        wired.trainSums().stream().map(n -> Tensors.floatOutput(g, n)).toList();
    List<Op> updates = new ArrayList<>();
    for (String u : wired.updates()) {
      GraphOperation op = g.operation(u);
      updates.add(() -> op);
    }
    withoutGradient.clear();
    List<String> trainable = wired.trainable();
    Output<?>[] vars = new Output<?>[trainable.size()];
    for (int i = 0; i < vars.length; i++) {
      vars[i] = store.floatVariable(trainable.get(i)).asOutput();
    }
    if (vars.length > 0) {
      Output<?>[] grads = g.addGradients(trainLoss.asOutput(), vars);
      DataParallel dp = engine.dataParallel();
      if (dp != null) {
        // on a cluster: the global batch's gradients, loss and sums, the same on every task
        DataParallel.Averaged global =
            dp.average(tf, engine.inputs().get(0), grads, vars, trainLoss, trainSums);
        grads = global.gradients();
        trainLoss = global.loss();
        trainSums = global.sums();
      }
      List<GradAndVar<? extends TType>> pairs = new ArrayList<>();
      for (int i = 0; i < vars.length; i++) {
        if (grads[i] == null) {
          LOG.warn("no gradient reaches weight {}: it will not be trained", trainable.get(i));
          withoutGradient.add(trainable.get(i));
        } else {
          pairs.add(pair(grads[i], vars[i]));
        }
      }
      if (!pairs.isEmpty()) {
        // the framework's optimizer, on jeras' own list: no variable changes until every gradient
        // is computed (a gradient may read a variable another update writes)
        OptimizerVariables ov =
            new OptimizerVariables(
                store,
                store.floatVariable(LEARNING_RATE),
                store.<TInt64>variable(Engine.ITERATIONS),
                optimizer.weightDecay());
        updates.add(
            FrameworkOptimizers.create(optimizer, g, ov)
                .applyGradients(pairs, FrameworkOptimizers.NAME));
      }
    }
    Op increment =
        tf.withControlDependencies(updates)
            .assignAdd(store.<TInt64>variable(Engine.ITERATIONS), tf.constant(1L));
    List<Operand<?>> targets = new ArrayList<>();
    for (String t : wired.targets()) {
      targets.add(g.operation(t).output(0));
    }
    return new Step(
        targets,
        trainLoss,
        Tensors.floatOutput(g, wired.evalLossSum()),
        trainSums,
        wired.evalSums().stream().map(n -> Tensors.floatOutput(g, n)).toList(),
        increment,
        trainable);
  }

  @SuppressWarnings("unchecked")
  private static GradAndVar<TFloat32> pair(Output<?> gradient, Output<?> weight) {
    return new GradAndVar<>((Output<TFloat32>) gradient, (Output<TFloat32>) weight);
  }

  /**
   * @return the optimizer variables' initial values: Keras' for the slots (zeros, or an
   *     accumulator's initial value), the initial learning rate
   */
  Map<String, float[]> initialValues() {
    Map<String, float[]> v = new LinkedHashMap<>();
    for (String name : optimizerVariables) {
      long size = 1;
      for (long d : engine.store().shape(name)) {
        size *= d;
      }
      float[] values = new float[(int) size];
      float initial =
          FrameworkOptimizers.initialValue(optimizer, name.substring(name.lastIndexOf('/') + 1));
      if (initial != 0f) {
        Arrays.fill(values, initial);
      }
      v.put(name, values);
    }
    v.put(LEARNING_RATE, new float[] {(float) optimizer.learningRate()});
    return v;
  }

  /**
   * @return whether the variable is the optimizer's (its learning rate or a slot)
   */
  boolean ownsVariable(String name) {
    return name.startsWith("optimizer/");
  }

  /**
   * Reduces a loss or metric to one value per sample by averaging every axis after the batch, so
   * that the batch mean equals Keras' "sum_over_batch_size" reduction for outputs of any rank.
   */
  private static Operand<TFloat32> perSample(Ops tf, Operand<TFloat32> values) {
    int rank = values.shape().numDimensions();
    if (rank <= 1) {
      return values;
    }
    int[] axes = new int[rank - 1];
    for (int i = 0; i < axes.length; i++) {
      axes[i] = i + 1;
    }
    return tf.math.mean(values, tf.constant(axes));
  }

  private static Operand<TFloat32> sum(Ops tf, Operand<TFloat32> perSample) {
    return tf.reduceSum(perSample, tf.constant(0));
  }

  private static <T> List<T> nCopies(T t, int n) {
    List<T> l = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      l.add(t);
    }
    return l;
  }

  /**
   * @return trainable weights that no gradient reaches (they are not updated)
   */
  public List<String> weightsWithoutGradient() {
    return List.copyOf(withoutGradient);
  }

  /**
   * @return the engine this trainer extends
   */
  public Engine engine() {
    return engine;
  }

  /**
   * @return the optimizer
   */
  public Optimizer optimizer() {
    return optimizer;
  }

  /**
   * @return the losses, one per output
   */
  public List<Loss> losses() {
    return losses;
  }

  /**
   * @return a copy of the optimizer's state, its slots in Keras' order
   */
  public OptimizerState optimizerState() {
    Map<String, float[]> values = engine.store().readFloats(engine.session(), kerasOrder);
    List<FloatArray> slots = new ArrayList<>();
    for (String n : kerasOrder) {
      long[] shape = engine.store().shape(n);
      slots.add(FloatArray.of(values.get(n), shape.length == 0 ? new long[] {1} : shape));
    }
    return new OptimizerState(iterations(), (float) learningRate(), slots);
  }

  /**
   * Restores the optimizer's state (from a checkpoint or a .keras file); slots Keras does not have
   * (RMSprop's momentum accumulators at momentum 0) start afresh.
   *
   * @param state the state, with as many slots as this optimizer has, in Keras' order, of the same
   *     sizes
   */
  public void restoreOptimizerState(OptimizerState state) {
    if (state.slots().size() != kerasOrder.size()) {
      throw new JerasException(
          "optimizer state has "
              + state.slots().size()
              + " slot variables, the compiled optimizer has "
              + kerasOrder.size());
    }
    Map<String, float[]> values = new LinkedHashMap<>(initialValues());
    values.remove(LEARNING_RATE);
    for (int i = 0; i < kerasOrder.size(); i++) {
      String name = kerasOrder.get(i);
      long expected = 1;
      for (long d : engine.store().shape(name)) {
        expected *= d;
      }
      if (state.slots().get(i).data().length != expected) {
        throw new JerasException(
            "optimizer slot "
                + name
                + " holds "
                + expected
                + " values, the state has "
                + state.slots().get(i).data().length);
      }
      values.put(name, state.slots().get(i).data());
    }
    values.put(LEARNING_RATE, new float[] {state.learningRate()});
    engine.assignFloats(values);
    engine.assignLong(Engine.ITERATIONS, state.iterations());
  }

  /**
   * @return the metrics as compiled (before resolving "accuracy")
   */
  public List<Metric> metrics() {
    return metrics;
  }

  /**
   * @return the optimizer's variable names (learning rate and slots)
   */
  public List<String> optimizerVariables() {
    return List.copyOf(optimizerVariables);
  }

  /**
   * @return the current learning rate
   */
  public double learningRate() {
    return engine
        .store()
        .readFloats(engine.session(), List.of(LEARNING_RATE))
        .get(LEARNING_RATE)[0];
  }

  /**
   * @param lr the learning rate for the next steps
   */
  public void setLearningRate(double lr) {
    if (!(lr > 0) || Double.isInfinite(lr)) {
      throw new IllegalArgumentException("learning rate must be positive and finite, got " + lr);
    }
    engine.assignFloats(Map.of(LEARNING_RATE, new float[] {(float) lr}));
  }

  /**
   * @return the number of training steps run so far (the optimizer's iterations)
   */
  public long iterations() {
    return engine.store().readLong(engine.session(), Engine.ITERATIONS);
  }

  /**
   * Checks targets against the outputs and the losses.
   *
   * @param ys one array per output
   * @param samples the number of samples the inputs hold
   * @param what where the data comes from, for messages
   */
  void checkTargets(List<NumericArray> ys, int samples, String what) {
    int targetCount = engine.network().outputs().size();
    if (ys.size() != targetCount) {
      throw new JerasException(
          "the model has "
              + targetCount
              + " output(s) but "
              + ys.size()
              + " target array(s) were given");
    }
    for (int o = 0; o < ys.size(); o++) {
      NumericArray y = ys.get(o);
      SymbolicTensor out = engine.network().outputs().get(o);
      if (y.count() != samples) {
        throw new JerasException(what + ": x has " + samples + " samples but y has " + y.count());
      }
      if (losses.get(o).sparseLabels()) {
        checkLabels(y, out, what);
      } else {
        TensorShape expected = out.shape();
        if (!expected.isCompatibleWith(TensorShape.of(y.shape()).withBatch(-1))) {
          throw new JerasException(
              what
                  + ": targets of shape "
                  + NumericArray.format(y.shape())
                  + " do not match output "
                  + out.layer().name()
                  + " "
                  + expected
                  + " for loss "
                  + losses.get(o).kerasName());
        }
        if (!(y instanceof FloatArray)) {
          throw new JerasException(
              what + ": loss " + losses.get(o).kerasName() + " needs float targets, got integers");
        }
      }
    }
  }

  private void checkLabels(NumericArray y, SymbolicTensor out, String what) {
    if (y.sampleSize() != 1) {
      throw new JerasException(
          what
              + ": sparse labels must hold one class index per sample, got shape "
              + NumericArray.format(y.shape()));
    }
    long classes = out.shape().dim(-1);
    int lo;
    int hi;
    if (y instanceof IntArray ia) {
      int[] r = ia.range();
      lo = r == null ? 0 : r[0];
      hi = r == null ? 0 : r[1];
    } else {
      lo = Integer.MAX_VALUE;
      hi = Integer.MIN_VALUE;
      for (float v : ((FloatArray) y).data()) {
        if (v != Math.rint(v)) {
          throw new JerasException(what + ": sparse labels must be integers, got " + v);
        }
        lo = Math.min(lo, (int) v);
        hi = Math.max(hi, (int) v);
      }
    }
    if (lo < 0 || hi >= classes) {
      Layer layer = out.layer();
      throw new JerasException(
          what
              + ": labels range over "
              + lo
              + ".."
              + hi
              + " but output layer "
              + layer.describe()
              + " has "
              + classes
              + (layer instanceof Dense ? " units" : " classes")
              + " (labels must be in 0.."
              + (classes - 1)
              + ")");
    }
  }

  /**
   * Trains.
   *
   * @param xs one array per model input
   * @param ys one array per model output
   * @param options epochs, batch size, validation, callbacks
   * @return the history
   */
  public History fit(List<FloatArray> xs, List<NumericArray> ys, FitOptions options) {
    engine.distribute(options.cluster);
    DataParallel dp = engine.dataParallel();
    engine.prepareTraining(dp == null ? options.batchSize : dp.localBatch(options.batchSize));
    return new FitLoop(this, xs, ys, options).run();
  }

  /**
   * What an accuracy metric takes the arg max of: a softmax output's logits where the forward pass
   * has them (the same arg max, and the training step then does not run the softmax at all), else
   * the output.
   */
  private static Operand<TFloat32> ranked(Metric m, Operand<TFloat32> out, Engine.Forward forward) {
    Operand<TFloat32> logits = forward.logits().get(out);
    boolean argMax = m == Metric.SPARSE_CATEGORICAL_ACCURACY || m == Metric.CATEGORICAL_ACCURACY;
    return argMax && logits != null ? logits : out;
  }

  /**
   * Runs one training step.
   *
   * @param x one batch tensor per input
   * @param y one batch tensor per output
   * @return the mean loss of the batch, then the batch sums named by {@link #sumNames()}
   */
  float[] trainStep(List<Tensor> x, List<Tensor> y) {
    Step st = engine.step();
    Session.Runner r = trainRunner(st, x, y);
    DataParallel dp = engine.dataParallel();
    if (dp != null) {
      r.setOptions(dp.cluster().stepOptions()); // pairs this run with the other tasks'
    }
    return run(r, st, dp == null ? engine.stepExecutor() : null);
  }

  /**
   * Runs one training step on a feed; a feed of a pass' reused tensors runs the call prepared for
   * them at their first step (building a call costs tens of microseconds, a small model's whole
   * step a few milliseconds).
   *
   * @param feed the step's tensors
   * @return as {@link #trainStep(List, List)}
   */
  float[] trainStep(StepSource.Feed feed) {
    StepSource.Slot slot = feed.slot();
    if (slot == null || engine.dataParallel() != null) {
      return trainStep(feed.x(), feed.y());
    }
    Step st = engine.step();
    Session session = engine.session();
    if (!(slot.prepared instanceof PreparedStep p && p.session() == session && p.step() == st)) {
      slot.prepared = new PreparedStep(session, st, trainRunner(st, slot.x, slot.y));
    }
    return run(((PreparedStep) slot.prepared).runner(), st, engine.stepExecutor());
  }

  /** A training call bound to one session's step and one slot's tensors. */
  private record PreparedStep(Session session, Step step, Session.Runner runner) {}

  private Session.Runner trainRunner(Step st, List<Tensor> x, List<Tensor> y) {
    Session.Runner r = engine.session().runner();
    feed(r, st, x, y);
    r.addTarget(st.trainOp()).fetch(st.trainLoss());
    st.trainSums().forEach(r::fetch);
    return r;
  }

  /** Runs a training call with the executor's options (null: TensorFlow's default), timed. */
  private static float[] run(Session.Runner r, Step st, StepExecutor executor) {
    if (executor != null) {
      r.setOptions(executor.next());
    }
    long start = System.nanoTime();
    float[] out = new float[1 + st.trainSums().size()];
    try (Result res = r.run()) {
      for (int i = 0; i < out.length; i++) {
        out[i] = ((TFloat32) res.get(i)).getFloat();
      }
    }
    if (executor != null) {
      executor.ran(System.nanoTime() - start);
    }
    return out;
  }

  private void feed(Session.Runner r, Step st, List<Tensor> x, List<Tensor> y) {
    for (int i = 0; i < x.size(); i++) {
      r.feed(engine.inputs().get(i), x.get(i));
    }
    for (int i = 0; i < y.size(); i++) {
      r.feed(st.targets().get(i), y.get(i));
    }
  }

  /**
   * @return the names of the summed quantities after "loss": per-output losses, metrics
   */
  List<String> sumNames() {
    return sumNames;
  }

  /**
   * Evaluates in inference mode.
   *
   * @param xs one array per input
   * @param ys one array per output
   * @param batchSize the batch size
   * @return the mean loss and metrics over all samples, keyed as in fit's logs
   */
  public Map<String, Double> evaluate(List<FloatArray> xs, List<NumericArray> ys, int batchSize) {
    if (batchSize <= 0) {
      throw new JerasException("batch size must be positive, got " + batchSize);
    }
    engine.checkInputs(xs, "evaluation data");
    int n = xs.get(0).count();
    if (n == 0) {
      throw new JerasException("evaluation data is empty");
    }
    checkTargets(ys, n, "evaluation data");
    boolean[] sparse = new boolean[ys.size()];
    for (int o = 0; o < sparse.length; o++) {
      sparse[o] = losses.get(o).sparseLabels();
    }
    return evaluate(StepSource.arrays(xs, ys, batchSize, sparse, false), new long[1]);
  }

  /**
   * Trains on a streaming dataset (its own batch size and order).
   *
   * @param data the training data, with labels
   * @param options epochs, validation data, callbacks (batch size and shuffle are the data's)
   * @return the history
   */
  public History fit(StreamingDataset data, FitOptions options) {
    if (options.cluster != null) {
      throw new JerasException(
          data.name()
              + ": a streaming dataset trains in one process; training on a cluster"
              + " (FitOptions.distribute) takes arrays");
    }
    engine.distribute(null);
    return new FitLoop(this, data, options).run();
  }

  /**
   * Evaluates in inference mode on a streaming dataset, in its natural order.
   *
   * @param data the data, with labels
   * @return the mean loss and metrics over all samples, keyed as in fit's logs
   */
  public Map<String, Double> evaluate(StreamingDataset data) {
    StreamCheck.targets(this, data, "evaluation data");
    if (data.size() == 0) {
      throw new JerasException(data.name() + ": evaluation data is empty");
    }
    return evaluate(StepSource.stream(data), new long[1]);
  }

  /**
   * The evaluation loop.
   *
   * @param source the batches
   * @param waited accumulates the nanoseconds spent waiting for batches
   * @return the mean loss and metrics over the samples evaluated
   */
  Map<String, Double> evaluate(StepSource source, long[] waited) {
    Step st = engine.step();
    double[] sums = new double[1 + st.evalSums().size()];
    long n = 0;
    try (StepSource.Pass pass = source.pass(null, 0)) {
      while (true) {
        long asked = System.nanoTime();
        StepSource.Feed batch = pass.next();
        waited[0] += System.nanoTime() - asked;
        if (batch == null) {
          break;
        }
        try (batch) {
          if (batch.size() == 0) {
            continue;
          }
          n += batch.size();
          Session.Runner r = engine.session().runner();
          feed(r, st, batch.x(), batch.y());
          r.fetch(st.evalLossSum());
          st.evalSums().forEach(r::fetch);
          engine.runAsTrained(r);
          try (Result res = r.run()) {
            for (int i = 0; i < sums.length; i++) {
              sums[i] += ((TFloat32) res.get(i)).getFloat();
            }
          }
        }
      }
    }
    if (n == 0) {
      throw new JerasException("evaluation data is empty (every sample was skipped)");
    }
    Map<String, Double> out = new LinkedHashMap<>();
    out.put("loss", sums[0] / n);
    for (int i = 1; i < sums.length; i++) {
      out.put(sumNames.get(i - 1), sums[i] / n);
    }
    return out;
  }

  /**
   * @return a Java-side random permutation of {@code 0..n-1}
   */
  static int[] permutation(int n, SplittableRandom rng) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  @Override
  public String toString() {
    return "Trainer[" + optimizer.kerasClassName() + ", " + losses + ", " + sumNames + "]";
  }
}

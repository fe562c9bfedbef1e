package dev.jeras.bench;

import dev.jeras.backend.Backend;
import dev.jeras.backend.EngineOptions;
import dev.jeras.backend.RewriteResult;
import dev.jeras.backend.StandardBackend;
import dev.jeras.backend.cpu.CpuBackend;
import dev.jeras.backend.cpu.StepExecutor;
import dev.jeras.data.Dataset;
import dev.jeras.data.Datasets;
import dev.jeras.internal.Tensors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The benchmark's floor: the MNIST CNN trained by a minimal hand-written TensorFlow Java loop (raw
 * ops, no DSL, every batch tensor made before timing, no shuffling, loss fetched each step). The
 * ratio jeras / floor is the DSL's own overhead. Its graph is the one jeras trains: the same
 * standard ops, prepared by the same CPU engine ({@link CpuBackend}), so the same kernels, run by
 * the executor chosen as jeras chooses it ({@link StepExecutor}).
 *
 * <pre>
 * java -cp target/jeras.jar:target/lib/* dev.jeras.bench.FloorMnist [epochs] [batch] [dataDir]
 * </pre>
 *
 * <p>Prints one JSON object: seconds per epoch, first-step time, final loss.
 */
public final class FloorMnist {
  private FloorMnist() {}

  /**
   * @param args epochs (3), batch size (64), data directory (default resolution)
   */
  public static void main(String[] args) {
    int epochs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    int batch = args.length > 1 ? Integer.parseInt(args[1]) : 64;
    Path dataDir = args.length > 2 ? Path.of(args[2]) : null;
    Dataset train = Datasets.load("mnist", dataDir).train();
    int n = train.size();
    SplittableRandom rng = new SplittableRandom(1);
    // stage 1: the forward graph with TensorFlow's standard ops, as jeras' layers build it
    String[] names = {"k1", "b1", "k2", "b2", "w", "b3"};
    long[][] shapes = {{3, 3, 1, 32}, {32}, {3, 3, 32, 64}, {64}, {1600, 10}, {10}};
    Backend.GraphPlan plan;
    try (Graph g1 = new Graph()) {
      Ops tf = Ops.create(g1);
      tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 28, 28, 1)));
      tf.withName("y").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
      List<Operand<TFloat32>> v = new ArrayList<>();
      for (int i = 0; i < names.length; i++) {
        v.add(tf.withName(names[i]).variable(Shape.of(shapes[i]), TFloat32.class));
      }
      Set<String> before = nodeNames(g1);
      StandardBackend b = StandardBackend.INSTANCE;
      Operand<TFloat32> x = Tensors.floatOutput(g1, "x");
      int[] one = {1, 1};
      int[] two = {2, 2};
      Operand<TFloat32> h =
          b.relu(tf, b.biasAdd(tf, b.conv2d(tf, x, v.get(0), one, "VALID", one), v.get(1)));
      h = b.maxPool(tf, h, two, two, "VALID");
      h = b.relu(tf, b.biasAdd(tf, b.conv2d(tf, h, v.get(2), one, "VALID", one), v.get(3)));
      h = b.maxPool(tf, h, two, two, "VALID");
      h = tf.reshape(h, tf.constant(new long[] {-1, 1600}));
      Operand<TFloat32> logits = b.biasAdd(tf, b.matmul(tf, h, v.get(4)), v.get(5));
      Operand<TInt32> y =
          tf.withName("y_ref").identity((Operand<TInt32>) (Operand<?>) g1.operation("y").output(0));
      tf.withName("loss")
          .math
          .mean(
              tf.nn
                  .softmaxCrossEntropyWithLogits(
                      logits, tf.oneHot(y, tf.constant(10), tf.constant(1f), tf.constant(0f)))
                  .loss(),
              tf.constant(0));
      Set<String> forward = nodeNames(g1);
      forward.removeAll(before);
      Set<String> named = new HashSet<>(List.of(names));
      named.addAll(List.of("x", "y", "loss"));
      plan = new Backend.GraphPlan(g1.toGraphDef(), named, forward, batch);
    }
    // the CPU engine prepares it as it prepares jeras' training graphs
    RewriteResult prepared = new CpuBackend(EngineOptions.defaults()).prepare(plan);
    try (Graph g = new Graph()) {
      g.importGraphDef(prepared.graph());
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = Tensors.floatOutput(g, "x");
      Operand<?> y = g.operation("y").output(0);
      Operand<TFloat32> loss = Tensors.floatOutput(g, "loss");
      List<Operand<TFloat32>> vars = new ArrayList<>();
      List<Op> inits = new ArrayList<>();
      for (int i = 0; i < names.length; i++) {
        Operand<TFloat32> v = Tensors.floatOutput(g, names[i]);
        vars.add(v);
        inits.add(tf.assign(v, initial(tf, rng, names[i].startsWith("b"), shapes[i])));
      }
      Output<?>[] grads =
          g.addGradients(
              loss.asOutput(),
              vars.stream().map(v -> (Output<?>) v.asOutput()).toArray(Output[]::new));
      Variable<TFloat32> t = tf.variable(tf.constant(0f));
      Operand<TFloat32> step = tf.math.add(t, tf.constant(1f));
      List<Op> updates = new ArrayList<>();
      for (int i = 0; i < vars.size(); i++) {
        Operand<TFloat32> v = vars.get(i);
        Variable<TFloat32> m = tf.variable(tf.zerosLike(v));
        Variable<TFloat32> s = tf.variable(tf.zerosLike(v));
        @SuppressWarnings("unchecked")
        Operand<TFloat32> gr = (Operand<TFloat32>) grads[i];
        updates.add(
            tf.train.applyAdam(
                v,
                m,
                s,
                tf.math.pow(tf.constant(0.9f), step),
                tf.math.pow(tf.constant(0.999f), step),
                tf.constant(1e-3f),
                tf.constant(0.9f),
                tf.constant(0.999f),
                tf.constant(1e-7f),
                gr));
      }
      Op trainOp = tf.withControlDependencies(updates).assign(t, step);
      List<Tensor[]> batches = new ArrayList<>();
      float[] xd = train.x().data();
      int[] yd = ((dev.jeras.data.IntArray) train.y()).data();
      for (int from = 0; from < n; from += batch) {
        int size = Math.min(batch, n - from);
        batches.add(
            new Tensor[] {
              Tensors.floats(xd, from * 784, size, 28, 28, 1), Tensors.ints(yd, from, size)
            });
      }
      long t0 = System.nanoTime();
      double firstStep = -1;
      long firstStepUnixMs = -1;
      double[] epochSeconds = new double[epochs];
      float last = 0;
      // its ops run as jeras runs a training step's: the executor measured in the first steps
      StepExecutor executor = StepExecutor.of(EngineOptions.defaults(), "floor step");
      try (Session s = new Session(g)) {
        Session.Runner init = s.runner();
        inits.forEach(init::addTarget);
        init.run().close();
        s.initialize();
        for (int e = 0; e < epochs; e++) {
          long start = System.nanoTime();
          for (Tensor[] b : batches) {
            Session.Runner run = s.runner().feed(x, b[0]).feed(y, b[1]).addTarget(trainOp);
            run.fetch(loss).setOptions(executor.next());
            long began = System.nanoTime();
            try (Result r = run.run()) {
              last = ((TFloat32) r.get(0)).getFloat();
            }
            executor.ran(System.nanoTime() - began);
            if (firstStep < 0) {
              firstStep = (System.nanoTime() - t0) / 1e9;
              firstStepUnixMs = System.currentTimeMillis();
            }
          }
          epochSeconds[e] = (System.nanoTime() - start) / 1e9;
        }
      } finally {
        batches.forEach(
            b -> {
              b[0].close();
              b[1].close();
            });
      }
      StringBuilder sec = new StringBuilder();
      for (double d : epochSeconds) {
        sec.append(sec.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.3f", d));
      }
      System.out.printf(
          Locale.ROOT,
          "{\"epoch_seconds\": [%s], \"first_step_seconds\": %.3f, \"final_loss\": %.5f,"
              + " \"steps_per_epoch\": %d, \"first_step_unix_ms\": %d, \"executor\": \"%s\"}%n",
          sec,
          firstStep,
          last,
          batches.size(),
          firstStepUnixMs,
          executor.chosen());
    }
  }

  private static Set<String> nodeNames(Graph g) {
    Set<String> names = new HashSet<>();
    g.operations().forEachRemaining(op -> names.add(op.name()));
    return names;
  }

  /** Glorot-uniform kernels (as Keras' default), zero biases. */
  private static Operand<TFloat32> initial(
      Ops tf, SplittableRandom rng, boolean bias, long... shape) {
    int size = 1;
    for (long d : shape) {
      size *= (int) d;
    }
    float[] init = new float[size];
    if (!bias) {
      long fanIn = 1;
      for (int i = 0; i < shape.length - 1; i++) {
        fanIn *= shape[i];
      }
      long fanOut = shape[shape.length - 1] * (shape.length > 2 ? shape[0] * shape[1] : 1);
      double limit = Math.sqrt(6.0 / (fanIn + fanOut));
      for (int i = 0; i < size; i++) {
        init[i] = (float) ((rng.nextDouble() * 2 - 1) * limit);
      }
    }
    try (TFloat32 t = Tensors.floats(init, 0, shape)) {
      return tf.constantOf(t);
    }
  }
}

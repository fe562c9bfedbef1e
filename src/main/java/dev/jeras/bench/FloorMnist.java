package dev.jeras.bench;

import dev.jeras.data.Dataset;
import dev.jeras.data.Datasets;
import dev.jeras.internal.ConvBackprop;
import dev.jeras.internal.NativeOps;
import dev.jeras.internal.PoolBackprop;
import dev.jeras.internal.Tensors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
 * ratio jeras / floor is the DSL's own overhead. Its graph is the one jeras trains: the same ops
 * and kernels: where jeras uses oneDNN's kernels or its own gradients ({@link ConvBackprop}, {@link
 * PoolBackprop}) or its fused convolution + max pool ({@link NativeOps}), those too.
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
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> x =
          tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 28, 28, 1)));
      Placeholder<TInt32> y = tf.placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
      List<Variable<TFloat32>> vars = new ArrayList<>();
      Variable<TFloat32> k1 = var(tf, vars, rng, 3, 3, 1, 32);
      Variable<TFloat32> b1 = zeros(tf, vars, 32);
      Variable<TFloat32> k2 = var(tf, vars, rng, 3, 3, 32, 64);
      Variable<TFloat32> b2 = zeros(tf, vars, 64);
      Variable<TFloat32> w = var(tf, vars, rng, 1600, 10);
      Variable<TFloat32> b3 = zeros(tf, vars, 10);
      List<Long> unit = List.of(1L, 1L, 1L, 1L);
      // as jeras' training graph builds it, with the same convolution gradient
      Operand<TFloat32> h = ConvBackprop.trainingConv2d(tf, x, k1, b1, true, unit, "VALID");
      h = pool(tf, h);
      h = ConvBackprop.trainingConv2d(tf, h, k2, b2, true, unit, "VALID");
      h = pool(tf, h);
      h = tf.reshape(h, tf.constant(new long[] {-1, 1600}));
      Operand<TFloat32> logits = tf.nn.biasAdd(tf.linalg.matMul(h, w), b3);
      Operand<TFloat32> loss =
          tf.math.mean(
              tf.nn
                  .softmaxCrossEntropyWithLogits(
                      logits, tf.oneHot(y, tf.constant(10), tf.constant(1f), tf.constant(0f)))
                  .loss(),
              tf.constant(0));
      Output<?>[] grads =
          g.addGradients(
              loss.asOutput(),
              vars.stream().map(v -> (Output<?>) v.asOutput()).toArray(Output[]::new));
      Variable<TFloat32> t = tf.variable(tf.constant(0f));
      Operand<TFloat32> step = tf.math.add(t, tf.constant(1f));
      List<Op> updates = new ArrayList<>();
      for (int i = 0; i < vars.size(); i++) {
        Variable<TFloat32> v = vars.get(i);
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
      try (Session s = new Session(g)) {
        s.initialize();
        for (int e = 0; e < epochs; e++) {
          long start = System.nanoTime();
          for (Tensor[] b : batches) {
            try (Result r =
                s.runner().feed(x, b[0]).feed(y, b[1]).addTarget(trainOp).fetch(loss).run()) {
              last = ((TFloat32) r.get(0)).getFloat();
            }
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
              + " \"steps_per_epoch\": %d, \"first_step_unix_ms\": %d}%n",
          sec,
          firstStep,
          last,
          batches.size(),
          firstStepUnixMs);
    }
  }

  private static Operand<TFloat32> pool(Ops tf, Operand<TFloat32> h) {
    int[] two = {2, 2};
    Operand<TFloat32> fused = NativeOps.trainingConvMaxPool(tf, h, two, two, "VALID");
    return fused != null ? fused : PoolBackprop.trainingMaxPool(tf, h, two, two, "VALID");
  }

  private static Variable<TFloat32> zeros(Ops tf, List<Variable<TFloat32>> vars, long n) {
    Variable<TFloat32> v = tf.variable(tf.zeros(tf.constant(new long[] {n}), TFloat32.class));
    vars.add(v);
    return v;
  }

  private static Variable<TFloat32> var(
      Ops tf, List<Variable<TFloat32>> vars, SplittableRandom rng, long... shape) {
    long fanIn = 1;
    for (int i = 0; i < shape.length - 1; i++) {
      fanIn *= shape[i];
    }
    long fanOut = shape[shape.length - 1] * (shape.length > 2 ? shape[0] * shape[1] : 1);
    double limit = Math.sqrt(6.0 / (fanIn + fanOut));
    int size = 1;
    for (long d : shape) {
      size *= (int) d;
    }
    float[] init = new float[size];
    for (int i = 0; i < size; i++) {
      init[i] = (float) ((rng.nextDouble() * 2 - 1) * limit);
    }
    try (TFloat32 t = Tensors.floats(init, 0, shape)) {
      Variable<TFloat32> v = tf.variable(tf.constantOf(t));
      vars.add(v);
      return v;
    }
  }
}

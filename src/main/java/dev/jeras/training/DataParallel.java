package dev.jeras.training;

import dev.jeras.data.FloatArray;
import dev.jeras.data.IntArray;
import dev.jeras.data.NumericArray;
import dev.jeras.distribute.MultiWorker;
import dev.jeras.layers.Layer;
import dev.jeras.layers.Network;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Synchronous data-parallel training on a {@link MultiWorker} cluster, as the training step and the
 * fit loop see it.
 *
 * <ul>
 *   <li>The step ({@link #average}): each task computes the gradients of its part of the global
 *       batch; they are summed across tasks, weighted by each part's sample count, in one
 *       all-reduce of one packed vector (gradients, loss, metric sums, sample count), and divided
 *       by the global count: the gradient of the global batch's mean loss, the same on every task,
 *       before any variable changes.
 *   <li>The data ({@code StepSource.arrays} with a part): every task holds all samples and shuffles
 *       them with the same seed; of each global batch, task {@code r} of {@code n} feeds rows
 *       {@code [b r / n, b (r + 1) / n)}.
 *   <li>Agreement: at the start of {@code fit} the tasks compare their settings ({@link
 *       #checkSettings}) and take the chief's position and state ({@link #start}: a resumed chief
 *       hands out its checkpoint); at the end of every epoch they take the chief's state and stop
 *       decision ({@link #endOfEpoch}), so callbacks and BatchNormalization statistics cannot set
 *       them apart.
 * </ul>
 */
final class DataParallel {
  private final MultiWorker cluster;

  DataParallel(MultiWorker cluster) {
    this.cluster = cluster;
  }

  MultiWorker cluster() {
    return cluster;
  }

  boolean isChief() {
    return cluster.isChief();
  }

  /**
   * What the step uses in place of this task's own values.
   *
   * @param gradients the global batch's gradients (null where a weight has none)
   * @param loss the global batch's mean loss
   * @param sums the global batch's metric sums
   */
  record Averaged(Output<?>[] gradients, Operand<TFloat32> loss, List<Operand<TFloat32>> sums) {}

  /**
   * Sums this task's gradients, loss and metric sums with the other tasks'.
   *
   * @param tf the final graph's op factory
   * @param input a model input placeholder (its batch size is this task's sample count)
   * @param gradients this task's gradients of its mean loss (null where a weight has none)
   * @param weights the weights, in the order of the gradients (their shapes are the gradients')
   * @param loss this task's mean loss
   * @param sums this task's metric sums
   * @return the global values
   */
  Averaged average(
      Ops tf,
      Operand<TFloat32> input,
      Output<?>[] gradients,
      Output<?>[] weights,
      Operand<TFloat32> loss,
      List<Operand<TFloat32>> sums) {
    Operand<TFloat32> samples =
        tf.dtypes.cast(
            tf.reshape(
                tf.slice(tf.shape(input), tf.constant(new int[] {0}), tf.constant(new int[] {1})),
                tf.constant(new int[0])),
            TFloat32.class);
    // a task whose part of a batch is empty (a last batch smaller than the cluster) has a NaN
    // mean: multiplying by its zero count with mulNoNan makes its contribution exactly zero
    List<Operand<TFloat32>> parts = new ArrayList<>();
    List<long[]> shapes = new ArrayList<>();
    long size = 0;
    for (int i = 0; i < gradients.length; i++) {
      if (gradients[i] == null) {
        continue;
      }
      @SuppressWarnings("unchecked")
      Operand<TFloat32> gf = (Operand<TFloat32>) gradients[i];
      long[] shape = weights[i].shape().asArray();
      shapes.add(shape);
      parts.add(tf.math.mulNoNan(tf.reshape(gf, tf.constant(new long[] {-1})), samples));
      size += count(shape);
    }
    parts.add(tf.reshape(tf.math.mulNoNan(loss, samples), tf.constant(new long[] {1})));
    for (Operand<TFloat32> s : sums) {
      parts.add(tf.reshape(s, tf.constant(new long[] {1})));
    }
    parts.add(tf.reshape(samples, tf.constant(new long[] {1})));
    long total = size + sums.size() + 2;
    Operand<TFloat32> packed = tf.concat(parts, tf.constant(0));
    int key = 1 + Math.floorMod(Long.hashCode(total * 31 + gradients.length), 1 << 20);
    Operand<TFloat32> summed = cluster.allReduceSum(tf, packed, key);
    Operand<TFloat32> count = slice(tf, summed, total - 1, 1);
    Output<?>[] global = new Output<?>[gradients.length];
    long at = 0;
    int k = 0;
    for (int i = 0; i < gradients.length; i++) {
      if (gradients[i] == null) {
        continue;
      }
      long[] shape = shapes.get(k++);
      long n = count(shape);
      global[i] =
          tf.reshape(tf.math.div(slice(tf, summed, at, n), count), tf.constant(shape)).asOutput();
      at += n;
    }
    Operand<TFloat32> globalLoss =
        tf.reshape(tf.math.div(slice(tf, summed, at, 1), count), tf.constant(new long[0]));
    List<Operand<TFloat32>> globalSums = new ArrayList<>();
    for (int i = 0; i < sums.size(); i++) {
      globalSums.add(tf.reshape(slice(tf, summed, at + 1 + i, 1), tf.constant(new long[0])));
    }
    return new Averaged(global, globalLoss, globalSums);
  }

  private static Operand<TFloat32> slice(Ops tf, Operand<TFloat32> v, long from, long n) {
    return tf.slice(v, tf.constant(new long[] {from}), tf.constant(new long[] {n}));
  }

  private static long count(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  /**
   * @param batch the global batch size
   * @return the most samples a task feeds per step
   */
  int localBatch(int batch) {
    return (batch + cluster.size() - 1) / cluster.size();
  }

  /**
   * Runs one training step with the watchdog armed, naming the position in any failure.
   *
   * @param epoch the epoch, from 0
   * @param step the step, from 0
   * @param run the step
   * @return its results
   */
  float[] step(int epoch, int step, Supplier<float[]> run) {
    String where = "training epoch " + (epoch + 1) + ", step " + (step + 1);
    cluster.arm(where, cluster.options().stepTimeout());
    try {
      return run.get();
    } catch (RuntimeException e) {
      throw cluster.failure(e, where, cluster.options().stepTimeout());
    } finally {
      cluster.disarm();
    }
  }

  /**
   * Checks that every task runs the same training: model, optimizer, losses and metrics, batch
   * size, epochs, shuffling, seed, validation, and the data itself (a hash of every value).
   */
  void checkSettings(
      Trainer trainer,
      FitOptions o,
      List<FloatArray> xs,
      List<NumericArray> ys,
      List<FloatArray> valX,
      List<NumericArray> valY) {
    List<MultiWorker.Setting> s = new ArrayList<>();
    s.add(number("the number of training tasks", cluster.size()));
    s.add(hash("the cluster description", cluster.config().clusterJson()));
    s.add(hash("the model", describe(trainer.engine().network())));
    s.add(
        hash(
            "the optimizer",
            trainer.optimizer().kerasClassName() + render(trainer.optimizer().getConfig())));
    s.add(hash("the losses and metrics", trainer.losses() + " " + trainer.metrics()));
    s.add(number("the batch size", o.batchSize));
    s.add(number("the number of epochs", o.epochs));
    s.add(number("the initial epoch", o.initialEpoch));
    s.add(number("shuffling (1 on, 0 off)", o.shuffle ? 1 : 0));
    s.add(number("resuming from a checkpoint (1 yes, 0 no)", o.resume ? 1 : 0));
    s.add(number("the number of training samples", xs.get(0).count()));
    s.add(hash("the training data", dataHash(xs, ys)));
    s.add(number("the number of validation samples", valX == null ? 0 : valX.get(0).count()));
    s.add(hash("the validation data", valX == null ? 0 : dataHash(valX, valY)));
    cluster.checkAgreement(s);
  }

  private static MultiWorker.Setting number(String name, long value) {
    return new MultiWorker.Setting(name, value, false);
  }

  private static MultiWorker.Setting hash(String name, String text) {
    return hash(name, fnv(text));
  }

  private static MultiWorker.Setting hash(String name, long value) {
    return new MultiWorker.Setting(name, value, true);
  }

  /** The model's layers in order: class, name, configuration, trainable flag, weight shapes. */
  private static String describe(Network net) {
    StringBuilder b = new StringBuilder();
    for (Layer l : net.layers()) {
      b.append(l.className())
          .append(' ')
          .append(l.name())
          .append(' ')
          .append(render(l.getConfig()))
          .append(l.trainable())
          .append('\n');
    }
    for (Network.LayerWeight w : net.weights()) {
      b.append(w.path()).append(Arrays.toString(w.spec().shape())).append('\n');
    }
    return b.toString();
  }

  /** A configuration value as text that does not depend on identity hashes. */
  private static String render(Object v) {
    if (v instanceof Map<?, ?> m) {
      StringBuilder b = new StringBuilder("{");
      m.forEach((k, x) -> b.append(k).append('=').append(render(x)).append(','));
      return b.append('}').toString();
    }
    if (v instanceof List<?> l) {
      StringBuilder b = new StringBuilder("[");
      l.forEach(x -> b.append(render(x)).append(','));
      return b.append(']').toString();
    }
    if (v instanceof int[] a) {
      return Arrays.toString(a);
    }
    if (v instanceof long[] a) {
      return Arrays.toString(a);
    }
    if (v instanceof float[] a) {
      return Arrays.toString(a);
    }
    if (v instanceof double[] a) {
      return Arrays.toString(a);
    }
    if (v instanceof Object[] a) {
      return render(Arrays.asList(a));
    }
    return String.valueOf(v);
  }

  private static long fnv(String s) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < s.length(); i++) {
      h = (h ^ s.charAt(i)) * 0x100000001b3L;
    }
    return h;
  }

  /** A hash of every value of the arrays (their bits), and of their shapes. */
  static long dataHash(List<FloatArray> xs, List<NumericArray> ys) {
    long h = 0xcbf29ce484222325L;
    List<NumericArray> all = new ArrayList<>(xs);
    all.addAll(ys);
    for (NumericArray a : all) {
      h = h * 31 + Arrays.hashCode(a.shape());
      if (a instanceof FloatArray f) {
        for (float v : f.data()) {
          h = h * 0x100000001b3L + Float.floatToRawIntBits(v);
        }
      } else {
        for (int v : ((IntArray) a).data()) {
          h = h * 0x100000001b3L + v;
        }
      }
    }
    return h;
  }

  /**
   * Where fit starts.
   *
   * @param seed the shuffling seed
   * @param epoch the first epoch
   * @param step the first step of that epoch
   * @param partial the epoch's sums so far (seen, loss sum, metric sums), or null
   */
  record Position(long seed, int epoch, int step, double[] partial) {}

  /**
   * Every task takes the chief's position and state: its seed, where its checkpoint stopped, every
   * variable (weights, optimizer state, learning rate, step count).
   *
   * @param trainer the trainer
   * @param mine this task's position (used on the chief)
   * @param sums the number of per-epoch sums (the same on every task)
   * @return the chief's position
   */
  Position start(Trainer trainer, Position mine, int sums) {
    long[] v = new long[5 + sums];
    v[0] = mine.seed();
    v[1] = mine.epoch();
    v[2] = mine.step();
    v[3] = trainer.iterations();
    boolean partial = mine.partial() != null && mine.partial().length == sums;
    v[4] = partial ? 1 : 0;
    for (int i = 0; partial && i < sums; i++) {
      v[5 + i] = Double.doubleToRawLongBits(mine.partial()[i]);
    }
    Duration limit = cluster.options().startupTimeout();
    long[] chief =
        cluster.broadcast(v, "taking the chief's position at the start of training", limit);
    shareState(trainer, "taking the chief's weights at the start of training", limit);
    trainer.engine().assignLong(Engine.ITERATIONS, chief[3]);
    double[] p = null;
    if (chief[4] == 1) {
      p = new double[sums];
      for (int i = 0; i < sums; i++) {
        p[i] = Double.longBitsToDouble(chief[5 + i]);
      }
    }
    return new Position(chief[0], (int) chief[1], (int) chief[2], p);
  }

  /**
   * At the end of an epoch (after the chief's callbacks and checkpoint): every task takes the
   * chief's state and its decision to stop.
   *
   * @param trainer the trainer
   * @param epoch the epoch that ended, from 0
   * @param stop whether this task would stop
   * @return whether the chief stops
   */
  boolean endOfEpoch(Trainer trainer, int epoch, boolean stop) {
    String what = "taking the chief's state after epoch " + (epoch + 1);
    Duration limit = cluster.options().stepTimeout();
    long[] chief = cluster.broadcast(new long[] {stop ? 1 : 0}, what, limit);
    shareState(trainer, what, limit);
    return chief[0] == 1;
  }

  /** Replaces every float variable with the chief's value. */
  private void shareState(Trainer trainer, String what, Duration limit) {
    Engine engine = trainer.engine();
    List<String> names = new ArrayList<>();
    for (String n : engine.store().names()) {
      if (!n.equals(Engine.ITERATIONS)) {
        names.add(n);
      }
    }
    Map<String, float[]> values = engine.store().readFloats(engine.session(), names);
    int total = 0;
    for (float[] a : values.values()) {
      total += a.length;
    }
    float[] flat = new float[total];
    int at = 0;
    for (String n : names) {
      float[] a = values.get(n);
      System.arraycopy(a, 0, flat, at, a.length);
      at += a.length;
    }
    float[] chief = cluster.broadcast(flat, what, limit);
    Map<String, float[]> out = new LinkedHashMap<>();
    at = 0;
    for (String n : names) {
      int len = values.get(n).length;
      out.put(n, Arrays.copyOfRange(chief, at, at + len));
      at += len;
    }
    engine.assignFloats(out);
  }
}

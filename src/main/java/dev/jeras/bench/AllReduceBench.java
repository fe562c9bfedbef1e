package dev.jeras.bench;

import dev.jeras.distribute.MultiWorker;
import dev.jeras.distribute.TaskId;
import dev.jeras.distribute.TfConfig;
import dev.jeras.internal.Tensors;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;

/**
 * The communication of one data-parallel training step alone: the all-reduce that sums a vector of
 * {@code floats} values across the cluster's tasks (the op and the path the training step's packed
 * gradients take: {@code CollectiveReduceV2} over TensorFlow's gRPC runtime). Every task runs it;
 * the chief prints one JSON object: the vector's bytes, and the median and mean milliseconds of
 * {@code reps} timed runs after {@code warmup} untimed ones.
 *
 * <pre>
 * java -cp "target/jeras.jar:target/jeras-cli.jar:target/lib/*" dev.jeras.bench.AllReduceBench \
 *     cluster.json chief:0 FLOATS [reps] [warmup]
 * </pre>
 */
public final class AllReduceBench {
  private AllReduceBench() {}

  /**
   * @param args cluster file, task, floats, optional reps (default 50) and warm-up runs (10)
   */
  public static void main(String[] args) {
    TfConfig config = TfConfig.read(Path.of(args[0]), TaskId.parse(args[1]));
    int floats = Integer.parseInt(args[2]);
    int reps = args.length > 3 ? Integer.parseInt(args[3]) : 50;
    int warmup = args.length > 4 ? Integer.parseInt(args[4]) : 10;
    MultiWorker cluster = MultiWorker.start(config, new MultiWorker.Options());
    float[] values = new float[floats];
    Arrays.fill(values, 1f);
    double[] ms = new double[reps];
    try (Graph g = new Graph();
        Session s = cluster.session(g, ConfigProto.getDefaultInstance())) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> in = tf.placeholder(TFloat32.class);
      Operand<TFloat32> sum = cluster.allReduceSum(tf, in, 1);
      try (TFloat32 x = Tensors.floats(values, 0, floats)) {
        for (int i = 0; i < warmup + reps; i++) {
          long start = System.nanoTime();
          try (Result r =
              s.runner().feed(in, x).fetch(sum).setOptions(cluster.stepOptions()).run()) {
            float first = ((TFloat32) r.get(0)).getFloat(0);
            if (first != cluster.size()) {
              throw new IllegalStateException("sum " + first + ", expected " + cluster.size());
            }
          }
          if (i >= warmup) {
            ms[i - warmup] = (System.nanoTime() - start) / 1e6;
          }
        }
      }
    }
    if (cluster.isChief()) {
      double[] sorted = ms.clone();
      Arrays.sort(sorted);
      System.out.printf(
          Locale.ROOT,
          "{\"tasks\": %d, \"floats\": %d, \"bytes\": %d, \"reps\": %d, \"median_ms\": %.3f,"
              + " \"mean_ms\": %.3f}%n",
          cluster.size(),
          floats,
          4L * floats,
          reps,
          sorted[reps / 2],
          Arrays.stream(ms).average().orElse(0));
    }
    System.exit(0);
  }
}

package dev.jeras.bench;

import dev.jeras.internal.Tensors;
import java.util.Locale;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The machine's practical float32 FLOP/s through TensorFlow: a large matrix product ({@code n x n}
 * by {@code n x n}, 2n^3 FLOPs), repeated, best of several runs.
 *
 * <pre>
 * java -cp target/jeras.jar:target/lib/* dev.jeras.bench.MatmulFlops [n] [repeats]
 * </pre>
 */
public final class MatmulFlops {
  private MatmulFlops() {}

  /**
   * @param args matrix size (2048), repeats per run (10)
   */
  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 2048;
    int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    float[] data = new float[n * n];
    for (int i = 0; i < data.length; i++) {
      data[i] = (i % 13) * 0.01f;
    }
    try (Graph g = new Graph();
        TFloat32 a = Tensors.floats(data, 0, n, n);
        TFloat32 b = Tensors.floats(data, 0, n, n)) {
      Ops tf = Ops.create(g);
      // placeholders, not constants: Grappler would fold a product of constants away
      var pa = tf.placeholder(TFloat32.class);
      var pb = tf.placeholder(TFloat32.class);
      Operand<TFloat32> sum = tf.reduceSum(tf.linalg.matMul(pa, pb), tf.constant(new int[] {0, 1}));
      try (Session s = new Session(g)) {
        double best = 0;
        for (int run = 0; run < 4; run++) {
          long t0 = System.nanoTime();
          for (int r = 0; r < repeats; r++) {
            try (Result res = s.runner().feed(pa, a).feed(pb, b).fetch(sum).run()) {
              // the result is not used: only the time counts
            }
          }
          double sec = (System.nanoTime() - t0) / 1e9;
          best = Math.max(best, 2.0 * n * n * n * repeats / sec);
        }
        System.out.printf(Locale.ROOT, "{\"matmul_n\": %d, \"gflops\": %.2f}%n", n, best / 1e9);
      }
    }
  }
}

package dev.jeras.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.jeras.data.Dataset;
import dev.jeras.data.Datasets;
import dev.jeras.internal.Tensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** Paths of the committed fixtures in {@code testdata/}, and shared helpers for tests. */
public final class Fixtures {
  private Fixtures() {}

  /**
   * @return the Keras-written files of {@code testdata/legacy-weights/} that each hold the weights
   *     of its {@code cnn.json} model, one per kind jeras reads ({@code .weights.h5}, {@code
   *     .keras}, legacy whole-model and weights-only {@code .h5}, renamed layers, chunked datasets)
   */
  public static java.util.stream.Stream<String> legacyWeightFiles() {
    return java.util.stream.Stream.of(
        "cnn.weights.h5",
        "cnn.keras",
        "cnn_legacy_model.h5",
        "cnn_legacy_weights.h5",
        "cnn_renamed_weights.h5",
        "cnn_chunked_weights.h5");
  }

  /**
   * @return the repository's testdata directory
   */
  public static Path testdata() {
    Path p = Path.of("testdata");
    if (!Files.isDirectory(p)) {
      throw new IllegalStateException(
          "run tests from the repository root: no testdata/ in " + Path.of("").toAbsolutePath());
    }
    return p;
  }

  /**
   * @return the 2,000 / 500 MNIST fixture
   */
  public static Dataset.Split mnistSmall() {
    return Datasets.loadIdxDirectory(
        testdata().resolve("mnist-small"), "mnist-small", Datasets.classNames("mnist"));
  }

  /**
   * @param a values
   * @param b expected values
   * @return the largest absolute difference
   */
  public static double maxAbsDiff(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
    }
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs((double) a[i] - b[i]));
    }
    return m;
  }

  /** Asserts {@code |a - b| <= atol + rtol * |b|} element-wise, naming the first failure. */
  public static void assertClose(float[] actual, float[] expected, double atol, double rtol) {
    if (actual.length != expected.length) {
      throw new AssertionError("lengths differ: " + actual.length + " vs " + expected.length);
    }
    for (int i = 0; i < actual.length; i++) {
      double tol = atol + rtol * Math.abs(expected[i]);
      if (!(Math.abs((double) actual[i] - expected[i]) <= tol)) {
        throw new AssertionError(
            "index "
                + i
                + ": got "
                + actual[i]
                + ", expected "
                + expected[i]
                + " (tolerance "
                + tol
                + ")");
      }
    }
  }

  /**
   * @return the concatenation of the weights, for comparisons
   */
  public static float[] flatten(List<dev.jeras.data.FloatArray> weights) {
    int n = weights.stream().mapToInt(w -> w.data().length).sum();
    float[] out = new float[n];
    int o = 0;
    for (var w : weights) {
      System.arraycopy(w.data(), 0, out, o, w.data().length);
      o += w.data().length;
    }
    return out;
  }

  /**
   * Pool inputs full of ties: 0, 0.25, 0.5 or 0.75, two in five of them zero.
   *
   * @param rng the source
   * @param size how many values
   * @return the values
   */
  public static float[] ties(java.util.Random rng, int size) {
    float[] values = new float[size];
    for (int i = 0; i < size; i++) {
      values[i] = Math.max(0, rng.nextInt(5) - 1) * 0.25f;
    }
    return values;
  }

  /**
   * Outputs and input gradients of TensorFlow's max pool and of another pool built on the same
   * input.
   *
   * @param yRef TensorFlow's pooled output
   * @param yMine the other pool's output
   * @param gRef the gradient through TensorFlow's pool
   * @param gMine the gradient through the other pool
   * @param inputs the number of input values
   * @param outputs the number of pooled values
   */
  public record PoolRun(
      float[] yRef, float[] yMine, float[] gRef, float[] gMine, int inputs, int outputs) {}

  /**
   * Pools an input full of ties ({@link #ties}) with TensorFlow's {@code MaxPool} and with {@code
   * mine}, in one graph, and differentiates the sum of each output weighted by the same Gaussian
   * values; asserts the two have the same static output shape.
   *
   * @param rng draws the input, then the weights
   * @param dims n, h, w, c, pool height, pool width, stride height, stride width
   * @param padding SAME or VALID
   * @param mine builds the other pool from the op factory and the input
   * @param built sees the other pool's result as built (to check its op)
   * @return the four results
   */
  public static PoolRun maxPoolAgainstTensorFlow(
      java.util.Random rng,
      int[] dims,
      String padding,
      java.util.function.BiFunction<Ops, Operand<TFloat32>, Operand<TFloat32>> mine,
      java.util.function.Consumer<Operand<TFloat32>> built) {
    int n = dims[0];
    int h = dims[1];
    int w = dims[2];
    int c = dims[3];
    float[] values = ties(rng, n * h * w * c);
    try (Graph g = new Graph();
        TFloat32 xt = Tensors.floats(values, 0, n, h, w, c)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = tf.constant(xt);
      Operand<TFloat32> ref =
          tf.nn.maxPool(
              x,
              tf.constant(new int[] {1, dims[4], dims[5], 1}),
              tf.constant(new int[] {1, dims[6], dims[7], 1}),
              padding);
      Operand<TFloat32> other = mine.apply(tf, x);
      built.accept(other);
      long[] outShape = ref.shape().asArray();
      assertArrayEquals(outShape, other.shape().asArray(), "static output shape");
      int outSize = (int) (n * outShape[1] * outShape[2] * outShape[3]);
      float[] r = new float[outSize];
      for (int i = 0; i < r.length; i++) {
        r[i] = (float) rng.nextGaussian();
      }
      try (TFloat32 rt = Tensors.floats(r, 0, outShape)) {
        Operand<TFloat32> weights = tf.constant(rt);
        Output<?> refGrad = weightedSumGradient(g, tf, ref, weights, x);
        Output<?> myGrad = weightedSumGradient(g, tf, other, weights, x);
        try (Session s = new Session(g);
            Result res = s.runner().fetch(ref).fetch(other).fetch(refGrad).fetch(myGrad).run()) {
          return new PoolRun(
              Tensors.toFloats(res.get(0)),
              Tensors.toFloats(res.get(1)),
              Tensors.toFloats(res.get(2)),
              Tensors.toFloats(res.get(3)),
              values.length,
              outSize);
        }
      }
    }
  }

  /**
   * @return the gradient of {@code sum(y * weights)} with respect to {@code x}
   */
  public static Output<?> weightedSumGradient(
      Graph g, Ops tf, Operand<TFloat32> y, Operand<TFloat32> weights, Operand<TFloat32> x) {
    Operand<TFloat32> product = tf.math.mul(y, weights);
    Operand<TFloat32> sum =
        tf.reduceSum(product, tf.range(tf.constant(0), tf.rank(product), tf.constant(1)));
    return g.addGradients(sum.asOutput(), new Output<?>[] {x.asOutput()})[0];
  }
}

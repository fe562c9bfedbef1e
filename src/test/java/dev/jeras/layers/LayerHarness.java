package dev.jeras.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jeras.data.FloatArray;
import dev.jeras.models.Model;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The one harness every layer test uses: wraps a layer in a one-layer functional model for an input
 * shape, sets the layer's weights (Keras order), runs it in inference or training mode and returns
 * the output; plus the closeness rule {@code |a - b| <= atol + rtol * |b|} and seeded random data.
 *
 * <pre>{@code
 * FloatArray y = LayerHarness.predict(new Dense(3), x, kernel, bias);
 * LayerHarness.assertClose(Reference.dense(...), y, 1e-5, 0, "dense");
 * }</pre>
 */
final class LayerHarness {
  /** The model seed used by every harness model (initial weights, dropout masks). */
  static final long SEED = 1234L;

  private LayerHarness() {}

  /**
   * @param layer an unbuilt layer
   * @param sampleShape the input shape without the batch axis
   * @return a seeded functional model {@code Input(sampleShape) -> layer}; close it
   */
  static Model model(Layer layer, long... sampleShape) {
    SymbolicTensor in = Input.shape(sampleShape);
    Model m = new Model(in, layer.apply(in));
    m.seed(SEED);
    return m;
  }

  /**
   * Runs the layer in inference mode ({@code model.predict}) on the whole batch.
   *
   * @param layer an unbuilt layer
   * @param x the input, samples first
   * @param weights the layer's weights in Keras' order; none keeps the initializers' values
   * @return the output
   */
  static FloatArray predict(Layer layer, FloatArray x, FloatArray... weights) {
    try (Model m = model(layer, sampleShape(x))) {
      if (weights.length > 0) {
        m.setWeights(List.of(weights));
      }
      return m.predict(x, x.count());
    }
  }

  /**
   * Runs the layer's training-mode forward pass (dropout active, batch statistics) once, on the
   * whole input as one batch, without updating state.
   */
  static FloatArray predictTraining(Layer layer, FloatArray x, FloatArray... weights) {
    try (Model m = model(layer, sampleShape(x))) {
      if (weights.length > 0) {
        m.setWeights(List.of(weights));
      }
      return m.predictTrainingMode(List.of(x), x.count()).get(0);
    }
  }

  /**
   * Runs a merge layer on several inputs in inference mode.
   *
   * @param layer an unbuilt merge layer
   * @param xs one array per input, same sample count
   * @return the output
   */
  static FloatArray predictMerge(Layer layer, FloatArray... xs) {
    List<SymbolicTensor> ins = new ArrayList<>();
    for (FloatArray x : xs) {
      ins.add(Input.shape(sampleShape(x)));
    }
    try (Model m = new Model(ins, List.of(layer.apply(ins)))) {
      m.seed(SEED);
      return m.predict(List.of(xs), xs[0].count()).get(0);
    }
  }

  /**
   * @return the shape of one sample of x
   */
  static long[] sampleShape(FloatArray x) {
    long[] s = x.shape();
    return Arrays.copyOfRange(s, 1, s.length);
  }

  // ---------------------------------------------------------------------------------------------
  // Data

  /**
   * @return n values uniform in [lo, hi)
   */
  static float[] uniform(Random rng, int n, double lo, double hi) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (lo + rng.nextDouble() * (hi - lo));
    }
    return v;
  }

  /**
   * @return an array of that shape with values uniform in [-1, 1)
   */
  static FloatArray random(Random rng, long... shape) {
    return FloatArray.of(uniform(rng, size(shape), -1, 1), shape);
  }

  /**
   * @return an array of that shape with values uniform in [lo, hi)
   */
  static FloatArray randomIn(Random rng, double lo, double hi, long... shape) {
    return FloatArray.of(uniform(rng, size(shape), lo, hi), shape);
  }

  /**
   * @return the number of values in a shape
   */
  static int size(long... shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return Math.toIntExact(n);
  }

  /**
   * @return the floats widened to doubles
   */
  static double[] toDouble(float[] v) {
    double[] d = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      d[i] = v[i];
    }
    return d;
  }

  // ---------------------------------------------------------------------------------------------
  // Closeness

  /**
   * Asserts {@code |actual - expected| <= atol + rtol * |expected|} element-wise, naming the first
   * failing index (flat and multi-dimensional) and the values.
   *
   * @param expected the reference values (double precision)
   * @param actual the layer's output
   * @param atol absolute tolerance
   * @param rtol relative tolerance
   * @param what what is compared, for the message
   */
  static void assertClose(
      double[] expected, FloatArray actual, double atol, double rtol, String what) {
    assertClose(expected, actual.data(), actual.shape(), atol, rtol, what);
  }

  /** As {@link #assertClose(double[], FloatArray, double, double, String)}, for plain arrays. */
  static void assertClose(
      double[] expected, float[] actual, long[] shape, double atol, double rtol, String what) {
    if (expected.length != actual.length) {
      fail(
          what
              + ": expected "
              + expected.length
              + " values, got "
              + actual.length
              + (shape == null ? "" : " (shape " + Arrays.toString(shape) + ")"));
    }
    for (int i = 0; i < expected.length; i++) {
      double diff = Math.abs(actual[i] - expected[i]);
      double tol = atol + rtol * Math.abs(expected[i]);
      if (!(diff <= tol)) {
        fail(
            String.format(
                "%s: first mismatch at index %d%s: expected %.9g, got %.9g (|diff| %.3g > tol"
                    + " %.3g)",
                what,
                i,
                shape == null ? "" : " " + Arrays.toString(unravel(i, shape)),
                expected[i],
                (double) actual[i],
                diff,
                tol));
      }
    }
  }

  /** As above, for double results compared with double references. */
  static void assertClose(
      double[] expected, double[] actual, double atol, double rtol, String what) {
    if (expected.length != actual.length) {
      fail(what + ": expected " + expected.length + " values, got " + actual.length);
    }
    for (int i = 0; i < expected.length; i++) {
      double diff = Math.abs(actual[i] - expected[i]);
      double tol = atol + rtol * Math.abs(expected[i]);
      if (!(diff <= tol)) {
        fail(
            String.format(
                "%s: first mismatch at index %d: expected %.9g, got %.9g (|diff| %.3g > tol %.3g)",
                what, i, expected[i], actual[i], diff, tol));
      }
    }
  }

  /** Asserts the output's shape (samples first). */
  static void assertShape(FloatArray y, long... shape) {
    assertArrayEquals(shape, y.shape(), () -> "output shape " + Arrays.toString(y.shape()));
  }

  private static long[] unravel(int flat, long[] shape) {
    long[] idx = new long[shape.length];
    long rest = flat;
    for (int d = shape.length - 1; d >= 0; d--) {
      idx[d] = rest % shape[d];
      rest /= shape[d];
    }
    return idx;
  }
}

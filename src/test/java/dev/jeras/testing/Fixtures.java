package dev.jeras.testing;

import dev.jeras.data.Dataset;
import dev.jeras.data.Datasets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Paths of the committed fixtures in {@code testdata/}, and shared helpers for tests. */
public final class Fixtures {
  private Fixtures() {}

  /** @return the repository's testdata directory */
  public static Path testdata() {
    Path p = Path.of("testdata");
    if (!Files.isDirectory(p)) {
      throw new IllegalStateException("run tests from the repository root: no testdata/ in "
          + Path.of("").toAbsolutePath());
    }
    return p;
  }

  /** @return the 2,000 / 500 MNIST fixture */
  public static Dataset.Split mnistSmall() {
    return Datasets.loadIdxDirectory(testdata().resolve("mnist-small"), "mnist-small",
        Datasets.classNames("mnist"));
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
        throw new AssertionError("index " + i + ": got " + actual[i] + ", expected " + expected[i]
            + " (tolerance " + tol + ")");
      }
    }
  }

  /** @return the concatenation of the weights, for comparisons */
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
}

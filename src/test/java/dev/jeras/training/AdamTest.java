package dev.jeras.training;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jeras.data.FloatArray;
import dev.jeras.layers.Dense;
import dev.jeras.layers.Input;
import dev.jeras.models.Model;
import dev.jeras.testing.Fixtures;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Three Adam steps on a linear model with MSE, against a pure-Java reference in double. */
class AdamTest {
  private static final int N = 8;
  private static final int IN = 5;
  private static final int OUT = 3;

  @Test
  void threeSteps_matchJavaReference_within1e6() {
    Random r = new Random(7);
    float[] x = random(r, N * IN);
    float[] y = random(r, N * OUT);
    float[] w0 = random(r, IN * OUT);
    float[] b0 = random(r, OUT);
    var in = Input.shape(IN);
    try (Model m = new Model(in, new Dense(OUT).apply(in))) {
      m.setWeights(List.of(FloatArray.of(w0.clone(), IN, OUT), FloatArray.of(b0.clone(), OUT)));
      m.compile(Optimizer.adam(0.01), Loss.meanSquaredError());
      m.fit(
          FloatArray.of(x, N, IN),
          FloatArray.of(y, N, OUT),
          new FitOptions().epochs(3).batchSize(N).shuffle(false).progress(null));
      assertEquals(3, m.optimizerState().iterations());

      double[][] expected = reference(x, y, w0, b0, 0.01, 0.9, 0.999, 1e-7, 3);
      List<FloatArray> got = m.getWeights();
      Fixtures.assertClose(got.get(0).data(), toFloat(expected[0]), 1e-6, 0);
      Fixtures.assertClose(got.get(1).data(), toFloat(expected[1]), 1e-6, 0);
    }
  }

  @Test
  void defaults_areKeras() {
    Optimizer.Adam a = (Optimizer.Adam) Optimizer.adam();
    assertEquals(1e-3, a.learningRate());
    assertEquals(0.9, a.beta1());
    assertEquals(0.999, a.beta2());
    assertEquals(1e-7, a.epsilon());
    Optimizer.Sgd s = (Optimizer.Sgd) Optimizer.of("sgd", null);
    assertEquals(0.01, s.learningRate());
    assertEquals(0.0, s.momentum());
    Optimizer.RmsProp p = (Optimizer.RmsProp) Optimizer.rmsprop();
    assertEquals(0.9, p.rho());
    assertEquals(1e-7, p.epsilon());
  }

  /** Keras' Adam on y = xW + b with MSE (mean over outputs and batch), in double precision. */
  static double[][] reference(
      float[] x,
      float[] y,
      float[] w0,
      float[] b0,
      double lr,
      double b1,
      double b2,
      double eps,
      int steps) {
    double[] w = toDouble(w0);
    double[] b = toDouble(b0);
    double[] mw = new double[w.length];
    double[] vw = new double[w.length];
    double[] mb = new double[b.length];
    double[] vb = new double[b.length];
    for (int t = 1; t <= steps; t++) {
      double[] gw = new double[w.length];
      double[] gb = new double[b.length];
      for (int n = 0; n < N; n++) {
        for (int o = 0; o < OUT; o++) {
          double pred = b[o];
          for (int i = 0; i < IN; i++) {
            pred += x[n * IN + i] * w[i * OUT + o];
          }
          double d = 2 * (pred - y[n * OUT + o]) / (N * OUT);
          gb[o] += d;
          for (int i = 0; i < IN; i++) {
            gw[i * OUT + o] += d * x[n * IN + i];
          }
        }
      }
      double alpha = lr * Math.sqrt(1 - Math.pow(b2, t)) / (1 - Math.pow(b1, t));
      update(w, gw, mw, vw, alpha, b1, b2, eps);
      update(b, gb, mb, vb, alpha, b1, b2, eps);
    }
    return new double[][] {w, b};
  }

  private static void update(
      double[] p,
      double[] g,
      double[] m,
      double[] v,
      double alpha,
      double b1,
      double b2,
      double eps) {
    for (int i = 0; i < p.length; i++) {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      p[i] -= alpha * m[i] / (Math.sqrt(v[i]) + eps);
    }
  }

  private static float[] random(Random r, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) r.nextGaussian();
    }
    return a;
  }

  private static double[] toDouble(float[] a) {
    double[] d = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      d[i] = a[i];
    }
    return d;
  }

  private static float[] toFloat(double[] a) {
    float[] f = new float[a.length];
    for (int i = 0; i < a.length; i++) {
      f[i] = (float) a[i];
    }
    return f;
  }
}

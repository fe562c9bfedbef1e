package dev.jeras.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.data.FloatArray;
import dev.jeras.data.IntArray;
import dev.jeras.data.NumericArray;
import dev.jeras.layers.Add;
import dev.jeras.layers.Concatenate;
import dev.jeras.layers.Dense;
import dev.jeras.layers.Input;
import dev.jeras.layers.SymbolicTensor;
import dev.jeras.testing.Fixtures;
import dev.jeras.training.FitOptions;
import dev.jeras.training.History;
import dev.jeras.training.Loss;
import dev.jeras.training.Metric;
import dev.jeras.training.Optimizer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A DAG that branches and merges, with a layer shared by two inputs, two inputs and two outputs.
 */
class FunctionalModelTest {
  private static final int N = 6;

  private record Dag(Model model, Dense shared, Dense head) {}

  private static Dag dag() {
    SymbolicTensor a = Input.shape("a", 3);
    SymbolicTensor b = Input.shape("b", 3);
    Dense shared = new Dense(2).named("shared");
    SymbolicTensor sa = shared.apply(a);
    SymbolicTensor sb = shared.apply(b);
    SymbolicTensor sum = new Add().named("sum").apply(sa, sb);
    SymbolicTensor cat = new Concatenate().named("cat").apply(sa, sb);
    Dense head = new Dense(3).activation("softmax").named("head");
    SymbolicTensor probs = head.apply(cat);
    return new Dag(new Model(List.of(a, b), List.of(sum, probs)), shared, head);
  }

  private static float[] ramp(int n, float scale) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) Math.sin(i * scale);
    }
    return v;
  }

  @Test
  void sharedLayer_hasOneSetOfWeights_andOutputsMatchJava() {
    Dag d = dag();
    try (Model m = d.model()) {
      assertEquals(3 * 2 + 2 + 4 * 3 + 3, m.countParams(), "the shared Dense counts once");
      assertEquals(
          List.of("a", "b", "shared", "sum", "cat", "head"),
          m.layers().stream().map(l -> l.name()).toList());
      assertEquals(2, d.shared().nodes().size());
      float[] w = ramp(6, 0.7f);
      float[] bias = {0.1f, -0.2f};
      float[] hw = ramp(12, 0.3f);
      float[] hb = {0f, 0.5f, -0.5f};
      m.setWeights(
          List.of(
              FloatArray.of(w, 3, 2),
              FloatArray.of(bias, 2),
              FloatArray.of(hw, 4, 3),
              FloatArray.of(hb, 3)));
      float[] xa = ramp(N * 3, 0.9f);
      float[] xb = ramp(N * 3, 1.3f);
      List<FloatArray> out =
          m.predict(List.of(FloatArray.of(xa, N, 3), FloatArray.of(xb, N, 3)), 4);
      assertEquals(2, out.size());
      float[] sum = new float[N * 2];
      float[] probs = new float[N * 3];
      for (int n = 0; n < N; n++) {
        double[] pa = dense(xa, n, w, bias);
        double[] pb = dense(xb, n, w, bias);
        double[] cat = {pa[0], pa[1], pb[0], pb[1]};
        double[] logits = new double[3];
        double z = 0;
        for (int o = 0; o < 3; o++) {
          logits[o] = hb[o];
          for (int i = 0; i < 4; i++) {
            logits[o] += cat[i] * hw[i * 3 + o];
          }
          z += Math.exp(logits[o]);
        }
        for (int o = 0; o < 2; o++) {
          sum[n * 2 + o] = (float) (pa[o] + pb[o]);
        }
        for (int o = 0; o < 3; o++) {
          probs[n * 3 + o] = (float) (Math.exp(logits[o]) / z);
        }
      }
      Fixtures.assertClose(out.get(0).data(), sum, 1e-5, 0);
      Fixtures.assertClose(out.get(1).data(), probs, 1e-5, 0);
    }
  }

  private static double[] dense(float[] x, int n, float[] w, float[] b) {
    double[] y = new double[2];
    for (int o = 0; o < 2; o++) {
      y[o] = b[o];
      for (int i = 0; i < 3; i++) {
        y[o] += x[n * 3 + i] * w[i * 2 + o];
      }
    }
    return y;
  }

  @Test
  void twoOutputs_trainWithALossEach_andReportPerOutputLogs() {
    Dag d = dag();
    try (Model m = d.model()) {
      m.seed(2);
      m.compile(
          Optimizer.adam(0.05),
          List.of(Loss.meanSquaredError(), Loss.sparseCategoricalCrossentropy()),
          List.of(Metric.ACCURACY));
      FloatArray xa = FloatArray.of(ramp(N * 3, 0.9f), N, 3);
      FloatArray xb = FloatArray.of(ramp(N * 3, 1.3f), N, 3);
      FloatArray ySum = FloatArray.of(ramp(N * 2, 0.4f), N, 2);
      IntArray yCls = IntArray.of(new int[] {0, 1, 2, 0, 1, 2});
      List<NumericArray> ys = List.of(ySum, yCls);
      History h =
          m.fit(List.of(xa, xb), ys, new FitOptions().epochs(40).batchSize(N).progress(null));
      assertTrue(
          h.keys().containsAll(List.of("loss", "sum_loss", "head_loss", "head_accuracy")),
          h.keys().toString());
      assertTrue(h.last("loss") < h.get("loss").get(0) * 0.5, h.get("loss").toString());
      Map<String, Double> ev = m.evaluate(List.of(xa, xb), ys, N);
      assertEquals(ev.get("sum_loss") + ev.get("head_loss"), ev.get("loss"), 1e-5);
    }
  }

  @Test
  void disconnectedGraph_isRefused() {
    SymbolicTensor a = Input.shape(3);
    SymbolicTensor b = Input.shape(3);
    SymbolicTensor out = new Dense(1).apply(b);
    var e = assertThrows(IllegalArgumentException.class, () -> new Model(a, out));
    assertTrue(e.getMessage().startsWith("graph disconnected"), e.getMessage());
  }

  @Test
  void duplicateLayerNames_areRefused() {
    SymbolicTensor a = Input.shape(3);
    SymbolicTensor h = new Dense(2).named("d").apply(a);
    SymbolicTensor out = new Dense(2).named("d").apply(h);
    var e = assertThrows(IllegalArgumentException.class, () -> new Model(a, out));
    assertTrue(e.getMessage().contains("two layers are named 'd'"), e.getMessage());
  }
}

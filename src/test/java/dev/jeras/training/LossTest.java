package dev.jeras.training;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jeras.data.FloatArray;
import dev.jeras.data.IntArray;
import dev.jeras.layers.Dense;
import dev.jeras.layers.Input;
import dev.jeras.layers.SymbolicTensor;
import dev.jeras.models.Model;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Losses and accuracy from evaluate(), against values computed in Java from predict(). */
class LossTest {
  private static final float[] X = {
    0.5f, -1f, 2f, 0.1f, -0.3f, 0.7f, 1.5f, -2f, 0f, 0.2f, 0.9f, -0.4f
  };
  private static final int[] LABELS = {2, 0, 1, 1};

  private static Model model(String activation) {
    SymbolicTensor in = Input.shape(3);
    Model m = new Model(in, new Dense(3).activation(activation).apply(in));
    m.seed(9);
    return m;
  }

  @Test
  void sparseCrossEntropy_onSoftmax_equalsMeanNegLogProbability_andAccuracyCountsArgmax() {
    try (Model m = model("softmax")) {
      m.compile(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(), Metric.ACCURACY);
      FloatArray x = FloatArray.of(X, 4, 3);
      float[] p = m.predict(x).data();
      double loss = 0;
      int correct = 0;
      for (int i = 0; i < 4; i++) {
        loss -= Math.log(p[i * 3 + LABELS[i]]);
        int arg = 0;
        for (int c = 1; c < 3; c++) {
          if (p[i * 3 + c] > p[i * 3 + arg]) {
            arg = c;
          }
        }
        correct += arg == LABELS[i] ? 1 : 0;
      }
      Map<String, Double> r = m.evaluate(x, IntArray.of(LABELS), 3);
      assertEquals(loss / 4, r.get("loss"), 1e-5);
      assertEquals(correct / 4.0, r.get("accuracy"), 1e-9);
    }
  }

  @Test
  void categoricalCrossEntropy_equalsSparseOnOneHot() {
    try (Model m = model("softmax")) {
      m.compile(
          Optimizer.adam(), List.of(Loss.categoricalCrossentropy()), List.of(Metric.ACCURACY));
      float[] oneHot = new float[12];
      for (int i = 0; i < 4; i++) {
        oneHot[i * 3 + LABELS[i]] = 1;
      }
      FloatArray x = FloatArray.of(X, 4, 3);
      float[] p = m.predict(x).data();
      double loss = 0;
      for (int i = 0; i < 4; i++) {
        loss -= Math.log(p[i * 3 + LABELS[i]]);
      }
      Map<String, Double> r = m.evaluate(x, FloatArray.of(oneHot, 4, 3), 4);
      assertEquals(loss / 4, r.get("loss"), 1e-5);
    }
  }

  @Test
  void probabilitiesPath_clipsLikeKeras_whenOutputIsNotASoftmax() {
    // sigmoid outputs are not a softmax: the loss normalises and clips probabilities
    try (Model m = model("sigmoid")) {
      m.compile(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(), Metric.ACCURACY);
      FloatArray x = FloatArray.of(X, 4, 3);
      float[] p = m.predict(x).data();
      double loss = 0;
      for (int i = 0; i < 4; i++) {
        double s = p[i * 3] + p[i * 3 + 1] + p[i * 3 + 2];
        double q = Math.min(Math.max(p[i * 3 + LABELS[i]] / s, 1e-7), 1 - 1e-7);
        loss -= Math.log(q);
      }
      assertEquals(loss / 4, m.evaluate(x, IntArray.of(LABELS), 4).get("loss"), 1e-5);
    }
  }

  @Test
  void meanSquaredError_matchesJava() {
    try (Model m = model("linear")) {
      m.compile(Optimizer.sgd(0.1), Loss.meanSquaredError());
      FloatArray x = FloatArray.of(X, 4, 3);
      float[] p = m.predict(x).data();
      double loss = 0;
      for (int i = 0; i < 12; i++) {
        loss += (p[i] - X[i]) * (p[i] - X[i]);
      }
      assertEquals(loss / 12, m.evaluate(x, x, 2).get("loss"), 1e-5);
    }
  }

  @Test
  void names_resolveLikeKeras() {
    assertEquals(
        "sparse_categorical_crossentropy", Loss.of("sparse_categorical_crossentropy").kerasName());
    assertEquals("categorical_crossentropy", Loss.of("CategoricalCrossentropy").kerasName());
    assertEquals(
        Metric.SPARSE_CATEGORICAL_ACCURACY,
        Metric.of("accuracy").resolve(Loss.sparseCategoricalCrossentropy()));
    assertEquals(
        Metric.CATEGORICAL_ACCURACY, Metric.of("acc").resolve(Loss.categoricalCrossentropy()));
  }
}

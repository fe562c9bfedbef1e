package dev.jeras.training;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jeras.data.FloatArray;
import dev.jeras.layers.Dense;
import dev.jeras.layers.Input;
import dev.jeras.layers.Layer;
import dev.jeras.layers.Regularizer;
import dev.jeras.layers.SymbolicTensor;
import dev.jeras.models.Model;
import dev.jeras.saving.KerasJson;
import dev.jeras.testing.Fixtures;
import dev.jeras.testing.Npz;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Weight penalties in the loss, against Keras (testdata/layers/regularized.*, from
 * scripts/make_layer_goldens.py): a model with L2 and L1 on a Conv2D, L1L2 on a PReLU's alpha and
 * L1, L1L2 on a Dense reports Keras' evaluate loss (penalties included) and, after one SGD step,
 * Keras' reported loss and weights. A frozen layer's penalty and a shared layer's second call add
 * nothing.
 */
class RegularizerTrainingTest {
  static final Path DIR = Path.of("testdata", "layers");
  static final double RTOL = 1e-5;
  static final double ATOL = 1e-6;

  private static JsonNode golden() throws IOException {
    return new ObjectMapper()
        .readTree(Fixtures.testdata().resolve("layers/regularized.json").toFile());
  }

  private static Model load(JsonNode g, Npz a) throws IOException {
    Model m = KerasJson.fromJson(new ObjectMapper().writeValueAsString(g.get("model")), "golden");
    m.seed(1);
    List<FloatArray> ws = new ArrayList<>();
    for (int i = 0; i < g.get("weights").asInt(); i++) {
      ws.add(a.floats("w" + i));
    }
    m.setWeights(ws);
    return m;
  }

  @Test
  void regularizedModel_evaluateAndOneSgdStep_matchKeras() throws IOException {
    JsonNode g = golden();
    Npz a = Npz.read(DIR.resolve("regularized.npz"));
    try (Model m = load(g, a)) {
      m.compile(
          Optimizer.sgd(g.get("learning_rate").asDouble()), Loss.sparseCategoricalCrossentropy());
      double eval = m.evaluate(a.floats("x"), a.floats("y"), 8).get("loss");
      assertClose(g.get("evaluate_loss").asDouble(), eval, "evaluate loss (penalties included)");
      History h =
          m.fit(
              a.floats("x"),
              a.floats("y"),
              new FitOptions().epochs(1).batchSize(8).shuffle(false).progress(null));
      assertClose(g.get("train_on_batch_loss").asDouble(), h.last("loss"), "training loss");
      List<FloatArray> after = m.getWeights();
      for (int i = 0; i < after.size(); i++) {
        float[] expected = a.floats("after" + i).data();
        float[] got = after.get(i).data();
        for (int k = 0; k < got.length; k++) {
          assertClose(expected[k], got[k], "weight " + i + "[" + k + "] after one step");
        }
      }
    }
  }

  @Test
  void frozenLayer_addsNoPenalty() throws IOException {
    JsonNode g = golden();
    Npz a = Npz.read(DIR.resolve("regularized.npz"));
    try (Model m = load(g, a)) {
      Layer conv = m.layers().get(1);
      assertEquals("Conv2D", conv.className());
      conv.trainable(false);
      m.compile(Optimizer.sgd(0.1), Loss.sparseCategoricalCrossentropy());
      double eval = m.evaluate(a.floats("x"), a.floats("y"), 8).get("loss");
      // the Conv2D's penalties, as Keras defines them: 0.05 sum(kernel^2) + 0.1 sum(|bias|)
      double convPenalty = 0;
      for (float v : a.floats("w0").data()) {
        convPenalty += 0.05 * v * v;
      }
      for (float v : a.floats("w1").data()) {
        convPenalty += 0.1 * Math.abs(v);
      }
      assertClose(g.get("evaluate_loss").asDouble() - convPenalty, eval, "loss without conv");
    }
  }

  @Test
  void sharedLayer_penaltyCountsOnce() {
    double[] losses = new double[2];
    FloatArray x = FloatArray.of(new float[] {0.5f, -1f, 2f, 0.25f, 1f, -0.5f}, 3, 2);
    FloatArray y = FloatArray.of(new float[] {1, 0, 1, 0, 0, 1}, 3, 2);
    float[] kernel = {0.3f, -0.2f, 0.1f, 0.4f};
    for (int r = 0; r < 2; r++) {
      Dense shared = new Dense(2).useBias(false);
      if (r == 1) {
        shared.kernelRegularizer(Regularizer.l2(0.5));
      }
      SymbolicTensor in = Input.shape(2);
      SymbolicTensor out = shared.apply(shared.apply(in));
      try (Model m = new Model(in, out)) {
        m.setWeights(List.of(FloatArray.of(kernel, 2, 2)));
        m.compile(Optimizer.sgd(0.1), Loss.meanSquaredError());
        losses[r] = m.evaluate(x, y, 3).get("loss");
      }
    }
    double penalty = 0;
    for (float v : kernel) {
      penalty += 0.5 * v * v;
    }
    assertClose(losses[0] + penalty, losses[1], "loss with one penalty of the shared kernel");
  }

  private static void assertClose(double expected, double actual, String what) {
    double tol = ATOL + RTOL * Math.abs(expected);
    if (!(Math.abs(actual - expected) <= tol)) {
      throw new AssertionError(what + ": expected " + expected + ", got " + actual);
    }
  }
}

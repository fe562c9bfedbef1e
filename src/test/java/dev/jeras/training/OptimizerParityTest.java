package dev.jeras.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jeras.data.FloatArray;
import dev.jeras.data.IntArray;
import dev.jeras.models.Model;
import dev.jeras.saving.ModelFiles;
import dev.jeras.saving.Npy;
import dev.jeras.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every optimizer against Python Keras 3's, from the training-step reference's untrained model on
 * its three batches (testdata/training-step/optimizers, made by
 * scripts/make_optimizer_reference.py): one step; the learning rate doubled between steps, as a
 * callback does, and two more steps, to Keras' weights and optimizer state (read from the {@code
 * .keras} file Keras saved then, which also tests reading every optimizer's config and state); then
 * that file, loaded with its optimizer state, takes a fourth step to Keras' fourth.
 *
 * <p>Tolerances as in {@link TrainingParityTest}: the root mean square of (jeras - Keras) over that
 * of (Keras - before), per weight, within 5e-3 for trainable weights and 1e-4 for moving
 * statistics; optimizer slots within 5e-3 of their root mean square.
 */
class OptimizerParityTest {
  private static final Logger LOG = LoggerFactory.getLogger(OptimizerParityTest.class);
  private static final Path REF = Fixtures.testdata().resolve("training-step");
  private static final Path DIR = REF.resolve("optimizers");
  private static final double TRAINABLE_TOLERANCE = 5e-3;
  private static final double MOVING_TOLERANCE = 1e-4;
  private static final double SLOT_TOLERANCE = 5e-3;
  private static JsonNode ref;
  private static FloatArray x;
  private static IntArray y;
  private static int batch;

  @BeforeAll
  static void read() throws IOException {
    ref = new ObjectMapper().readTree(DIR.resolve("optimizers.json").toFile());
    batch = ref.get("batch").asInt();
    x = Npy.readFloats(REF.resolve("x.npy"));
    y = (IntArray) Npy.read(REF.resolve("y.npy"));
  }

  private static FitOptions oneEpochInOrder() {
    return new FitOptions().epochs(1).batchSize(batch).shuffle(false).progress(null);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "adam",
        "adamw",
        "sgd",
        "sgd-nesterov",
        "rmsprop",
        "rmsprop-centered",
        "nadam",
        "adamax",
        "adagrad",
        "adadelta",
        "ftrl",
        "lion"
      })
  void stepsAndLearningRateChange_landOnKerasWeightsAndState_thenItsFileContinues(String name) {
    JsonNode r = ref.get("optimizers").get(name);
    double lr = r.get("learning_rate").asDouble();
    try (Model keras = ModelFiles.load(DIR.resolve(name + ".keras"));
        Model m = ModelFiles.load(REF.resolve("init.keras"))) {
      assertEquals(r.get("class").asText(), keras.optimizer().kerasClassName());
      OptimizerState kerasState = keras.optimizerState();
      assertEquals(3, kerasState.iterations());
      assertEquals(2 * lr, kerasState.learningRate(), 1e-6 * lr);
      assertEquals(r.get("slots").asInt(), kerasState.slots().size(), "Keras' slot variables");

      List<FloatArray> init = m.getWeights();
      m.compile(
          keras.optimizer().withLearningRate(lr),
          List.of(Loss.sparseCategoricalCrossentropy()),
          List.of());
      m.fit(x.slice(0, batch), y.slice(0, batch), oneEpochInOrder());
      double step1 = compare(name + " step 1", init, m.getWeights(), read(name + "-after1.npy"));
      m.setLearningRate(2 * lr);
      m.fit(x.slice(batch, 3 * batch), y.slice(batch, 3 * batch), oneEpochInOrder());
      double step3 =
          compare(
              name + " step 3",
              init,
              m.getWeights(),
              Fixtures.flatten(keras.getWeights()),
              step3Tolerance(name));
      double slots = compareSlots(name, m.optimizerState(), kerasState);

      List<FloatArray> before4 = keras.getWeights();
      keras.fit(x.slice(0, batch), y.slice(0, batch), oneEpochInOrder());
      assertEquals(4, keras.optimizerState().iterations());
      double step4 =
          compare(
              name + " step 4 from Keras' file",
              before4,
              keras.getWeights(),
              read(name + "-after4.npy"));
      LOG.info(
          "{}: worst weight's rms(jeras - keras) / rms(move): step 1 {}, step 3 {}, step 4 from"
              + " Keras' file {}; worst slot's rms(jeras - keras) / rms(keras) {}",
          name,
          String.format("%.1e", step1),
          String.format("%.1e", step3),
          String.format("%.1e", step4),
          String.format("%.1e", slots));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"adam", "sgd-nesterov", "rmsprop", "lion"})
  void learningRateSetByCallback_takesEffectAtTheNextStep(String name) {
    double lr = ref.get("optimizers").get(name).get("learning_rate").asDouble();
    Callback doubleAfterFirstStep =
        new Callback() {
          @Override
          public void onBatchEnd(int step, java.util.Map<String, Double> logs, FitState state) {
            if (step == 0) {
              state.setLearningRate(2 * lr);
            }
          }
        };
    try (Model keras = ModelFiles.load(DIR.resolve(name + ".keras"));
        Model m = ModelFiles.load(REF.resolve("init.keras"))) {
      List<FloatArray> init = m.getWeights();
      m.compile(
          keras.optimizer().withLearningRate(lr),
          List.of(Loss.sparseCategoricalCrossentropy()),
          List.of());
      m.fit(
          x.slice(0, 3 * batch),
          y.slice(0, 3 * batch),
          oneEpochInOrder().callbacks(doubleAfterFirstStep));
      assertEquals(2 * lr, m.learningRate(), 1e-6 * lr);
      compare(
          name + " with a callback", init, m.getWeights(), Fixtures.flatten(keras.getWeights()));
    }
  }

  @Test
  void everyOptimizersDefaults_areKeras() {
    JsonNode defaults = ref.get("defaults");
    for (String name : Optimizer.NAMES) {
      Optimizer o = Optimizer.of(name, null);
      JsonNode keras = defaults.get(o.kerasClassName());
      assertTrue(keras != null, name + ": no Keras class " + o.kerasClassName());
      for (java.util.Map.Entry<String, Object> e : o.getConfig().entrySet()) {
        if (e.getKey().equals("name")) {
          continue;
        }
        JsonNode k = keras.get(e.getKey());
        assertTrue(k != null, name + ": Keras has no " + e.getKey());
        if (e.getValue() instanceof Boolean b) {
          assertEquals(k.asBoolean(), b, name + " " + e.getKey());
        } else {
          double v = ((Number) e.getValue()).doubleValue();
          // Keras reports its learning-rate variable's float32 value
          assertEquals(k.asDouble(), v, 1e-7 * Math.abs(v), name + " " + e.getKey());
        }
      }
      int kerasNumbers = 0;
      for (var it = keras.fields(); it.hasNext(); ) {
        var f = it.next();
        if (f.getValue().isNumber() && !f.getKey().equals("ema_momentum")) {
          kerasNumbers++;
          assertTrue(o.getConfig().containsKey(f.getKey()), name + ": jeras has no " + f.getKey());
        }
      }
      assertTrue(kerasNumbers > 0, name);
    }
  }

  private static float[] read(String file) {
    return Npy.readFloats(DIR.resolve(file)).data();
  }

  /**
   * @return the worst trainable weight's ratio
   */
  /**
   * Adagrad's third step on oneDNN's convolution kernels leaves Keras' by more: its first-layer
   * kernel at 9e-3 of the move, where its first step and the step from Keras' file stay within
   * 5e-5. The measured kernel choice may pick oneDNN's kernels in either surefire run (they are
   * candidates whether or not oneDNN is on for the process), so the wider bound holds for Adagrad's
   * third step in both. Every other case keeps the trainable tolerance.
   */
  private static double step3Tolerance(String name) {
    return name.equals("adagrad") ? 1.5e-2 : TRAINABLE_TOLERANCE;
  }

  private static double compare(
      String what, List<FloatArray> before, List<FloatArray> now, float[] keras) {
    return compare(what, before, now, keras, TRAINABLE_TOLERANCE);
  }

  private static double compare(
      String what,
      List<FloatArray> before,
      List<FloatArray> now,
      float[] keras,
      double trainableTolerance) {
    double worst = 0;
    JsonNode weights = ref(REF).get("weights");
    int offset = 0;
    for (int i = 0; i < now.size(); i++) {
      String name = weights.get(i).get("path").asText();
      float[] w = now.get(i).data();
      float[] w0 = before.get(i).data();
      double diff = 0;
      double move = 0;
      for (int j = 0; j < w.length; j++) {
        double k = keras[offset + j];
        diff += (w[j] - k) * (w[j] - k);
        move += (k - w0[j]) * (k - w0[j]);
      }
      offset += w.length;
      double ratio = Math.sqrt(diff / move);
      double tolerance = name.contains("moving_") ? MOVING_TOLERANCE : trainableTolerance;
      if (!name.contains("moving_")) {
        worst = Math.max(worst, ratio);
      }
      assertTrue(
          move > 0 && ratio <= tolerance,
          what
              + ", "
              + name
              + ": rms(jeras - keras) / rms(keras - before) = "
              + ratio
              + ", tolerance "
              + tolerance);
    }
    assertEquals(keras.length, offset, "values in the reference");
    return worst;
  }

  /**
   * @return the worst slot's ratio
   */
  private static double compareSlots(String what, OptimizerState jeras, OptimizerState keras) {
    double worst = 0;
    assertEquals(keras.iterations(), jeras.iterations());
    assertEquals(keras.learningRate(), jeras.learningRate(), 1e-6 * keras.learningRate());
    assertEquals(keras.slots().size(), jeras.slots().size(), what + ": slot count");
    for (int i = 0; i < keras.slots().size(); i++) {
      float[] j = jeras.slots().get(i).data();
      float[] k = keras.slots().get(i).data();
      assertEquals(k.length, j.length, what + ": slot " + i + " size");
      double diff = 0;
      double norm = 0;
      for (int n = 0; n < k.length; n++) {
        diff += (j[n] - k[n]) * (double) (j[n] - k[n]);
        norm += k[n] * (double) k[n];
      }
      double ratio = norm == 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
      assertTrue(
          ratio <= SLOT_TOLERANCE,
          what + ": slot " + i + " rms(jeras - keras) / rms(keras) = " + ratio);
      worst = Math.max(worst, ratio);
    }
    return worst;
  }

  private static JsonNode ref(Path dir) {
    try {
      return new ObjectMapper().readTree(dir.resolve("reference.json").toFile());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}

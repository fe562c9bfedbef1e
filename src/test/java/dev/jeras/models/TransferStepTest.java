package dev.jeras.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jeras.data.FloatArray;
import dev.jeras.data.IntArray;
import dev.jeras.data.NumericArray;
import dev.jeras.layers.Network;
import dev.jeras.saving.ModelFiles;
import dev.jeras.saving.Npy;
import dev.jeras.testing.Fixtures;
import dev.jeras.training.FitOptions;
import dev.jeras.training.History;
import dev.jeras.training.Loss;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Adam step of the Keras guide's transfer-learning model against Python Keras 3's
 * (testdata/transfer-step, made by scripts/make_transfer_step.py): a frozen MobileNetV2 base (alpha
 * 0.35, 32x32, random BatchNormalization statistics) called with {@code training=False}, global
 * average pooling, dropout at rate 0 and a Dense(10) head, loaded from the file Keras saved before
 * its {@code train_on_batch}, compiled by that file's compile_config (Adam(1e-3), sparse
 * categorical cross-entropy from logits); one batch of 8 in one step.
 *
 * <p>The head against Keras' head as in {@code OptimizerParityTest}: the root mean square of (jeras
 * - Keras) over that of (Keras - before), per weight, within 5e-3; the loss within 1e-5 relative.
 * Every frozen weight, the base's BatchNormalization moving means and variances included, must be
 * bit-identical to Keras' after the step: a frozen base is not trained and its normalizations run
 * in inference mode, so nothing may write them.
 */
class TransferStepTest {
  private static final Logger LOG = LoggerFactory.getLogger(TransferStepTest.class);
  private static final Path DIR = Fixtures.testdata().resolve("transfer-step");
  private static final double TRAINABLE_TOLERANCE = 5e-3;
  private static final double LOSS_TOLERANCE = 1e-5;
  private static JsonNode step;
  private static Map<String, NumericArray> keras;
  private static FloatArray x;
  private static IntArray y;

  @BeforeAll
  static void read() throws IOException {
    step = new ObjectMapper().readTree(DIR.resolve("step.json").toFile());
    keras = Npy.readNpz(DIR.resolve("after.npz"));
    x = Npy.readFloats(DIR.resolve("x.npy"));
    y = (IntArray) Npy.read(DIR.resolve("y.npy"));
  }

  @Test
  void oneAdamStepOfAFrozenMobileNetV2Base_trainsTheHeadAsKerasAndLeavesTheBaseBitIdentical() {
    int batch = step.get("batch").asInt();
    assertEquals(batch, x.count(), "images in the batch");
    try (Model m = ModelFiles.load(DIR.resolve("before.keras"))) {
      // compiled from the file's compile_config, as Keras compiled it
      assertTrue(m.isCompiled(), "before.keras carries a compile_config jeras supports");
      assertEquals(List.of(Loss.sparseCategoricalCrossentropy(true)), m.losses());
      assertEquals("Adam", m.optimizer().kerasClassName());
      assertEquals(1e-3, m.learningRate(), 1e-9);
      List<Network.LayerWeight> specs = m.network().weights();
      JsonNode ref = step.get("weights");
      assertEquals(ref.size(), specs.size(), "weights in the model");
      List<FloatArray> before = m.getWeights();

      History h =
          m.fit(x, y, new FitOptions().epochs(1).batchSize(batch).shuffle(false).progress(null));

      double kerasLoss = step.get("loss").asDouble();
      assertEquals(kerasLoss, h.last("loss"), LOSS_TOLERANCE * kerasLoss, "the step's loss");
      List<FloatArray> after = m.getWeights();
      int trainable = 0;
      int frozen = 0;
      double worst = 0;
      for (int i = 0; i < specs.size(); i++) {
        String path = ref.get(i).get("path").asText();
        Network.LayerWeight w = specs.get(i);
        String jerasPath = w.path();
        assertTrue(
            jerasPath.equals(path) || jerasPath.endsWith("/" + path),
            "weight " + i + ": jeras " + jerasPath + ", Keras " + path);
        float[] k = ((FloatArray) keras.get(path)).data();
        float[] now = after.get(i).data();
        boolean kerasTrainable = ref.get(i).get("trainable").asBoolean();
        assertEquals(
            kerasTrainable, w.spec().trainable() && w.layer().trainable(), path + " trainable");
        if (kerasTrainable) {
          trainable++;
          float[] b = before.get(i).data();
          double ratio = rmsRatio(now, k, b);
          worst = Math.max(worst, ratio);
          assertTrue(
              ratio <= TRAINABLE_TOLERANCE,
              path + ": rms(jeras - keras) / rms(keras - before) = " + ratio);
          // an untrained head would sit at ratio 1: the step must have moved it
          assertFalse(Arrays.equals(b, now), path + " did not move in jeras");
        } else {
          frozen++;
          assertArrayEquals(k, now, path + " must be Keras' value bit for bit");
        }
      }
      assertEquals(2, trainable, "trainable weights: the head's kernel and bias");
      assertEquals(specs.size() - 2, frozen);
      LOG.info(
          "loss {} against Keras' {}; head's worst rms(jeras - keras) / rms(move) {}; {} frozen"
              + " weights bit-identical",
          h.last("loss"),
          kerasLoss,
          String.format("%.1e", worst),
          frozen);
    }
  }

  @Test
  void fixture_hasRandomBatchNormStatisticsAndAHeadThatMoved() {
    // a reset or a training-mode update of the moving statistics would show in the comparison
    float[] mean = ((FloatArray) keras.get("bn_Conv1/moving_mean")).data();
    float[] variance = ((FloatArray) keras.get("bn_Conv1/moving_variance")).data();
    assertFalse(allEqual(mean, 0f), "bn_Conv1 moving mean is not all zeros");
    assertFalse(allEqual(variance, 1f), "bn_Conv1 moving variance is not all ones");
    try (Model m = ModelFiles.load(DIR.resolve("before.keras"))) {
      List<FloatArray> w = m.getWeights();
      float[] headBefore = w.get(w.size() - 2).data();
      float[] headAfter = ((FloatArray) keras.get("dense/kernel")).data();
      assertFalse(Arrays.equals(headBefore, headAfter), "Keras' step moved the head");
    }
  }

  /**
   * @return rms(a - b) / rms(b - c)
   */
  private static double rmsRatio(float[] a, float[] b, float[] c) {
    assertEquals(b.length, a.length);
    double diff = 0;
    double move = 0;
    for (int j = 0; j < a.length; j++) {
      diff += ((double) a[j] - b[j]) * ((double) a[j] - b[j]);
      move += ((double) b[j] - c[j]) * ((double) b[j] - c[j]);
    }
    assertTrue(move > 0, "the reference did not move");
    return Math.sqrt(diff / move);
  }

  private static boolean allEqual(float[] v, float value) {
    for (float f : v) {
      if (f != value) {
        return false;
      }
    }
    return true;
  }
}

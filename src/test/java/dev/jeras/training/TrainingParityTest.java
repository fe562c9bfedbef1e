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
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * jeras' training step against Python Keras 3's, from the same untrained model file on the same
 * three batches (testdata/training-step, made by scripts/make_training_reference.py): a model with
 * every layer kind of the CIFAR BatchNormalization CNN, Adam at Keras' defaults.
 *
 * <p>Tolerances, as root mean square of (jeras - Keras) over that of (Keras - initial), per weight:
 * the moving means and variances within 1e-4 of their move (measured: 7e-6 at most; the unbiased
 * batch variance in the moving average instead of Keras' biased one fails it, 1.8e-4 already for
 * the second convolution's normalization, which averages 2,048 values a channel); the trainable
 * weights within 5e-3 (measured: 8e-4 at most, the dense kernel; float32 gradients computed in
 * another order than Keras' differ in the last digits, which Adam's first steps, about the learning
 * rate times the gradient's sign, pass on where a gradient is near zero). The losses of the three
 * steps within 1e-5 relative.
 */
class TrainingParityTest {
  private static final Path REF = Path.of("testdata", "training-step");
  private static final double MOVING_TOLERANCE = 1e-4;
  private static final double TRAINABLE_TOLERANCE = 5e-3;

  @Test
  void threeAdamSteps_landOnKerasWeights() throws IOException {
    JsonNode ref = new ObjectMapper().readTree(REF.resolve("reference.json").toFile());
    int batch = ref.get("batch").asInt();
    FloatArray x = Npy.readFloats(REF.resolve("x.npy"));
    IntArray y = (IntArray) Npy.read(REF.resolve("y.npy"));
    try (Model m = ModelFiles.load(REF.resolve("init.keras"))) {
      List<FloatArray> init = m.getWeights();
      assertEquals(ref.get("weights").size(), init.size());
      m.compile("adam", "sparse_categorical_crossentropy");
      FitOptions oneEpochInOrder = new FitOptions().epochs(1).batchSize(batch).shuffle(false);
      History first = m.fit(x.slice(0, batch), y.slice(0, batch), oneEpochInOrder);
      assertEquals(
          ref.get("losses").get(0).asDouble(),
          first.last("loss"),
          1e-5 * ref.get("losses").get(0).asDouble());
      compare(ref, init, m.getWeights(), Npy.readFloats(REF.resolve("after1.npy")).data());
      History next = m.fit(x.slice(batch, 3 * batch), y.slice(batch, 3 * batch), oneEpochInOrder);
      // fit reports the mean of the epoch's two batch losses
      double kerasMean =
          (ref.get("losses").get(1).asDouble() + ref.get("losses").get(2).asDouble()) / 2;
      assertEquals(kerasMean, next.last("loss"), 1e-5 * kerasMean);
      compare(ref, init, m.getWeights(), Npy.readFloats(REF.resolve("after3.npy")).data());
    }
  }

  private static void compare(
      JsonNode ref, List<FloatArray> init, List<FloatArray> now, float[] keras) {
    int offset = 0;
    for (int i = 0; i < now.size(); i++) {
      String name = ref.get("weights").get(i).get("path").asText();
      float[] w = now.get(i).data();
      float[] w0 = init.get(i).data();
      double diff = 0;
      double move = 0;
      for (int j = 0; j < w.length; j++) {
        double k = keras[offset + j];
        diff += (w[j] - k) * (w[j] - k);
        move += (k - w0[j]) * (k - w0[j]);
      }
      offset += w.length;
      assertTrue(move > 0, name + " did not move in Keras");
      double ratio = Math.sqrt(diff / move);
      double tolerance = name.contains("moving_") ? MOVING_TOLERANCE : TRAINABLE_TOLERANCE;
      assertTrue(
          ratio <= tolerance,
          name
              + ": rms(jeras - keras) / rms(keras - initial) = "
              + ratio
              + ", tolerance "
              + tolerance);
    }
    assertEquals(keras.length, offset, "values in the reference");
  }
}

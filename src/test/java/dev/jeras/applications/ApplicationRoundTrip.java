package dev.jeras.applications;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.backend.EngineOptions;
import dev.jeras.backend.KernelPolicy;
import dev.jeras.data.FloatArray;
import dev.jeras.layers.Layer;
import dev.jeras.layers.WeightSpec;
import dev.jeras.models.Model;
import dev.jeras.saving.KerasFile;
import dev.jeras.saving.ModelFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The end-to-end check shared by the builders' tests: a built application is a working jeras model
 * that predicts, saves to .keras and loads back to the same predictions.
 */
final class ApplicationRoundTrip {
  /** The same kernels for the built and the loaded model, so their outputs are comparable bits. */
  static final EngineOptions FIXED = EngineOptions.defaults().withKernels(KernelPolicy.FIXED);

  private ApplicationRoundTrip() {}

  /**
   * Gives the normalization statistics and BatchNormalization's gamma and beta random values (a
   * fresh model's are ones and zeros, which would hide a weight loaded into the wrong layer).
   */
  static void randomizeStatistics(Model model, long seed) {
    Random rng = new Random(seed);
    List<WeightSpec> specs = model.weights();
    List<FloatArray> values = model.getWeights();
    assertEquals(specs.size(), values.size(), "weights and their specs");
    List<FloatArray> out = new ArrayList<>();
    for (int i = 0; i < specs.size(); i++) {
      String name = specs.get(i).name();
      FloatArray v = values.get(i);
      float[] d = v.data().clone();
      boolean positive = name.endsWith("variance") || name.endsWith("gamma");
      boolean centred = name.endsWith("mean") || name.endsWith("beta");
      for (int j = 0; j < d.length && (positive || centred); j++) {
        d[j] = positive ? 0.5f + rng.nextFloat() : 0.2f * (rng.nextFloat() - 0.5f);
      }
      out.add(FloatArray.of(d, v.shape()));
    }
    model.setWeights(out);
  }

  /**
   * @param height image height
   * @param width image width
   * @param low the smallest pixel value
   * @param high the pixel values' upper bound
   * @return two images with values uniform in [low, high)
   */
  static FloatArray images(int height, int width, float low, float high) {
    Random rng = new Random(20);
    float[] d = new float[2 * height * width * 3];
    for (int i = 0; i < d.length; i++) {
      d[i] = low + rng.nextFloat() * (high - low);
    }
    return FloatArray.of(d, 2, height, width, 3);
  }

  /**
   * Predicts with the model, saves it as .keras, loads it back and predicts again.
   *
   * @return the built model's predictions
   */
  static FloatArray checkSaveLoad(Model built, FloatArray x, Path dir) {
    FloatArray expected = built.predict(x, 2);
    float[] y = expected.data();
    for (float v : y) {
      assertTrue(Float.isFinite(v), "predictions are finite");
    }
    int half = y.length / 2;
    assertFalse(
        Arrays.equals(Arrays.copyOfRange(y, 0, half), Arrays.copyOfRange(y, half, y.length)),
        "two different images give two different outputs");
    Path file = dir.resolve(built.name() + ".keras");
    KerasFile.save(built, file);
    try (Model loaded = ModelFiles.load(file, FIXED)) {
      assertEquals(built.name(), loaded.name());
      assertEquals(names(built.layers()), names(loaded.layers()));
      assertEquals(built.countParams(), loaded.countParams());
      FloatArray actual = loaded.predict(x, 2);
      assertArrayEquals(expected.shape(), actual.shape());
      assertArrayEquals(expected.data(), actual.data(), 1e-6f, "predictions after save and load");
    }
    return expected;
  }

  private static List<String> names(List<Layer> layers) {
    return layers.stream().map(Layer::name).toList();
  }
}

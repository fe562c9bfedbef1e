package dev.jeras.applications;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.data.FloatArray;
import dev.jeras.models.Model;
import dev.jeras.saving.KerasFile;
import dev.jeras.saving.ModelFiles;
import dev.jeras.testing.Fixtures;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ResNet50, DenseNet121 and VGG16 as built here are working jeras models: at 32x32 (Keras' smallest
 * size) each predicts two images with the expected output shape, saves as .keras and loads back
 * through {@link ModelFiles#load} with the same layers and the same predictions.
 */
class ApplicationRoundTripTest {
  @TempDir Path tmp;

  @Test
  void resNet50_headlessAvgPooling_predictsAndRoundTripsThroughKeras() {
    ApplicationOptions o =
        new ApplicationOptions().inputShape(32, 32, 3).includeTop(false).pooling("avg");
    float[] y = roundTrip(Applications.resNet50(o), "resnet50", new long[] {2, 2048});
    for (float v : y) {
      assertTrue(v >= 0, "average of relu outputs must be non-negative, got " + v);
    }
  }

  @Test
  void denseNet121_headless_predictsFeatureMapAndRoundTripsThroughKeras() {
    ApplicationOptions o = new ApplicationOptions().inputShape(32, 32, 3).includeTop(false);
    roundTrip(Applications.denseNet121(o), "densenet121", new long[] {2, 1, 1, 1024});
  }

  @Test
  void vgg16_fiveClassTop_predictsProbabilitiesAndRoundTripsThroughKeras() {
    ApplicationOptions o = new ApplicationOptions().inputShape(32, 32, 3).classes(5);
    float[] y = roundTrip(Applications.vgg16(o), "vgg16", new long[] {2, 5});
    for (int r = 0; r < 2; r++) {
      double sum = 0;
      for (int c = 0; c < 5; c++) {
        sum += y[r * 5 + c];
      }
      assertEquals(1.0, sum, 1e-5, "softmax row " + r);
    }
  }

  /** Predicts two images, saves, reloads, predicts again; returns the first predictions. */
  private float[] roundTrip(Model built, String name, long[] outputShape) {
    FloatArray x = images(2, 32, 32, 3);
    Path file = tmp.resolve(name + ".keras");
    float[] before;
    int layers;
    try (Model model = built) {
      assertEquals(name, model.name());
      FloatArray y = model.predict(x);
      assertArrayEquals(outputShape, y.shape(), name + " output shape");
      before = y.data();
      for (float v : before) {
        assertTrue(Float.isFinite(v), name + ": non-finite prediction " + v);
      }
      layers = model.layers().size();
      KerasFile.save(model, file);
    }
    try (Model loaded = ModelFiles.load(file)) {
      assertEquals(name, loaded.name());
      assertEquals(layers, loaded.layers().size(), name + " layers after loading");
      Fixtures.assertClose(loaded.predict(x).data(), before, 1e-6, 1e-6);
    }
    return before;
  }

  private static FloatArray images(int n, int h, int w, int c) {
    Random rng = new Random(20);
    float[] data = new float[n * h * w * c];
    for (int i = 0; i < data.length; i++) {
      data[i] = rng.nextFloat() * 2 - 1;
    }
    return FloatArray.of(data, n, h, w, c);
  }
}

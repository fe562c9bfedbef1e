package dev.jeras.applications;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.data.FloatArray;
import dev.jeras.models.Model;
import dev.jeras.saving.ModelFiles;
import java.nio.file.Path;
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

  /**
   * Predicts two images in [-1, 1), saves, reloads, predicts again ({@link
   * ApplicationRoundTrip#checkSaveLoad}); returns the first predictions.
   */
  private float[] roundTrip(Model built, String name, long[] outputShape) {
    try (Model model = built) {
      assertEquals(name, model.name());
      model.engineOptions(ApplicationRoundTrip.FIXED);
      FloatArray y =
          ApplicationRoundTrip.checkSaveLoad(
              model, ApplicationRoundTrip.images(32, 32, -1f, 1f), tmp);
      assertArrayEquals(outputShape, y.shape(), name + " output shape");
      return y.data();
    }
  }
}

package dev.jeras.applications;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.JerasException;
import dev.jeras.data.FloatArray;
import dev.jeras.layers.Dropout;
import dev.jeras.models.Model;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * EfficientNetB0's builder end to end; its architecture is checked by ApplicationArchitectureTest.
 */
class EfficientNetB0Test {
  @TempDir Path dir;

  @Test
  void at64_predictsSavesAndLoadsToTheSamePredictions() {
    ApplicationOptions options = new ApplicationOptions().inputShape(64, 64, 3).includeTop(false);
    try (Model model = Applications.efficientNetB0(options)) {
      model.engineOptions(ApplicationRoundTrip.FIXED).seed(3);
      assertEquals("efficientnetb0", model.name());
      ApplicationRoundTrip.randomizeStatistics(model, 4);
      // pixels in [0, 255]: the model rescales and normalizes them itself
      FloatArray x = ApplicationRoundTrip.images(64, 64, 0f, 255f);
      FloatArray y = ApplicationRoundTrip.checkSaveLoad(model, x, dir);
      assertArrayEquals(new long[] {2, 2, 2, 1280}, y.shape());
    }
  }

  @Test
  void dropConnect_growsOverTheBlocksAndSharesOneDrawPerSample() {
    try (Model model =
        Applications.efficientNetB0(
            new ApplicationOptions().inputShape(32, 32, 3).includeTop(false))) {
      // Keras: 0.2 * b / 16 for block b (0-based) of the 16, where the block has a residual
      Dropout first = (Dropout) model.getLayer("block2b_drop");
      Dropout last = (Dropout) model.getLayer("block6d_drop");
      assertEquals(0.2 * 2 / 16, first.rate(), 1e-15);
      assertEquals(0.2 * 14 / 16, last.rate(), 1e-15);
      assertEquals(java.util.Arrays.asList(null, 1, 1, 1), first.getConfig().get("noise_shape"));
    }
  }

  @Test
  void roundFiltersAndRepeats_matchKerasForScaledWidths() {
    // keras.src.applications.efficientnet round_filters / round_repeats for B0, B3 and B7
    assertEquals(32, EfficientNetB0.roundFilters(32, 1.0));
    assertEquals(40, EfficientNetB0.roundFilters(32, 1.2));
    assertEquals(1536, EfficientNetB0.roundFilters(1280, 1.2));
    assertEquals(64, EfficientNetB0.roundFilters(32, 2.0));
    assertEquals(2, EfficientNetB0.roundRepeats(2, 1.0));
    assertEquals(3, EfficientNetB0.roundRepeats(2, 1.4));
    assertEquals(11, EfficientNetB0.roundRepeats(4, 2.6));
  }

  @Test
  void alpha_isRefusedAsMobileNetsOption() {
    JerasException e =
        assertThrows(
            JerasException.class,
            () -> Applications.efficientNetB0(new ApplicationOptions().alpha(0.5)));
    assertTrue(e.getMessage().contains("EfficientNetB0"), e::getMessage);
  }
}

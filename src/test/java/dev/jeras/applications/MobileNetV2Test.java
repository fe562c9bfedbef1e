package dev.jeras.applications;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.JerasException;
import dev.jeras.data.FloatArray;
import dev.jeras.models.Model;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MobileNetV2's builder end to end; its architecture is checked by ApplicationArchitectureTest. */
class MobileNetV2Test {
  @TempDir Path dir;

  @Test
  void alpha035At96_predictsSavesAndLoadsToTheSamePredictions() {
    ApplicationOptions options =
        new ApplicationOptions().alpha(0.35).inputShape(96, 96, 3).includeTop(false);
    try (Model model = Applications.mobileNetV2(options)) {
      model.engineOptions(ApplicationRoundTrip.FIXED).seed(3);
      assertEquals("mobilenetv2_0.35_96", model.name());
      ApplicationRoundTrip.randomizeStatistics(model, 4);
      // inputs as mobilenet_v2.preprocess_input leaves them, in [-1, 1]
      FloatArray x = ApplicationRoundTrip.images(96, 96, -1f, 1f);
      FloatArray y = ApplicationRoundTrip.checkSaveLoad(model, x, dir);
      assertArrayEquals(new long[] {2, 3, 3, 1280}, y.shape());
    }
  }

  @Test
  void makeDivisible_roundsLikeKeras() {
    // values of keras.src.applications.mobilenet_v2._make_divisible(v, 8)
    assertEquals(16, MobileNetV2.makeDivisible(32 * 0.35));
    assertEquals(8, MobileNetV2.makeDivisible(5));
    assertEquals(16, MobileNetV2.makeDivisible(12));
    assertEquals(24, MobileNetV2.makeDivisible(20));
    assertEquals(1664, MobileNetV2.makeDivisible(1280 * 1.3));
    assertEquals(1792, MobileNetV2.makeDivisible(1280 * 1.4));
  }

  @Test
  void defaultName_formatsAlphaAsPython() {
    assertEquals("mobilenetv2_1.00_224", MobileNetV2.defaultName(1.0, 224));
    assertEquals("mobilenetv2_0.35_96", MobileNetV2.defaultName(0.35, 96));
    // Python rounds the exact binary value half to even: f"{0.125:0.2f}" is 0.12
    assertEquals("mobilenetv2_0.12_128", MobileNetV2.defaultName(0.125, 128));
  }

  @Test
  void inputBelow32_isRefusedNamingTheMinimum() {
    JerasException e =
        assertThrows(
            JerasException.class,
            () -> Applications.mobileNetV2(new ApplicationOptions().inputShape(31, 64, 3)));
    assertTrue(
        e.getMessage().contains("MobileNetV2") && e.getMessage().contains("32"), e::getMessage);
  }
}

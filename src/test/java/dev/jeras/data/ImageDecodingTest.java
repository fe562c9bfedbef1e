package dev.jeras.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jeras.saving.Npy;
import dev.jeras.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tensorflow.Result;

/**
 * Decoding and resizing against Keras' own pixels (goldens from scripts/make_image_goldens.py,
 * Keras 3.15 / TensorFlow 2.21): every special image kind (CMYK, 16-bit, grey, palette, alpha,
 * EXIF-rotated, GIF, BMP), each colour mode, each resize variant, at most 1 grey level apart.
 */
class ImageDecodingTest {
  private static final Path BASE = Path.of("testdata", "image-folder");
  private static final Path SPECIAL = BASE.resolve("special");
  private static final Path GOLDENS = BASE.resolve("goldens");

  static JsonNode meta() throws IOException {
    return new ObjectMapper().readTree(GOLDENS.resolve("goldens.json").toFile());
  }

  private static ImageDecoder.Config config(String mode, String variant) {
    int c =
        switch (mode) {
          case "grayscale" -> 1;
          case "rgba" -> 4;
          default -> 3;
        };
    return switch (variant) {
      case "same" -> new ImageDecoder.Config(19, 29, c, "bilinear", false, false, 1f);
      case "resize" -> new ImageDecoder.Config(16, 20, c, "bilinear", false, false, 1f);
      case "crop" -> new ImageDecoder.Config(16, 20, c, "bilinear", true, false, 1f);
      case "pad" -> new ImageDecoder.Config(16, 20, c, "bilinear", false, true, 1f);
      case "up" -> new ImageDecoder.Config(40, 33, c, "bilinear", false, false, 1f);
      default -> throw new IllegalArgumentException(variant);
    };
  }

  /** Decodes the files one batch at a time, as a pass over a folder does. */
  private static float[] decode(ImageDecoder.Config config, List<String> files) {
    try (ImageDecoder d = new ImageDecoder(config, files.size())) {
      byte[][] encoded = new byte[files.size()][];
      for (int i = 0; i < encoded.length; i++) {
        encoded[i] = d.prepare(SPECIAL.resolve(files.get(i)), Long.MAX_VALUE);
      }
      try (Result r = d.decode(encoded)) {
        return dev.jeras.internal.Tensors.toFloats(r.get(0));
      }
    }
  }

  private static void compareWithGolden(String key, String mode, String variant)
      throws IOException {
    JsonNode meta = meta();
    JsonNode list = meta.path("special").has(key) ? meta.get("special").get(key) : null;
    if (list == null) {
      list = meta.get("converted").get(key);
    }
    List<String> files = new ArrayList<>();
    list.forEach(n -> files.add(n.asText()));
    assertTrue(files.size() >= 5, key + " lists " + files);
    FloatArray golden = Npy.readFloats(GOLDENS.resolve(key + ".npy"));
    float[] got = decode(config(mode, variant), files);
    assertEquals(golden.data().length, got.length, key + ": value count");
    int per = got.length / files.size();
    for (int i = 0; i < files.size(); i++) {
      double worst = 0;
      for (int k = i * per; k < (i + 1) * per; k++) {
        worst = Math.max(worst, Math.abs(got[k] - golden.data()[k]));
      }
      assertTrue(worst <= 1.0, key + " " + files.get(i) + ": max |diff| " + worst + " > 1");
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "rgb-same",
        "rgb-resize",
        "rgb-crop",
        "rgb-pad",
        "rgb-up",
        "grayscale-same",
        "grayscale-resize",
        "rgba-same",
        "rgba-resize"
      })
  void everyImageKind_matchesKerasPixels_withinOneGreyLevel(String modeVariant) throws IOException {
    String[] mv = modeVariant.split("-");
    compareWithGolden("special-" + modeVariant, mv[0], mv[1]);
  }

  @ParameterizedTest
  @ValueSource(strings = {"grayscale-same", "grayscale-resize", "rgba-same", "rgba-resize"})
  void kindsKerasRefuses_areConvertedAsDocumented(String modeVariant) throws IOException {
    String[] mv = modeVariant.split("-");
    compareWithGolden("special-" + modeVariant + "-converted", mv[0], mv[1]);
  }

  @Test
  void kerasRefusals_areTheKindsJerasConverts() throws IOException {
    JsonNode refused = meta().get("refused");
    List<String> grey = new ArrayList<>();
    refused.get("grayscale").fieldNames().forEachRemaining(grey::add);
    List<String> rgba = new ArrayList<>();
    refused.get("rgba").fieldNames().forEachRemaining(rgba::add);
    assertEquals(
        List.of(
            "bmp-24.bmp",
            "bmp-32.bmp",
            "bmp-8.bmp",
            "gif-animated.gif",
            "gif-still.gif",
            "jpeg-cmyk.jpg"),
        grey);
    assertTrue(
        rgba.stream().allMatch(f -> f.startsWith("jpeg-") || f.startsWith("gif-")), rgba::toString);
  }

  @Test
  void transparentPng_keepsItsColours_notCompositedOntoWhite() throws IOException {
    List<String> files = List.of("png-rgba-transparent.png");
    float[] rgb = decode(config("rgb", "same"), files);
    float[] rgba = decode(config("rgba", "same"), files);
    double meanR = 0;
    double maxAlpha = 0;
    for (int i = 0; i < rgb.length / 3; i++) {
      meanR += rgb[3 * i];
      maxAlpha = Math.max(maxAlpha, rgba[4 * i + 3]);
    }
    meanR /= rgb.length / 3.0;
    assertEquals(0, maxAlpha, "every pixel fully transparent");
    assertTrue(meanR > 100 && meanR < 200, "red keeps the picture's values, got mean " + meanR);
  }

  @Test
  void exifRotatedJpeg_isNotRotated_asInKeras() throws IOException {
    float[] plain = decode(config("rgb", "same"), List.of("jpeg-baseline.jpg"));
    float[] rotated = decode(config("rgb", "same"), List.of("jpeg-exif-rotated.jpg"));
    assertTrue(Fixtures.maxAbsDiff(plain, rotated) <= 1.0, "same stored pixels");
  }

  @Test
  void cifarFixture_matchesKerasPixels_atItsSizeAndResized() throws IOException {
    JsonNode meta = meta();
    Path train = BASE.resolve("cifar10-small").resolve("train");
    for (String variant : List.of("same", "resize")) {
      List<Path> files = new ArrayList<>();
      meta.get("cifar10-small-train-" + variant).forEach(n -> files.add(train.resolve(n.asText())));
      ImageDecoder.Config c =
          variant.equals("same")
              ? new ImageDecoder.Config(32, 32, 3, "bilinear", false, false, 1f)
              : new ImageDecoder.Config(24, 40, 3, "bilinear", false, false, 1f);
      float[] got;
      try (ImageDecoder d = new ImageDecoder(c, files.size())) {
        byte[][] enc = new byte[files.size()][];
        for (int i = 0; i < enc.length; i++) {
          enc[i] = d.prepare(files.get(i), Long.MAX_VALUE);
        }
        try (Result r = d.decode(enc)) {
          got = dev.jeras.internal.Tensors.toFloats(r.get(0));
        }
      }
      FloatArray golden =
          Npy.readFloats(GOLDENS.resolve("cifar10-small-train-" + variant + ".npy"));
      assertArrayEquals(golden.shape(), new long[] {files.size(), c.height(), c.width(), 3});
      double diff = Fixtures.maxAbsDiff(got, golden.data());
      assertTrue(diff <= 1.0, variant + ": max |diff| " + diff);
    }
  }
}

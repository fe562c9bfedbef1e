package dev.jeras.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jeras.data.FloatArray;
import dev.jeras.models.Model;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The random augmentation layers' training behaviour by its properties (Keras' own numbers for
 * fixed parameters are in KerasGoldenLayerTest): each draw stays in the layer's range, one draw per
 * image (or per batch for RandomCrop), the same draws for the same model seed, other draws for
 * another seed; and the identity at inference.
 */
class RandomLayersTest {
  private static final int N = 32;

  static Stream<Arguments> layers() {
    return Stream.of(
        Arguments.of("RandomFlip", (Supplier<Layer>) RandomFlip::new),
        Arguments.of("RandomRotation", (Supplier<Layer>) () -> new RandomRotation(0.2)),
        Arguments.of("RandomZoom", (Supplier<Layer>) () -> new RandomZoom(0.3).widthFactor(0.2)),
        Arguments.of("RandomTranslation", (Supplier<Layer>) () -> new RandomTranslation(0.2, 0.3)),
        Arguments.of("RandomContrast", (Supplier<Layer>) () -> new RandomContrast(0.5)),
        Arguments.of("RandomBrightness", (Supplier<Layer>) () -> new RandomBrightness(0.2)));
  }

  /** N images of 9x11 with values in [100, 150) (no clipping with the default value range). */
  static FloatArray images(int channels) {
    return LayerHarness.randomIn(new Random(5), 100, 150, N, 9, 11, channels);
  }

  static FloatArray training(Layer layer, FloatArray x, long seed) {
    SymbolicTensor in = Input.shape(LayerHarness.sampleShape(x));
    try (Model m = new Model(in, layer.apply(in))) {
      m.seed(seed);
      return m.predictTrainingMode(List.of(x), x.count()).get(0);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("layers")
  void inference_isTheIdentity(String name, Supplier<Layer> layer) {
    FloatArray x = images(3);
    assertArrayEquals(x.data(), LayerHarness.predict(layer.get(), x).data(), name);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("layers")
  void training_sameSeedRepeats_otherSeedDiffers(String name, Supplier<Layer> layer) {
    FloatArray x = images(3);
    float[] a = training(layer.get(), x, 7).data();
    assertArrayEquals(a, training(layer.get(), x, 7).data(), name + ": same model seed");
    assertFalse(Arrays.equals(a, training(layer.get(), x, 8).data()), name + ": another seed");
    assertFalse(Arrays.equals(a, x.data()), name + ": training changes the images");
  }

  @Test
  void randomFlip_eachImageFlippedBothWaysOrNot_abouthalf() {
    FloatArray x = images(2);
    FloatArray y = training(new RandomFlip(), x, 3);
    int flipped = 0;
    for (int n = 0; n < N; n++) {
      boolean same = true;
      boolean turned = true;
      for (int i = 0; i < 9; i++) {
        for (int j = 0; j < 11; j++) {
          for (int c = 0; c < 2; c++) {
            float out = y.get(n, i, j, c);
            same &= out == x.get(n, i, j, c);
            turned &= out == x.get(n, 8 - i, 10 - j, c);
          }
        }
      }
      assertTrue(same || turned, "image " + n + " is neither itself nor turned half round");
      flipped += turned ? 1 : 0;
    }
    assertTrue(flipped >= 8 && flipped <= 24, flipped + " of " + N + " flipped");
  }

  @Test
  void randomFlip_horizontal_mirrorsColumnsOnly() {
    FloatArray x = images(1);
    FloatArray y = training(new RandomFlip("horizontal"), x, 4);
    int mirrored = 0;
    for (int n = 0; n < N; n++) {
      boolean same = true;
      boolean mirror = true;
      for (int i = 0; i < 9; i++) {
        for (int j = 0; j < 11; j++) {
          same &= y.get(n, i, j, 0) == x.get(n, i, j, 0);
          mirror &= y.get(n, i, j, 0) == x.get(n, i, 10 - j, 0);
        }
      }
      assertTrue(same || mirror, "image " + n);
      mirrored += mirror ? 1 : 0;
    }
    assertTrue(mirrored > 0 && mirrored < N, mirrored + " mirrored");
  }

  /**
   * Images whose two channels are the column and row coordinates: a transform with bilinear
   * sampling gives, at every pixel that samples inside the image, the source coordinates
   * themselves, from which the transform's rows are fitted (with fill mode nearest, a pixel that
   * samples outside shows a clamped coordinate, 0 or the last, and is left out).
   */
  static FloatArray coordinates(int h, int w) {
    float[] v = new float[N * h * w * 2];
    int k = 0;
    for (int n = 0; n < N; n++) {
      for (int i = 0; i < h; i++) {
        for (int j = 0; j < w; j++) {
          v[k++] = j;
          v[k++] = i;
        }
      }
    }
    return FloatArray.of(v, N, h, w, 2);
  }

  /**
   * @return per image {a0, a1, a2, b0, b1, b2}: source x = a0 x + a1 y + a2 and source y = b0 x +
   *     b1 y + b2, fitted on the pixels that sample well inside the image
   */
  static double[][] fitTransforms(FloatArray y, int h, int w) {
    double[][] out = new double[N][];
    for (int n = 0; n < N; n++) {
      double[][] ata = new double[3][3];
      double[] atx = new double[3];
      double[] aty = new double[3];
      int used = 0;
      for (int i = 0; i < h; i++) {
        for (int j = 0; j < w; j++) {
          double sx = y.get(n, i, j, 0);
          double sy = y.get(n, i, j, 1);
          if (sx < 1 || sx > w - 2 || sy < 1 || sy > h - 2) {
            continue;
          }
          double[] a = {j, i, 1};
          for (int r = 0; r < 3; r++) {
            for (int c = 0; c < 3; c++) {
              ata[r][c] += a[r] * a[c];
            }
            atx[r] += a[r] * sx;
            aty[r] += a[r] * sy;
          }
          used++;
        }
      }
      assertTrue(used >= 20, "image " + n + ": only " + used + " pixels sample inside");
      double[] ax = solve(ata, atx);
      double[] ay = solve(ata, aty);
      out[n] = new double[] {ax[0], ax[1], ax[2], ay[0], ay[1], ay[2]};
    }
    return out;
  }

  private static double[] solve(double[][] m, double[] b) {
    double det = det3(m);
    double[] x = new double[3];
    for (int c = 0; c < 3; c++) {
      double[][] mc = new double[3][];
      for (int r = 0; r < 3; r++) {
        mc[r] = m[r].clone();
        mc[r][c] = b[r];
      }
      x[c] = det3(mc) / det;
    }
    return x;
  }

  private static double det3(double[][] m) {
    return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
        - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
  }

  @Test
  void randomRotation_anglesWithinTheFactorRange_aboutTheCentre() {
    FloatArray y =
        training(new RandomRotation(0.05, 0.15).fillMode("nearest"), coordinates(15, 17), 9);
    double[][] t = fitTransforms(y, 15, 17);
    double min = 360;
    double max = -360;
    for (double[] r : t) {
      double angle = Math.toDegrees(Math.atan2(r[3], r[0]));
      assertEquals(1, r[0] * r[0] + r[3] * r[3], 1e-3, "a rotation, no scaling");
      assertEquals(r[0], r[4], 1e-3, "a0 == b1");
      assertEquals(-r[1], r[3], 1e-3, "a1 == -b0");
      // the centre ((w - 1) / 2, (h - 1) / 2) stays in place
      assertEquals(8, r[0] * 8 + r[1] * 7 + r[2], 1e-3);
      assertEquals(7, r[3] * 8 + r[4] * 7 + r[5], 1e-3);
      assertTrue(angle >= 18 - 1e-3 && angle <= 54 + 1e-3, "angle " + angle);
      min = Math.min(min, angle);
      max = Math.max(max, angle);
    }
    assertTrue(max - min > 18, "angles spread over the range: " + min + " to " + max);
  }

  @Test
  void randomZoom_scalesWithinTheFactorRanges_independentlyWithAWidthFactor() {
    FloatArray y =
        training(
            new RandomZoom(-0.4, -0.2).widthFactor(0.1, 0.3).fillMode("nearest"),
            coordinates(15, 17),
            10);
    boolean differ = false;
    for (double[] r : fitTransforms(y, 15, 17)) {
      assertEquals(0, r[1], 1e-4);
      assertEquals(0, r[3], 1e-4);
      assertTrue(r[0] >= 1.1 - 1e-4 && r[0] <= 1.3 + 1e-4, "width scale " + r[0]);
      assertTrue(r[4] >= 0.6 - 1e-4 && r[4] <= 0.8 + 1e-4, "height scale " + r[4]);
      assertEquals(8 * (1 - r[0]), r[2], 1e-3, "about the centre column");
      assertEquals(7 * (1 - r[4]), r[5], 1e-3, "about the centre row");
      differ |= Math.abs((r[0] - 1.1) / 0.2 - (r[4] - 0.6) / 0.2) > 0.05;
    }
    assertTrue(differ, "width and height scales drawn apart");
  }

  @Test
  void randomTranslation_shiftsWithinTheFactorRanges() {
    FloatArray y =
        training(
            new RandomTranslation(new double[] {-0.2, 0.1}, new double[] {0.3}).fillMode("nearest"),
            coordinates(15, 17),
            11);
    for (double[] r : fitTransforms(y, 15, 17)) {
      assertEquals(1, r[0], 1e-4);
      assertEquals(1, r[4], 1e-4);
      double dx = -r[2] / 17;
      double dy = -r[5] / 15;
      assertTrue(dx >= -0.3 - 1e-4 && dx <= 0.3 + 1e-4, "width shift " + dx);
      assertTrue(dy >= -0.2 - 1e-4 && dy <= 0.1 + 1e-4, "height shift " + dy);
    }
  }

  @Test
  void randomContrast_onefactorPerImage_aroundTheImageMean_withinRange() {
    FloatArray x = images(3);
    FloatArray y = training(new RandomContrast(0.2, 0.5), x, 12);
    int hw = 9 * 11;
    for (int n = 0; n < N; n++) {
      double f = Double.NaN;
      for (int c = 0; c < 3; c++) {
        double mean = 0;
        for (int p = 0; p < hw; p++) {
          mean += x.data()[(n * hw + p) * 3 + c];
        }
        mean /= hw;
        int p0 = n * hw * 3 + c;
        double fc = (y.data()[p0] - mean) / (x.data()[p0] - mean);
        for (int p = 0; p < hw; p++) {
          int k = (n * hw + p) * 3 + c;
          double expected = (x.data()[k] - mean) * fc + mean;
          if (Math.abs(y.data()[k] - expected) > 1e-2) {
            fail("image " + n + " channel " + c + ": not one contrast factor around the mean");
          }
        }
        if (!Double.isNaN(f)) {
          assertEquals(f, fc, 1e-3, "one factor for all channels");
        }
        f = fc;
      }
      assertTrue(f >= 0.8 - 1e-3 && f <= 1.5 + 1e-3, "factor " + f);
    }
  }

  @Test
  void randomBrightness_oneShiftPerImage_withinRange_clipped() {
    FloatArray x = images(3);
    FloatArray y = training(new RandomBrightness(-0.1, 0.05), x, 13);
    int size = 9 * 11 * 3;
    for (int n = 0; n < N; n++) {
      double d = y.data()[n * size] - x.data()[n * size];
      assertTrue(d >= -25.5 - 1e-3 && d <= 12.75 + 1e-3, "shift " + d);
      for (int k = n * size; k < (n + 1) * size; k++) {
        assertEquals(d, y.data()[k] - x.data()[k], 1e-3, "image " + n);
      }
    }
    FloatArray bright = LayerHarness.randomIn(new Random(1), 0.9, 1, N, 4, 4, 1);
    FloatArray clipped = training(new RandomBrightness(0.5, 0.6).valueRange(0, 1), bright, 14);
    for (float v : clipped.data()) {
      assertEquals(1f, v, "clipped to the value range");
    }
  }

  @Test
  void randomCrop_training_oneWindowPerBatch_anywhere_inference_resizesTheAspectWindow() {
    FloatArray x = LayerHarness.random(new Random(2), 4, 10, 9, 2);
    boolean[][] seen = new boolean[4][5];
    for (long seed = 0; seed < 40; seed++) {
      FloatArray y = training(new RandomCrop(7, 5), x, seed);
      LayerHarness.assertShape(y, 4, 7, 5, 2);
      int[] at = findWindow(x, y);
      seen[at[0]][at[1]] = true;
    }
    int places = 0;
    for (boolean[] row : seen) {
      for (boolean b : row) {
        places += b ? 1 : 0;
      }
    }
    assertTrue(places >= 10, "the window moves: " + places + " of 20 places seen");
    FloatArray inference = LayerHarness.predict(new RandomCrop(7, 5), x);
    FloatArray resized = LayerHarness.predict(new Resizing(7, 5).cropToAspectRatio(true), x);
    assertArrayEquals(resized.data(), inference.data());
  }

  /** The (top, left) of the window of x that y is, the same for every image. */
  private static int[] findWindow(FloatArray x, FloatArray y) {
    for (int top = 0; top <= 3; top++) {
      for (int left = 0; left <= 4; left++) {
        boolean all = true;
        for (int n = 0; n < 4 && all; n++) {
          for (int i = 0; i < 7 && all; i++) {
            for (int j = 0; j < 5 && all; j++) {
              for (int c = 0; c < 2 && all; c++) {
                all = y.get(n, i, j, c) == x.get(n, top + i, left + j, c);
              }
            }
          }
        }
        if (all) {
          return new int[] {top, left};
        }
      }
    }
    return fail("the crop is no window of the input shared by the batch");
  }
}

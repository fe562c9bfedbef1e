package dev.jeras.layers;

import static dev.jeras.layers.LayerHarness.assertClose;
import static dev.jeras.layers.LayerHarness.assertShape;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jeras.data.FloatArray;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Conv2D's values against the pure-Java reference (random inputs and weights) and by hand. */
class Conv2DTest {
  private static final double ATOL = 1e-5;

  /** Runs Conv2D with random weights and compares with {@link Reference#conv2d}. */
  private static void checkAgainstReference(
      long seed,
      int n,
      int h,
      int w,
      int c,
      int filters,
      int kh,
      int kw,
      int sh,
      int sw,
      String padding,
      boolean useBias,
      String activation) {
    Random rng = new Random(seed);
    FloatArray x = LayerHarness.random(rng, n, h, w, c);
    FloatArray kernel = LayerHarness.random(rng, kh, kw, c, filters);
    FloatArray bias = LayerHarness.random(rng, filters);
    Conv2D layer =
        new Conv2D(filters, kh, kw)
            .strides(sh, sw)
            .padding(padding)
            .useBias(useBias)
            .activation(activation);
    FloatArray y =
        useBias
            ? LayerHarness.predict(layer, x, kernel, bias)
            : LayerHarness.predict(layer, x, kernel);
    boolean same = padding.equals("same");
    double[] expected =
        Reference.conv2d(
            x.data(),
            n,
            h,
            w,
            c,
            kernel.data(),
            kh,
            kw,
            filters,
            useBias ? bias.data() : null,
            sh,
            sw,
            same);
    expected = Reference.activation(activation, expected, filters);
    assertShape(
        y, n, Reference.outLength(h, kh, sh, same), Reference.outLength(w, kw, sw, same), filters);
    assertClose(
        expected,
        y,
        ATOL,
        0,
        "conv2d "
            + padding
            + " "
            + kh
            + "x"
            + kw
            + " stride ("
            + sh
            + ", "
            + sw
            + ") bias "
            + useBias
            + " "
            + activation);
  }

  @Test
  void validPadding_stride1_withBias_matchesReference() {
    checkAgainstReference(1, 2, 6, 5, 3, 4, 3, 3, 1, 1, "valid", true, "linear");
  }

  @Test
  void samePadding_stride1_withBias_matchesReference() {
    checkAgainstReference(2, 2, 6, 5, 3, 4, 3, 3, 1, 1, "same", true, "linear");
  }

  @Test
  void validPadding_stride2_withoutBias_matchesReference() {
    checkAgainstReference(3, 2, 7, 8, 2, 3, 3, 3, 2, 2, "valid", false, "linear");
  }

  @Test
  void samePadding_stride2_evenInput_padsBottomRight_matchesReference() {
    // 8 with k 3 stride 2: pad_total 1, all of it after: a symmetric pad would differ
    checkAgainstReference(4, 2, 8, 8, 2, 3, 3, 3, 2, 2, "same", true, "linear");
  }

  @Test
  void samePadding_stride2_oddInput_withoutBias_matchesReference() {
    checkAgainstReference(5, 1, 7, 9, 3, 2, 3, 3, 2, 2, "same", false, "linear");
  }

  @Test
  void nonSquareKernel_andStrides_matchReference() {
    checkAgainstReference(6, 2, 7, 9, 2, 3, 2, 4, 1, 2, "valid", true, "linear");
    checkAgainstReference(7, 2, 7, 9, 2, 3, 3, 2, 2, 1, "same", true, "linear");
  }

  @Test
  void reluActivation_isAppliedAfterBias() {
    checkAgainstReference(8, 2, 5, 5, 3, 4, 3, 3, 1, 1, "same", true, "relu");
  }

  @Test
  void validPadding_onesKernel_sumsWindows() {
    // 1x3x4x1 image 1..12, 2x2 ones kernel, no bias: every output is its 2x2 window's sum
    float[] img = new float[12];
    for (int i = 0; i < 12; i++) {
      img[i] = i + 1;
    }
    float[] ones = new float[4];
    Arrays.fill(ones, 1f);
    FloatArray y =
        LayerHarness.predict(
            new Conv2D(1, 2).useBias(false),
            FloatArray.of(img, 1, 3, 4, 1),
            FloatArray.of(ones, 2, 2, 1, 1));
    assertShape(y, 1, 2, 3, 1);
    // rows (1 2 3 4 / 5 6 7 8 / 9 10 11 12): 1+2+5+6=14, 16+2=18... each step right adds 4
    assertClose(new double[] {14, 18, 22, 30, 34, 38}, y, 1e-6, 0, "window sums");
  }

  @Test
  void samePadding_onesKernel_sumsInBoundsNeighbours() {
    // 3x3 ones image, 3x3 ones kernel, same padding: corners see 4, edges 6, the centre 9
    float[] img = new float[9];
    Arrays.fill(img, 1f);
    float[] ones = new float[9];
    Arrays.fill(ones, 1f);
    FloatArray y =
        LayerHarness.predict(
            new Conv2D(1, 3).padding("same"),
            FloatArray.of(img, 1, 3, 3, 1),
            FloatArray.of(ones, 3, 3, 1, 1),
            FloatArray.of(new float[] {0.5f}, 1));
    assertClose(
        new double[] {4.5, 6.5, 4.5, 6.5, 9.5, 6.5, 4.5, 6.5, 4.5},
        y,
        1e-6,
        0,
        "same-padding neighbour counts plus bias");
  }

  @Test
  void defaultInitializers_giveZeroBias_andGlorotBoundedKernel() {
    Conv2D layer = new Conv2D(8, 3);
    try (var m = LayerHarness.model(layer, 5, 5, 4)) {
      var w = m.getWeights();
      double limit = Math.sqrt(6.0 / (3 * 3 * 4 + 3 * 3 * 8));
      for (float v : w.get(0).data()) {
        org.junit.jupiter.api.Assertions.assertTrue(Math.abs(v) <= limit, "kernel value " + v);
      }
      assertClose(new double[8], w.get(1), 0, 0, "zero bias");
      assertEquals(3 * 3 * 4 * 8 + 8, layer.countParams());
    }
  }
}

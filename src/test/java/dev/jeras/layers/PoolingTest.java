package dev.jeras.layers;

import static dev.jeras.layers.LayerHarness.assertClose;
import static dev.jeras.layers.LayerHarness.assertShape;

import dev.jeras.data.FloatArray;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** MaxPooling2D, AveragePooling2D and GlobalAveragePooling2D against the pure-Java references. */
class PoolingTest {
  private static final double ATOL = 1e-5;

  private static void checkPool(
      long seed,
      boolean max,
      int n,
      int h,
      int w,
      int c,
      int ph,
      int pw,
      Integer sh,
      Integer sw,
      String padding) {
    Random rng = new Random(seed);
    FloatArray x = LayerHarness.random(rng, n, h, w, c);
    Layer layer;
    if (max) {
      MaxPooling2D p = new MaxPooling2D(ph, pw).padding(padding);
      layer = sh == null ? p : p.strides(sh, sw);
    } else {
      AveragePooling2D p = new AveragePooling2D(ph, pw).padding(padding);
      layer = sh == null ? p : p.strides(sh, sw);
    }
    int strideH = sh == null ? ph : sh;
    int strideW = sw == null ? pw : sw;
    boolean same = padding.equals("same");
    FloatArray y = LayerHarness.predict(layer, x);
    assertShape(
        y,
        n,
        Reference.outLength(h, ph, strideH, same),
        Reference.outLength(w, pw, strideW, same),
        c);
    double[] expected = Reference.pool(x.data(), n, h, w, c, ph, pw, strideH, strideW, same, max);
    assertClose(
        expected,
        y,
        ATOL,
        0,
        (max ? "max" : "average")
            + " pool "
            + ph
            + "x"
            + pw
            + " stride ("
            + strideH
            + ", "
            + strideW
            + ") "
            + padding);
  }

  @Test
  void maxPool_defaultValid2x2_matchesReference() {
    checkPool(11, true, 2, 6, 7, 3, 2, 2, null, null, "valid");
  }

  @Test
  void maxPool_sameOddInput_matchesReference() {
    checkPool(12, true, 2, 5, 7, 3, 2, 2, null, null, "same");
  }

  @Test
  void maxPool_3x3Stride2_valid_and_same_matchReference() {
    checkPool(13, true, 2, 7, 8, 2, 3, 3, 2, 2, "valid");
    checkPool(14, true, 2, 7, 8, 2, 3, 3, 2, 2, "same");
  }

  @Test
  void maxPool_strideSmallerThanPool_overlappingWindows_matchReference() {
    checkPool(15, true, 1, 6, 6, 2, 3, 2, 1, 2, "valid");
  }

  @Test
  void averagePool_defaultValid2x2_matchesReference() {
    checkPool(21, false, 2, 6, 7, 3, 2, 2, null, null, "valid");
  }

  @Test
  void averagePool_same_excludesPaddingFromTheCount() {
    // 5x5 with 2x2 stride 2: the last row and column of windows are half padding
    checkPool(22, false, 2, 5, 5, 3, 2, 2, null, null, "same");
    checkPool(23, false, 2, 7, 8, 2, 3, 3, 2, 2, "same");
  }

  @Test
  void averagePool_strideDifferentFromPool_matchesReference() {
    checkPool(24, false, 2, 7, 8, 2, 3, 3, 2, 2, "valid");
    checkPool(25, false, 1, 6, 6, 2, 2, 3, 1, 1, "same");
  }

  @Test
  void averagePool_sameOnConstantImage_staysConstant() {
    // if padded zeros were counted, the border windows would average below 1
    float[] ones = new float[25];
    java.util.Arrays.fill(ones, 1f);
    FloatArray y =
        LayerHarness.predict(
            new AveragePooling2D(2, 2).padding("same"), FloatArray.of(ones, 1, 5, 5, 1));
    double[] expected = new double[9];
    java.util.Arrays.fill(expected, 1);
    assertClose(expected, y, 1e-6, 0, "average of ones");
  }

  @Test
  void globalAveragePool_defaultDropsSpatialAxes_meansPerChannel() {
    Random rng = new Random(31);
    FloatArray x = LayerHarness.random(rng, 3, 4, 5, 6);
    FloatArray y = LayerHarness.predict(new GlobalAveragePooling2D(), x);
    assertShape(y, 3, 6);
    assertClose(Reference.globalAveragePool(x.data(), 3, 4, 5, 6), y, ATOL, 0, "global average");
  }

  @Test
  void globalAveragePool_keepDims_givesOneByOneSpatial_sameValues() {
    Random rng = new Random(32);
    FloatArray x = LayerHarness.random(rng, 3, 4, 5, 6);
    FloatArray y = LayerHarness.predict(new GlobalAveragePooling2D().keepDims(true), x);
    assertShape(y, 3, 1, 1, 6);
    assertClose(
        Reference.globalAveragePool(x.data(), 3, 4, 5, 6), y, ATOL, 0, "global average keepdims");
  }
}

package dev.jeras.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Pins the pure-Java references on cases small enough to compute by hand, so that the layer tests
 * that compare against them compare against something trustworthy. No TensorFlow here.
 */
class ReferenceTest {
  private static final double EPS = 1e-12;

  @Test
  void samePadding_oddTotal_putsExtraPadAtTheEnd() {
    // in 4, k 3, stride 2: out 2, pad_total = (2-1)*2 + 3 - 4 = 1, before 0, after 1
    assertEquals(2, Reference.outLength(4, 3, 2, true));
    assertEquals(0, Reference.padBefore(4, 3, 2, true));
    // in 5, k 3, stride 1: out 5, pad_total 2, before 1
    assertEquals(1, Reference.padBefore(5, 3, 1, true));
    // in 6, k 2, stride 2: pad_total 0
    assertEquals(0, Reference.padBefore(6, 2, 2, true));
    assertEquals(3, Reference.outLength(7, 3, 2, false));
  }

  @Test
  void conv2d_validOnesKernel_sumsWindows() {
    // 1x3x3x1 image 1..9, 2x2 ones kernel: window sums 12 16 24 28
    float[] x = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    double[] y =
        Reference.conv2d(x, 1, 3, 3, 1, new float[] {1, 1, 1, 1}, 2, 2, 1, null, 1, 1, false);
    assertArrayEquals(new double[] {12, 16, 24, 28}, y, EPS);
  }

  @Test
  void conv2d_sameStride2_padsBottomRightOnly() {
    // 4x4 image 1..16, 3x3 ones kernel, stride 2: out 2x2, windows start at rows/cols 0 and 2,
    // the second one running into the pad at the bottom/right.
    float[] x = new float[16];
    for (int i = 0; i < 16; i++) {
      x[i] = i + 1;
    }
    float[] k = new float[9];
    java.util.Arrays.fill(k, 1);
    double[] y = Reference.conv2d(x, 1, 4, 4, 1, k, 3, 3, 1, new float[] {0.5f}, 2, 2, true);
    // rows 0-2 x cols 0-2: 1+2+3+5+6+7+9+10+11 = 54; rows 0-2 x cols 2-3: 3+4+7+8+11+12 = 45
    // rows 2-3 x cols 0-2: 9+10+11+13+14+15 = 72; rows 2-3 x cols 2-3: 11+12+15+16 = 54
    assertArrayEquals(new double[] {54.5, 45.5, 72.5, 54.5}, y, EPS);
  }

  @Test
  void pools_sameStride2_useInBoundsElementsOnly() {
    float[] x = {1, 2, 3, 4, 5, 6, 7, 8, 9}; // 3x3
    double[] max = Reference.pool(x, 1, 3, 3, 1, 2, 2, 2, 2, true, true);
    double[] avg = Reference.pool(x, 1, 3, 3, 1, 2, 2, 2, 2, true, false);
    assertArrayEquals(new double[] {5, 6, 8, 9}, max, EPS);
    assertArrayEquals(new double[] {3, 4.5, 7.5, 9}, avg, EPS);
  }

  @Test
  void dense_and_softmax_matchHandValues() {
    double[] y =
        Reference.dense(
            new float[] {1, 2}, 1, 2, new float[] {1, 2, 3, 4, 5, 6}, 3, new float[] {1, 0, -1});
    assertArrayEquals(new double[] {1 + 1 + 8, 2 + 10, 3 + 12 - 1}, y, EPS);
    double[] s = Reference.softmax(new double[] {0, Math.log(3)}, 2);
    assertArrayEquals(new double[] {0.25, 0.75}, s, EPS);
  }

  @Test
  void channelMoments_areBiased_andBatchNormUsesThem() {
    float[] x = {1, 10, 3, 30}; // two samples, two channels
    double[][] m = Reference.channelMoments(x, 2);
    assertArrayEquals(new double[] {2, 20}, m[0], EPS);
    assertArrayEquals(new double[] {1, 100}, m[1], EPS); // divide by N = 2, not N - 1
    double[] y = Reference.batchNorm(x, 2, new double[] {2, 1}, new double[] {0, 5}, m[0], m[1], 0);
    assertArrayEquals(new double[] {-2, 4, 2, 6}, y, EPS);
  }

  @Test
  void concat_interleavesAlongTheAxis() {
    double[] y = Reference.concat(2, new float[] {1, 2, 3, 4}, new float[] {5, 6});
    assertArrayEquals(new double[] {1, 2, 5, 3, 4, 6}, y, EPS);
  }
}

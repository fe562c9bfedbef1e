package dev.jeras.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.data.FloatArray;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Dropout: the identity at inference; in training it zeroes about {@code rate} of the entries and
 * scales the kept ones by exactly 1 / (1 - rate).
 */
class DropoutTest {
  private static final int ROWS = 20;
  private static final int COLS = 1000; // 20,000 values

  /** Values in [0.5, 1.5): never zero, so a zero in the output is a dropped entry. */
  private static FloatArray input(long seed) {
    return LayerHarness.randomIn(new Random(seed), 0.5, 1.5, ROWS, COLS);
  }

  @Test
  void inference_isIdentity() {
    FloatArray x = input(71);
    FloatArray y = LayerHarness.predict(new Dropout(0.5), x);
    assertArrayEquals(x.data(), y.data(), 0f);
  }

  @Test
  void training_rateHalf_dropsAboutHalf_andDoublesTheRest() {
    checkTraining(0.5, 72);
  }

  @Test
  void training_rate02_dropsAboutAFifth_andScalesTheRestByOneOverPoint8() {
    checkTraining(0.2, 73);
  }

  private static void checkTraining(double rate, long seed) {
    FloatArray x = input(seed);
    FloatArray y = LayerHarness.predictTraining(new Dropout(rate), x);
    float[] xv = x.data();
    float[] yv = y.data();
    int dropped = 0;
    double scale = 1.0 / (1.0 - rate);
    for (int i = 0; i < xv.length; i++) {
      if (yv[i] == 0f) {
        dropped++;
      } else {
        double expected = xv[i] * scale;
        assertEquals(expected, yv[i], 1e-6 * expected, "kept entry " + i + " scaled by 1/(1-rate)");
      }
    }
    double fraction = dropped / (double) xv.length;
    // binomial: sd = sqrt(rate (1 - rate) / n) ~ 0.0035 at rate 0.5; allow ~5.5 sd
    double tol = 5.5 * Math.sqrt(rate * (1 - rate) / xv.length);
    assertTrue(
        Math.abs(fraction - rate) <= tol,
        "dropped fraction " + fraction + " not within " + rate + " +- " + tol);
  }

  @Test
  void training_masksDifferAcrossSamples() {
    FloatArray x = input(74);
    float[] yv = LayerHarness.predictTraining(new Dropout(0.5), x).data();
    boolean[] first = new boolean[COLS];
    for (int k = 0; k < COLS; k++) {
      first[k] = yv[k] == 0f;
    }
    boolean allSame = true;
    for (int r = 1; r < ROWS && allSame; r++) {
      for (int k = 0; k < COLS; k++) {
        if ((yv[r * COLS + k] == 0f) != first[k]) {
          allSame = false;
          break;
        }
      }
    }
    assertFalse(allSame, "every sample got the same dropout mask");
  }

  @Test
  void training_rateZero_isIdentity() {
    FloatArray x = input(75);
    FloatArray y = LayerHarness.predictTraining(new Dropout(0), x);
    assertTrue(Arrays.equals(x.data(), y.data()));
  }
}

package dev.jeras.layers;

import static dev.jeras.layers.LayerHarness.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.data.FloatArray;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every activation, through the Activation layer, against its textbook formula in Java. */
class ActivationTest {
  private static final double ATOL = 1e-5;
  private static final int WIDTH = 8;

  /** 6 rows of 8: random values in [-4, 4) plus the exact points -1, 0, 1. */
  private static FloatArray inputs() {
    Random rng = new Random(51);
    float[] v = LayerHarness.uniform(rng, 6 * WIDTH, -4, 4);
    v[0] = 0f;
    v[1] = -1f;
    v[2] = 1f;
    return FloatArray.of(v, 6, WIDTH);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Activations.class)
  void activationLayer_matchesJavaFormula(Activations a) {
    FloatArray x = inputs();
    FloatArray y = LayerHarness.predict(new Activation(a), x);
    double[] expected = Reference.activation(a.kerasName(), LayerHarness.toDouble(x.data()), WIDTH);
    assertClose(expected, y, ATOL, 1e-6, a.kerasName());
  }

  @Test
  void softmax_rowsSumToOne_evenForLargeLogits() {
    float[] v = {1000f, 1001f, 1002f, -1000f, 0f, 0f, 0f, 0f};
    FloatArray y = LayerHarness.predict(new Activation("softmax"), FloatArray.of(v, 2, 4));
    double[] expected = Reference.softmax(LayerHarness.toDouble(v), 4);
    assertClose(expected, y, ATOL, 0, "stable softmax");
    for (int r = 0; r < 2; r++) {
      double s = 0;
      for (int k = 0; k < 4; k++) {
        s += y.data()[r * 4 + k];
      }
      assertEquals(1.0, s, 1e-6, "row " + r + " sum");
    }
  }

  @Test
  void softmax_onRank4_normalisesTheLastAxis() {
    Random rng = new Random(52);
    FloatArray x = LayerHarness.random(rng, 2, 3, 2, 5);
    FloatArray y = LayerHarness.predict(new Activation("softmax"), x);
    assertClose(
        Reference.softmax(LayerHarness.toDouble(x.data()), 5), y, ATOL, 0, "softmax over channels");
  }

  @Test
  void activationsOf_resolvesKerasNames_andNullIsLinear() {
    for (Activations a : Activations.values()) {
      assertSame(a, Activations.of(a.kerasName()));
    }
    assertSame(Activations.RELU, Activations.of("ReLU"));
    assertSame(Activations.LINEAR, Activations.of(null));
  }

  @Test
  void activationsOf_unknownName_listsSupportedNames() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Activations.of("swishy"));
    assertTrue(e.getMessage().contains("swishy"), e.getMessage());
    for (Activations a : Activations.values()) {
      assertTrue(e.getMessage().contains(a.kerasName()), e.getMessage());
    }
  }
}

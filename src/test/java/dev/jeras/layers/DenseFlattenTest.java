package dev.jeras.layers;

import static dev.jeras.layers.LayerHarness.assertClose;
import static dev.jeras.layers.LayerHarness.assertShape;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.jeras.data.FloatArray;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Dense (rank 2 and rank 3 inputs) and Flatten (row-major, channels-last order). */
class DenseFlattenTest {
  private static final double ATOL = 1e-5;

  @Test
  void dense_rank2_withBias_matchesReference() {
    Random rng = new Random(41);
    FloatArray x = LayerHarness.random(rng, 5, 7);
    FloatArray kernel = LayerHarness.random(rng, 7, 4);
    FloatArray bias = LayerHarness.random(rng, 4);
    FloatArray y = LayerHarness.predict(new Dense(4), x, kernel, bias);
    assertShape(y, 5, 4);
    assertClose(
        Reference.dense(x.data(), 5, 7, kernel.data(), 4, bias.data()), y, ATOL, 0, "dense rank 2");
  }

  @Test
  void dense_rank2_withoutBias_andSigmoid_matchesReference() {
    Random rng = new Random(42);
    FloatArray x = LayerHarness.random(rng, 5, 7);
    FloatArray kernel = LayerHarness.random(rng, 7, 3);
    FloatArray y =
        LayerHarness.predict(new Dense(3).useBias(false).activation("sigmoid"), x, kernel);
    double[] expected =
        Reference.activation("sigmoid", Reference.dense(x.data(), 5, 7, kernel.data(), 3, null), 3);
    assertClose(expected, y, ATOL, 0, "dense sigmoid without bias");
  }

  @Test
  void dense_rank3_appliesToLastAxis_keepsInnerAxis() {
    Random rng = new Random(43);
    FloatArray x = LayerHarness.random(rng, 2, 3, 4); // (batch 2, steps 3, features 4)
    FloatArray kernel = LayerHarness.random(rng, 4, 5);
    FloatArray bias = LayerHarness.random(rng, 5);
    FloatArray y = LayerHarness.predict(new Dense(5), x, kernel, bias);
    assertShape(y, 2, 3, 5);
    // each of the 2*3 rows is an independent Dense application
    assertClose(
        Reference.dense(x.data(), 6, 4, kernel.data(), 5, bias.data()), y, ATOL, 0, "dense rank 3");
  }

  @Test
  void dense_softmax_rowsSumToOne_andMatchReference() {
    Random rng = new Random(44);
    FloatArray x = LayerHarness.random(rng, 4, 6);
    FloatArray kernel = LayerHarness.random(rng, 6, 5);
    FloatArray bias = LayerHarness.random(rng, 5);
    FloatArray y = LayerHarness.predict(new Dense(5).activation("softmax"), x, kernel, bias);
    double[] expected =
        Reference.softmax(Reference.dense(x.data(), 4, 6, kernel.data(), 5, bias.data()), 5);
    assertClose(expected, y, ATOL, 0, "dense softmax");
    for (int r = 0; r < 4; r++) {
      double s = 0;
      for (int k = 0; k < 5; k++) {
        s += y.data()[r * 5 + k];
      }
      org.junit.jupiter.api.Assertions.assertEquals(1.0, s, 1e-5, "row " + r + " sum");
    }
  }

  @Test
  void flatten_keepsRowMajorChannelsLastOrder() {
    // (2, 2, 3, 2) holding 0..23: flattening must not reorder anything (channels-last, row-major)
    float[] v = new float[24];
    for (int i = 0; i < v.length; i++) {
      v[i] = i;
    }
    FloatArray y = LayerHarness.predict(new Flatten(), FloatArray.of(v, 2, 2, 3, 2));
    assertShape(y, 2, 12);
    assertArrayEquals(v, y.data(), 0f);
  }

  @Test
  void flatten_thenDense_matchesDenseOnRowMajorVector() {
    // a channels-first flatten would pair kernel rows with the wrong pixels
    Random rng = new Random(45);
    FloatArray x = LayerHarness.random(rng, 2, 3, 2, 4);
    FloatArray kernel = LayerHarness.random(rng, 24, 3);
    FloatArray bias = LayerHarness.random(rng, 3);
    SymbolicTensor in = Input.shape(3, 2, 4);
    SymbolicTensor out = new Dense(3).apply(new Flatten().apply(in));
    try (dev.jeras.models.Model m = new dev.jeras.models.Model(in, out)) {
      m.seed(LayerHarness.SEED);
      m.setWeights(java.util.List.of(kernel, bias));
      assertClose(
          Reference.dense(x.data(), 2, 24, kernel.data(), 3, bias.data()),
          m.predict(x),
          ATOL,
          0,
          "flatten + dense");
    }
  }
}

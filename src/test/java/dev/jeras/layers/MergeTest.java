package dev.jeras.layers;

import static dev.jeras.layers.LayerHarness.assertClose;
import static dev.jeras.layers.LayerHarness.assertShape;

import dev.jeras.data.FloatArray;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Add and Concatenate values. */
class MergeTest {
  private static final double ATOL = 1e-6;

  @Test
  void add_twoInputs_sumsElementwise() {
    Random rng = new Random(61);
    FloatArray a = LayerHarness.random(rng, 3, 4, 4, 2);
    FloatArray b = LayerHarness.random(rng, 3, 4, 4, 2);
    FloatArray y = LayerHarness.predictMerge(new Add(), a, b);
    assertShape(y, 3, 4, 4, 2);
    assertClose(Reference.add(a.data(), b.data()), y, ATOL, 0, "a + b");
  }

  @Test
  void add_threeInputs_sumsElementwise() {
    Random rng = new Random(62);
    FloatArray a = LayerHarness.random(rng, 3, 5);
    FloatArray b = LayerHarness.random(rng, 3, 5);
    FloatArray c = LayerHarness.random(rng, 3, 5);
    FloatArray y = LayerHarness.predictMerge(new Add(), a, b, c);
    assertShape(y, 3, 5);
    assertClose(Reference.add(a.data(), b.data(), c.data()), y, ATOL, 0, "a + b + c");
  }

  @Test
  void concatenate_default_joinsLastAxis() {
    Random rng = new Random(63);
    FloatArray a = LayerHarness.random(rng, 2, 3, 3, 2);
    FloatArray b = LayerHarness.random(rng, 2, 3, 3, 4);
    FloatArray y = LayerHarness.predictMerge(new Concatenate(), a, b);
    assertShape(y, 2, 3, 3, 6);
    assertClose(Reference.concat(2 * 3 * 3, a.data(), b.data()), y, ATOL, 0, "concat axis -1");
  }

  @Test
  void concatenate_threeInputs_rank2_joinsFeatures() {
    Random rng = new Random(64);
    FloatArray a = LayerHarness.random(rng, 4, 1);
    FloatArray b = LayerHarness.random(rng, 4, 3);
    FloatArray c = LayerHarness.random(rng, 4, 2);
    FloatArray y = LayerHarness.predictMerge(new Concatenate(), a, b, c);
    assertShape(y, 4, 6);
    assertClose(Reference.concat(4, a.data(), b.data(), c.data()), y, ATOL, 0, "concat rank 2");
  }

  @Test
  void concatenate_axis1_joinsHeight() {
    Random rng = new Random(65);
    FloatArray a = LayerHarness.random(rng, 2, 2, 3, 2);
    FloatArray b = LayerHarness.random(rng, 2, 4, 3, 2);
    FloatArray y = LayerHarness.predictMerge(new Concatenate(1), a, b);
    assertShape(y, 2, 6, 3, 2);
    // per sample, a's 2 rows then b's 4 rows
    assertClose(Reference.concat(2, a.data(), b.data()), y, ATOL, 0, "concat axis 1");
  }
}

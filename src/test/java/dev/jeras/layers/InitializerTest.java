package dev.jeras.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Initializers: Keras' fans, bounds and variances (statistical checks on a (3, 3, 64, 128) conv
 * kernel: 73,728 samples), exact constants, reproducibility and name resolution. Pure Java.
 */
class InitializerTest {
  private static final long[] CONV = {3, 3, 64, 128};
  private static final double FAN_IN = 3 * 3 * 64; // 576
  private static final double FAN_OUT = 3 * 3 * 128; // 1152

  /** The standard deviation of a unit normal truncated at +-2. */
  private static final double TRUNCATED_STD = 0.87962566103423978;

  private static float[] sample(Initializer init, long seed) {
    return init.generate(CONV, new SplittableRandom(seed));
  }

  private static double mean(float[] v) {
    double s = 0;
    for (float x : v) {
      s += x;
    }
    return s / v.length;
  }

  private static double variance(float[] v) {
    double m = mean(v);
    double s = 0;
    for (float x : v) {
      s += (x - m) * (x - m);
    }
    return s / v.length;
  }

  private static double maxAbs(float[] v) {
    double m = 0;
    for (float x : v) {
      m = Math.max(m, Math.abs(x));
    }
    return m;
  }

  @Test
  void fans_denseKernel_areInAndOut() {
    assertArrayEquals(new double[] {784, 10}, Initializer.fans(new long[] {784, 10}), 0);
  }

  @Test
  void fans_convKernel_multiplyByReceptiveField() {
    assertArrayEquals(new double[] {144, 288}, Initializer.fans(new long[] {3, 3, 16, 32}), 0);
    assertArrayEquals(new double[] {FAN_IN, FAN_OUT}, Initializer.fans(CONV), 0);
  }

  @Test
  void glorotUniform_withinLimit_varianceLimitSquaredOverThree() {
    float[] v = sample(Initializer.glorotUniform(), 1);
    assertEquals(73_728, v.length);
    double limit = Math.sqrt(6 / (FAN_IN + FAN_OUT));
    assertTrue(maxAbs(v) <= limit, "max |w| " + maxAbs(v) + " > limit " + limit);
    assertTrue(maxAbs(v) > 0.99 * limit, "samples should reach close to the limit");
    double expectedVar = limit * limit / 3;
    // the sample variance of a uniform has relative sd sqrt(0.8 / n) ~ 0.33%: allow 2%
    assertEquals(expectedVar, variance(v), 0.02 * expectedVar);
    // the mean's sd is sqrt(var / n) ~ 1.3e-4: allow 5 sd
    assertEquals(0, mean(v), 5 * Math.sqrt(expectedVar / v.length));
  }

  @Test
  void heNormal_stdIsSqrtTwoOverFanIn_truncatedAtTwoRescaledSd() {
    float[] v = sample(Initializer.heNormal(), 2);
    double std = Math.sqrt(2 / FAN_IN);
    // Keras rescales the truncated normal by 1/0.8796 so that the std is exactly sqrt(2/fan_in)
    assertEquals(std, Math.sqrt(variance(v)), 0.02 * std);
    double bound = 2 * std / TRUNCATED_STD;
    assertTrue(maxAbs(v) <= bound * (1 + 1e-6), "max |w| " + maxAbs(v) + " > bound " + bound);
    assertTrue(maxAbs(v) > 0.95 * bound, "samples should reach close to the truncation bound");
    assertEquals(0, mean(v), 5 * std / Math.sqrt(v.length));
  }

  @Test
  void glorotNormal_stdIsSqrtTwoOverFanSum() {
    float[] v = sample(Initializer.glorotNormal(), 3);
    double std = Math.sqrt(2 / (FAN_IN + FAN_OUT));
    assertEquals(std, Math.sqrt(variance(v)), 0.02 * std);
    assertTrue(maxAbs(v) <= 2 * std / TRUNCATED_STD * (1 + 1e-6));
  }

  @Test
  void heUniform_withinSqrtSixOverFanIn() {
    float[] v = sample(Initializer.heUniform(), 4);
    double limit = Math.sqrt(6 / FAN_IN);
    assertTrue(maxAbs(v) <= limit, "max |w| " + maxAbs(v) + " > limit " + limit);
    assertTrue(maxAbs(v) > 0.99 * limit);
    assertEquals(limit * limit / 3, variance(v), 0.02 * limit * limit / 3);
  }

  @Test
  void lecunUniformAndNormal_useScaleOneOverFanIn() {
    float[] u = sample(Initializer.lecunUniform(), 5);
    double limit = Math.sqrt(3 / FAN_IN);
    assertTrue(maxAbs(u) <= limit && maxAbs(u) > 0.99 * limit, "lecun_uniform limit");
    float[] n = sample(Initializer.lecunNormal(), 6);
    double std = Math.sqrt(1 / FAN_IN);
    assertEquals(std, Math.sqrt(variance(n)), 0.02 * std);
  }

  @Test
  void zerosOnesConstant_areExact() {
    long[] shape = {3, 4};
    float[] zeros = Initializer.zeros().generate(shape, new SplittableRandom(1));
    float[] ones = Initializer.ones().generate(shape, new SplittableRandom(1));
    float[] sevens = Initializer.constant(0.7f).generate(shape, new SplittableRandom(1));
    float[] twelve = new float[12];
    assertArrayEquals(twelve, zeros, 0f);
    Arrays.fill(twelve, 1f);
    assertArrayEquals(twelve, ones, 0f);
    Arrays.fill(twelve, 0.7f);
    assertArrayEquals(twelve, sevens, 0f);
  }

  @Test
  void sameSeed_sameValues_otherSeed_otherValues() {
    for (Initializer init :
        new Initializer[] {
          Initializer.glorotUniform(), Initializer.heNormal(), Initializer.glorotNormal()
        }) {
      float[] a = init.generate(new long[] {5, 7}, new SplittableRandom(42));
      float[] b = init.generate(new long[] {5, 7}, new SplittableRandom(42));
      float[] c = init.generate(new long[] {5, 7}, new SplittableRandom(43));
      assertArrayEquals(a, b, 0f, init.kerasClassName());
      assertFalse(Arrays.equals(a, c), init.kerasClassName() + " ignores the seed");
    }
  }

  @Test
  void of_resolvesSnakeCaseAndClassNames() {
    assertEquals("GlorotUniform", Initializer.of("glorot_uniform").kerasClassName());
    assertEquals("HeNormal", Initializer.of("HeNormal").kerasClassName());
    assertEquals("HeNormal", Initializer.of("he_normal").kerasClassName());
    assertEquals("HeUniform", Initializer.of("he_uniform").kerasClassName());
    assertEquals("GlorotNormal", Initializer.of("GlorotNormal").kerasClassName());
    assertEquals("LecunNormal", Initializer.of("lecun_normal").kerasClassName());
    assertEquals("Zeros", Initializer.of("zeros").kerasClassName());
    assertEquals("Ones", Initializer.of("Ones").kerasClassName());
    assertEquals(Initializer.glorotUniform(), Initializer.of("glorot_uniform"));
  }

  @Test
  void of_unknownName_listsSupportedNames() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Initializer.of("orthogonalish"));
    String m = e.getMessage();
    assertTrue(m.contains("orthogonalish"), m);
    for (String name :
        new String[] {
          "glorot_uniform",
          "glorot_normal",
          "he_normal",
          "he_uniform",
          "lecun_normal",
          "lecun_uniform",
          "zeros",
          "ones"
        }) {
      assertTrue(m.contains(name), "message should list " + name + ": " + m);
    }
  }

  @Test
  void kerasClassNames_andConfigs() {
    assertEquals("GlorotUniform", Initializer.glorotUniform().kerasClassName());
    assertEquals("Zeros", Initializer.zeros().kerasClassName());
    assertEquals("Constant", Initializer.constant(2f).kerasClassName());
    assertEquals(2.0, ((Number) Initializer.constant(2f).config().get("value")).doubleValue(), 0);
    assertTrue(Initializer.glorotUniform().config().containsKey("seed"));
  }
}

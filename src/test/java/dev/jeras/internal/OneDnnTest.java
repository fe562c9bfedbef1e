package dev.jeras.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.testing.Fixtures;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.types.TFloat32;

/**
 * oneDNN's kernels as jeras builds them ({@link OneDnn}) against TensorFlow's own on the same
 * inputs in one graph: max pooling and its gradient the same bits (inputs full of ties), batch
 * normalization and the convolution's forward pass and gradients to float rounding.
 */
class OneDnnTest {

  @BeforeAll
  static void register() {
    assertTrue(OneDnn.register(), "TensorFlow Java's CPU library holds oneDNN's kernels");
  }

  @ParameterizedTest(name = "n{0} {1}x{2}x{3}, pool {4}x{5}, strides ({6}, {7}), {8}")
  @CsvSource({
    "3, 8, 8, 3, 2, 2, 2, 2, VALID",
    "2, 11, 11, 4, 2, 2, 2, 2, VALID",
    "2, 9, 9, 3, 2, 2, 2, 2, SAME",
    "2, 8, 6, 2, 2, 3, 2, 3, SAME",
    "2, 9, 9, 3, 3, 3, 2, 2, VALID",
    "2, 9, 9, 3, 3, 3, 2, 2, SAME",
    "2, 7, 7, 2, 2, 2, 1, 1, VALID",
    "1, 4, 4, 2, 4, 4, 4, 4, VALID",
  })
  void maxPool_sameBitsAsTensorFlows(
      int n, int h, int w, int c, int ph, int pw, int sh, int sw, String padding) {
    Random rng = new Random(11L * h + 5L * pw + c + sh);
    Fixtures.PoolRun run =
        Fixtures.maxPoolAgainstTensorFlow(
            rng,
            new int[] {n, h, w, c, ph, pw, sh, sw},
            padding,
            (tf, x) -> OneDnn.maxPool(tf, x, new int[] {ph, pw}, new int[] {sh, sw}, padding),
            mine -> assertEquals("_MklNativeMaxPool", mine.op().type()));
    assertArrayEquals(run.yRef(), run.yMine(), "pooled output");
    float[] gRef = run.gRef();
    float[] gMine = run.gMine();
    assertEquals(run.inputs(), gMine.length, "gradient size");
    boolean overlap = ph > sh || pw > sw;
    for (int i = 0; i < gRef.length; i++) {
      if (overlap) { // an element in several windows sums their gradients in some order
        assertEquals(
            gRef[i], gMine[i], 1e-6 * Math.max(1, Math.abs(gRef[i])), "input gradient[" + i + "]");
      } else {
        assertEquals(
            Float.floatToIntBits(gRef[i]),
            Float.floatToIntBits(gMine[i]),
            "input gradient[" + i + "]: expected " + gRef[i] + ", got " + gMine[i]);
      }
    }
  }

  @ParameterizedTest(name = "({0}, {1}, {2}, {3})")
  @CsvSource({"8, 6, 6, 5", "4, 3, 5, 16", "16, 1, 1, 7"})
  void batchNorm_matchesTensorFlows(int n, int h, int w, int c) {
    Random rng = new Random(3L * h + c);
    float[] xv = gaussian(rng, n * h * w * c);
    for (int i = 0; i < xv.length; i++) {
      xv[i] = xv[i] * (1 + i % c) + (i % c) - 2; // a different mean and spread per channel
    }
    float[] gv = gaussian(rng, c);
    float[] bv = gaussian(rng, c);
    try (Graph g = new Graph();
        TFloat32 xt = Tensors.floats(xv, 0, n, h, w, c);
        TFloat32 gt = Tensors.floats(gv, 0, c);
        TFloat32 bt = Tensors.floats(bv, 0, c);
        TFloat32 rt = Tensors.floats(gaussian(rng, xv.length), 0, n, h, w, c)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = tf.constant(xt);
      Operand<TFloat32> gamma = tf.constant(gt);
      Operand<TFloat32> beta = tf.constant(bt);
      Operand<TFloat32> empty = tf.constant(new float[0]);
      FusedBatchNorm<TFloat32, TFloat32> ref =
          tf.nn.fusedBatchNorm(
              x,
              gamma,
              beta,
              empty,
              empty,
              FusedBatchNorm.epsilon(1e-3f),
              FusedBatchNorm.isTraining(true));
      OneDnn.BatchNorm mine = OneDnn.batchNorm(tf, x, gamma, beta, 1e-3f);
      assertEquals("_MklNativeFusedBatchNormV3", mine.y().op().type());
      Operand<TFloat32> weights = tf.constant(rt);
      Output<?>[] refGrads =
          g.addGradients(
              sum(tf, tf.math.mul(ref.y(), weights)).asOutput(),
              new Output<?>[] {x.asOutput(), gamma.asOutput(), beta.asOutput()});
      Output<?>[] myGrads =
          g.addGradients(
              sum(tf, tf.math.mul(mine.y(), weights)).asOutput(),
              new Output<?>[] {x.asOutput(), gamma.asOutput(), beta.asOutput()});
      List<Output<?>> refs =
          List.of(
              ref.y().asOutput(),
              ref.batchMean().asOutput(),
              ref.batchVariance().asOutput(),
              refGrads[0],
              refGrads[1],
              refGrads[2]);
      List<Output<?>> mines =
          List.of(
              mine.y().asOutput(),
              mine.mean().asOutput(),
              mine.variance().asOutput(),
              myGrads[0],
              myGrads[1],
              myGrads[2]);
      String[] names = {
        "output",
        "batch mean",
        "batch variance (unbiased)",
        "input gradient",
        "scale gradient",
        "offset gradient"
      };
      try (Session s = new Session(g)) {
        for (int k = 0; k < refs.size(); k++) {
          try (Result res = s.runner().fetch(refs.get(k)).fetch(mines.get(k)).run()) {
            assertClose(Tensors.toFloats(res.get(0)), Tensors.toFloats(res.get(1)), 2e-5, names[k]);
          }
        }
      }
    }
  }

  @ParameterizedTest(name = "{0}x{1}x{2} -> {3}, kernel {4}x{5}, stride {6}, {7}, relu {8}")
  @CsvSource({
    "10, 10, 1, 8, 3, 3, 1, VALID, true",
    "9, 9, 3, 4, 3, 3, 1, SAME, true",
    "8, 7, 2, 5, 2, 4, 1, SAME, false",
    "9, 9, 3, 6, 3, 3, 2, SAME, true",
    "8, 8, 6, 4, 3, 3, 1, VALID, true",
    "7, 9, 8, 8, 3, 3, 1, SAME, false",
  })
  void convolution_matchesTensorFlows(
      int h, int w, int c, int f, int kh, int kw, int stride, String padding, boolean relu) {
    int n = 3;
    Random rng = new Random(31L * h + 7L * c + f);
    try (Graph g = new Graph();
        TFloat32 xt = Tensors.floats(gaussian(rng, n * h * w * c), 0, n, h, w, c);
        TFloat32 kt = Tensors.floats(gaussian(rng, kh * kw * c * f), 0, kh, kw, c, f);
        TFloat32 bt = Tensors.floats(gaussian(rng, f), 0, f)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = tf.constant(xt);
      Operand<TFloat32> k = tf.constant(kt);
      Operand<TFloat32> b = tf.constant(bt);
      List<Long> strides = List.of(1L, (long) stride, (long) stride, 1L);
      Operand<TFloat32> ref = tf.nn.biasAdd(tf.nn.conv2d(x, k, strides, padding), b);
      ref = relu ? tf.nn.relu(ref) : ref;
      Operand<TFloat32> mine =
          ConvBackprop.conv2d(tf, x, k, b, relu, strides, padding, false, true);
      boolean shortPatch = (long) c * kh * kw <= OneDnn.SHORT_PATCH;
      assertEquals(
          shortPatch ? "_MklNativeFusedConv2D" : "_FusedConv2D",
          mine.op().type(),
          "oneDNN runs the forward pass exactly where the patch is short");
      long[] outShape = ref.shape().asArray();
      assertArrayEquals(outShape, mine.shape().asArray(), "static output shape");
      try (TFloat32 rt =
          Tensors.floats(
              gaussian(rng, (int) (n * outShape[1] * outShape[2] * outShape[3])), 0, outShape)) {
        Operand<TFloat32> weights = tf.constant(rt);
        Output<?>[] refGrads =
            g.addGradients(
                sum(tf, tf.math.mul(ref, weights)).asOutput(),
                new Output<?>[] {x.asOutput(), k.asOutput(), b.asOutput()});
        Output<?>[] myGrads =
            g.addGradients(
                sum(tf, tf.math.mul(mine, weights)).asOutput(),
                new Output<?>[] {x.asOutput(), k.asOutput(), b.asOutput()});
        assertEquals("_MklNativeConv2DBackpropInput", myGrads[0].op().type());
        assertEquals("_MklNativeConv2DBackpropFilter", myGrads[1].op().type());
        String[] names = {"input gradient", "kernel gradient", "bias gradient"};
        try (Session s = new Session(g)) {
          try (Result res = s.runner().fetch(ref).fetch(mine).run()) {
            assertClose(Tensors.toFloats(res.get(0)), Tensors.toFloats(res.get(1)), 2e-6, "output");
          }
          for (int i = 0; i < 3; i++) {
            try (Result res = s.runner().fetch(refGrads[i]).fetch(myGrads[i]).run()) {
              assertClose(
                  Tensors.toFloats(res.get(0)), Tensors.toFloats(res.get(1)), 2e-6, names[i]);
            }
          }
        }
      }
    }
  }

  @Test
  void property_off_keepsTensorFlowsKernels() {
    System.setProperty(OneDnn.PROPERTY, "off");
    try {
      assertEquals(false, OneDnn.enabled());
      System.setProperty(OneDnn.PROPERTY, "sometimes");
      IllegalArgumentException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              IllegalArgumentException.class, OneDnn::enabled);
      assertTrue(
          e.getMessage().contains("jeras.oneDnnKernels must be auto or off, got"), e.getMessage());
    } finally {
      System.clearProperty(OneDnn.PROPERTY);
    }
  }

  /** Every element within tol relative to the reference's largest magnitude. */
  private static void assertClose(float[] expected, float[] actual, double tol, String what) {
    assertEquals(expected.length, actual.length, what + " size");
    double scale = 0;
    for (float v : expected) {
      scale = Math.max(scale, Math.abs(v));
    }
    assertTrue(scale > 0, what + " is not all zero");
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], tol * scale, what + "[" + i + "]");
    }
  }

  private static float[] gaussian(Random rng, int size) {
    float[] v = new float[size];
    for (int i = 0; i < size; i++) {
      v[i] = (float) rng.nextGaussian();
    }
    return v;
  }

  private static Operand<TFloat32> sum(Ops tf, Operand<TFloat32> v) {
    return tf.reduceSum(v, tf.range(tf.constant(0), tf.rank(v), tf.constant(1)));
  }
}

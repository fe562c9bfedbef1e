package dev.jeras.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.internal.ConvBackprop;
import dev.jeras.internal.Tensors;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.op.nn.Conv2d;
import org.tensorflow.types.TFloat32;

/**
 * The convolution gradient jeras registers for training ({@link ConvBackprop}) against TensorFlow's
 * own gradient of {@code Conv2D}, on the same inputs in one graph: the input and kernel gradients
 * of {@code sum(conv(x, w) * r)} for random x, w, r, over paddings, kernel sizes (odd, even,
 * non-square, as large as the input), channel counts and strides (stride 2 takes the fallback to
 * TensorFlow's backprop kernels).
 */
class ConvGradientTest {
  /** Float32 sums of up to a few hundred products, compared relative to the largest value. */
  private static final double RTOL = 2e-6;

  @BeforeAll
  static void register() {
    assertTrue(ConvBackprop.register(), "the Conv gradient registers on this platform");
  }

  @ParameterizedTest(name = "n{0} {1}x{2}x{3} -> {4}, kernel {5}x{6}, strides ({7}, {8}), {9}")
  @CsvSource({
    "2, 7, 9, 3, 4, 3, 3, 1, 1, SAME",
    "2, 7, 9, 3, 4, 3, 3, 1, 1, VALID",
    "2, 8, 8, 2, 3, 2, 2, 1, 1, SAME",
    "2, 8, 8, 3, 2, 2, 2, 1, 1, SAME",
    "2, 8, 6, 2, 3, 4, 3, 1, 1, SAME",
    "2, 8, 6, 3, 2, 4, 3, 1, 1, SAME",
    "2, 9, 9, 4, 6, 3, 3, 1, 1, VALID",
    "2, 6, 7, 5, 2, 1, 1, 1, 1, VALID",
    "3, 5, 5, 4, 2, 5, 5, 1, 1, SAME",
    "3, 5, 5, 4, 2, 5, 5, 1, 1, VALID",
    "1, 28, 28, 1, 8, 3, 3, 1, 1, VALID",
    "4, 16, 16, 16, 16, 3, 3, 1, 1, SAME",
    "2, 9, 9, 3, 4, 3, 3, 2, 2, SAME",
    "2, 9, 8, 3, 4, 3, 2, 2, 1, VALID",
  })
  void gradients_matchTensorFlowsConv2DGradient(
      int n, int h, int w, int c, int f, int kh, int kw, int sh, int sw, String padding) {
    for (String variant : List.of("conv", "bias", "bias+relu")) {
      check(n, h, w, c, f, kh, kw, sh, sw, padding, variant);
    }
  }

  private static void check(
      int n,
      int h,
      int w,
      int c,
      int f,
      int kh,
      int kw,
      int sh,
      int sw,
      String padding,
      String variant) {
    boolean useBias = !variant.equals("conv");
    boolean relu = variant.endsWith("relu");
    Random rng = new Random(31L * h + 7L * kh + c + f + sh);
    try (Graph g = new Graph();
        TFloat32 xt = Tensors.floats(uniform(rng, n * h * w * c), 0, n, h, w, c);
        TFloat32 wt = Tensors.floats(uniform(rng, kh * kw * c * f), 0, kh, kw, c, f);
        TFloat32 bt = Tensors.floats(uniform(rng, f), 0, f)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = tf.constant(xt);
      Operand<TFloat32> k = tf.constant(wt);
      Operand<TFloat32> b = tf.constant(bt);
      List<Long> strides = List.of(1L, (long) sh, (long) sw, 1L);
      Operand<TFloat32> ref = tf.nn.conv2d(x, k, strides, padding, Conv2d.dataFormat("NHWC"));
      if (useBias) {
        ref = tf.nn.biasAdd(ref, b);
      }
      if (relu) {
        ref = tf.nn.relu(ref);
      }
      Operand<TFloat32> mine =
          ConvBackprop.conv2d(tf, x, k, useBias ? b : null, relu, strides, padding);
      long[] outShape = ref.shape().asArray();
      int outSize = (int) (outShape[1] * outShape[2] * outShape[3]) * n;
      Output<?>[] wrt =
          useBias
              ? new Output<?>[] {x.asOutput(), k.asOutput(), b.asOutput()}
              : new Output<?>[] {x.asOutput(), k.asOutput()};
      try (TFloat32 rt = Tensors.floats(uniform(rng, outSize), 0, outShape)) {
        Operand<TFloat32> r = tf.constant(rt);
        Output<?>[] refGrads =
            g.addGradients(
                tf.reduceSum(tf.math.mul(ref, r), tf.constant(new int[] {0, 1, 2, 3})).asOutput(),
                wrt);
        Output<?>[] myGrads =
            g.addGradients(
                tf.reduceSum(tf.math.mul(mine, r), tf.constant(new int[] {0, 1, 2, 3})).asOutput(),
                wrt);
        Session.Runner runner;
        try (Session s = new Session(g)) {
          runner = s.runner().fetch(ref).fetch(mine);
          for (int i = 0; i < wrt.length; i++) {
            runner.fetch(refGrads[i]).fetch(myGrads[i]);
          }
          try (Result res = runner.run()) {
            String[] what = {"output", "input gradient", "kernel gradient", "bias gradient"};
            for (int i = 0; i <= wrt.length; i++) {
              TFloat32 expected = (TFloat32) res.get(2 * i);
              TFloat32 actual = (TFloat32) res.get(2 * i + 1);
              String where = variant + " " + what[i];
              assertArrayEquals(
                  expected.shape().asArray(), actual.shape().asArray(), where + " shape");
              assertClose(read(expected), read(actual), where);
            }
          }
        }
      }
    }
  }

  private static float[] uniform(Random rng, int size) {
    float[] v = new float[size];
    for (int i = 0; i < size; i++) {
      v[i] = (float) (rng.nextDouble() * 2 - 1);
    }
    return v;
  }

  private static float[] read(TFloat32 t) {
    float[] v = new float[(int) t.shape().size()];
    t.asRawTensor().data().asFloats().read(v);
    return v;
  }

  private static void assertClose(float[] expected, float[] actual, String what) {
    assertEquals(expected.length, actual.length, what + " size");
    double scale = 0;
    for (float e : expected) {
      scale = Math.max(scale, Math.abs(e));
    }
    assertTrue(scale > 0.1, what + " is not trivially zero");
    for (int i = 0; i < expected.length; i++) {
      double diff = Math.abs(expected[i] - actual[i]);
      assertTrue(
          diff <= RTOL * scale,
          what
              + "["
              + i
              + "]: expected "
              + expected[i]
              + ", got "
              + actual[i]
              + " (diff "
              + diff
              + ", scale "
              + scale
              + ")");
    }
  }
}

package dev.jeras.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jeras.testing.Fixtures;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.nn.Conv2d;
import org.tensorflow.types.TFloat32;

/**
 * jeras' fused convolution + bias [+ ReLU] + max-pool kernel ({@link NativeOps}) against
 * TensorFlow's Conv2D, BiasAdd, Relu and MaxPool on the same inputs in one graph, over paddings,
 * odd sizes, partial pool windows, channel counts that use each of its code paths (blocks of 16, of
 * 8, single channels) and batches large enough to split over threads; its errors on bad shapes; and
 * where a model's inference graph uses it.
 */
class NativeOpsTest {

  @BeforeAll
  static void loaded() {
    assumeTrue(
        NativeOps.class.getResource("/dev/jeras/native/linux-x86_64/libjeras_ops.so") != null,
        "built without a C compiler, or not on Linux x86-64");
    assertTrue(NativeOps.loaded(), () -> "not loaded: " + NativeOps.unavailableReason());
  }

  @AfterEach
  void restoreDefault() {
    System.clearProperty(NativeOps.PROPERTY);
  }

  private static float[] random(int n, long seed) {
    Random r = new Random(seed);
    float[] v = new float[n];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }

  private static Operand<TFloat32> constant(Ops tf, float[] v, long... shape) {
    return tf.reshape(tf.constant(v), tf.constant(shape));
  }

  @ParameterizedTest(
      name =
          "n{0} {1}x{2}x{3}, kernel {4}x{5}x{6} {7}, relu {8},"
              + " pool {9}x{10} strides ({11}, {12}) {13}")
  @CsvSource({
    // MNIST's first layer
    "3, 28, 28, 1, 3, 3, 32, VALID, true, 2, 2, 2, 2, VALID",
    // enough work for several threads
    "64, 28, 28, 1, 3, 3, 32, VALID, true, 2, 2, 2, 2, VALID",
    // SAME convolution (padded borders), odd sizes, SAME pool (partial windows at the end)
    "2, 27, 29, 3, 3, 3, 16, SAME, true, 2, 2, 2, 2, SAME",
    // no ReLU (negative maxima), 40 filters (16 + 16 + 8), 3x3 windows
    "2, 20, 17, 1, 5, 5, 40, VALID, false, 3, 3, 3, 3, VALID",
    // 13 filters (8 + 5 single channels), a 2x3 kernel, 1x2 windows 3 apart
    "2, 9, 11, 2, 2, 3, 13, VALID, true, 1, 2, 1, 3, VALID",
    // 1x1 kernel over 4 channels, 2x2 windows 3 apart, SAME pool
    "3, 7, 8, 4, 1, 1, 24, SAME, false, 2, 2, 3, 3, SAME",
    // overlapping windows (the kernel computes them; the rewrites do not use it there)
    "2, 13, 13, 2, 3, 3, 16, SAME, true, 3, 3, 2, 2, SAME",
    // a single image, kernel as large as the input
    "1, 5, 5, 1, 5, 5, 8, VALID, true, 1, 1, 1, 1, VALID",
  })
  void matchesTensorFlowsOps(
      int n,
      int h,
      int w,
      int c,
      int kh,
      int kw,
      int f,
      String convPad,
      boolean relu,
      int ph,
      int pw,
      int sh,
      int sw,
      String poolPad) {
    try (Graph g = new Graph();
        Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = constant(tf, random(n * h * w * c, 1), n, h, w, c);
      Operand<TFloat32> k = constant(tf, random(kh * kw * c * f, 2), kh, kw, c, f);
      Operand<TFloat32> b = tf.constant(random(f, 3));
      Operand<TFloat32> want =
          tf.nn.maxPool(
              convolution(tf, x, k, b, convPad, relu),
              tf.constant(new int[] {1, ph, pw, 1}),
              tf.constant(new int[] {1, sh, sw, 1}),
              poolPad);
      Operand<TFloat32> got = fused(tf, x, k, b, convPad, relu, ph, pw, sh, sw, poolPad);
      try (Result r = s.runner().fetch(want).fetch(got).run()) {
        assertArrayEquals(r.get(0).shape().asArray(), r.get(1).shape().asArray());
        float[] expected = Tensors.toFloats(r.get(0));
        assertTrue(expected.length > 0);
        Fixtures.assertClose(Tensors.toFloats(r.get(1)), expected, 1e-5, 1e-5);
      }
    }
  }

  @ParameterizedTest(
      name =
          "gradients: n{0} {1}x{2}x{3}, kernel {4}x{5}x{6} {7}, relu {8},"
              + " pool {9}x{10} strides ({11}, {12}) {13}")
  @CsvSource({
    "3, 28, 28, 1, 3, 3, 32, VALID, true, 2, 2, 2, 2, VALID",
    "48, 28, 28, 1, 3, 3, 32, VALID, true, 2, 2, 2, 2, VALID",
    "2, 27, 29, 3, 3, 3, 16, SAME, true, 2, 2, 2, 2, SAME",
    "2, 20, 17, 1, 5, 5, 40, VALID, false, 3, 3, 3, 3, VALID",
    "2, 9, 11, 2, 2, 3, 13, VALID, true, 1, 2, 1, 3, VALID",
    "3, 7, 8, 4, 1, 1, 24, SAME, false, 2, 2, 3, 3, SAME",
  })
  void gradientsMatchTensorFlowsOps(
      int n,
      int h,
      int w,
      int c,
      int kh,
      int kw,
      int f,
      String convPad,
      boolean relu,
      int ph,
      int pw,
      int sh,
      int sw,
      String poolPad) {
    try (Graph g = new Graph();
        Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = constant(tf, random(n * h * w * c, 11), n, h, w, c);
      Operand<TFloat32> k = constant(tf, random(kh * kw * c * f, 12), kh, kw, c, f);
      Operand<TFloat32> b = tf.constant(random(f, 13));
      Operand<TFloat32> y = convolution(tf, x, k, b, convPad, relu);
      Operand<TFloat32> want =
          tf.nn.maxPool(
              y,
              tf.constant(new int[] {1, ph, pw, 1}),
              tf.constant(new int[] {1, sh, sw, 1}),
              poolPad);
      Operand<TFloat32> got =
          NativeOps.trainingConvMaxPool(tf, y, new int[] {ph, pw}, new int[] {sh, sw}, poolPad);
      if (f % 8 == 0) {
        assertNotNull(got);
        assertEquals(
            NativeOps.WITH_ARGMAX,
            ((GraphOperation) ((GraphOperation) got.op()).input(0).op()).type());
      } else { // the graphs leave such convolutions to TensorFlow; the kernel computes them too
        assertNull(got);
        assertTrue(NativeOps.registerGradient());
        got =
            tf.scope()
                .opBuilder(NativeOps.WITH_ARGMAX, "withArgmax")
                .addInput(x.asOutput())
                .addInput(k.asOutput())
                .addInput(b.asOutput())
                .setAttr("conv_same", convPad.equals("SAME"))
                .setAttr("relu", relu)
                .setAttr("ksize", new long[] {ph, pw})
                .setAttr("strides", new long[] {sh, sw})
                .setAttr("pool_same", poolPad.equals("SAME"))
                .build()
                .<TFloat32>output(0);
      }
      // a loss whose gradient with respect to the pooled output is a fixed random tensor
      long pooled = want.shape().size();
      Operand<TFloat32> r = constant(tf, random((int) pooled, 14), want.shape().asArray());
      Operand<TFloat32> lossWant =
          tf.reduceSum(tf.math.mul(want, r), tf.constant(new int[] {0, 1, 2, 3}));
      Operand<TFloat32> lossGot =
          tf.reduceSum(tf.math.mul(got, r), tf.constant(new int[] {0, 1, 2, 3}));
      var gw = tf.gradients(lossWant, List.of(x, k, b));
      var gg = tf.gradients(lossGot, List.of(x, k, b));
      try (Result res =
          s.runner()
              .fetch(want)
              .fetch(got)
              .fetch(gw.dy(0))
              .fetch(gw.dy(1))
              .fetch(gw.dy(2))
              .fetch(gg.dy(0))
              .fetch(gg.dy(1))
              .fetch(gg.dy(2))
              .run()) {
        Fixtures.assertClose(
            Tensors.toFloats(res.get(1)), Tensors.toFloats(res.get(0)), 1e-5, 1e-5);
        String[] names = {"input", "filter", "bias"};
        for (int i = 0; i < 3; i++) {
          float[] expected = Tensors.toFloats(res.get(2 + i));
          float[] actual = Tensors.toFloats(res.get(5 + i));
          assertArrayEquals(res.get(2 + i).shape().asArray(), res.get(5 + i).shape().asArray());
          double scale = 0;
          for (float v : expected) {
            scale = Math.max(scale, Math.abs(v));
          }
          assertTrue(scale > 0, names[i] + " gradient is not all zeros");
          Fixtures.assertClose(actual, expected, 1e-5 * scale, 1e-4);
        }
      }
    }
  }

  /** TensorFlow's stride-1 Conv2D + BiasAdd [+ Relu]. */
  private static Operand<TFloat32> convolution(
      Ops tf,
      Operand<TFloat32> x,
      Operand<TFloat32> k,
      Operand<TFloat32> b,
      String padding,
      boolean relu) {
    Operand<TFloat32> y =
        tf.nn.biasAdd(
            tf.nn.conv2d(x, k, List.of(1L, 1L, 1L, 1L), padding, Conv2d.dataFormat("NHWC")), b);
    return relu ? tf.nn.relu(y) : y;
  }

  private static Operand<TFloat32> fused(
      Ops tf,
      Operand<TFloat32> x,
      Operand<TFloat32> k,
      Operand<TFloat32> b,
      String convPad,
      boolean relu,
      int ph,
      int pw,
      int sh,
      int sw,
      String poolPad) {
    return tf.scope()
        .opBuilder(NativeOps.CONV_MAX_POOL, "fused")
        .addInput(x.asOutput())
        .addInput(k.asOutput())
        .addInput(b.asOutput())
        .setAttr("conv_same", convPad.equals("SAME"))
        .setAttr("relu", relu)
        .setAttr("ksize", new long[] {ph, pw})
        .setAttr("strides", new long[] {sh, sw})
        .setAttr("pool_same", poolPad.equals("SAME"))
        .build()
        .<TFloat32>output(0);
  }

  /** Runs the fused op on fed shapes; returns the output's shape. */
  private static long[] runFed(long[] xShape, long[] kShape, long[] bShape, String convPad) {
    try (Graph g = new Graph();
        Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> x = tf.placeholder(TFloat32.class);
      Placeholder<TFloat32> k = tf.placeholder(TFloat32.class);
      Placeholder<TFloat32> b = tf.placeholder(TFloat32.class);
      Operand<TFloat32> y = fused(tf, x, k, b, convPad, true, 2, 2, 2, 2, "VALID");
      try (TFloat32 xt = TFloat32.tensorOf(Shape.of(xShape));
          TFloat32 kt = TFloat32.tensorOf(Shape.of(kShape));
          TFloat32 bt = TFloat32.tensorOf(Shape.of(bShape));
          Result r = s.runner().feed(x, xt).feed(k, kt).feed(b, bt).fetch(y).run()) {
        return r.get(0).shape().asArray();
      }
    }
  }

  @Test
  void emptyBatch_emptyOutputOfTheRightShape() {
    assertArrayEquals(
        new long[] {0, 3, 3, 8},
        runFed(new long[] {0, 8, 8, 1}, new long[] {3, 3, 1, 8}, new long[] {8}, "VALID"));
  }

  @Test
  void badShapes_clearErrors_noCrash() {
    Exception e =
        assertThrows(
            RuntimeException.class,
            () ->
                runFed(new long[] {2, 8, 8, 3}, new long[] {3, 3, 1, 8}, new long[] {8}, "VALID"));
    assertTrue(
        e.getMessage()
            .contains(
                "JerasConvMaxPool: expected a filter [kh, kw, 3, f] for"
                    + " an input of 3 channels; got a filter [3, 3, 1, 8]"),
        e.getMessage());
    e =
        assertThrows(
            RuntimeException.class,
            () ->
                runFed(new long[] {2, 8, 8, 1}, new long[] {3, 3, 1, 8}, new long[] {4}, "VALID"));
    assertTrue(
        e.getMessage()
            .contains(
                "expected a bias [8] for a filter of 8 outputs; got a bias"
                    + " of rank 1, first dimension 4"),
        e.getMessage());
    e =
        assertThrows(
            RuntimeException.class,
            () ->
                runFed(new long[] {2, 3, 3, 1}, new long[] {3, 3, 1, 8}, new long[] {8}, "VALID"));
    assertTrue(
        e.getMessage()
            .contains(
                "an input of 3 x 3 is too small for a 3 x 3 convolution"
                    + " (VALID) and a 2 x 2 pool (VALID)"),
        e.getMessage());
    e =
        assertThrows(
            RuntimeException.class,
            () -> runFed(new long[] {8, 8, 1}, new long[] {3, 3, 1, 8}, new long[] {8}, "SAME"));
    assertTrue(
        e.getMessage()
            .contains("expected an input of rank 4 and a filter of rank 4; got" + " ranks 3 and 4"),
        e.getMessage());
    // still usable after the errors
    assertArrayEquals(
        new long[] {2, 4, 4, 8},
        runFed(new long[] {2, 8, 8, 1}, new long[] {3, 3, 1, 8}, new long[] {8}, "SAME"));
  }

  /** Conv2D + BiasAdd [+ Relu] on a placeholder, then the DSL's fused pool where it applies. */
  private static Operand<TFloat32> dslPool(
      Ops tf,
      long channels,
      long filters,
      long convStride,
      boolean relu,
      int[] pool,
      int[] strides) {
    Operand<TFloat32> x =
        tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 12, 12, channels)));
    Operand<TFloat32> k =
        constant(tf, random((int) (9 * channels * filters), 4), 3, 3, channels, filters);
    Operand<TFloat32> y =
        tf.nn.biasAdd(
            tf.nn.conv2d(
                x, k, List.of(1L, convStride, convStride, 1L), "VALID", Conv2d.dataFormat("NHWC")),
            tf.constant(random((int) filters, 5)));
    if (relu) {
      y = tf.nn.relu(y);
    }
    return NativeOps.inferenceConvMaxPool(tf, y, pool, strides, "VALID");
  }

  @Test
  void inferenceConvMaxPool_appliesOnlyWhereItFits() {
    assumeTrue(NativeOps.available(), NativeOps::unavailableReason);
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> y = dslPool(tf, 1, 16, 1, true, new int[] {2, 2}, new int[] {2, 2});
      assertNotNull(y);
      assertArrayEquals(new long[] {-1, 5, 5, 16}, y.shape().asArray(), "static shape kept");
      GraphOperation op = (GraphOperation) ((GraphOperation) y.op()).input(0).op(); // reshape
      assertEquals(NativeOps.CONV_MAX_POOL, op.type());
      assertTrue(op.attributes().getAttrBool("relu"));
      assertNotNull(
          dslPool(tf, 3, 8, 1, false, new int[] {2, 2}, new int[] {2, 2}),
          "27-long patch, no ReLU");
      assertNull(
          dslPool(tf, 4, 16, 1, true, new int[] {2, 2}, new int[] {2, 2}),
          "36-long patch: TensorFlow's kernels");
      assertNull(
          dslPool(tf, 1, 12, 1, true, new int[] {2, 2}, new int[] {2, 2}),
          "12 filters: not a multiple of 8");
      assertNull(
          dslPool(tf, 1, 16, 2, true, new int[] {2, 2}, new int[] {2, 2}), "strided convolution");
      assertNull(
          dslPool(tf, 1, 16, 1, true, new int[] {3, 3}, new int[] {2, 2}), "overlapping windows");
      System.setProperty(NativeOps.PROPERTY, "off");
      assertNull(dslPool(tf, 1, 16, 1, true, new int[] {2, 2}, new int[] {2, 2}), "turned off");
    }
  }

  @Test
  void inferenceConvMaxPool_sameValuesAsTheOpsItReplaces() {
    assumeTrue(NativeOps.available(), NativeOps::unavailableReason);
    try (Graph g = new Graph();
        Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> x =
          tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 12, 12, 2)));
      Operand<TFloat32> k = constant(tf, random(9 * 2 * 16, 6), 3, 3, 2, 16);
      Operand<TFloat32> conv =
          tf.nn.relu(
              tf.nn.biasAdd(
                  tf.nn.conv2d(x, k, List.of(1L, 1L, 1L, 1L), "SAME", Conv2d.dataFormat("NHWC")),
                  tf.constant(random(16, 7))));
      int[] two = {2, 2};
      Operand<TFloat32> want =
          tf.nn.maxPool(
              conv,
              tf.constant(new int[] {1, 2, 2, 1}),
              tf.constant(new int[] {1, 2, 2, 1}),
              "VALID");
      Operand<TFloat32> got = NativeOps.inferenceConvMaxPool(tf, conv, two, two, "VALID");
      assertNotNull(got);
      try (Tensor in = Tensors.floats(random(5 * 144 * 2, 8), 0, 5, 12, 12, 2);
          Result r = s.runner().feed(x, (TFloat32) in).fetch(want).fetch(got).run()) {
        assertArrayEquals(new long[] {5, 6, 6, 16}, r.get(1).shape().asArray());
        Fixtures.assertClose(Tensors.toFloats(r.get(1)), Tensors.toFloats(r.get(0)), 1e-5, 1e-5);
      }
    }
  }
}

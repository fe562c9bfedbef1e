package dev.jeras.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jeras.backend.NativeIsa;
import dev.jeras.internal.Tensors;
import dev.jeras.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.nn.Conv2d;
import org.tensorflow.types.TFloat32;

/**
 * jeras' native fused convolution + bias [+ ReLU] + max-pool op and its training form, built
 * directly, against TensorFlow's Conv2D, BiasAdd, Relu and MaxPool on the same inputs in one graph,
 * once per copy of the loops this CPU runs ({@code isa} attribute): paddings, odd sizes, partial
 * pool windows, channel counts that use each code path (blocks of 16, of 8, single channels), long
 * patches (the register-blocked loops: blocks of 32, 16 and 8 filters, 1 to 3 windows at a time;
 * for training blocks of 64, 32, 16 and 8 filters and channels, tap counts that leave a tail),
 * batches large enough to split over threads; gradients; errors on bad shapes and ISAs. On Linux
 * x86-64 a missing library fails every test here.
 */
class NativeKernelsTest {

  @BeforeAll
  static void loaded() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "");
    assumeTrue(
        os.startsWith("linux") && (arch.equals("amd64") || arch.equals("x86_64")),
        "the native kernels are built for Linux x86-64 only");
    assertTrue(NativeKernels.loaded(), () -> "not loaded: " + NativeKernels.notLoadedReason());
  }

  private static final String[] FORWARD = {
    // n, h, w, c, kh, kw, f, conv padding, relu, ph, pw, sh, sw, pool padding
    "3, 28, 28, 1, 3, 3, 32, VALID, true, 2, 2, 2, 2, VALID", // MNIST's first layer
    "64, 28, 28, 1, 3, 3, 32, VALID, true, 2, 2, 2, 2, VALID", // several threads
    "2, 27, 29, 3, 3, 3, 16, SAME, true, 2, 2, 2, 2, SAME", // padded borders, partial windows
    "2, 20, 17, 1, 5, 5, 40, VALID, false, 3, 3, 3, 3, VALID", // negative maxima, 16 + 16 + 8
    "2, 9, 11, 2, 2, 3, 13, VALID, true, 1, 2, 1, 3, VALID", // 8 + 5 single channels
    "3, 7, 8, 4, 1, 1, 24, SAME, false, 2, 2, 3, 3, SAME", // 1x1 kernel, windows 3 apart
    "2, 13, 13, 2, 3, 3, 16, SAME, true, 3, 3, 2, 2, SAME", // overlapping windows
    "1, 5, 5, 1, 5, 5, 8, VALID, true, 1, 1, 1, 1, VALID", // kernel as large as the input
    // long patches (more than MAX_PATCH): the register-blocked inference loops
    "4, 13, 13, 32, 3, 3, 64, VALID, true, 2, 2, 2, 2, VALID", // MNIST's second layer
    "64, 13, 13, 32, 3, 3, 64, VALID, true, 2, 2, 2, 2, VALID", // several threads
    "2, 13, 11, 20, 3, 3, 40, SAME, true, 2, 2, 2, 2, SAME", // padded, partial windows, 32 + 8
    "2, 9, 12, 5, 3, 3, 24, VALID, false, 2, 2, 2, 2, SAME", // 16 + 8 filters, no ReLU
    "3, 10, 10, 12, 3, 3, 8, SAME, true, 2, 2, 2, 2, VALID", // 8 filters, 5 windows a row
    "2, 8, 15, 7, 5, 5, 16, SAME, true, 2, 2, 3, 3, SAME", // windows 3 apart, 16 filters
    "2, 12, 18, 9, 2, 4, 48, VALID, true, 2, 2, 2, 2, VALID", // kh != kw, 32 + 16, 7 a row
    "2, 11, 11, 16, 3, 3, 24, VALID, true, 3, 3, 3, 3, VALID", // 3x3 windows: the taps loops
  };

  /** Each geometry once per copy of the loops this CPU runs. */
  static Stream<Arguments> forward() {
    return cases(FORWARD);
  }

  /** Long patches in training: the register-blocked gradient loops, and where they decline. */
  private static final String[] LONG_GRADIENTS = {
    "4, 13, 13, 32, 3, 3, 64, VALID, true, 2, 2, 2, 2, VALID", // MNIST's second layer
    "64, 13, 13, 32, 3, 3, 64, VALID, true, 2, 2, 2, 2, VALID", // several threads
    "2, 13, 11, 16, 3, 3, 40, SAME, true, 2, 2, 2, 2, SAME", // padded, partial windows, 32 + 8
    "2, 9, 12, 8, 3, 3, 24, VALID, false, 2, 2, 2, 2, SAME", // no ReLU, 16 + 8 filters
    "2, 12, 18, 8, 1, 5, 64, VALID, true, 2, 2, 2, 2, VALID", // 40 taps: blocks of 6, then 4
    "2, 10, 14, 40, 3, 3, 72, SAME, true, 2, 2, 2, 2, VALID", // 32 + 8 channels, 64 + 8 filters
    "2, 8, 15, 24, 3, 3, 16, SAME, true, 2, 2, 3, 3, SAME", // windows 3 apart: gaps, 16 + 8
    "2, 11, 11, 16, 3, 3, 24, VALID, true, 3, 3, 3, 3, VALID", // 3x3 windows
    "2, 9, 9, 20, 3, 3, 16, VALID, true, 2, 2, 2, 2, VALID", // 20 channels: short input loops
    // no pool (1x1, stride 1): a convolution + bias [+ ReLU], by rows of pixels
    "2, 12, 12, 32, 3, 3, 32, SAME, true, 1, 1, 1, 1, VALID", // CIFAR's 32 -> 32
    "2, 9, 13, 64, 3, 3, 64, SAME, true, 1, 1, 1, 1, VALID", // 64 channels, rows of 6 + 6 + 1
    "2, 10, 11, 16, 3, 3, 40, VALID, false, 1, 1, 1, 1, VALID", // no ReLU, 32 + 8 filters
    "2, 8, 8, 3, 3, 3, 16, SAME, true, 1, 1, 1, 1, VALID", // short patch: the taps loops
  };

  static Stream<Arguments> gradients() {
    List<String> l = new ArrayList<>(List.of(FORWARD).subList(0, 6));
    l.addAll(List.of(LONG_GRADIENTS));
    return cases(l.toArray(String[]::new));
  }

  private static Stream<Arguments> cases(String[] geometries) {
    List<Arguments> l = new ArrayList<>();
    for (NativeIsa isa : KernelParityTest.isas()) {
      for (String g : geometries) {
        l.add(Arguments.of(isa, g));
      }
    }
    return l.stream();
  }

  private static int[] ints(String g) {
    String[] p = g.split(",\\s*");
    int[] v = new int[p.length];
    for (int i = 0; i < p.length; i++) {
      v[i] = p[i].matches("-?\\d+") ? Integer.parseInt(p[i]) : 0;
    }
    return v;
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

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("forward")
  void matchesTensorFlowsOps(NativeIsa isa, String geometry) {
    int[] v = ints(geometry);
    String[] p = geometry.split(",\\s*");
    int n = v[0];
    int h = v[1];
    int w = v[2];
    int c = v[3];
    int kh = v[4];
    int kw = v[5];
    int f = v[6];
    String convPad = p[7];
    boolean relu = Boolean.parseBoolean(p[8]);
    int ph = v[9];
    int pw = v[10];
    int sh = v[11];
    int sw = v[12];
    String poolPad = p[13];
    try (Graph g = new Graph();
        Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = constant(tf, random(n * h * w * c, 1), n, h, w, c);
      float[] kernel = random(kh * kw * c * f, 2);
      if (kh * kw * c > NativeKernels.MAX_PATCH) { // sums of the size of the short cases
        for (int i = 0; i < kernel.length; i++) {
          kernel[i] /= (float) Math.sqrt(kh * kw * c / 9.0);
        }
      }
      Operand<TFloat32> k = constant(tf, kernel, kh, kw, c, f);
      Operand<TFloat32> b = tf.constant(random(f, 3));
      Operand<TFloat32> want =
          tf.nn.maxPool(
              convolution(tf, x, k, b, convPad, relu),
              tf.constant(new int[] {1, ph, pw, 1}),
              tf.constant(new int[] {1, sh, sw, 1}),
              poolPad);
      Operand<TFloat32> got =
          fused(
              tf,
              NativeKernels.CONV_MAX_POOL,
              isa,
              x,
              k,
              b,
              convPad,
              relu,
              ph,
              pw,
              sh,
              sw,
              poolPad);
      try (Result r = s.runner().fetch(want).fetch(got).run()) {
        assertArrayEquals(r.get(0).shape().asArray(), r.get(1).shape().asArray());
        float[] expected = Tensors.toFloats(r.get(0));
        assertTrue(expected.length > 0);
        Fixtures.assertClose(Tensors.toFloats(r.get(1)), expected, 1e-5, 1e-5);
      }
    }
  }

  @ParameterizedTest(name = "gradients, {0}: {1}")
  @MethodSource("gradients")
  void gradientsMatchTensorFlowsOps(NativeIsa isa, String geometry) {
    assertTrue(NativeKernels.trainable(), "gradient registered");
    int[] v = ints(geometry);
    String[] p = geometry.split(",\\s*");
    int n = v[0];
    int h = v[1];
    int w = v[2];
    int c = v[3];
    int kh = v[4];
    int kw = v[5];
    int f = v[6];
    String convPad = p[7];
    boolean relu = Boolean.parseBoolean(p[8]);
    int ph = v[9];
    int pw = v[10];
    int sh = v[11];
    int sw = v[12];
    String poolPad = p[13];
    try (Graph g = new Graph();
        Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = constant(tf, random(n * h * w * c, 11), n, h, w, c);
      float[] kernel = random(kh * kw * c * f, 12);
      if (kh * kw * c > NativeKernels.MAX_PATCH) { // sums of the size of the short cases
        for (int i = 0; i < kernel.length; i++) {
          kernel[i] /= (float) Math.sqrt(kh * kw * c / 9.0);
        }
      }
      Operand<TFloat32> k = constant(tf, kernel, kh, kw, c, f);
      Operand<TFloat32> b = tf.constant(random(f, 13));
      Operand<TFloat32> y = convolution(tf, x, k, b, convPad, relu);
      Operand<TFloat32> want =
          tf.nn.maxPool(
              y,
              tf.constant(new int[] {1, ph, pw, 1}),
              tf.constant(new int[] {1, sh, sw, 1}),
              poolPad);
      Operand<TFloat32> got =
          fused(
              tf, NativeKernels.WITH_ARGMAX, isa, x, k, b, convPad, relu, ph, pw, sh, sw, poolPad);
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
          for (float e : expected) {
            scale = Math.max(scale, Math.abs(e));
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
      String type,
      NativeIsa isa,
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
        .opBuilder(type, "fused")
        .addInput(x.asOutput())
        .addInput(k.asOutput())
        .addInput(b.asOutput())
        .setAttr("conv_same", convPad.equals("SAME"))
        .setAttr("relu", relu)
        .setAttr("ksize", new long[] {ph, pw})
        .setAttr("strides", new long[] {sh, sw})
        .setAttr("pool_same", poolPad.equals("SAME"))
        .setAttr("isa", isa.id())
        .build()
        .<TFloat32>output(0);
  }

  /** Runs the fused op on fed shapes; returns the output's shape. */
  private static long[] runFed(long[] xShape, long[] kShape, long[] bShape, String convPad) {
    return runFed(NativeIsa.AUTO, xShape, kShape, bShape, convPad);
  }

  private static long[] runFed(
      NativeIsa isa, long[] xShape, long[] kShape, long[] bShape, String convPad) {
    try (Graph g = new Graph();
        Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> x = tf.placeholder(TFloat32.class);
      Placeholder<TFloat32> k = tf.placeholder(TFloat32.class);
      Placeholder<TFloat32> b = tf.placeholder(TFloat32.class);
      Operand<TFloat32> y =
          fused(tf, NativeKernels.CONV_MAX_POOL, isa, x, k, b, convPad, true, 2, 2, 2, 2, "VALID");
      try (TFloat32 xt = TFloat32.tensorOf(Shape.of(xShape));
          TFloat32 kt = TFloat32.tensorOf(Shape.of(kShape));
          TFloat32 bt = TFloat32.tensorOf(Shape.of(bShape));
          Result r = s.runner().feed(x, xt).feed(k, kt).feed(b, bt).fetch(y).run()) {
        return r.get(0).shape().asArray();
      }
    }
  }

  /**
   * One kernel called with batches of changing sizes: the padded copy of the images it keeps from
   * call to call must not leak one call's values or zeros into the next.
   */
  @Test
  void paddedBufferKeptBetweenCalls_changingBatchSizes() {
    try (Graph g = new Graph();
        Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> x = tf.placeholder(TFloat32.class);
      Operand<TFloat32> k = constant(tf, random(3 * 3 * 16 * 16, 22), 3, 3, 16, 16);
      Operand<TFloat32> b = tf.constant(random(16, 23));
      Operand<TFloat32> want =
          tf.nn.maxPool(
              convolution(tf, x, k, b, "SAME", true),
              tf.constant(new int[] {1, 2, 2, 1}),
              tf.constant(new int[] {1, 2, 2, 1}),
              "VALID");
      Operand<TFloat32> got =
          fused(
              tf,
              NativeKernels.CONV_MAX_POOL,
              NativeIsa.AUTO,
              x,
              k,
              b,
              "SAME",
              true,
              2,
              2,
              2,
              2,
              "VALID");
      int seed = 30;
      for (int n : new int[] {3, 1, 5, 2}) {
        try (TFloat32 xt =
                TFloat32.tensorOf(
                    Shape.of(n, 9, 10, 16),
                    org.tensorflow.ndarray.buffer.DataBuffers.of(random(n * 9 * 10 * 16, seed++)));
            Result r = s.runner().feed(x, xt).fetch(want).fetch(got).run()) {
          Fixtures.assertClose(Tensors.toFloats(r.get(1)), Tensors.toFloats(r.get(0)), 1e-4, 1e-4);
        }
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

  @Test
  void isaTheCpuCannotRunOrUnknown_clearError() {
    if (!dev.jeras.backend.Devices.cpuFlagsOnce().contains("avx2")) {
      Exception e =
          assertThrows(
              RuntimeException.class,
              () ->
                  runFed(
                      NativeIsa.AVX2,
                      new long[] {1, 8, 8, 1},
                      new long[] {3, 3, 1, 8},
                      new long[] {8},
                      "VALID"));
      assertTrue(e.getMessage().contains("lacks AVX2"), e.getMessage());
    }
    Exception e =
        assertThrows(
            RuntimeException.class,
            () -> {
              try (Graph g = new Graph();
                  Session s = new Session(g)) {
                Ops tf = Ops.create(g);
                Operand<TFloat32> x =
                    tf.zeros(tf.constant(new long[] {1, 8, 8, 1}), TFloat32.class);
                Operand<TFloat32> k =
                    tf.zeros(tf.constant(new long[] {3, 3, 1, 8}), TFloat32.class);
                Operand<TFloat32> b = tf.zeros(tf.constant(new long[] {8}), TFloat32.class);
                Operand<TFloat32> y =
                    tf.scope()
                        .opBuilder(NativeKernels.CONV_MAX_POOL, "bad")
                        .addInput(x.asOutput())
                        .addInput(k.asOutput())
                        .addInput(b.asOutput())
                        .setAttr("conv_same", false)
                        .setAttr("relu", true)
                        .setAttr("ksize", new long[] {2, 2})
                        .setAttr("strides", new long[] {2, 2})
                        .setAttr("pool_same", false)
                        .setAttr("isa", "sse9")
                        .build()
                        .<TFloat32>output(0);
                s.runner().fetch(y).run().close();
              }
            });
    assertTrue(e.getMessage().contains("got 'sse9'"), e.getMessage());
  }

  /** One fused call of MNIST's first layer at batch 64, split into {@code threads} parts. */
  private static float[][] fusedAndReference(int threads, long seed) {
    try (Graph g = new Graph();
        Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = constant(tf, random(64 * 28 * 28, seed), 64, 28, 28, 1);
      Operand<TFloat32> k = constant(tf, random(9 * 32, seed + 1), 3, 3, 1, 32);
      Operand<TFloat32> b = tf.constant(random(32, seed + 2));
      Operand<TFloat32> want =
          tf.nn.maxPool(
              convolution(tf, x, k, b, "VALID", true),
              tf.constant(new int[] {1, 2, 2, 1}),
              tf.constant(new int[] {1, 2, 2, 1}),
              "VALID");
      Operand<TFloat32> got =
          tf.scope()
              .opBuilder(NativeKernels.CONV_MAX_POOL, "fused")
              .addInput(x.asOutput())
              .addInput(k.asOutput())
              .addInput(b.asOutput())
              .setAttr("conv_same", false)
              .setAttr("relu", true)
              .setAttr("ksize", new long[] {2, 2})
              .setAttr("strides", new long[] {2, 2})
              .setAttr("pool_same", false)
              .setAttr("threads", (long) threads)
              .build()
              .<TFloat32>output(0);
      try (Result r = s.runner().fetch(want).fetch(got).run()) {
        return new float[][] {Tensors.toFloats(r.get(0)), Tensors.toFloats(r.get(1))};
      }
    }
  }

  /**
   * Filter and bias gradients of one fixed call split into {@code threads} parts: {long-patch form,
   * short form}, each {filter, bias}.
   */
  private static float[][] filterGradients(int threads) {
    try (Graph g = new Graph();
        Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      float[][] out = new float[4][];
      // a no-pool convolution of 16 channels (long-patch loops), then MNIST's first layer (short)
      long[][] shapes = {{24, 12, 12, 16, 16, 1}, {24, 28, 28, 1, 32, 2}};
      for (int i = 0; i < 2; i++) {
        long[] d = shapes[i];
        int n = (int) (d[0] * d[1] * d[2] * d[3]);
        Operand<TFloat32> x = constant(tf, random(n, 50 + i), d[0], d[1], d[2], d[3]);
        Operand<TFloat32> k =
            constant(tf, random((int) (9 * d[3] * d[4]), 60 + i), 3, 3, d[3], d[4]);
        Operand<TFloat32> b = tf.constant(random((int) d[4], 70 + i));
        Operand<TFloat32> y =
            tf.scope()
                .opBuilder(NativeKernels.WITH_ARGMAX, "fused" + i)
                .addInput(x.asOutput())
                .addInput(k.asOutput())
                .addInput(b.asOutput())
                .setAttr("conv_same", true)
                .setAttr("relu", true)
                .setAttr("ksize", new long[] {d[5], d[5]})
                .setAttr("strides", new long[] {d[5], d[5]})
                .setAttr("pool_same", false)
                .setAttr("threads", (long) threads)
                .build()
                .<TFloat32>output(0);
        long[] pooled = {d[0], d[1] / d[5], d[2] / d[5], d[4]}; // SAME convolution, then the pool
        Operand<TFloat32> r =
            constant(
                tf, random((int) (pooled[0] * pooled[1] * pooled[2] * pooled[3]), 80 + i), pooled);
        var grads =
            tf.gradients(
                tf.reduceSum(tf.math.mul(y, r), tf.constant(new int[] {0, 1, 2, 3})),
                List.of(k, b));
        try (Result res = s.runner().fetch(grads.dy(0)).fetch(grads.dy(1)).run()) {
          out[2 * i] = Tensors.toFloats(res.get(0));
          out[2 * i + 1] = Tensors.toFloats(res.get(1));
        }
      }
      return out;
    }
  }

  @Test
  void filterGradient_splitIntoParts_sameBitsEveryCall() throws Exception {
    assertTrue(NativeKernels.trainable(), "gradient registered");
    float[][] first = filterGradients(3);
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(2); // two calls at once share the pool
    try {
      List<java.util.concurrent.Future<float[][]>> calls = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        calls.add(pool.submit(() -> filterGradients(3)));
      }
      for (var c : calls) {
        float[][] again = c.get();
        for (int i = 0; i < first.length; i++) {
          assertArrayEquals(first[i], again[i], "gradient " + i + " differs between calls");
        }
      }
    } finally {
      pool.shutdown();
    }
    float[][] one = filterGradients(1); // one part: the same sums, added in another order
    for (int i = 0; i < first.length; i++) {
      Fixtures.assertClose(first[i], one[i], 1e-4, 1e-4);
    }
  }

  @Test
  void threadPool_moreParts_concurrentCalls_sameValues() throws Exception {
    for (int threads : new int[] {1, 3, 7}) {
      float[][] r = fusedAndReference(threads, 40 + threads);
      Fixtures.assertClose(r[1], r[0], 1e-5, 1e-5);
    }
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      List<java.util.concurrent.Future<float[][]>> calls = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        long seed = 100 + i;
        calls.add(pool.submit(() -> fusedAndReference(5, seed)));
      }
      for (var c : calls) {
        float[][] r = c.get();
        Fixtures.assertClose(r[1], r[0], 1e-5, 1e-5);
      }
    } finally {
      pool.shutdown();
    }
  }
}

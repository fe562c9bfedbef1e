package dev.jeras.backend.cpu;

import static dev.jeras.backend.cpu.RewriteHarness.input;
import static dev.jeras.backend.cpu.RewriteHarness.pinned;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.backend.EngineOptions;
import dev.jeras.backend.KernelSite;
import dev.jeras.backend.NativeIsa;
import dev.jeras.backend.StandardBackend;
import dev.jeras.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * Every kernel the CPU engine can put into a graph, pinned one at a time, against TensorFlow's
 * standard ops on the same inputs: outputs, and in training the gradients; and where each rule
 * declines. Runs on any CPU: every kernel is asked for explicitly, whatever this CPU's tuned choice
 * would be, and the native kernels once per instruction set this CPU runs.
 */
class KernelParityTest {
  private static final StandardBackend STD = StandardBackend.INSTANCE;

  /**
   * Every copy of the native kernels this CPU runs, each asked for by name (the op fails rather
   * than run another), so a copy the build has and the CPU runs cannot go untested.
   */
  static List<NativeIsa> isas() {
    List<NativeIsa> l = new ArrayList<>(List.of(NativeIsa.AUTO, NativeIsa.BASELINE));
    if (NativeKernels.runs(NativeIsa.AVX2)) {
      l.add(NativeIsa.AVX2);
    }
    if (NativeKernels.runs(NativeIsa.AVX512)) {
      l.add(NativeIsa.AVX512);
    }
    return l;
  }

  /** A [kh, kw, c, f] kernel scaled so that long patches give sums of the size of short ones. */
  private static RewriteHarness.Input scaledKernel(RewriteHarness.Input kernel) {
    long[] s = kernel.shape();
    double patch = s[0] * s[1] * s[2];
    if (patch > NativeKernels.MAX_PATCH) {
      for (int i = 0; i < kernel.values().length; i++) {
        kernel.values()[i] /= (float) Math.sqrt(patch / 9.0);
      }
    }
    return kernel;
  }

  /** The rewritten graph's output against TensorFlow's (atol 1e-5), and its gradients if asked. */
  private static void assertMatchesReference(
      RewriteHarness.Run r, double rtol, boolean gradients, double gradientRtol) {
    Fixtures.assertClose(r.y(), r.yRef(), 1e-5, rtol);
    if (gradients) {
      assertGradientsClose(r, gradientRtol);
    }
  }

  private static void assertGradientsClose(RewriteHarness.Run r, double rtol) {
    assertEquals(r.gRef().size(), r.g().size());
    for (int i = 0; i < r.g().size(); i++) {
      float[] want = r.gRef().get(i);
      double scale = 0;
      for (float v : want) {
        scale = Math.max(scale, Math.abs(v));
      }
      assertTrue(scale > 0, "gradient " + i + " is not all zeros");
      Fixtures.assertClose(r.g().get(i), want, rtol * scale, rtol);
    }
  }

  // ---- max pool in training: oneDNN's and jeras' gradients ----

  @ParameterizedTest(name = "{0}: n{1} {2}x{3}x{4}, pool {5}x{6}, strides ({7}, {8}), {9}")
  @CsvSource({
    "onednn, 3, 8, 8, 3, 2, 2, 2, 2, VALID",
    "onednn, 2, 11, 11, 4, 2, 2, 2, 2, VALID",
    "onednn, 2, 9, 9, 3, 2, 2, 2, 2, SAME",
    "onednn, 2, 8, 6, 2, 2, 3, 2, 3, SAME",
    "onednn, 2, 9, 9, 3, 3, 3, 2, 2, VALID",
    "onednn, 2, 9, 9, 3, 3, 3, 2, 2, SAME",
    "onednn, 2, 7, 7, 2, 2, 2, 1, 1, VALID",
    "onednn, 1, 4, 4, 2, 4, 4, 4, 4, VALID",
    "own, 3, 8, 8, 3, 2, 2, 2, 2, VALID",
    "own, 2, 11, 11, 4, 2, 2, 2, 2, VALID",
    "own, 2, 8, 8, 3, 2, 2, 2, 2, SAME",
    "own, 2, 9, 7, 3, 3, 3, 3, 3, VALID",
    "own, 2, 8, 6, 2, 2, 3, 2, 3, SAME",
    "own, 3, 7, 6, 5, 3, 2, 3, 2, VALID",
    "own, 1, 4, 4, 2, 4, 4, 4, 4, VALID",
    "own, 2, 5, 9, 3, 1, 2, 1, 2, VALID",
  })
  void trainingMaxPool_sameBitsAsTensorFlows(
      String kernel, int n, int h, int w, int c, int ph, int pw, int sh, int sw, String pad) {
    Random rng = new Random(11L * h + 5L * pw + c + sh);
    RewriteHarness.Input x =
        new RewriteHarness.Input(
            "x", new long[] {n, h, w, c}, Fixtures.ties(rng, n * h * w * c), true);
    RewriteHarness.Run r =
        RewriteHarness.run(
            List.of(x),
            (tf, in) -> STD.maxPool(tf, in.get("x"), new int[] {ph, pw}, new int[] {sh, sw}, pad),
            true,
            pinned(KernelSite.TRAIN_POOL, kernel, NativeIsa.AUTO));
    assertEquals(1, r.count(KernelSite.TRAIN_POOL, kernel), "the rewrite applied");
    assertArrayEquals(r.yRef(), r.y(), "pooled output");
    float[] want = r.gRef().get(0);
    float[] got = r.g().get(0);
    boolean overlap = ph > sh || pw > sw;
    for (int i = 0; i < want.length; i++) {
      if (overlap) { // an element in several windows sums their gradients in some order
        assertEquals(want[i], got[i], 1e-6 * Math.max(1, Math.abs(want[i])), "gradient[" + i + "]");
      } else {
        assertEquals(
            Float.floatToIntBits(want[i]),
            Float.floatToIntBits(got[i]),
            "gradient[" + i + "]: expected " + want[i] + ", got " + got[i]);
      }
    }
  }

  @ParameterizedTest(name = "own pool gradient declines {0}x{1} pool, strides ({2}, {3}), {4}")
  @CsvSource({"3, 3, 2, 2, VALID", "2, 2, 2, 2, SAME", "5, 5, 5, 5, VALID"})
  void ownPoolGradient_declinesWhereWindowsDoNotTile(int ph, int pw, int sh, int sw, String pad) {
    // overlapping windows; SAME over an odd size; more than 16 window positions
    Random rng = new Random(7);
    RewriteHarness.Run r =
        RewriteHarness.run(
            List.of(input("x", rng, true, 2, 9, 9, 3)),
            (tf, in) -> STD.maxPool(tf, in.get("x"), new int[] {ph, pw}, new int[] {sh, sw}, pad),
            true,
            pinned(KernelSite.TRAIN_POOL, "own", NativeIsa.AUTO));
    assertEquals(0, r.rewrite().applied().size());
    assertArrayEquals(r.gRef().get(0), r.g().get(0));
  }

  // ---- convolution + bias [+ ReLU]: oneDNN's, and jeras' gradients ----

  @ParameterizedTest(
      name = "{0}: n{1} {2}x{3}x{4} -> {5}, kernel {6}x{7}, strides ({8}, {9}), {10}")
  @CsvSource({
    "own, 2, 7, 9, 3, 4, 3, 3, 1, 1, SAME",
    "own, 2, 7, 9, 3, 4, 3, 3, 1, 1, VALID",
    "own, 2, 8, 8, 2, 3, 2, 2, 1, 1, SAME",
    "own, 2, 8, 8, 3, 2, 2, 2, 1, 1, SAME",
    "own, 2, 8, 6, 2, 3, 4, 3, 1, 1, SAME",
    "own, 2, 9, 9, 4, 6, 3, 3, 1, 1, VALID",
    "own, 2, 6, 7, 5, 2, 1, 1, 1, 1, VALID",
    "own, 3, 5, 5, 4, 2, 5, 5, 1, 1, SAME",
    "own, 1, 28, 28, 1, 8, 3, 3, 1, 1, VALID",
    "own, 4, 16, 16, 16, 16, 3, 3, 1, 1, SAME",
    "own, 2, 9, 9, 3, 4, 3, 3, 2, 2, SAME",
    "own, 2, 9, 8, 3, 4, 3, 2, 2, 1, VALID",
    "onednn, 3, 10, 10, 1, 8, 3, 3, 1, 1, VALID",
    "onednn, 3, 9, 9, 3, 4, 3, 3, 1, 1, SAME",
    "onednn, 3, 8, 7, 2, 5, 2, 4, 1, 1, SAME",
    "onednn, 3, 9, 9, 3, 6, 3, 3, 2, 2, SAME",
    "onednn, 3, 8, 8, 6, 4, 3, 3, 1, 1, VALID",
    "onednn, 3, 7, 9, 8, 8, 3, 3, 1, 1, SAME",
    "native, 2, 12, 12, 32, 32, 3, 3, 1, 1, SAME", // long patch: CIFAR's 32 -> 32
    "native, 2, 8, 9, 16, 24, 3, 3, 1, 1, VALID", // long patch, 16 + 8 filters
    "native, 2, 7, 9, 3, 16, 3, 3, 1, 1, SAME", // short patch
  })
  void trainingConvolution_gradientsMatchTensorFlows(
      String kernel,
      int n,
      int h,
      int w,
      int c,
      int f,
      int kh,
      int kw,
      int sh,
      int sw,
      String pad) {
    for (boolean relu : new boolean[] {false, true}) {
      Random rng = new Random(31L * h + 7L * c + f + (relu ? 1 : 0));
      RewriteHarness.Run r =
          RewriteHarness.run(
              List.of(
                  input("x", rng, true, n, h, w, c),
                  scaledKernel(input("k", rng, true, kh, kw, c, f)),
                  input("b", rng, true, f)),
              (tf, in) -> {
                Operand<TFloat32> y =
                    STD.biasAdd(
                        tf,
                        STD.conv2d(
                            tf,
                            in.get("x"),
                            in.get("k"),
                            new int[] {sh, sw},
                            pad,
                            new int[] {1, 1}),
                        in.get("b"));
                return relu ? STD.relu(tf, y) : y;
              },
              true,
              pinned(KernelSite.TRAIN_CONV, kernel, NativeIsa.AUTO));
      assertEquals(1, r.count(KernelSite.TRAIN_CONV, kernel), "the rewrite applied");
      assertMatchesReference(r, 1e-5, true, 1e-4);
    }
  }

  @ParameterizedTest(name = "own, no bias: n2 {0}x{1}x{2} -> {3}, kernel {4}x{4}, {5}")
  @CsvSource({"8, 8, 3, 4, 3, SAME", "9, 7, 4, 4, 3, VALID", "12, 12, 8, 16, 3, SAME"})
  void trainingConvolutionWithoutBias_ownGradientMatches(
      int h, int w, int c, int f, int k, String pad) {
    Random rng = new Random(h * 13L + f);
    RewriteHarness.Run r =
        RewriteHarness.run(
            List.of(input("x", rng, true, 2, h, w, c), input("k", rng, true, k, k, c, f)),
            (tf, in) ->
                STD.relu(
                    tf,
                    STD.conv2d(
                        tf, in.get("x"), in.get("k"), new int[] {1, 1}, pad, new int[] {1, 1})),
            true,
            pinned(KernelSite.TRAIN_CONV, "own", NativeIsa.AUTO));
    assertEquals(1, r.count(KernelSite.TRAIN_CONV, "own"));
    assertMatchesReference(r, 1e-5, true, 1e-4);
  }

  @ParameterizedTest(name = "inference {0}: {1}x{2}x{3} -> {4}, kernel {5}x{6}, stride {7}, {8}")
  @CsvSource({
    "onednn, 10, 10, 1, 8, 3, 3, 1, VALID",
    "onednn, 9, 9, 3, 4, 3, 3, 1, SAME",
    "onednn, 8, 7, 2, 5, 2, 4, 1, SAME",
    "onednn, 9, 9, 3, 6, 3, 3, 2, SAME",
    "onednn, 12, 12, 32, 64, 3, 3, 1, SAME",
    "native, 12, 12, 32, 64, 3, 3, 1, SAME", // long patch: rows of pixels
    "native, 9, 11, 20, 24, 3, 3, 1, SAME", // 20 channels, 16 + 8 filters
    "native, 10, 10, 1, 8, 3, 3, 1, VALID", // short patch
  })
  void inferenceConvolution_matchesTensorFlows(
      String kernel, int h, int w, int c, int f, int kh, int kw, int s, String pad) {
    Random rng = new Random(5L * h + c);
    RewriteHarness.Run r =
        RewriteHarness.run(
            List.of(
                input("x", rng, false, 3, h, w, c),
                scaledKernel(input("k", rng, false, kh, kw, c, f)),
                input("b", rng, false, f)),
            (tf, in) ->
                STD.relu(
                    tf,
                    STD.biasAdd(
                        tf,
                        STD.conv2d(
                            tf, in.get("x"), in.get("k"), new int[] {s, s}, pad, new int[] {1, 1}),
                        in.get("b"))),
            false,
            pinned(KernelSite.CONV, kernel, NativeIsa.AUTO));
    assertEquals(1, r.count(KernelSite.CONV, kernel));
    Fixtures.assertClose(r.y(), r.yRef(), 1e-4, 1e-5);
  }

  // ---- batch normalization ----

  @ParameterizedTest(name = "training {0}: ({1}, {2}, {3}, {4})")
  @CsvSource({
    "true, 8, 6, 6, 5",
    "true, 4, 3, 5, 16",
    "true, 16, 1, 1, 7",
    "false, 8, 6, 6, 5",
    "false, 4, 3, 5, 16"
  })
  void batchNorm_oneDnnMatchesTensorFlows(boolean training, int n, int h, int w, int c) {
    RewriteHarness.Run r =
        batchNorm(
            training,
            training,
            new Random(3L * h + c),
            n,
            h,
            w,
            c,
            pinned(
                training ? KernelSite.TRAIN_BATCH_NORM : KernelSite.BATCH_NORM,
                "onednn",
                NativeIsa.AUTO));
    assertEquals(1, r.rewrite().applied().size());
    assertMatchesReference(r, 1e-4, training, 1e-4);
  }

  @ParameterizedTest(name = "differentiated {0}: ({1}, {2}, {3}, {4})")
  @CsvSource({
    "false, 8, 6, 6, 5",
    "false, 4, 3, 5, 16",
    "true, 8, 6, 6, 5",
    "true, 16, 1, 1, 7",
  })
  void inferenceBatchNorm_affineMatchesTensorFlows(
      boolean differentiated, int n, int h, int w, int c) {
    // differentiated: a frozen layer inside a training pass, TensorFlow's op gradients
    RewriteHarness.Run r =
        batchNorm(
            false,
            differentiated,
            new Random(5L * h + c),
            n,
            h,
            w,
            c,
            pinned(KernelSite.BATCH_NORM, "affine", NativeIsa.AUTO));
    assertEquals(1, r.count(KernelSite.BATCH_NORM, "affine"), "the rewrite applied");
    assertMatchesReference(r, 1e-5, differentiated, 1e-5);
  }

  /**
   * A batch normalization of (n, h, w, c) with a different mean and spread per channel, in training
   * mode or inference mode (random statistics), run standard and prepared.
   */
  private static RewriteHarness.Run batchNorm(
      boolean training,
      boolean differentiated,
      Random rng,
      int n,
      int h,
      int w,
      int c,
      EngineOptions options) {
    RewriteHarness.Input x = input("x", rng, differentiated, n, h, w, c);
    float[] xv = x.values();
    for (int i = 0; i < xv.length; i++) {
      xv[i] = xv[i] * (1 + i % c) + (i % c) - 2;
    }
    List<RewriteHarness.Input> in =
        new ArrayList<>(
            List.of(
                x, input("gamma", rng, differentiated, c), input("beta", rng, differentiated, c)));
    if (!training) {
      in.add(input("mean", rng, false, c));
      float[] var = RewriteHarness.gaussian(rng, c);
      for (int i = 0; i < c; i++) {
        var[i] = Math.abs(var[i]) + 0.5f;
      }
      in.add(new RewriteHarness.Input("variance", new long[] {c}, var, false));
    }
    return RewriteHarness.run(
        in,
        (tf, v) ->
            STD.batchNorm(
                    tf,
                    v.get("x"),
                    v.get("gamma"),
                    v.get("beta"),
                    training ? null : v.get("mean"),
                    training ? null : v.get("variance"),
                    1e-3f,
                    training)
                .y(),
        differentiated,
        options);
  }

  // ---- convolution + bias [+ ReLU] + max pool: jeras' native kernel ----

  static Stream<Arguments> convPools() {
    List<Arguments> l = new ArrayList<>();
    String[] cases = {
      // n, h, w, c, kh, kw, f, conv padding, relu, ph, pw, sh, sw, pool padding
      "3 28 28 1 3 3 32 VALID true 2 2 2 2 VALID", // MNIST's first layer
      "48 28 28 1 3 3 32 VALID true 2 2 2 2 VALID", // enough work for several threads
      "2 27 29 3 3 3 16 SAME true 2 2 2 2 SAME", // SAME, odd sizes, partial windows
      "2 20 17 1 5 5 40 VALID false 3 3 3 3 VALID", // no ReLU, 40 filters (16 + 16 + 8)
      "3 7 8 4 1 1 24 SAME false 2 2 3 3 SAME", // 1x1 kernel, windows 3 apart
      "4 13 13 32 3 3 64 VALID true 2 2 2 2 VALID", // MNIST's second layer: long patch
      "2 13 11 16 3 3 40 SAME true 2 2 2 2 SAME", // long patch, SAME, odd sizes, 32 + 8 filters
    };
    String[] inferenceOnly = { // long patches of channels no multiple of 8: inference only
      "2 13 11 20 3 3 40 SAME true 2 2 2 2 SAME", // SAME, odd sizes, 20 channels, 32 + 8 filters
      "3 9 12 5 3 3 24 VALID false 2 2 2 2 SAME", // no ReLU, 16 + 8 filters, partial windows
    };
    for (NativeIsa isa : isas()) {
      for (boolean training : new boolean[] {false, true}) {
        for (String c : cases) {
          l.add(Arguments.of(isa, training, c));
        }
      }
      for (String c : inferenceOnly) {
        l.add(Arguments.of(isa, false, c));
      }
    }
    return l.stream();
  }

  @ParameterizedTest(name = "{0} training {1}: {2}")
  @MethodSource("convPools")
  void nativeConvPool_matchesTensorFlows(NativeIsa isa, boolean training, String geometry) {
    assertTrue(NativeKernels.loaded(), () -> "native kernels: " + NativeKernels.notLoadedReason());
    String[] p = geometry.split(" ");
    int n = Integer.parseInt(p[0]);
    int h = Integer.parseInt(p[1]);
    int w = Integer.parseInt(p[2]);
    int c = Integer.parseInt(p[3]);
    int kh = Integer.parseInt(p[4]);
    int kw = Integer.parseInt(p[5]);
    int f = Integer.parseInt(p[6]);
    boolean relu = Boolean.parseBoolean(p[8]);
    int[] pool = {Integer.parseInt(p[9]), Integer.parseInt(p[10])};
    int[] strides = {Integer.parseInt(p[11]), Integer.parseInt(p[12])};
    Random rng = new Random(n * 31L + f);
    KernelSite site = training ? KernelSite.TRAIN_CONV_POOL : KernelSite.CONV_POOL;
    RewriteHarness.Input kernel = scaledKernel(input("k", rng, true, kh, kw, c, f));
    RewriteHarness.Run r =
        RewriteHarness.run(
            List.of(input("x", rng, true, n, h, w, c), kernel, input("b", rng, true, f)),
            (tf, in) -> {
              Operand<TFloat32> y =
                  STD.biasAdd(
                      tf,
                      STD.conv2d(
                          tf, in.get("x"), in.get("k"), new int[] {1, 1}, p[7], new int[] {1, 1}),
                      in.get("b"));
              return STD.maxPool(tf, relu ? STD.relu(tf, y) : y, pool, strides, p[13]);
            },
            training,
            pinned(site, "native", isa));
    assertEquals(1, r.count(site, "native"), "the rewrite applied");
    assertMatchesReference(r, 1e-5, training, 1e-4);
  }

  @ParameterizedTest(name = "native declines: {0}")
  @CsvSource({
    "36-long patch in training, 4, 16, 1, 2, true",
    "12 filters, 1, 12, 1, 2, false",
    "strided convolution, 1, 16, 2, 2, false",
    "overlapping windows, 1, 16, 1, 3, false",
    "overlapping windows in training, 1, 16, 1, 3, true",
  })
  void nativeConvPool_declinesWhereItDoesNotFit(
      String why, int channels, int filters, int convStride, int pool, boolean training) {
    KernelSite site = training ? KernelSite.TRAIN_CONV_POOL : KernelSite.CONV_POOL;
    Random rng = new Random(3);
    RewriteHarness.Run r =
        RewriteHarness.run(
            List.of(
                input("x", rng, false, 2, 12, 12, channels),
                input("k", rng, false, 3, 3, channels, filters),
                input("b", rng, false, filters)),
            (tf, in) ->
                STD.maxPool(
                    tf,
                    STD.relu(
                        tf,
                        STD.biasAdd(
                            tf,
                            STD.conv2d(
                                tf,
                                in.get("x"),
                                in.get("k"),
                                new int[] {convStride, convStride},
                                "VALID",
                                new int[] {1, 1}),
                            in.get("b"))),
                    new int[] {pool, pool},
                    new int[] {2, 2},
                    "VALID"),
            training,
            pinned(site, "native", NativeIsa.AUTO));
    assertEquals(0, r.count(site, "native"), why);
    assertArrayEquals(r.yRef(), r.y());
  }

  // ---- batch normalization + max pool in training: oneDNN's ops and jeras' one-pass kernel ----

  static Stream<Arguments> batchNormPools() {
    String[] cases = {
      // n, h, w, c, pool h, pool w, stride h, stride w, padding
      "8 8 8 32 2 2 2 2 VALID", // CIFAR's blocks: windows tile the input
      "48 12 12 16 2 2 2 2 VALID", // enough work for several threads
      "3 7 9 13 2 2 2 2 VALID", // 8 + 5 channels; a row and column no window covers
      "2 7 9 3 2 2 2 2 SAME", // fewer than 8 channels; partial windows
      "2 9 8 24 3 3 3 3 SAME", // 3x3 windows, partial at the borders
      "2 8 10 8 2 2 3 3 VALID", // windows 3 apart: gaps
      "2 9 9 12 3 3 2 2 VALID", // overlapping windows: one maximum's gradient at a time
    };
    List<Arguments> l = new ArrayList<>();
    for (String c : cases) {
      l.add(Arguments.of("onednn", NativeIsa.AUTO, c));
      for (NativeIsa isa : isas()) {
        l.add(Arguments.of("native", isa, c));
      }
    }
    return l.stream();
  }

  @ParameterizedTest(name = "{0} {1}: {2}")
  @MethodSource("batchNormPools")
  void trainingBatchNormPool_matchesTensorFlows(String kernel, NativeIsa isa, String geometry) {
    String[] p = geometry.split(" ");
    int[] v = new int[8];
    for (int i = 0; i < v.length; i++) {
      v[i] = Integer.parseInt(p[i]);
    }
    String padding = p[8];
    int n = v[0];
    int h = v[1];
    int w = v[2];
    int c = v[3];
    Random rng = new Random(7L * h + c);
    RewriteHarness.Input x = input("x", rng, true, n, h, w, c);
    float[] xv = x.values();
    for (int i = 0; i < xv.length; i++) {
      xv[i] = xv[i] * (1 + i % c) + 3 * (i % c) - 5; // a different mean and spread per channel
    }
    RewriteHarness.Run r =
        RewriteHarness.run(
            List.of(x, input("gamma", rng, true, c), input("beta", rng, true, c)),
            (tf, in) ->
                STD.maxPool(
                    tf,
                    STD.batchNorm(
                            tf,
                            in.get("x"),
                            in.get("gamma"),
                            in.get("beta"),
                            null,
                            null,
                            1e-3f,
                            true)
                        .y(),
                    new int[] {v[4], v[5]},
                    new int[] {v[6], v[7]},
                    padding),
            true,
            pinned(KernelSite.TRAIN_BATCH_NORM_POOL, kernel, isa));
    assertEquals(1, r.count(KernelSite.TRAIN_BATCH_NORM_POOL, kernel), "the rewrite applied");
    assertMatchesReference(r, 1e-4, true, 1e-4);
  }

  // ---- dense layers in training: the input gradient as (W dy^T)^T ----

  @ParameterizedTest(name = "batch {0}: {1} -> {2}")
  @CsvSource({"8, 37, 13", "64, 300, 40", "1, 5, 3"})
  void trainingDense_transposedGradientMatchesTensorFlows(int batch, int k, int n) {
    Random rng = new Random(batch * 31L + k);
    RewriteHarness.Run r =
        RewriteHarness.run(
            List.of(input("x", rng, true, batch, k), input("w", rng, true, k, n)),
            (tf, in) -> STD.matmul(tf, in.get("x"), in.get("w")),
            true,
            pinned(KernelSite.TRAIN_DENSE, "transposed", NativeIsa.AUTO));
    assertEquals(1, r.count(KernelSite.TRAIN_DENSE, "transposed"), "the rewrite applied");
    assertArrayEquals(r.yRef(), r.y());
    assertGradientsClose(r, 1e-5);
  }
}

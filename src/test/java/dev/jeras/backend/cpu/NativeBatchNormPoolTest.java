package dev.jeras.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.backend.NativeIsa;
import dev.jeras.internal.Tensors;
import dev.jeras.testing.Fixtures;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Gradients;
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.types.TFloat32;

/**
 * jeras' native batch normalization + max pool op ({@link NativeKernels#BATCH_NORM_POOL}) built
 * directly: the batch statistics it hands the moving averages against FusedBatchNormV3's (also for
 * values far from zero, where plain sums of squares lose the variance), the same bits call after
 * call when split into parts, and clear errors on bad shapes. Its outputs and gradients against
 * TensorFlow's ops are in {@link KernelParityTest}.
 */
class NativeBatchNormPoolTest {

  @BeforeAll
  static void loaded() {
    NativeKernelsTest.loaded();
    assertTrue(NativeKernels.trainable(), "gradients registered");
  }

  static List<NativeIsa> isas() {
    return KernelParityTest.isas();
  }

  private static float[] values(int n, long seed, float mean, float spread) {
    Random r = new Random(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = mean + spread * (float) r.nextGaussian();
    }
    return v;
  }

  private static Operand<TFloat32> constant(Ops tf, float[] v, long... shape) {
    return tf.reshape(tf.constant(v), tf.constant(shape));
  }

  private static GraphOperation op(
      Ops tf,
      NativeIsa isa,
      int threads,
      Operand<TFloat32> x,
      Operand<TFloat32> scale,
      Operand<TFloat32> offset) {
    return (GraphOperation)
        tf.scope()
            .opBuilder(NativeKernels.BATCH_NORM_POOL, "bn_pool")
            .addInput(x.asOutput())
            .addInput(scale.asOutput())
            .addInput(offset.asOutput())
            .setAttr("epsilon", 1e-3f)
            .setAttr("ksize", new long[] {2, 2})
            .setAttr("strides", new long[] {2, 2})
            .setAttr("pool_same", false)
            .setAttr("isa", isa.id())
            .setAttr("threads", (long) threads)
            .build();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("isas")
  void batchStatistics_matchFusedBatchNorms_evenFarFromZero(NativeIsa isa) {
    int n = 24;
    int h = 6;
    int w = 8;
    int c = 11;
    for (float mean : new float[] {0f, 300f}) {
      try (Graph g = new Graph();
          Session s = new Session(g)) {
        Ops tf = Ops.create(g);
        Operand<TFloat32> x = constant(tf, values(n * h * w * c, 5, mean, 0.5f), n, h, w, c);
        Operand<TFloat32> scale = tf.constant(values(c, 6, 1f, 0.3f));
        Operand<TFloat32> offset = tf.constant(values(c, 7, 0f, 1f));
        FusedBatchNorm<TFloat32, TFloat32> ref =
            tf.nn.fusedBatchNorm(
                x,
                scale,
                offset,
                tf.constant(new float[0]),
                tf.constant(new float[0]),
                FusedBatchNorm.epsilon(1e-3f),
                FusedBatchNorm.dataFormat("NHWC"),
                FusedBatchNorm.isTraining(true));
        GraphOperation got = op(tf, isa, 0, x, scale, offset);
        try (Result r =
            s.runner()
                .fetch(ref.batchMean())
                .fetch(ref.batchVariance())
                .fetch(got.output(1))
                .fetch(got.output(2))
                .fetch(got.output(3))
                .run()) {
          float[] wantMean = Tensors.toFloats(r.get(0));
          float[] wantVar = Tensors.toFloats(r.get(1));
          Fixtures.assertClose(Tensors.toFloats(r.get(2)), wantMean, 1e-6 * (1 + mean), 1e-6);
          Fixtures.assertClose(Tensors.toFloats(r.get(3)), wantVar, 1e-5, 1e-3);
          float[] invStd = Tensors.toFloats(r.get(4));
          long count = (long) n * h * w;
          for (int k = 0; k < c; k++) { // from the biased variance
            double biased = wantVar[k] * (count - 1.0) / count;
            Fixtures.assertClose(
                new float[] {invStd[k]},
                new float[] {(float) (1 / Math.sqrt(biased + 1e-3))},
                1e-5,
                1e-3);
          }
        }
      }
    }
  }

  /** Pooled output and all three gradients of a 3-part call (threads = 3), as raw floats. */
  private static float[][] splitCall(Session s, GraphOperation fwd, List<Operand<?>> grads) {
    Session.Runner r = s.runner().fetch(fwd.output(0));
    grads.forEach(r::fetch);
    try (Result res = r.run()) {
      float[][] out = new float[res.size()][];
      for (int i = 0; i < out.length; i++) {
        out[i] = Tensors.toFloats(res.get(i));
      }
      return out;
    }
  }

  @Test
  void splitIntoParts_sameBitsEveryCall() throws Exception {
    int n = 30;
    int h = 12;
    int w = 12;
    int c = 16;
    try (Graph g = new Graph();
        Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = constant(tf, values(n * h * w * c, 8, 2f, 3f), n, h, w, c);
      Operand<TFloat32> scale = tf.constant(values(c, 9, 1f, 0.3f));
      Operand<TFloat32> offset = tf.constant(values(c, 10, 0f, 1f));
      GraphOperation fwd = op(tf, NativeIsa.AUTO, 3, x, scale, offset);
      Operand<TFloat32> dy = constant(tf, values(n * 6 * 6 * c, 11, 0f, 1f), n, 6, 6, c);
      var grads =
          tf.gradients(
              List.of(fwd.<TFloat32>output(0)),
              List.of(x, scale, offset),
              Gradients.dx(List.of(dy)));
      List<Operand<?>> dys = List.of(grads.dy(0), grads.dy(1), grads.dy(2));
      float[][] first = splitCall(s, fwd, dys);
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        for (int call = 0; call < 4; call++) {
          Future<float[][]> a = pool.submit(() -> splitCall(s, fwd, dys));
          Future<float[][]> b = pool.submit(() -> splitCall(s, fwd, dys));
          for (float[][] got : List.of(a.get(), b.get())) {
            for (int i = 0; i < first.length; i++) {
              assertArrayEquals(first[i], got[i], "output " + i + ", call " + call);
            }
          }
        }
      } finally {
        pool.shutdown();
      }
    }
  }

  @Test
  void badShapes_clearErrors_noCrash() {
    try (Graph g = new Graph();
        Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = constant(tf, values(2 * 4 * 4 * 3, 1, 0f, 1f), 2, 4, 4, 3);
      GraphOperation wrongScale =
          op(tf, NativeIsa.AUTO, 0, x, tf.constant(new float[4]), tf.constant(new float[3]));
      Exception e =
          assertThrows(RuntimeException.class, () -> s.runner().fetch(wrongScale.output(0)).run());
      assertTrue(
          e.getMessage().contains("expected scale of shape [3] for x of 3 channels")
              && e.getMessage().contains("first dimension 4"),
          e.getMessage());
      GraphOperation rank3 =
          op(
              tf,
              NativeIsa.AUTO,
              0,
              constant(tf, new float[12], 1, 4, 3),
              tf.constant(new float[3]),
              tf.constant(new float[3]));
      e = assertThrows(RuntimeException.class, () -> s.runner().fetch(rank3.output(0)).run());
      assertTrue(
          e.getMessage().contains("expected x of rank 4 (NHWC); got rank 3"), e.getMessage());
      GraphOperation tooSmall =
          op(
              tf,
              NativeIsa.AUTO,
              0,
              constant(tf, new float[3], 1, 1, 1, 3),
              tf.constant(new float[3]),
              tf.constant(new float[3]));
      e = assertThrows(RuntimeException.class, () -> s.runner().fetch(tooSmall.output(0)).run());
      assertTrue(e.getMessage().contains("does not fit a 2 x 2 pool (VALID)"), e.getMessage());
    }
  }
}

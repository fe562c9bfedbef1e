package dev.jeras.saving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.backend.EngineOptions;
import dev.jeras.backend.KernelPolicy;
import dev.jeras.backend.KernelSite;
import dev.jeras.backend.RewriteResult;
import dev.jeras.backend.cpu.CpuInferenceGraph;
import dev.jeras.data.FloatArray;
import dev.jeras.internal.Tensors;
import dev.jeras.layers.BatchNormalization;
import dev.jeras.layers.Conv2D;
import dev.jeras.layers.Dense;
import dev.jeras.layers.Flatten;
import dev.jeras.layers.Input;
import dev.jeras.layers.MaxPooling2D;
import dev.jeras.layers.SymbolicTensor;
import dev.jeras.models.Model;
import dev.jeras.testing.Fixtures;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.nn.Conv2d;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.types.TFloat32;

/**
 * {@link CpuInferenceGraph} through {@link LoadedSavedModel}, with kernels pinned in the options:
 * which convolutions move to oneDNN's kernel (those with a bias, with the ReLU where the bias'
 * result has no other use), which stay (no bias, a convolution whose result is used twice), when
 * the copy is declined (stateful ops, TensorFlow's kernels asked for, nothing to replace), batch
 * normalization of images on oneDNN too, convolutions followed by a max pool in jeras' fused kernel
 * (MaxPool and MaxPoolV2), the model's own inference graph making the same choices while its
 * exported graph keeps TensorFlow's standard ops, and that predictions agree with the model's own
 * within 1e-5.
 */
class CpuInferenceGraphTest {
  @TempDir Path tmp;

  private static final EngineOptions TENSORFLOW =
      EngineOptions.builtIn().withKernels(KernelPolicy.TENSORFLOW).withKernelCache(null);

  /** oneDNN's convolution and batch normalization wherever they apply. */
  private static final EngineOptions ONEDNN =
      TENSORFLOW.withKernel(KernelSite.CONV, "onednn").withKernel(KernelSite.BATCH_NORM, "onednn");

  /** jeras' fused convolution + max pool wherever it applies. */
  private static final EngineOptions NATIVE = TENSORFLOW.withKernel(KernelSite.CONV_POOL, "native");

  /** A model with every kind of convolution the copy meets. */
  private static Model model() {
    SymbolicTensor in = Input.shape(12, 12, 2);
    SymbolicTensor x = new Conv2D(8, 3).activation("relu").apply(in); // oneDNN, ReLU fused
    x = new Conv2D(3, 1).activation("tanh").apply(x); // oneDNN, bias only
    x = new Conv2D(4, 3).padding("same").useBias(false).activation("relu").apply(x); // no bias
    x = new BatchNormalization().apply(x);
    x = new Conv2D(6, 2).strides(2, 2).activation("relu").apply(x); // stride 2: oneDNN
    x = new MaxPooling2D().apply(x);
    x = new Conv2D(5, 3).padding("same").activation("relu").apply(x); // 54: oneDNN
    SymbolicTensor out = new Dense(4).activation("softmax").apply(new Flatten().apply(x));
    return new Model(in, out);
  }

  private static FloatArray input(int n, long... sample) {
    long size = n;
    for (long d : sample) {
      size *= d;
    }
    float[] v = new float[Math.toIntExact(size)];
    Random r = new Random(3);
    for (int i = 0; i < v.length; i++) {
      v[i] = r.nextFloat() * 2 - 1;
    }
    long[] shape = new long[sample.length + 1];
    shape[0] = n;
    System.arraycopy(sample, 0, shape, 1, sample.length);
    return FloatArray.of(v, shape);
  }

  /** What one export-and-load run saw. */
  private record Seen(
      float[] own,
      float[] loaded,
      RewriteResult copy,
      RewriteResult model,
      Map<String, Integer> exported) {
    long copy(KernelSite site, String kernel) {
      return copy.count(site, kernel);
    }

    long model(KernelSite site, String kernel) {
      return model.count(site, kernel);
    }

    int exportedJeras() {
      return exported.entrySet().stream()
          .filter(e -> e.getKey().startsWith("_Mkl") || e.getKey().startsWith("Jeras"))
          .mapToInt(Map.Entry::getValue)
          .sum();
    }
  }

  /** Predicts with the model (these options), exports it, loads it back (these options). */
  private Seen exportAndLoad(Model m, FloatArray x, EngineOptions options) {
    m.seed(7);
    m.engineOptions(options);
    float[] own = m.predict(x, 16).data();
    RewriteResult model = m.kernels();
    Path dir = tmp.resolve("sm" + System.nanoTime());
    SavedModels.export(m, dir);
    try (LoadedSavedModel loaded = LoadedSavedModel.load(dir, options)) {
      return new Seen(
          own,
          loaded.predict(x, 16).data(),
          loaded.kernels(),
          model,
          opCounts(loaded.bundle().graph()));
    }
  }

  private static Map<String, Integer> opCounts(Graph g) {
    Map<String, Integer> ops = new HashMap<>();
    g.operations().forEachRemaining(o -> ops.merge(((GraphOperation) o).type(), 1, Integer::sum));
    return ops;
  }

  private static Map<String, Integer> opCounts(GraphDef g) {
    Map<String, Integer> ops = new HashMap<>();
    g.getNodeList().forEach(n -> ops.merge(n.getOp(), 1, Integer::sum));
    return ops;
  }

  private static long[][] shape(Tensor t) {
    return new long[][] {t.shape().asArray()};
  }

  private static int count(Graph g, String type) {
    return opCounts(g).getOrDefault(type, 0);
  }

  @Test
  void convolutionsWithBias_runOnOneDnn_predictionsAgree() {
    FloatArray x = input(37, 12, 12, 2); // 16 + 16 + 5: two batch shapes
    Seen seen;
    try (Model m = model()) {
      seen = exportAndLoad(m, x, ONEDNN);
    }
    Fixtures.assertClose(seen.loaded(), seen.own(), 1e-5, 1e-5);
    assertEquals(4, seen.copy(KernelSite.CONV, "onednn"), "the four with a bias, not the other");
    // the normalization follows a ReLU: exported as its affine map, no op left to replace
    assertEquals(0, seen.exported().getOrDefault("FusedBatchNormV3", 0), "exported as affine");
    assertEquals(1, seen.exported().getOrDefault("Rsqrt", 0), "exported as affine");
    assertEquals(0, seen.copy(KernelSite.BATCH_NORM, "onednn"));
    assertEquals(4, seen.model(KernelSite.CONV, "onednn"), "the model's own graph: the same");
    assertEquals(1, seen.model(KernelSite.BATCH_NORM, "onednn"));
    assertEquals(0, seen.exportedJeras(), "the exported graph holds TensorFlow's ops only");
  }

  @Test
  void tensorflowKernels_graphRunsAsLoaded_samePredictions() {
    FloatArray x = input(20, 12, 12, 2);
    Seen seen;
    try (Model m = model()) {
      seen = exportAndLoad(m, x, TENSORFLOW);
    }
    assertEquals(0, seen.copy().applied().size());
    assertEquals(0, seen.model().applied().size());
    Fixtures.assertClose(seen.loaded(), seen.own(), 1e-6, 1e-6);
  }

  @Test
  void nothingThePinnedKernelsFit_graphRunsAsLoaded() {
    SymbolicTensor in = Input.shape(8, 8, 4);
    SymbolicTensor h = new Conv2D(4, 3).useBias(false).activation("relu").apply(in);
    SymbolicTensor out = new Dense(2).activation("softmax").apply(new Flatten().apply(h));
    Seen seen;
    try (Model m = new Model(in, out)) {
      seen = exportAndLoad(m, input(9, 8, 8, 4), ONEDNN);
    }
    assertEquals(0, seen.copy().applied().size());
    Fixtures.assertClose(seen.loaded(), seen.own(), 1e-6, 1e-6);
  }

  @Test
  void convolutionThenMaxPool_runInJerasFusedKernel_predictionsAgree() {
    SymbolicTensor in = Input.shape(14, 14, 3);
    SymbolicTensor x = new Conv2D(16, 3).activation("relu").apply(in); // 27-long patch
    x = new MaxPooling2D().apply(x); // fused with the convolution: 6x6x16
    x = new Conv2D(8, 1).apply(x); // 16-long, bias only
    x = new MaxPooling2D(2, 2).padding("same").apply(x); // fused, no ReLU: 3x3x8
    x = new Conv2D(8, 3).padding("same").activation("relu").apply(x); // 72-long patch
    x = new MaxPooling2D(3, 3).apply(x); // fused too: long patches are fused for inference
    SymbolicTensor out = new Dense(3).activation("softmax").apply(new Flatten().apply(x));
    FloatArray data = input(21, 14, 14, 3);
    Seen seen;
    try (Model m = new Model(in, out)) {
      seen = exportAndLoad(m, data, NATIVE);
    }
    Fixtures.assertClose(seen.loaded(), seen.own(), 1e-5, 1e-5);
    assertEquals(3, seen.copy(KernelSite.CONV_POOL, "native"), "all three convolutions");
    assertEquals(3, seen.model(KernelSite.CONV_POOL, "native"), "the model's own graph: the same");
    assertEquals(0, seen.exportedJeras(), "the exported graph holds TensorFlow's ops only");
  }

  @Test
  void handGraph_maxPoolV1AfterConvolution_fused() {
    try (Graph g = new Graph();
        Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x =
          tf.withName("x")
              .placeholder(
                  TFloat32.class, Placeholder.shape(org.tensorflow.ndarray.Shape.of(-1, 9, 9, 1)));
      float[] k = new float[9 * 8];
      for (int i = 0; i < k.length; i++) {
        k[i] = (i % 11 - 5) / 7f;
      }
      var kv = tf.variable(tf.reshape(tf.constant(k), tf.constant(new long[] {3, 3, 1, 8})));
      var bv = tf.variable(tf.constant(new float[] {0.1f, -0.2f, 0.3f, 0f, 0.5f, -1f, 0f, 2f}));
      Operand<TFloat32> conv =
          tf.nn.relu(
              tf.nn.biasAdd(
                  tf.nn.conv2d(x, kv, List.of(1L, 1L, 1L, 1L), "VALID", Conv2d.dataFormat("NHWC")),
                  bv));
      Operand<TFloat32> pooled =
          g.baseScope()
              .opBuilder("MaxPool", "pool")
              .addInput(conv.asOutput())
              .setAttr("ksize", new long[] {1, 2, 2, 1})
              .setAttr("strides", new long[] {1, 2, 2, 1})
              .setAttr("padding", "SAME")
              .build()
              .<TFloat32>output(0);
      tf.withName("y")
          .identity(tf.reduceSum(tf.math.square(pooled), tf.constant(new int[] {1, 2, 3})));
      s.initialize();
      float[] in = new float[3 * 81];
      for (int i = 0; i < in.length; i++) {
        in[i] = (float) Math.sin(0.7 * i);
      }
      try (TFloat32 t = Tensors.floats(in, 0, 3, 9, 9, 1);
          CpuInferenceGraph copy =
              CpuInferenceGraph.build(g, s, List.of("x:0"), List.of("y:0"), NATIVE);
          Result want = s.runner().feed("x:0", t).fetch("y:0").run()) {
        CpuInferenceGraph.Outputs got = copy.run(new float[][] {in}, new int[1], shape(t));
        assertEquals(1, copy.rewrite().count(KernelSite.CONV_POOL, "native"));
        Map<String, Integer> ops = opCounts(copy.rewrite().graph());
        assertEquals(1, ops.getOrDefault("JerasConvMaxPool", 0));
        assertEquals(0, ops.getOrDefault("MaxPool", 0) + ops.getOrDefault("Conv2D", 0));
        Fixtures.assertClose(got.values()[0], Tensors.toFloats(want.get(0)), 1e-5, 1e-5);
        // the same call state serves other batch sizes, then the first again
        CpuInferenceGraph.Outputs one =
            copy.run(new float[][] {in}, new int[] {81}, new long[][] {{1, 9, 9, 1}});
        assertArrayEquals(new long[] {1}, one.shapes()[0]);
        assertEquals(got.values()[0][1], one.values()[0][0], 0f);
        assertArrayEquals(
            got.values()[0], copy.run(new float[][] {in}, new int[1], shape(t)).values()[0]);
        // TensorFlow's refusal comes back as an exception with its message, not a crash
        IllegalArgumentException bad =
            assertThrows(
                IllegalArgumentException.class,
                () -> copy.run(new float[][] {in}, new int[1], new long[][] {{1, 9, 9, 2}}));
        assertTrue(bad.getMessage().contains("2 channels"), bad.getMessage());
      }
    }
  }

  @Test
  void closedCopy_refusesToRun() {
    try (Graph g = new Graph();
        Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x =
          tf.withName("x")
              .placeholder(
                  TFloat32.class, Placeholder.shape(org.tensorflow.ndarray.Shape.of(-1, 6, 6, 1)));
      var kv =
          tf.variable(
              tf.reshape(tf.constant(new float[9 * 8]), tf.constant(new long[] {3, 3, 1, 8})));
      var bv = tf.variable(tf.constant(new float[8]));
      Operand<TFloat32> conv =
          tf.nn.relu(
              tf.nn.biasAdd(
                  tf.nn.conv2d(x, kv, List.of(1L, 1L, 1L, 1L), "VALID", Conv2d.dataFormat("NHWC")),
                  bv));
      tf.withName("y")
          .nn
          .maxPool(
              conv,
              tf.constant(new int[] {1, 2, 2, 1}),
              tf.constant(new int[] {1, 2, 2, 1}),
              "VALID");
      s.initialize();
      CpuInferenceGraph copy =
          CpuInferenceGraph.build(g, s, List.of("x:0"), List.of("y:0"), NATIVE);
      assertNotNull(copy, "the hand graph's convolution and pool are replaced");
      float[] in = new float[36];
      assertEquals(
          2 * 2 * 8,
          copy.run(new float[][] {in}, new int[1], new long[][] {{1, 6, 6, 1}}).values()[0].length);
      copy.close();
      copy.close(); // twice is harmless
      assertThrows(
          IllegalStateException.class,
          () -> copy.run(new float[][] {in}, new int[1], new long[][] {{1, 6, 6, 1}}));
    }
  }

  /** Three convolutions by hand, weights in variables (see the comments). */
  private static float[] conv(Graph g, Session s, boolean stateful, int[] replaced) {
    Ops tf = Ops.create(g);
    Operand<TFloat32> x =
        tf.withName("x")
            .placeholder(
                TFloat32.class, Placeholder.shape(org.tensorflow.ndarray.Shape.of(-1, 6, 6, 1)));
    float[] k = new float[9 * 4];
    for (int i = 0; i < k.length; i++) {
      k[i] = (i % 7 - 3) / 5f;
    }
    var kv =
        tf.withName("kernel")
            .variable(tf.reshape(tf.constant(k), tf.constant(new long[] {3, 3, 1, 4})));
    var bv = tf.withName("bias").variable(tf.constant(new float[] {0.1f, -0.2f, 0.3f, 0f}));
    var unit = List.of(1L, 1L, 1L, 1L);
    // used once: replaced
    Operand<TFloat32> a =
        tf.nn.relu(
            tf.nn.biasAdd(tf.nn.conv2d(x, kv, unit, "VALID", Conv2d.dataFormat("NHWC")), bv));
    // the bias' result used twice: convolution and bias fused, the ReLU apart
    Operand<TFloat32> b =
        tf.nn.biasAdd(tf.nn.conv2d(x, kv, unit, "SAME", Conv2d.dataFormat("NHWC")), bv);
    Operand<TFloat32> b2 = tf.math.add(tf.nn.relu(b), b);
    // the convolution's result used twice: kept
    Operand<TFloat32> c =
        tf.nn.conv2d(x, kv, List.of(1L, 2L, 2L, 1L), "SAME", Conv2d.dataFormat("NHWC"));
    Operand<TFloat32> c2 = tf.math.mul(tf.nn.biasAdd(c, bv), c);
    var axes = tf.constant(new int[] {1, 2, 3});
    Operand<TFloat32> y =
        tf.math.add(
            tf.math.add(tf.reduceSum(a, axes), tf.reduceSum(b2, axes)), tf.reduceSum(c2, axes));
    if (stateful) {
      y = tf.math.add(y, tf.random.randomUniform(tf.constant(new long[] {1}), TFloat32.class));
    }
    y = tf.withName("y").identity(y);
    s.initialize();
    float[] in = new float[2 * 36];
    for (int i = 0; i < in.length; i++) {
      in[i] = (float) Math.cos(i);
    }
    try (TFloat32 t = Tensors.floats(in, 0, 2, 6, 6, 1)) {
      CpuInferenceGraph copy =
          CpuInferenceGraph.build(g, s, List.of("x:0"), List.of("y:0"), ONEDNN);
      if (copy == null) {
        replaced[0] = -1;
        return null;
      }
      try (copy;
          Result want = s.runner().feed("x:0", t).fetch("y:0").run()) {
        CpuInferenceGraph.Outputs got = copy.run(new float[][] {in}, new int[1], shape(t));
        replaced[0] = (int) copy.rewrite().count(KernelSite.CONV, "onednn");
        Map<String, Integer> ops = opCounts(copy.rewrite().graph());
        assertEquals(2, ops.getOrDefault("_MklNativeFusedConv2D", 0));
        assertEquals(1, ops.getOrDefault("Conv2D", 0));
        assertEquals(0, ops.getOrDefault("VariableV2", 0), "weights frozen as constants");
        float[] w = Tensors.toFloats(want.get(0));
        Fixtures.assertClose(got.values()[0], w, 1e-5, 1e-6);
        return w;
      }
    }
  }

  @Test
  void handGraph_reluAndBiasFusedWhereUsedOnce_variablesFrozen() {
    int[] replaced = new int[1];
    try (Graph g = new Graph();
        Session s = new Session(g)) {
      assertNotNull(conv(g, s, false, replaced));
    }
    assertEquals(2, replaced[0]);
  }

  @Test
  void nothingToReplace_flatCopyStillRuns_andAgrees() {
    try (Graph g = new Graph();
        Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x =
          tf.withName("x")
              .placeholder(
                  TFloat32.class, Placeholder.shape(org.tensorflow.ndarray.Shape.of(-1, 3)));
      var w = tf.variable(tf.constant(new float[][] {{1, 2}, {3, 4}, {5, 6}}));
      tf.withName("y").math.tanh(tf.linalg.matMul(x, w));
      s.initialize();
      float[] in = {0.1f, -0.2f, 0.3f, 0.5f, 0.25f, -1f};
      try (CpuInferenceGraph copy =
              CpuInferenceGraph.build(g, s, List.of("x:0"), List.of("y:0"), NATIVE);
          TFloat32 t = Tensors.floats(in, 0, 2, 3);
          Result want = s.runner().feed("x:0", t).fetch("y:0").run()) {
        assertNotNull(copy, "a graph without a replaceable site still gets its flat copy");
        assertTrue(copy.rewrite().applied().isEmpty());
        assertEquals(0, opCounts(copy.rewrite().graph()).getOrDefault("VariableV2", 0));
        Fixtures.assertClose(
            copy.run(new float[][] {in}, new int[1], shape(t)).values()[0],
            Tensors.toFloats(want.get(0)),
            1e-6,
            1e-6);
      }
    }
  }

  @Test
  void statefulOpOnThePath_declined() {
    int[] replaced = new int[1];
    try (Graph g = new Graph();
        Session s = new Session(g)) {
      assertNull(conv(g, s, true, replaced));
    }
    assertEquals(-1, replaced[0]);
  }
}

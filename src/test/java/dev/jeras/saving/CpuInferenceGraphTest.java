package dev.jeras.saving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jeras.data.FloatArray;
import dev.jeras.internal.CpuInferenceGraph;
import dev.jeras.internal.Devices;
import dev.jeras.internal.NativeOps;
import dev.jeras.internal.OneDnn;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.nn.Conv2d;
import org.tensorflow.types.TFloat32;

/**
 * {@link CpuInferenceGraph} through {@link LoadedSavedModel}: which convolutions move to oneDNN's
 * kernel (short patches followed by a bias, with the ReLU where the bias' result has no other use),
 * which stay (long patches, no bias, a convolution whose result is used twice), when the copy is
 * declined (stateful ops, oneDNN's kernels off, nothing to replace), batch normalization of images
 * on oneDNN too, short-patch convolutions followed by a max pool in jeras' fused kernel (MaxPool
 * and MaxPoolV2; with oneDNN on for the process too), the model's own inference graph making the
 * same choices while its exported graph keeps TensorFlow's standard ops, and that predictions agree
 * with the model's own within 1e-5.
 */
class CpuInferenceGraphTest {
  @TempDir Path tmp;

  @AfterEach
  void restoreDefault() {
    System.clearProperty(OneDnn.PROPERTY);
  }

  /** A model with every kind of convolution the copy meets. */
  private static Model model() {
    SymbolicTensor in = Input.shape(12, 12, 2);
    SymbolicTensor x = new Conv2D(8, 3).activation("relu").apply(in); // 18: oneDNN, ReLU fused
    x = new Conv2D(3, 1).activation("tanh").apply(x); // 8: oneDNN, bias only
    x = new Conv2D(4, 3).padding("same").useBias(false).activation("relu").apply(x); // no bias
    x = new BatchNormalization().apply(x);
    x = new Conv2D(6, 2).strides(2, 2).activation("relu").apply(x); // 16, stride 2: oneDNN
    x = new MaxPooling2D().apply(x);
    x = new Conv2D(5, 3).padding("same").activation("relu").apply(x); // 54: TensorFlow's
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

  /**
   * @param oneDnn receives the loaded copy's oneDNN convolutions and batch normalizations, the
   *     model's own inference graph's, and the exported graph's
   * @return the model's own predictions and the loaded SavedModel's
   */
  private float[][] exportAndLoad(Model m, FloatArray x, int[] oneDnn) {
    return exportAndLoad(m, x, oneDnn, new int[3]);
  }

  /**
   * @param fused receives the loaded copy's fused convolution + max pools, the model's own
   *     inference graph's, and the exported graph's
   */
  private float[][] exportAndLoad(Model m, FloatArray x, int[] oneDnn, int[] fused) {
    m.seed(7);
    float[] own = m.predict(x, 16).data();
    oneDnn[2] = count(m.engine().graph(), "_MklNativeFusedConv2D");
    oneDnn[3] = count(m.engine().graph(), "_MklNativeFusedBatchNormV3");
    fused[1] = count(m.engine().graph(), NativeOps.CONV_MAX_POOL);
    Path dir = tmp.resolve("sm" + System.nanoTime());
    SavedModels.export(m, dir);
    try (LoadedSavedModel loaded = LoadedSavedModel.load(dir)) {
      oneDnn[0] = loaded.oneDnnConvolutions();
      oneDnn[1] = loaded.oneDnnBatchNorms();
      fused[0] = loaded.fusedConvPools();
      Map<String, Integer> exported = opCounts(loaded.bundle().graph());
      oneDnn[4] =
          exported.entrySet().stream()
              .filter(e -> e.getKey().startsWith("_Mkl"))
              .mapToInt(Map.Entry::getValue)
              .sum();
      fused[2] = exported.getOrDefault(NativeOps.CONV_MAX_POOL, 0);
      return new float[][] {own, loaded.predict(x, 16).data()};
    }
  }

  private static Map<String, Integer> opCounts(Graph g) {
    Map<String, Integer> ops = new HashMap<>();
    g.operations().forEachRemaining(o -> ops.merge(((GraphOperation) o).type(), 1, Integer::sum));
    return ops;
  }

  private static int count(Graph g, String type) {
    return opCounts(g).getOrDefault(type, 0);
  }

  private static boolean perOp() {
    return !Devices.oneDnnOn() && !Devices.gpuUsable();
  }

  @Test
  void shortPatchConvolutionsWithBias_runOnOneDnn_predictionsAgree() {
    FloatArray x = input(37, 12, 12, 2); // 16 + 16 + 5: two batch shapes
    int[] oneDnn = new int[5];
    float[][] p;
    try (Model m = model()) {
      p = exportAndLoad(m, x, oneDnn);
    }
    Fixtures.assertClose(p[1], p[0], 1e-5, 1e-5);
    assertEquals(
        perOp() ? 3 : 0,
        oneDnn[0],
        "18-, 8- and 16-long patches with a bias; not the bias-free nor the 54-long one");
    assertEquals(perOp() ? 1 : 0, oneDnn[1], "the one batch normalization (rank 4)");
    assertEquals(oneDnn[0], oneDnn[2], "the model's own inference graph makes the same choice");
    assertEquals(oneDnn[1], oneDnn[3]);
    assertEquals(0, oneDnn[4], "the exported graph holds TensorFlow's standard ops only");
  }

  @Test
  void oneDnnKernelsOff_graphRunsAsLoaded_samePredictions() {
    System.setProperty(OneDnn.PROPERTY, "off");
    FloatArray x = input(20, 12, 12, 2);
    int[] oneDnn = new int[5];
    float[][] p;
    try (Model m = model()) {
      p = exportAndLoad(m, x, oneDnn);
    }
    assertEquals(List.of(0, 0, 0, 0, 0), java.util.Arrays.stream(oneDnn).boxed().toList());
    Fixtures.assertClose(p[1], p[0], 1e-6, 1e-6);
  }

  @Test
  void onlyLongPatches_graphRunsAsLoaded() {
    SymbolicTensor in = Input.shape(8, 8, 4);
    SymbolicTensor h = new Conv2D(4, 3).activation("relu").apply(in); // 36
    SymbolicTensor out = new Dense(2).activation("softmax").apply(new Flatten().apply(h));
    int[] oneDnn = new int[5];
    float[][] p;
    try (Model m = new Model(in, out)) {
      p = exportAndLoad(m, input(9, 8, 8, 4), oneDnn);
    }
    assertEquals(List.of(0, 0, 0, 0, 0), java.util.Arrays.stream(oneDnn).boxed().toList());
    Fixtures.assertClose(p[1], p[0], 1e-6, 1e-6);
  }

  @Test
  void convolutionThenMaxPool_runInJerasFusedKernel_predictionsAgree() {
    assumeTrue(NativeOps.available(), NativeOps::unavailableReason);
    SymbolicTensor in = Input.shape(14, 14, 3);
    SymbolicTensor x = new Conv2D(16, 3).activation("relu").apply(in); // 27-long patch
    x = new MaxPooling2D().apply(x); // fused with the convolution: 6x6x16
    x = new Conv2D(8, 1).apply(x); // 16-long, bias only
    x = new MaxPooling2D(2, 2).padding("same").apply(x); // fused, no ReLU: 3x3x8
    x = new Conv2D(8, 3).padding("same").activation("relu").apply(x); // 72-long: TensorFlow's
    x = new MaxPooling2D(3, 3).apply(x); // after a long patch: TensorFlow's
    SymbolicTensor out = new Dense(3).activation("softmax").apply(new Flatten().apply(x));
    FloatArray data = input(21, 14, 14, 3);
    int[] oneDnn = new int[5];
    float[][] p;
    int[] fused = new int[3];
    try (Model m = new Model(in, out)) {
      p = exportAndLoad(m, data, oneDnn, fused);
    }
    Fixtures.assertClose(p[1], p[0], 1e-5, 1e-5);
    assertEquals(2, fused[0], "both short-patch convolutions run with their max pool");
    assertEquals(0, oneDnn[0], "none of the three on oneDNN");
    assertEquals(2, fused[1], "the model's own inference graph makes the same choice");
    assertEquals(0, fused[2], "the exported graph holds TensorFlow's standard ops only");
    assertEquals(0, oneDnn[4]);
  }

  @Test
  void handGraph_maxPoolV1AfterConvolution_fused() {
    assumeTrue(NativeOps.available(), NativeOps::unavailableReason);
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
          CpuInferenceGraph copy = CpuInferenceGraph.build(g, s, List.of("x:0"), List.of("y:0"));
          Result want = s.runner().feed("x:0", t).fetch("y:0").run();
          Result got = copy.run(Map.of("x:0", t), List.of("y:0"))) {
        assertEquals(1, copy.fusedConvPools());
        Map<String, Integer> ops = opCounts(copy.graph());
        assertEquals(1, ops.getOrDefault(NativeOps.CONV_MAX_POOL, 0));
        assertEquals(0, ops.getOrDefault("MaxPool", 0) + ops.getOrDefault("Conv2D", 0));
        Fixtures.assertClose(
            Tensors.toFloats(got.get(0)), Tensors.toFloats(want.get(0)), 1e-5, 1e-5);
      }
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
      CpuInferenceGraph copy = CpuInferenceGraph.build(g, s, List.of("x:0"), List.of("y:0"));
      if (copy == null) {
        replaced[0] = -1;
        return null;
      }
      try (copy;
          Result want = s.runner().feed("x:0", t).fetch("y:0").run();
          Result got = copy.run(Map.of("x:0", t), List.of("y:0"))) {
        replaced[0] = copy.oneDnnConvolutions();
        assertEquals(3, copy.convolutions());
        Map<String, Integer> ops = opCounts(copy.graph());
        assertEquals(2, ops.getOrDefault("_MklNativeFusedConv2D", 0));
        assertEquals(1, ops.getOrDefault("Conv2D", 0));
        assertEquals(0, ops.getOrDefault("VariableV2", 0), "weights frozen as constants");
        float[] w = Tensors.toFloats(want.get(0));
        Fixtures.assertClose(Tensors.toFloats(got.get(0)), w, 1e-5, 1e-6);
        return w;
      }
    }
  }

  @Test
  void handGraph_reluAndBiasFusedWhereUsedOnce_variablesFrozen() {
    assumeTrue(perOp(), "the copy is for oneDNN-off CPUs");
    int[] replaced = new int[1];
    try (Graph g = new Graph();
        Session s = new Session(g)) {
      assertNotNull(conv(g, s, false, replaced));
    }
    assertEquals(2, replaced[0]);
  }

  @Test
  void statefulOpOnThePath_declined() {
    assumeTrue(perOp(), "the copy is for oneDNN-off CPUs");
    int[] replaced = new int[1];
    try (Graph g = new Graph();
        Session s = new Session(g)) {
      assertNull(conv(g, s, true, replaced));
    }
    assertEquals(-1, replaced[0]);
  }
}

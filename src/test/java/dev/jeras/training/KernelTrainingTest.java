package dev.jeras.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.backend.EngineOptions;
import dev.jeras.backend.KernelPolicy;
import dev.jeras.backend.KernelSite;
import dev.jeras.data.FloatArray;
import dev.jeras.data.IntArray;
import dev.jeras.layers.BatchNormalization;
import dev.jeras.layers.Conv2D;
import dev.jeras.layers.Dense;
import dev.jeras.layers.Flatten;
import dev.jeras.layers.Input;
import dev.jeras.layers.MaxPooling2D;
import dev.jeras.layers.SymbolicTensor;
import dev.jeras.models.Model;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Whole models trained three Adam steps with kernels of the CPU engine pinned, against the same
 * models on TensorFlow's ops alone: jeras' max-pool gradient (the same bits in every weight),
 * jeras' convolution gradients, oneDNN's kernels, and jeras' fused convolution + max pool (the same
 * weights to float rounding). Each run pins its kernels in the model's own options, so these run on
 * any CPU, whatever its tuned choice, and side by side in one JVM.
 */
class KernelTrainingTest {
  /** TensorFlow's ops everywhere, no cache file. */
  private static final EngineOptions TENSORFLOW =
      EngineOptions.builtIn().withKernels(KernelPolicy.TENSORFLOW).withKernelCache(null);

  private static Model model() {
    SymbolicTensor in = Input.shape(9, 9, 3);
    SymbolicTensor x = new Conv2D(6, 3).padding("same").activation("relu").apply(in);
    x = new BatchNormalization().apply(x);
    x = new Conv2D(5, 2).useBias(false).activation("tanh").apply(x);
    x = new MaxPooling2D().apply(x);
    x = new Conv2D(4, 3).strides(2, 2).padding("same").activation("relu").apply(x);
    x = new Conv2D(4, 1).activation("elu").apply(x);
    SymbolicTensor out = new Dense(3).activation("softmax").apply(new Flatten().apply(x));
    return new Model(in, out);
  }

  private record Run(List<FloatArray> weights, Map<String, Integer> opCounts, double loss) {}

  /** Pools of every kind the max-pool gradient takes or leaves, after BN (ties below zero too). */
  private static Model poolModel() {
    SymbolicTensor in = Input.shape(11, 11, 3);
    SymbolicTensor x = new Conv2D(6, 3).padding("same").activation("relu").apply(in);
    x = new MaxPooling2D().apply(x); // 11 -> 5: the last row and column dropped
    x = new BatchNormalization().apply(new Conv2D(6, 2).apply(x));
    x = new MaxPooling2D(2, 2).padding("same").apply(x); // 4 -> 2
    x = new MaxPooling2D(2, 1).strides(1, 1).apply(x); // overlapping: TensorFlow's gradient
    SymbolicTensor out = new Dense(3).activation("softmax").apply(new Flatten().apply(x));
    return new Model(in, out);
  }

  /** Trains one epoch of three steps with the given options. */
  private static Run train(
      EngineOptions options, java.util.function.Supplier<Model> build, int size) {
    Random rng = new Random(5);
    int n = 24;
    float[] xs = new float[n * size * size * 3];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = (float) rng.nextGaussian();
    }
    int[] ys = new int[n];
    for (int i = 0; i < n; i++) {
      ys[i] = rng.nextInt(3);
    }
    try (Model m = build.get()) {
      m.seed(17);
      m.engineOptions(options);
      m.compile(Optimizer.adam(0.01), Loss.sparseCategoricalCrossentropy());
      History h =
          m.fit(
              FloatArray.of(xs, n, size, size, 3),
              IntArray.of(ys, n),
              new FitOptions().epochs(1).batchSize(8).shuffle(false).progress(null));
      Map<String, Integer> counts = new HashMap<>();
      for (var node : m.graphDef().getNodeList()) {
        counts.merge(node.getOp(), 1, Integer::sum);
      }
      List<FloatArray> weights = new ArrayList<>(m.getWeights());
      return new Run(weights, counts, h.last("loss"));
    }
  }

  @Test
  void threeAdamSteps_ownConvolutionGradient_sameWeightsAsTensorFlows() {
    Run mine =
        train(TENSORFLOW.withKernel(KernelSite.TRAIN_CONV, "own"), KernelTrainingTest::model, 9);
    Run tf = train(TENSORFLOW, KernelTrainingTest::model, 9);
    // three convolutions with a bias build one _FusedConv2D each, the one without a Conv;
    // inference keeps Conv2D; TensorFlow's gradient path builds none of the former
    assertEquals(3, mine.opCounts().getOrDefault("_FusedConv2D", 0), mine.opCounts().toString());
    assertEquals(1, mine.opCounts().getOrDefault("Conv", 0));
    assertEquals(0, tf.opCounts().getOrDefault("_FusedConv2D", 0));
    assertEquals(0, tf.opCounts().getOrDefault("Conv", 0));
    assertTrue(mine.opCounts().getOrDefault("Conv2D", 0) >= 4);
    assertTrue(tf.opCounts().getOrDefault("Conv2DBackpropFilter", 0) >= 4);
    // TensorFlow's backprop kernels: both gradients of the strided convolution, and the input
    // gradient of the first (3 -> 6 channels: fewer inputs than filters); the rest are jeras'
    assertEquals(1, mine.opCounts().getOrDefault("Conv2DBackpropFilter", 0));
    assertEquals(2, mine.opCounts().getOrDefault("Conv2DBackpropInput", 0));
    assertSameTraining(tf, mine);
  }

  @Test
  void trainingStepExecutors_trainAlike() {
    // the inter-op pool and inline execution run the same kernels in another order
    Run pool =
        train(TENSORFLOW.withKernel(KernelSite.TRAIN_STEP, "pool"), KernelTrainingTest::model, 9);
    Run inline =
        train(TENSORFLOW.withKernel(KernelSite.TRAIN_STEP, "inline"), KernelTrainingTest::model, 9);
    assertSameTraining(pool, inline);
  }

  /** The same epoch loss to 1e-5 and every weight to 2e-5 (relative above 1). */
  private static void assertSameTraining(Run tf, Run mine) {
    assertEquals(tf.loss(), mine.loss(), 1e-5, "epoch loss");
    assertEquals(tf.weights().size(), mine.weights().size());
    for (int i = 0; i < tf.weights().size(); i++) {
      float[] a = tf.weights().get(i).data();
      float[] b = mine.weights().get(i).data();
      for (int j = 0; j < a.length; j++) {
        assertEquals(a[j], b[j], 2e-5 * Math.max(1, Math.abs(a[j])), "weight " + i + "[" + j + "]");
      }
    }
  }

  /** Every kind of op oneDNN's kernels replace in training, and some they leave. */
  private static Model oneDnnModel() {
    SymbolicTensor in = Input.shape(12, 12, 3);
    SymbolicTensor x = new Conv2D(6, 3).padding("same").activation("relu").apply(in); // short
    x = new BatchNormalization().apply(x); // rank 4: oneDNN
    x = new MaxPooling2D().apply(x); // 12 -> 6
    x = new Conv2D(8, 3).activation("relu").apply(x); // 54-long patch: TensorFlow's forward
    x = new Conv2D(5, 2).useBias(false).activation("tanh").apply(x); // no bias: Conv
    x = new MaxPooling2D(2, 2).strides(1, 1).padding("same").apply(x); // overlapping
    x = new Conv2D(4, 3).strides(2, 2).padding("same").activation("relu").apply(x);
    // tanh: a bias straight before batch normalization has a zero gradient, all rounding noise
    x = new Dense(6).activation("tanh").apply(new Flatten().apply(x));
    x = new BatchNormalization().apply(x); // rank 2: TensorFlow's
    SymbolicTensor out = new Dense(3).activation("softmax").apply(x);
    return new Model(in, out);
  }

  @Test
  void threeAdamSteps_oneDnnKernelsGiveTensorFlowsWeights() {
    EngineOptions oneDnn =
        TENSORFLOW
            .withKernel(KernelSite.TRAIN_CONV, "onednn")
            .withKernel(KernelSite.TRAIN_POOL, "onednn")
            .withKernel(KernelSite.TRAIN_BATCH_NORM, "onednn")
            .withKernel(KernelSite.CONV, "onednn")
            .withKernel(KernelSite.BATCH_NORM, "onednn");
    Run mine = train(oneDnn, KernelTrainingTest::oneDnnModel, 12);
    Run tf = train(TENSORFLOW, KernelTrainingTest::oneDnnModel, 12);
    Map<String, Integer> c = mine.opCounts();
    // the three convolutions with a bias, in the training and the inference pass
    assertEquals(6, c.getOrDefault("_MklNativeFusedConv2D", 0), c.toString());
    assertEquals(2, c.getOrDefault("_MklNativeMaxPool", 0), c.toString());
    assertEquals(2, c.getOrDefault("_MklNativeMaxPoolGrad", 0), c.toString());
    // both batch normalizations (the dense one as (n, 1, 1, c)), in both passes
    assertEquals(4, c.getOrDefault("_MklNativeFusedBatchNormV3", 0), c.toString());
    assertEquals(2, c.getOrDefault("_MklNativeFusedBatchNormGradV3", 0), c.toString());
    // both gradients of each (the first one's input gradient is built, never run); the
    // bias-free convolution keeps TensorFlow's
    assertEquals(3, c.getOrDefault("_MklNativeConv2DBackpropFilter", 0), c.toString());
    assertEquals(3, c.getOrDefault("_MklNativeConv2DBackpropInput", 0), c.toString());
    assertEquals(1, c.getOrDefault("Conv2DBackpropFilter", 0), c.toString());
    assertEquals(1, c.getOrDefault("Conv2DBackpropInput", 0), c.toString());
    assertEquals(0, c.getOrDefault("MaxPoolGrad", 0) + c.getOrDefault("MaxPoolGradV2", 0));
    for (String type : tf.opCounts().keySet()) {
      assertTrue(!type.startsWith("_Mkl"), "no oneDNN op with the kernels off: " + type);
    }
    assertSameTraining(tf, mine);
  }

  @Test
  void threeAdamSteps_ownPoolGradient_sameBitsAsTensorFlows() {
    Run mine =
        train(
            TENSORFLOW.withKernel(KernelSite.TRAIN_POOL, "own"), KernelTrainingTest::poolModel, 11);
    Run tf = train(TENSORFLOW, KernelTrainingTest::poolModel, 11);
    // two pools take jeras' gradient (one carrier each), the overlapping one TensorFlow's
    assertEquals(2, mine.opCounts().getOrDefault("IdentityN", 0), mine.opCounts().toString());
    assertEquals(0, tf.opCounts().getOrDefault("IdentityN", 0));
    assertEquals(tf.loss(), mine.loss(), 0.0, "epoch loss");
    for (int i = 0; i < tf.weights().size(); i++) {
      float[] a = tf.weights().get(i).data();
      float[] b = mine.weights().get(i).data();
      for (int j = 0; j < a.length; j++) {
        assertEquals(
            Float.floatToIntBits(a[j]),
            Float.floatToIntBits(b[j]),
            "weight " + i + "[" + j + "]: " + a[j] + " vs " + b[j]);
      }
    }
  }

  /** MNIST's two convolution + pool blocks, small. */
  private static Model convPoolModel() {
    SymbolicTensor in = Input.shape(14, 14, 3);
    SymbolicTensor x = new Conv2D(16, 3).activation("relu").apply(in);
    x = new MaxPooling2D().apply(x);
    x = new Conv2D(8, 3).padding("same").apply(x); // 144-long patch: the register-blocked loops
    x = new MaxPooling2D().apply(x);
    SymbolicTensor out = new Dense(3).activation("softmax").apply(new Flatten().apply(x));
    return new Model(in, out);
  }

  @Test
  void threeAdamSteps_nativeConvPool_sameWeightsAsTensorFlows() {
    Run mine =
        train(
            TENSORFLOW
                .withKernel(KernelSite.TRAIN_CONV_POOL, "native")
                .withKernel(KernelSite.CONV_POOL, "native"),
            KernelTrainingTest::convPoolModel,
            14);
    Run tf = train(TENSORFLOW, KernelTrainingTest::convPoolModel, 14);
    Map<String, Integer> c = mine.opCounts();
    assertEquals(2, c.getOrDefault("JerasConvMaxPoolWithArgmax", 0), c.toString());
    assertEquals(2, c.getOrDefault("JerasConvMaxPool", 0), c.toString()); // predict's graph
    assertEquals(2, c.getOrDefault("JerasConvMaxPoolBackpropFilter", 0), c.toString());
    assertEquals(2, c.getOrDefault("JerasConvMaxPoolBackpropInput", 0), c.toString());
    assertSameTraining(tf, mine);
  }

  /** VGG-style blocks: convolution, batch normalization, max pool (a SAME one of odd size too). */
  private static Model batchNormPoolModel() {
    SymbolicTensor in = Input.shape(10, 10, 3);
    SymbolicTensor x = new Conv2D(16, 3).padding("same").activation("relu").apply(in);
    x = new MaxPooling2D().apply(new BatchNormalization().apply(x)); // 10 -> 5
    x = new Conv2D(13, 3).padding("same").activation("relu").apply(x); // 8 + 5 channels
    x = new BatchNormalization().apply(x);
    x = new MaxPooling2D(2, 2).padding("same").apply(x); // 5 -> 3: partial windows
    SymbolicTensor out = new Dense(3).activation("softmax").apply(new Flatten().apply(x));
    return new Model(in, out);
  }

  @Test
  void threeAdamSteps_nativeBatchNormPool_sameWeightsAndMovingStatisticsAsTensorFlows() {
    Run mine = trainBatchNormPoolModel(KernelSite.TRAIN_BATCH_NORM_POOL, "native");
    Run tf = train(TENSORFLOW, KernelTrainingTest::batchNormPoolModel, 10);
    Map<String, Integer> c = mine.opCounts();
    assertEquals(2, c.getOrDefault("JerasBatchNormMaxPool", 0), c.toString());
    assertEquals(2, c.getOrDefault("JerasBatchNormMaxPoolGrad", 0), c.toString());
    // the inference pass keeps TensorFlow's normalization and pools
    assertEquals(2, c.getOrDefault("FusedBatchNormV3", 0), c.toString());
    assertEquals(0, c.getOrDefault("FusedBatchNormGradV3", 0), c.toString());
    // the weights include each normalization's moving mean and variance
    assertEquals(14, mine.weights().size());
    assertSameTraining(tf, mine);
  }

  @Test
  void threeAdamSteps_transposedDenseGradient_sameWeightsAsTensorFlows() {
    Run mine = trainBatchNormPoolModel(KernelSite.TRAIN_DENSE, "transposed");
    Run tf = train(TENSORFLOW, KernelTrainingTest::batchNormPoolModel, 10);
    assertEquals(1, mine.opCounts().getOrDefault("IdentityN", 0), mine.opCounts().toString());
    assertSameTraining(tf, mine);
  }

  /** The batch normalization + pool model trained with one site's kernel, else TensorFlow's ops. */
  private static Run trainBatchNormPoolModel(KernelSite site, String kernel) {
    return train(TENSORFLOW.withKernel(site, kernel), KernelTrainingTest::batchNormPoolModel, 10);
  }
}

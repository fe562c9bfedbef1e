package dev.jeras.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jeras.data.FloatArray;
import dev.jeras.data.IntArray;
import dev.jeras.internal.ConvBackprop;
import dev.jeras.internal.OneDnn;
import dev.jeras.internal.PoolBackprop;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tensorflow.GraphOperation;

/**
 * Training with jeras' max-pool gradient ({@link PoolBackprop}) against TensorFlow's: the same bits
 * in every weight after three Adam steps. Training with jeras' convolution gradient ({@link
 * ConvBackprop}) against training with TensorFlow's Conv2D gradient: same weights after three Adam
 * steps, on a model with same and valid padding, odd and even kernels, a convolution without bias,
 * a strided one (TensorFlow's backprop kernels inside the jeras gradient), ReLU fused and not.
 * Those two run with oneDNN's kernels off; training with them ({@link OneDnn}, the default on the
 * CPU without oneDNN turned on) against TensorFlow's kernels alone: the same weights after three
 * Adam steps, on a model with every op they replace.
 */
class ConvGradientTrainingTest {

  @AfterEach
  void restoreDefault() {
    System.clearProperty(ConvBackprop.PROPERTY);
    System.clearProperty(PoolBackprop.PROPERTY);
    System.clearProperty(OneDnn.PROPERTY);
  }

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

  private static Run train(String gradient) {
    return train(ConvBackprop.PROPERTY, gradient, ConvGradientTrainingTest::model, 9);
  }

  /** Trains with oneDNN's kernels off unless property is OneDnn's. */
  private static Run train(
      String property, String gradient, java.util.function.Supplier<Model> build, int size) {
    System.setProperty(OneDnn.PROPERTY, "off");
    System.setProperty(property, gradient);
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
      m.compile(Optimizer.adam(0.01), Loss.sparseCategoricalCrossentropy());
      History h =
          m.fit(
              FloatArray.of(xs, n, size, size, 3),
              IntArray.of(ys, n),
              new FitOptions().epochs(1).batchSize(8).shuffle(false).progress(null));
      Map<String, Integer> counts = new HashMap<>();
      var it = m.trainer().engine().graph().operations();
      while (it.hasNext()) {
        GraphOperation op = it.next();
        counts.merge(op.type(), 1, Integer::sum);
      }
      List<FloatArray> weights = new ArrayList<>(m.getWeights());
      return new Run(weights, counts, h.last("loss"));
    }
  }

  @Test
  void threeAdamSteps_sameWeightsAsTensorFlowsGradient() {
    assumeTrue(ConvBackprop.enabled(), "jeras' gradient is off here (oneDNN or a GPU)");
    Run mine = train("auto");
    Run tf = train("tensorflow");
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
    assumeTrue(OneDnn.enabled(), "oneDNN's kernels are off here (oneDNN on, or a GPU)");
    Run mine = train(OneDnn.PROPERTY, "auto", ConvGradientTrainingTest::oneDnnModel, 12);
    Run tf = train(OneDnn.PROPERTY, "off", ConvGradientTrainingTest::oneDnnModel, 12);
    Map<String, Integer> c = mine.opCounts();
    // the short-patch convolution and the rank-4 batch normalization: once in the training
    // forward pass, once in the inference one
    assertEquals(2, c.getOrDefault("_MklNativeFusedConv2D", 0), c.toString());
    assertEquals(2, c.getOrDefault("_MklNativeMaxPool", 0), c.toString());
    assertEquals(2, c.getOrDefault("_MklNativeMaxPoolGrad", 0), c.toString());
    assertEquals(2, c.getOrDefault("_MklNativeFusedBatchNormV3", 0), c.toString());
    assertEquals(1, c.getOrDefault("_MklNativeFusedBatchNormGradV3", 0), c.toString());
    // both gradients of every convolution (the first one's input gradient is built, never run)
    assertEquals(4, c.getOrDefault("_MklNativeConv2DBackpropFilter", 0), c.toString());
    assertEquals(4, c.getOrDefault("_MklNativeConv2DBackpropInput", 0), c.toString());
    assertEquals(0, c.getOrDefault("Conv2DBackpropFilter", 0), c.toString());
    assertEquals(0, c.getOrDefault("Conv2DBackpropInput", 0), c.toString());
    assertEquals(0, c.getOrDefault("MaxPoolGrad", 0) + c.getOrDefault("MaxPoolGradV2", 0));
    for (String type : tf.opCounts().keySet()) {
      assertTrue(!type.startsWith("_Mkl"), "no oneDNN op with the kernels off: " + type);
    }
    assertSameTraining(tf, mine);
  }

  @Test
  void threeAdamSteps_sameBitsAsTensorFlowsPoolGradient() {
    assumeTrue(PoolBackprop.enabled(), "jeras' pool gradient is off here (oneDNN or a GPU)");
    Run mine = train(PoolBackprop.PROPERTY, "auto", ConvGradientTrainingTest::poolModel, 11);
    Run tf = train(PoolBackprop.PROPERTY, "tensorflow", ConvGradientTrainingTest::poolModel, 11);
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
}

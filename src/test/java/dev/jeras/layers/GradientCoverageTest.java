package dev.jeras.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.data.FloatArray;
import dev.jeras.data.IntArray;
import dev.jeras.models.Model;
import dev.jeras.training.FitOptions;
import dev.jeras.training.Loss;
import dev.jeras.training.Optimizer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * One model that passes through every layer type; one training step must reach every trainable
 * weight (a missing gradient fails here, not in a user's first fit) and update BatchNormalization's
 * moving statistics.
 */
class GradientCoverageTest {

  @Test
  void everyLayerType_oneSgdStep_changesEveryWeight() {
    SymbolicTensor in = Input.shape(8, 8, 2);
    SymbolicTensor x = new Conv2D(4, 3).padding("same").activation("relu").apply(in);
    x = new BatchNormalization().apply(x);
    SymbolicTensor pooledMax = new MaxPooling2D().apply(x);
    SymbolicTensor pooledAvg = new AveragePooling2D().apply(x);
    SymbolicTensor sum = new Add().apply(pooledMax, new Activation("tanh").apply(pooledAvg));
    SymbolicTensor joined = new Concatenate().apply(sum, pooledAvg);
    SymbolicTensor conv2 = new Conv2D(3, 2, 3).strides(2, 1).activation("elu").apply(joined);
    SymbolicTensor gap = new GlobalAveragePooling2D().apply(conv2);
    SymbolicTensor flat = new Flatten().apply(new Dropout(0.2).apply(conv2));
    SymbolicTensor h = new Concatenate().apply(flat, gap);
    SymbolicTensor h2 = new BatchNormalization().apply(new Dense(6).activation("selu").apply(h));
    SymbolicTensor out = new Dense(3).activation("softmax").apply(h2);

    Random rng = new Random(121);
    FloatArray xs = LayerHarness.random(rng, 16, 8, 8, 2);
    int[] labels = new int[16];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = i % 3;
    }
    try (Model m = new Model(in, out)) {
      m.seed(LayerHarness.SEED);
      m.compile(Optimizer.sgd(0.1), Loss.sparseCategoricalCrossentropy());
      List<FloatArray> before = m.getWeights();
      m.fit(
          xs,
          IntArray.of(labels, 16),
          new FitOptions().epochs(1).batchSize(16).shuffle(false).progress(null));
      assertEquals(List.of(), m.weightsWithoutGradient(), "weights without gradient");
      List<FloatArray> after = m.getWeights();
      List<Network.LayerWeight> weights = m.network().weights();
      assertEquals(weights.size(), after.size());
      for (int i = 0; i < weights.size(); i++) {
        String path = weights.get(i).path();
        float[] b = before.get(i).data();
        float[] a = after.get(i).data();
        assertFalse(Arrays.equals(a, b), path + " did not change after one training step");
        for (float v : a) {
          assertTrue(Float.isFinite(v), path + " has a non-finite value after one step");
        }
      }
    }
  }

  @Test
  void everyZooLayerType_oneSgdStep_changesEveryWeight() {
    SymbolicTensor in = Input.shape(6, 6, 2);
    SymbolicTensor x = new ZeroPadding2D(1, 0, 0, 1).apply(in);
    x =
        new Conv2D(4, 3)
            .activation("gelu")
            .kernelRegularizer(Regularizer.l2(0.01))
            .biasRegularizer(Regularizer.l1(0.01))
            .apply(x);
    x = new PReLU().sharedAxes(1, 2).alphaRegularizer(Regularizer.l1l2(0.01, 0.01)).apply(x);
    x = new LeakyReLU().apply(new ReLU().maxValue(6).negativeSlope(0.1).threshold(0.1).apply(x));
    x = new ELU(0.5).apply(new SpatialDropout2D(0.2).apply(x));
    x = new GaussianDropout(0.1).apply(new GaussianNoise(0.1).apply(x));
    SymbolicTensor up = new UpSampling2D().interpolation("bilinear").apply(x);
    SymbolicTensor near = new UpSampling2D().apply(x);
    SymbolicTensor merged = new Average().apply(up, near, new Maximum().apply(up, near));
    merged = new Subtract().apply(new Minimum().apply(up, near), merged);
    merged = new Cropping2D(1).apply(merged);
    SymbolicTensor se = new GlobalMaxPooling2D().keepDims(true).apply(merged);
    merged = new Multiply().apply(merged, new Softmax(1, 2).apply(se));
    SymbolicTensor p = new Permute(3, 1, 2).apply(new Softmax(3).apply(merged));
    SymbolicTensor flat =
        new Reshape(-1).apply(new Dropout(0.2).noiseShape(null, 1, 1, null).apply(p));
    SymbolicTensor h = new Dense(5).activation("mish").apply(flat);
    SymbolicTensor out = new Softmax().apply(new Dense(3).activation("log_softmax").apply(h));

    Random rng = new Random(122);
    FloatArray xs = LayerHarness.random(rng, 8, 6, 6, 2);
    int[] labels = new int[8];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = i % 3;
    }
    try (Model m = new Model(in, out)) {
      m.seed(LayerHarness.SEED);
      m.compile(Optimizer.sgd(0.1), Loss.sparseCategoricalCrossentropy());
      List<FloatArray> before = m.getWeights();
      m.fit(
          xs,
          IntArray.of(labels, 8),
          new FitOptions().epochs(1).batchSize(8).shuffle(false).progress(null));
      assertEquals(List.of(), m.weightsWithoutGradient(), "weights without gradient");
      List<FloatArray> after = m.getWeights();
      for (int i = 0; i < after.size(); i++) {
        String path = m.network().weights().get(i).path();
        assertFalse(Arrays.equals(after.get(i).data(), before.get(i).data()), path + " unchanged");
        for (float v : after.get(i).data()) {
          assertTrue(Float.isFinite(v), path + " has a non-finite value after one step");
        }
      }
    }
  }
}

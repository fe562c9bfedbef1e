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
}

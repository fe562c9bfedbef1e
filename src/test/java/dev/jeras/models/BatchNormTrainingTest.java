package dev.jeras.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.data.Dataset;
import dev.jeras.data.Datasets;
import dev.jeras.data.FloatArray;
import dev.jeras.layers.BatchNormalization;
import dev.jeras.layers.Conv2D;
import dev.jeras.layers.Dense;
import dev.jeras.layers.Flatten;
import dev.jeras.layers.Input;
import dev.jeras.layers.MaxPooling2D;
import dev.jeras.testing.Fixtures;
import dev.jeras.training.FitOptions;
import dev.jeras.training.History;
import dev.jeras.training.Loss;
import dev.jeras.training.Metric;
import dev.jeras.training.Optimizer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A short training run with BatchNormalization on the committed CIFAR-10 fixture (300 images): the
 * loss falls, the moving statistics move away from their initial values (0 and 1), and inference
 * outputs (moving statistics) differ from training-mode outputs (batch statistics).
 */
class BatchNormTrainingTest {
  @Test
  void bnCnn_onCifarFixture_lossFalls_movingStatsUpdate_modesDiffer() {
    Dataset.Split data = Datasets.load("cifar10", Fixtures.testdata().resolve("cifar10-small"));
    Dataset train = data.train();
    assertEquals(300, train.size());
    try (Sequential m =
        new Sequential(
            Input.shape(32, 32, 3),
            new Conv2D(8, 3).padding("same").activation("relu"),
            new BatchNormalization(),
            new MaxPooling2D(),
            new Flatten(),
            new Dense(32).activation("relu"),
            new BatchNormalization(),
            new Dense(10).activation("softmax"))) {
      m.seed(4);
      m.compile(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(), Metric.ACCURACY);
      History h =
          m.fit(
              train.x(),
              train.y(),
              new FitOptions().epochs(8).batchSize(32).seed(4).progress(null));
      List<Double> loss = h.get("loss");
      assertTrue(loss.get(7) < loss.get(0) * 0.7, "loss should fall: " + loss);

      // moving statistics of the first BN (layer weights: gamma, beta, moving_mean,
      // moving_variance)
      List<FloatArray> w = m.getWeights();
      float[] movingMean = w.get(4).data();
      float[] movingVar = w.get(5).data();
      assertEquals(8, movingMean.length);
      double meanShift = 0;
      double varShift = 0;
      for (int c = 0; c < 8; c++) {
        meanShift = Math.max(meanShift, Math.abs(movingMean[c]));
        varShift = Math.max(varShift, Math.abs(movingVar[c] - 1));
      }
      assertTrue(meanShift > 0.01, "moving mean moved from 0: " + meanShift);
      assertTrue(varShift > 0.01, "moving variance moved from 1: " + varShift);

      FloatArray x = train.x().slice(0, 64);
      float[] inference = m.predict(x, 64).data();
      float[] trainingMode = m.predictTrainingMode(List.of(x), 64).get(0).data();
      double diff = Fixtures.maxAbsDiff(inference, trainingMode);
      assertTrue(diff > 1e-3, "training mode uses batch statistics: max diff " + diff);
      // inference does not depend on the batch: one sample alone gives the same output
      float[] single = m.predict(x.slice(0, 1), 1).data();
      Fixtures.assertClose(single, java.util.Arrays.copyOf(inference, 10), 1e-5, 0);
    }
  }

  @Test
  void fixtureLoader_readsCifarFromTestdata() {
    Dataset.Split d = Datasets.load("cifar10", Path.of("testdata", "cifar10-small"));
    assertEquals("(300, 32, 32, 3)", dev.jeras.data.NumericArray.format(d.train().x().shape()));
  }
}

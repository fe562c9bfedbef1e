package dev.jeras.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.data.Dataset;
import dev.jeras.models.Builtins;
import dev.jeras.models.Model;
import dev.jeras.testing.Fixtures;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The MNIST CNN trained on the committed fixture (2,000 training / 500 test images): learning must
 * happen. Threshold: test accuracy >= 0.90 after 5 epochs (a chance-level model scores 0.10; seeded
 * runs here reach about 0.94).
 */
class MnistFixtureTrainingTest {
  @Test
  void mnistBasic_fiveEpochsOnFixture_reaches90PercentTestAccuracy() {
    Dataset.Split data = Fixtures.mnistSmall();
    assertEquals(2000, data.train().size());
    assertEquals(500, data.test().size());
    try (Model m = Builtins.create("mnist-basic")) {
      m.seed(42);
      m.compile(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(), Metric.ACCURACY);
      History h =
          m.fit(
              data.train().x(),
              data.train().y(),
              new FitOptions().epochs(5).batchSize(64).seed(42).progress(null));
      assertEquals(5, h.epochCount());
      assertTrue(
          h.get("loss").get(4) < h.get("loss").get(0) * 0.5,
          "loss should fall by half: " + h.get("loss"));
      Map<String, Double> test = m.evaluate(data.test().x(), data.test().y());
      assertTrue(test.get("accuracy") >= 0.90, "test accuracy " + test);
      assertTrue(test.get("loss") < 0.4, "test loss " + test);
    }
  }
}

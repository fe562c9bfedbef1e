package dev.jeras.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.JerasException;
import dev.jeras.data.Dataset;
import dev.jeras.data.FloatArray;
import dev.jeras.layers.BatchNormalization;
import dev.jeras.layers.Conv2D;
import dev.jeras.layers.Dense;
import dev.jeras.layers.Dropout;
import dev.jeras.layers.Flatten;
import dev.jeras.layers.Input;
import dev.jeras.layers.MaxPooling2D;
import dev.jeras.models.Model;
import dev.jeras.models.Sequential;
import dev.jeras.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interrupt and resume: a run stopped mid-epoch and resumed from its checkpoint ends with the same
 * weights as an uninterrupted run (same shuffling, same dropout masks, same optimizer state).
 */
class CheckpointResumeTest {
  @TempDir Path tmp;

  private static Sequential model() {
    Sequential m =
        new Sequential(
            Input.shape(28, 28, 1),
            new Conv2D(4, 3).activation("relu"),
            new BatchNormalization(),
            new MaxPooling2D(),
            new Flatten(),
            new Dropout(0.3),
            new Dense(10).activation("softmax"));
    m.seed(21);
    m.compile(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(), Metric.ACCURACY);
    return m;
  }

  private static FitOptions options(Path dir) {
    return new FitOptions()
        .epochs(3)
        .batchSize(50)
        .seed(8)
        .progress(null)
        .checkpointDir(dir)
        .resume(true);
  }

  @Test
  void interruptedMidEpoch_thenResumed_endsWithTheUninterruptedWeights() throws IOException {
    Dataset train = Fixtures.mnistSmall().train().limit(500);
    float[] reference;
    History full;
    try (Model m = model()) {
      full = m.fit(train.x(), train.y(), options(tmp.resolve("a")));
      reference = Fixtures.flatten(m.getWeights());
      assertEquals(30, m.optimizerState().iterations());
    }
    Path dir = tmp.resolve("b");
    try (Model m = model()) {
      History h =
          m.fit(
              train.x(),
              train.y(),
              options(dir)
                  .callbacks(
                      new Callback() {
                        @Override
                        public void onBatchEnd(int step, Map<String, Double> logs, FitState state) {
                          if (state.learningRate() > 0 && m.optimizerState().iterations() == 14) {
                            state.interrupt(); // epoch 2, step 4 of 10
                          }
                        }
                      }));
      assertNotNull(h.stopReason());
      assertTrue(h.stopReason().startsWith("interrupted at epoch 2, step 4"), h.stopReason());
      assertEquals(1, h.epochCount());
    }
    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(
          List.of("checkpoint", "ckpt-000001-000000", "ckpt-000001-000004"),
          s.map(p -> p.getFileName().toString()).sorted().toList());
    }
    try (Model m = model()) { // a fresh process would do the same: new model, same seed
      History h = m.fit(train.x(), train.y(), options(dir));
      assertEquals(30, m.optimizerState().iterations());
      assertEquals(3, h.epochCount());
      float[] resumed = Fixtures.flatten(m.getWeights());
      double diff = Fixtures.maxAbsDiff(resumed, reference);
      assertTrue(diff <= 1e-6, "max |resumed - uninterrupted| = " + diff);
      assertEquals(full.get("loss").get(2), h.get("loss").get(2), 1e-6);
      assertEquals(
          full.get("loss").get(1),
          h.get("loss").get(1),
          1e-6,
          "the resumed epoch's mean includes the steps before the interruption");
    }
  }

  @Test
  void aCrashMidWrite_leavesThePreviousCheckpointUsable() throws IOException {
    Dataset train = Fixtures.mnistSmall().train().limit(200);
    Path dir = tmp.resolve("c");
    try (Model m = model()) {
      m.fit(train.x(), train.y(), options(dir).epochs(1));
    }
    // simulate a crash during the next write: a half-written temporary directory remains
    Path half = Files.createDirectory(dir.resolve(".tmp-ckpt-000002-000000-123"));
    Files.writeString(half.resolve("variables.index"), "garbage");
    try (Model m = model()) {
      History h = m.fit(train.x(), train.y(), options(dir).epochs(2));
      assertEquals(2, h.epochCount(), "resumed after epoch 1, ran epoch 2");
      assertEquals(8, m.optimizerState().iterations());
    }
  }

  @Test
  void checkpointOfAnotherModel_isRefusedClearly() {
    Dataset train = Fixtures.mnistSmall().train().limit(100);
    Path dir = tmp.resolve("d");
    try (Model m = model()) {
      m.fit(train.x(), train.y(), options(dir).epochs(1));
    }
    try (Sequential other =
        new Sequential(
            Input.shape(28, 28, 1), new Flatten(), new Dense(10).activation("softmax"))) {
      other.compile(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(), Metric.ACCURACY);
      var e =
          assertThrows(JerasException.class, () -> other.fit(train.x(), train.y(), options(dir)));
      assertTrue(e.getMessage().contains("written by another model or optimizer"), e.getMessage());
    }
  }

  @Test
  void nonFiniteLoss_restoresTheLastGoodCheckpoint() {
    Dataset train = Fixtures.mnistSmall().train().limit(100);
    Path dir = tmp.resolve("e");
    try (Model m = model()) {
      m.fit(train.x(), train.y(), options(dir).epochs(1));
      float[] good = Fixtures.flatten(m.getWeights());
      m.setLearningRate(1e30);
      float[] big = train.x().data().clone();
      for (int i = 0; i < big.length; i++) {
        big[i] *= 1e20f;
      }
      History h =
          m.fit(
              FloatArray.of(big, train.x().shape()),
              train.y(),
              options(dir).epochs(5).resume(false));
      assertTrue(h.stopReason().contains("non-finite loss"), h.stopReason());
      assertTrue(h.stopReason().contains("last good checkpoint"), h.stopReason());
      float[] now = Fixtures.flatten(m.getWeights());
      for (float v : now) {
        assertFalse(Float.isNaN(v) || Float.isInfinite(v), "weights are finite again");
      }
      assertArrayEquals(good.length == now.length ? good : now, now);
    }
  }
}

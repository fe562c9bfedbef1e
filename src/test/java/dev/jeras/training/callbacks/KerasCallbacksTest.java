package dev.jeras.training.callbacks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.data.FloatArray;
import dev.jeras.data.IntArray;
import dev.jeras.layers.Dense;
import dev.jeras.layers.Input;
import dev.jeras.layers.SymbolicTensor;
import dev.jeras.models.Model;
import dev.jeras.saving.ModelFiles;
import dev.jeras.testing.Fixtures;
import dev.jeras.training.FitOptions;
import dev.jeras.training.History;
import dev.jeras.training.Loss;
import dev.jeras.training.Metric;
import dev.jeras.training.Optimizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KerasCallbacksTest {
  @TempDir Path tmp;
  private static final int N = 120;

  private static Model model(double lr) {
    SymbolicTensor in = Input.shape(6);
    SymbolicTensor h = new Dense(32).activation("relu").apply(in);
    Model m = new Model(in, new Dense(3).activation("softmax").apply(h));
    m.seed(3);
    m.compile(Optimizer.adam(lr), Loss.sparseCategoricalCrossentropy(), Metric.ACCURACY);
    return m;
  }

  /** Noise features and random labels: training loss falls while validation loss rises. */
  private static FloatArray x() {
    Random r = new Random(1);
    float[] d = new float[N * 6];
    for (int i = 0; i < d.length; i++) {
      d[i] = (float) r.nextGaussian();
    }
    return FloatArray.of(d, N, 6);
  }

  private static IntArray y() {
    Random r = new Random(2);
    int[] l = new int[N];
    for (int i = 0; i < N; i++) {
      l[i] = r.nextInt(3);
    }
    return IntArray.of(l);
  }

  @Test
  void earlyStopping_onOverfitting_stopsAfterPatience_andRestoresBestWeights() {
    try (Model m = model(0.05)) {
      List<float[]> weightsPerEpoch = new ArrayList<>();
      EarlyStopping es = new EarlyStopping().patience(2).restoreBestWeights(true);
      History h =
          m.fit(
              x(),
              y(),
              new FitOptions()
                  .epochs(50)
                  .batchSize(20)
                  .validationSplit(0.25)
                  .seed(1)
                  .progress(null)
                  .callbacks(
                      es,
                      LambdaCallback.onEpochEnd(
                          (e, logs) -> weightsPerEpoch.add(Fixtures.flatten(m.getWeights())))));
      assertTrue(h.epochCount() < 50, "stopped early: " + h.epochCount() + " epochs");
      int best = es.bestEpoch();
      List<Double> val = h.get("val_loss");
      assertEquals(best, val.indexOf(val.stream().min(Double::compare).orElseThrow()));
      assertEquals(best + 2, es.stoppedEpoch(), "patience 2 after the best epoch");
      assertArrayEquals(
          weightsPerEpoch.get(best),
          Fixtures.flatten(m.getWeights()),
          "weights of the best epoch are restored");
    }
  }

  @Test
  void reduceLrOnPlateau_halvesTheRate_andLogsIt() {
    try (Model m = model(0.05)) {
      History h =
          m.fit(
              x(),
              y(),
              new FitOptions()
                  .epochs(12)
                  .batchSize(20)
                  .validationSplit(0.25)
                  .seed(1)
                  .progress(null)
                  .callbacks(new ReduceLROnPlateau().factor(0.5).patience(1)));
      List<Double> lr = h.get("learning_rate");
      assertEquals(0.05, lr.get(0), 1e-7);
      assertTrue(lr.get(11) < 0.05, "reduced: " + lr);
      for (int i = 1; i < lr.size(); i++) {
        double ratio = lr.get(i) / lr.get(i - 1);
        assertTrue(Math.abs(ratio - 1) < 1e-6 || Math.abs(ratio - 0.5) < 1e-6, "ratio " + ratio);
      }
    }
  }

  @Test
  void learningRateScheduler_setsEachEpochsRate() {
    try (Model m = model(0.01)) {
      History h =
          m.fit(
              x(),
              y(),
              new FitOptions()
                  .epochs(3)
                  .batchSize(40)
                  .progress(null)
                  .callbacks(new LearningRateScheduler((epoch, lr) -> 0.1 / (epoch + 1))));
      List<Double> lr = h.get("learning_rate");
      assertEquals(0.1, lr.get(0), 1e-7);
      assertEquals(0.05, lr.get(1), 1e-7);
      assertEquals(0.1 / 3, h.last("learning_rate"), 1e-7);
    }
  }

  @Test
  void csvLogger_writesHeaderAndOneRowPerEpoch() throws Exception {
    Path csv = tmp.resolve("log.csv");
    try (Model m = model(0.01)) {
      History h =
          m.fit(
              x(),
              y(),
              new FitOptions()
                  .epochs(3)
                  .batchSize(40)
                  .validationSplit(0.25)
                  .progress(null)
                  .callbacks(new CsvLogger(csv)));
      List<String> lines = Files.readAllLines(csv);
      assertEquals("epoch,accuracy,loss,val_accuracy,val_loss", lines.get(0));
      assertEquals(4, lines.size());
      String[] last = lines.get(3).split(",");
      assertEquals("2", last[0]);
      assertEquals(h.last("loss"), Double.parseDouble(last[2]), 1e-12);
    }
  }

  @Test
  void modelCheckpoint_saveBestOnly_writesWhenValLossImproves() {
    Path best = tmp.resolve("best.keras");
    Path each = tmp.resolve("m-{epoch:02d}.keras");
    try (Model m = model(0.05)) {
      History h =
          m.fit(
              x(),
              y(),
              new FitOptions()
                  .epochs(4)
                  .batchSize(20)
                  .validationSplit(0.25)
                  .seed(1)
                  .progress(null)
                  .callbacks(
                      new ModelCheckpoint(m, best).saveBestOnly(true),
                      new ModelCheckpoint(m, each)));
      assertTrue(Files.exists(best));
      for (int e = 1; e <= 4; e++) {
        assertTrue(Files.exists(tmp.resolve(String.format("m-%02d.keras", e))));
      }
      List<Double> val = h.get("val_loss");
      double bestVal = val.stream().min(Double::compare).orElseThrow();
      try (Model back = ModelFiles.load(best)) {
        double got = back.evaluate(x().slice(90, 120), y().slice(90, 120), 30).get("loss");
        assertEquals(bestVal, got, 1e-5, "the saved model is the best epoch's");
      }
    }
  }

  @Test
  void terminateOnNaN_andMonitorModes_followKeras() {
    assertTrue(new Monitor("val_accuracy", "auto").maximize());
    assertTrue(!new Monitor("val_loss", "auto").maximize());
    assertTrue(new Monitor("loss", "max").maximize());
    assertTrue(new Monitor("val_loss", "auto").improves(0.5, 0.6, 0.05));
    assertTrue(!new Monitor("val_loss", "auto").improves(0.58, 0.6, 0.05));
  }
}

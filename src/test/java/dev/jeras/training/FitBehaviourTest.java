package dev.jeras.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.JerasException;
import dev.jeras.data.FloatArray;
import dev.jeras.data.IntArray;
import dev.jeras.layers.Dense;
import dev.jeras.layers.Input;
import dev.jeras.layers.SymbolicTensor;
import dev.jeras.models.Model;
import dev.jeras.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FitBehaviourTest {
  private static final int N = 70;

  private static Model classifier(long seed) {
    SymbolicTensor in = Input.shape(4);
    SymbolicTensor h = new Dense(8).activation("relu").apply(in);
    Model m = new Model(in, new Dense(3).activation("softmax").apply(h));
    m.seed(seed);
    return m;
  }

  private static FloatArray x() {
    Random r = new Random(5);
    float[] d = new float[N * 4];
    for (int i = 0; i < d.length; i++) {
      d[i] = (float) r.nextGaussian();
    }
    return FloatArray.of(d, N, 4);
  }

  private static IntArray y() {
    int[] l = new int[N];
    for (int i = 0; i < N; i++) {
      l[i] = i % 3;
    }
    return IntArray.of(l);
  }

  @Test
  void lastPartialBatch_isTrained_stepsAreCeilNOverBatch() {
    try (Model m = classifier(1)) {
      m.compile(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(), Metric.ACCURACY);
      List<Integer> steps = new ArrayList<>();
      m.fit(
          x(),
          y(),
          new FitOptions()
              .epochs(2)
              .batchSize(32)
              .progress(null)
              .callbacks(
                  new Callback() {
                    @Override
                    public void onTrainBegin(FitState state) {
                      steps.add(state.stepsPerEpoch());
                    }
                  }));
      assertEquals(List.of(3), steps);
      assertEquals(6, m.optimizerState().iterations(), "2 epochs x ceil(70/32) steps");
    }
  }

  @Test
  void validationSplit_holdsOutTheLastSamples_andReportsValMetrics() {
    try (Model m = classifier(1)) {
      m.compile(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(), Metric.ACCURACY);
      History h =
          m.fit(
              x(),
              y(),
              new FitOptions().epochs(1).batchSize(10).validationSplit(0.2).progress(null));
      assertEquals(
          List.of("loss", "accuracy", "val_loss", "val_accuracy"), new ArrayList<>(h.keys()));
      assertEquals(6, m.optimizerState().iterations(), "56 training samples in batches of 10");
      Map<String, Double> val = m.evaluate(x().slice(56, 70), y().slice(56, 70), 10);
      // the model changed after the validation pass? no: validation is at epoch end
      assertEquals(val.get("loss"), h.last("val_loss"), 1e-5);
      assertEquals(val.get("accuracy"), h.last("val_accuracy"), 1e-6);
    }
  }

  @Test
  void sameSeed_sameWeightsAfterTraining_differentSeed_differs() {
    float[][] w = new float[3][];
    long[] seeds = {11, 11, 12};
    for (int i = 0; i < 3; i++) {
      try (Model m = classifier(seeds[i])) {
        m.compile(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(), Metric.ACCURACY);
        m.fit(x(), y(), new FitOptions().epochs(2).batchSize(16).seed(seeds[i]).progress(null));
        w[i] = Fixtures.flatten(m.getWeights());
      }
    }
    assertArrayEquals(w[0], w[1]);
    assertTrue(Fixtures.maxAbsDiff(w[0], w[2]) > 1e-3);
  }

  @Test
  void reusedBatchTensors_trainAsNewOnes() {
    // one pass of 17 full batches refills its tensors round-robin and runs a prepared call; one
    // fit per batch takes new tensors and a new call every step: the same weights
    int b = 4;
    FitOptions inOrder = new FitOptions().epochs(1).batchSize(b).shuffle(false).progress(null);
    float[][] w = new float[2][];
    for (int i = 0; i < 2; i++) {
      try (Model m = classifier(21)) {
        m.compile(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(), Metric.ACCURACY);
        if (i == 0) {
          m.fit(x(), y(), inOrder);
        } else {
          for (int from = 0; from < N; from += b) {
            int to = Math.min(N, from + b);
            m.fit(x().slice(from, to), y().slice(from, to), inOrder);
          }
        }
        w[i] = Fixtures.flatten(m.getWeights());
      }
    }
    assertArrayEquals(w[0], w[1], 1e-6f);
  }

  @Test
  void frozenLayer_keepsItsWeights() {
    SymbolicTensor in = Input.shape(4);
    Dense frozen = new Dense(8);
    frozen.trainable(false);
    SymbolicTensor h = frozen.apply(in);
    try (Model m = new Model(in, new Dense(3).activation("softmax").apply(h))) {
      assertEquals(4 * 8 + 8 + 8 * 3 + 3, m.countParams());
      assertEquals(8 * 3 + 3, m.countTrainableParams());
      m.compile(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(), Metric.ACCURACY);
      List<FloatArray> before = m.getWeights();
      m.fit(x(), y(), new FitOptions().epochs(1).batchSize(16).progress(null));
      List<FloatArray> after = m.getWeights();
      assertArrayEquals(before.get(0).data(), after.get(0).data());
      assertArrayEquals(before.get(1).data(), after.get(1).data());
      assertTrue(Fixtures.maxAbsDiff(before.get(2).data(), after.get(2).data()) > 0);
    }
  }

  @Test
  void labelOutOfRange_isAClearErrorBeforeTraining() {
    try (Model m = classifier(1)) {
      m.compile(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(), Metric.ACCURACY);
      int[] labels = y().data().clone();
      labels[5] = 3;
      var e =
          assertThrows(
              JerasException.class,
              () -> m.fit(x(), IntArray.of(labels), new FitOptions().progress(null)));
      assertTrue(e.getMessage().contains("labels range over 0..3"), e.getMessage());
      assertTrue(e.getMessage().contains("dense_1 (Dense) has 3 units"), e.getMessage());
      assertEquals(0, m.optimizerState().iterations());
    }
  }

  @Test
  void wrongInputShape_namesBothShapes() {
    try (Model m = classifier(1)) {
      m.compile(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(), Metric.ACCURACY);
      var e =
          assertThrows(
              JerasException.class,
              () -> m.fit(FloatArray.zeros(N, 5), y(), new FitOptions().progress(null)));
      assertEquals(
          "model input input_layer expects (None, 4), got data of shape (70, 5)"
              + " from training data",
          e.getMessage());
    }
  }

  @Test
  void mismatchedCounts_andEmptyData_areClearErrors() {
    try (Model m = classifier(1)) {
      m.compile(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(), Metric.ACCURACY);
      var e =
          assertThrows(
              JerasException.class,
              () -> m.fit(x(), y().slice(0, 60), new FitOptions().progress(null)));
      assertEquals("training data: x has 70 samples but y has 60", e.getMessage());
      var empty =
          assertThrows(
              JerasException.class,
              () ->
                  m.fit(
                      FloatArray.zeros(0, 4),
                      IntArray.of(new int[0]),
                      new FitOptions().progress(null)));
      assertEquals("training data is empty (0 samples)", empty.getMessage());
    }
  }

  @Test
  void nonFiniteLoss_stopsTraining_andSaysWhere() {
    try (Model m = classifier(1)) {
      m.compile(Optimizer.sgd(1e30), Loss.sparseCategoricalCrossentropy(), Metric.ACCURACY);
      float[] big = x().data().clone();
      for (int i = 0; i < big.length; i++) {
        big[i] *= 1e6f;
      }
      History h =
          m.fit(
              FloatArray.of(big, N, 4),
              y(),
              new FitOptions().epochs(5).batchSize(10).shuffle(false).progress(null));
      assertNotNull(h.stopReason());
      assertTrue(h.stopReason().startsWith("non-finite loss"), h.stopReason());
      assertTrue(h.epochCount() <= 1, "stopped in the first epoch: " + h.epochCount());
    }
  }

  @Test
  void callbacks_seeEpochsInOrder_andCanStopTraining() {
    try (Model m = classifier(1)) {
      m.compile(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(), Metric.ACCURACY);
      List<Integer> epochs = new ArrayList<>();
      History h =
          m.fit(
              x(),
              y(),
              new FitOptions()
                  .epochs(10)
                  .batchSize(35)
                  .progress(null)
                  .callbacks(
                      new Callback() {
                        @Override
                        public void onEpochEnd(
                            int epoch, Map<String, Double> logs, FitState state) {
                          epochs.add(epoch);
                          if (epoch == 2) {
                            state.stopTraining();
                          }
                        }
                      }));
      assertEquals(List.of(0, 1, 2), epochs);
      assertEquals(3, h.epochCount());
    }
  }

  @Test
  void learningRate_canChangeBetweenSteps() {
    try (Model m = classifier(1)) {
      m.compile(Optimizer.adam(0.01), Loss.sparseCategoricalCrossentropy(), Metric.ACCURACY);
      assertEquals(0.01, m.learningRate(), 1e-9);
      m.setLearningRate(0.5);
      assertEquals(0.5, m.learningRate(), 1e-9);
    }
  }
}

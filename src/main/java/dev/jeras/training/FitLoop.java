package dev.jeras.training;

import dev.jeras.JerasException;
import dev.jeras.data.FloatArray;
import dev.jeras.data.NumericArray;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Tensor;

/**
 * One run of {@code fit}: the validation split, shuffling, batching (the last partial batch is
 * trained, as in Keras), running means, validation, callbacks, and the stop on a non-finite loss.
 */
final class FitLoop {
  private static final Logger LOG = LoggerFactory.getLogger(FitLoop.class);

  private final Trainer trainer;
  private final FitOptions o;
  private final List<FloatArray> xs;
  private final List<NumericArray> ys;
  private final List<FloatArray> valX;
  private final List<NumericArray> valY;
  private final List<Callback> callbacks = new ArrayList<>();

  FitLoop(Trainer trainer, List<FloatArray> x, List<NumericArray> y, FitOptions options) {
    this.trainer = trainer;
    this.o = options;
    trainer.engine().checkInputs(x, "training data");
    int n = x.get(0).count();
    trainer.checkTargets(y, n, "training data");
    if (options.validationX != null) {
      trainer.engine().checkInputs(options.validationX, "validation data");
      trainer.checkTargets(options.validationY, options.validationX.get(0).count(), "validation data");
      valX = options.validationX;
      valY = options.validationY;
      xs = x;
      ys = y;
    } else if (options.validationSplit > 0) {
      int split = (int) (n * (1 - options.validationSplit));
      if (split == n) {
        throw new JerasException(
            "validation split " + options.validationSplit + " of " + n
                + " samples leaves no validation sample");
      }
      xs = x.stream().map(a -> a.slice(0, split)).toList();
      ys = y.stream().map(a -> (NumericArray) a.slice(0, split)).toList();
      valX = x.stream().map(a -> a.slice(split, n)).toList();
      valY = y.stream().map(a -> (NumericArray) a.slice(split, n)).toList();
    } else {
      xs = x;
      ys = y;
      valX = null;
      valY = null;
    }
    if (xs.get(0).count() == 0) {
      throw new JerasException("training data is empty");
    }
    Callback progress = options.progressSet ? options.progress : new ProgressReporter.Logging();
    if (progress != null) {
      callbacks.add(progress);
    }
    callbacks.addAll(options.callbacks);
  }

  History run() {
    int n = xs.get(0).count();
    int batch = o.batchSize;
    int steps = (n + batch - 1) / batch;
    long seed = o.seed != null ? o.seed : trainer.engine().seed() ^ System.nanoTime();
    SplittableRandom rng = new SplittableRandom(seed);
    FitState state = new FitState(trainer, o.epochs, steps, n);
    History history = new History();
    Batches batches = new Batches();
    List<String> names = trainer.sumNames();
    boolean[] sparse = new boolean[ys.size()];
    for (int i = 0; i < sparse.length; i++) {
      sparse[i] = trainer.losses().get(i).sparseLabels();
    }
    callbacks.forEach(c -> c.onTrainBegin(state));
    for (int epoch = o.initialEpoch; epoch < o.epochs && !state.stopRequested(); epoch++) {
      final int e = epoch;
      callbacks.forEach(c -> c.onEpochBegin(e, state));
      long start = System.nanoTime();
      int[] order = o.shuffle ? Trainer.permutation(n, rng) : null;
      double lossSum = 0;
      double[] sums = new double[names.size()];
      int seen = 0;
      Map<String, Double> logs = new LinkedHashMap<>();
      for (int step = 0; step < steps; step++) {
        int from = step * batch;
        int to = Math.min(n, from + batch);
        float[] r = runStep(batches, order, from, to, sparse);
        if (!Float.isFinite(r[0])) {
          String msg =
              "non-finite loss " + r[0] + " at epoch " + (epoch + 1) + ", step " + (step + 1)
                  + ": training stopped";
          LOG.error(msg);
          state.stopTraining();
          history.stop(msg);
          break;
        }
        int size = to - from;
        seen += size;
        lossSum += (double) r[0] * size;
        logs.put("loss", lossSum / seen);
        for (int i = 0; i < sums.length; i++) {
          sums[i] += r[i + 1];
          logs.put(names.get(i), sums[i] / seen);
        }
        final int s = step;
        final Map<String, Double> snapshot = logs;
        callbacks.forEach(c -> c.onBatchEnd(s, snapshot, state));
        if (state.stopRequested()) {
          break;
        }
      }
      if (seen == 0) {
        break;
      }
      if (valX != null) {
        Map<String, Double> val = trainer.evaluate(valX, valY, batch);
        val.forEach((k, v) -> logs.put("val_" + k, v));
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      history.add(logs, seconds);
      callbacks.forEach(c -> c.onEpochEnd(e, logs, state));
      if (history.stopReason() != null) {
        break;
      }
    }
    callbacks.forEach(c -> c.onTrainEnd(history, state));
    return history;
  }

  private float[] runStep(Batches batches, int[] order, int from, int to, boolean[] sparse) {
    List<Tensor> bx = new ArrayList<>(xs.size());
    List<Tensor> by = new ArrayList<>(ys.size());
    try {
      for (FloatArray x : xs) {
        bx.add(batches.batch(x, order, from, to, false));
      }
      for (int i = 0; i < ys.size(); i++) {
        by.add(batches.batch(ys.get(i), order, from, to, sparse[i]));
      }
      return trainer.trainStep(bx, by);
    } finally {
      bx.forEach(Tensor::close);
      by.forEach(Tensor::close);
    }
  }
}

package dev.jeras.training;

import dev.jeras.JerasException;
import dev.jeras.data.FloatArray;
import dev.jeras.data.NumericArray;
import dev.jeras.data.StreamingDataset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of {@code fit}: the validation split, shuffling, batching (the last partial batch is
 * trained, as in Keras), running means, validation, callbacks, and the stop on a non-finite loss.
 * Batches come from a {@link StepSource}: arrays, or a streaming dataset prepared ahead; the time
 * each epoch waits for its batches is measured ({@link FitState#dataWaitFraction()}).
 */
final class FitLoop {
  private static final Logger LOG = LoggerFactory.getLogger(FitLoop.class);

  private final Trainer trainer;
  private final FitOptions o;
  private final StepSource train;
  private final StepSource val;
  private final List<Callback> callbacks = new ArrayList<>();
  // the arrays trained and validated on, compared across the tasks of a cluster (null for streams)
  private List<FloatArray> trainX;
  private List<NumericArray> trainY;
  private List<FloatArray> valX;
  private List<NumericArray> valY;

  FitLoop(Trainer trainer, List<FloatArray> x, List<NumericArray> y, FitOptions options) {
    this.trainer = trainer;
    this.o = options;
    trainer.engine().checkInputs(x, "training data");
    int n = x.get(0).count();
    trainer.checkTargets(y, n, "training data");
    List<FloatArray> xs;
    List<NumericArray> ys;
    boolean[] sparse = sparse(trainer, y.size());
    if (options.validationStream != null) {
      xs = x;
      ys = y;
      val = validationStream(trainer, options);
    } else if (options.validationX != null) {
      trainer.engine().checkInputs(options.validationX, "validation data");
      trainer.checkTargets(
          options.validationY, options.validationX.get(0).count(), "validation data");
      val =
          StepSource.arrays(
              options.validationX, options.validationY, options.batchSize, sparse, false);
      valX = options.validationX;
      valY = options.validationY;
      xs = x;
      ys = y;
    } else if (options.validationSplit > 0) {
      int split = (int) (n * (1 - options.validationSplit));
      if (split == n || split == 0) {
        throw new JerasException(
            "validation split "
                + options.validationSplit
                + " of "
                + n
                + " samples leaves no "
                + (split == 0 ? "training" : "validation")
                + " sample");
      }
      xs = x.stream().map(a -> a.slice(0, split)).toList();
      ys = y.stream().map(a -> (NumericArray) a.slice(0, split)).toList();
      List<FloatArray> vx = x.stream().map(a -> a.slice(split, n)).toList();
      List<NumericArray> vy = y.stream().map(a -> (NumericArray) a.slice(split, n)).toList();
      val = StepSource.arrays(vx, vy, options.batchSize, sparse, false);
      valX = vx;
      valY = vy;
    } else {
      xs = x;
      ys = y;
      val = null;
    }
    if (xs.get(0).count() == 0) {
      throw new JerasException("training data is empty (0 samples)");
    }
    DataParallel dp = trainer.engine().dataParallel();
    // in a cluster each task feeds its part of every global batch
    this.train =
        StepSource.arrays(
            xs,
            ys,
            options.batchSize,
            sparse,
            options.shuffle,
            dp == null ? 0 : dp.cluster().rank(),
            dp == null ? 1 : dp.cluster().size());
    this.trainX = xs;
    this.trainY = ys;
    addCallbacks(options);
  }

  /**
   * Trains on a streaming dataset: its own batch size and shuffling; validation data from {@link
   * FitOptions#validationData(StreamingDataset)} (a validation split of a stream is refused, as in
   * Keras).
   */
  FitLoop(Trainer trainer, StreamingDataset data, FitOptions options) {
    this.trainer = trainer;
    this.o = options;
    StreamCheck.targets(trainer, data, "training data");
    if (options.validationSplit > 0) {
      throw new JerasException(
          "a validation split works on arrays; for "
              + data.name()
              + " give validation data (FitOptions.validationData), e.g. an ImageFolder's"
              + " validation subset");
    }
    if (data.size() == 0) {
      throw new JerasException(data.name() + ": training data is empty (0 samples)");
    }
    this.train = StepSource.stream(data);
    if (options.validationStream != null) {
      val = validationStream(trainer, options);
    } else if (options.validationX != null) {
      trainer.engine().checkInputs(options.validationX, "validation data");
      trainer.checkTargets(
          options.validationY, options.validationX.get(0).count(), "validation data");
      val =
          StepSource.arrays(
              options.validationX,
              options.validationY,
              options.batchSize,
              sparse(trainer, options.validationY.size()),
              false);
    } else {
      val = null;
    }
    addCallbacks(options);
  }

  private static StepSource validationStream(Trainer trainer, FitOptions options) {
    StreamCheck.targets(trainer, options.validationStream, "validation data");
    return StepSource.stream(options.validationStream);
  }

  private static boolean[] sparse(Trainer trainer, int outputs) {
    boolean[] sparse = new boolean[outputs];
    for (int i = 0; i < sparse.length; i++) {
      sparse[i] = trainer.losses().get(i).sparseLabels();
    }
    return sparse;
  }

  private void addCallbacks(FitOptions options) {
    Callback progress = options.progressSet ? options.progress : new ProgressReporter.Logging();
    if (progress != null) {
      callbacks.add(progress);
    }
    callbacks.addAll(options.callbacks);
  }

  History run() {
    // in a cluster only the chief writes (and reads) checkpoints; the others take its state
    DataParallel dp = trainer.engine().dataParallel();
    Checkpointer ckpt =
        o.checkpointDir == null || (dp != null && !dp.isChief())
            ? null
            : new Checkpointer(o.checkpointDir, trainer, o.keepCheckpoints);
    try {
      return run(ckpt);
    } finally {
      if (ckpt != null) {
        ckpt.close();
      }
    }
  }

  private History run(Checkpointer ckpt) {
    int n = train.samples();
    int steps = train.steps();
    long seed = o.seed != null ? o.seed : trainer.engine().seed() ^ System.nanoTime();
    FitState state = new FitState(trainer, o.epochs, steps, n);
    List<String> names = trainer.sumNames();
    int startEpoch = o.initialEpoch;
    int startStep = 0;
    double[] resumed = null;
    History restored = null;
    if (ckpt != null && o.resume) {
      Checkpointer.State st = ckpt.restoreLatest();
      if (st != null) {
        seed = st.seed();
        startEpoch = st.epoch();
        startStep = st.step();
        resumed = st.partial();
        restored = st.history();
      }
    }
    DataParallel dp = trainer.engine().dataParallel();
    if (dp != null) {
      dp.checkSettings(trainer, o, trainX, trainY, valX, valY);
      DataParallel.Position p =
          dp.start(
              trainer,
              new DataParallel.Position(seed, startEpoch, startStep, resumed),
              2 + names.size());
      seed = p.seed();
      startEpoch = p.epoch();
      startStep = p.step();
      resumed = p.partial();
    }
    final History history = restored != null ? restored : new History();
    callbacks.forEach(c -> c.onTrainBegin(state));
    for (int epoch = startEpoch; epoch < o.epochs && !state.stopRequested(); epoch++) {
      final int e = epoch;
      callbacks.forEach(c -> c.onEpochBegin(e, state));
      long start = System.nanoTime();
      int[] order = train.shuffle() ? Trainer.permutation(n, epochRandom(seed, epoch)) : null;
      // partial[0] = samples seen, [1] = loss sum, [2..] = metric sums
      double[] partial = new double[2 + names.size()];
      int first = 0;
      if (epoch == startEpoch && resumed != null && resumed.length == partial.length) {
        partial = resumed.clone();
        first = startStep;
      }
      Map<String, Double> logs = new LinkedHashMap<>();
      boolean nonFinite = false;
      // nanoseconds this epoch waited for its next batch (training and validation)
      long[] waited = {0};
      try (StepSource.Pass pass = train.pass(order, first)) {
        for (int step = first; step < steps; step++) {
          long asked = System.nanoTime();
          StepSource.Feed batch = pass.next();
          waited[0] += System.nanoTime() - asked;
          if (batch == null) {
            break;
          }
          float[] r;
          int size = batch.size();
          try (batch) {
            if (size == 0) {
              continue; // every image of the batch was skipped
            }
            r =
                dp == null
                    ? trainer.trainStep(batch)
                    : dp.step(epoch, step, () -> trainer.trainStep(batch.x(), batch.y()));
          }
          if (!Float.isFinite(r[0])) {
            nonFinite = true;
            stopOnNonFinite(r[0], epoch, step, ckpt, state, history);
            break;
          }
          partial[0] += size;
          partial[1] += (double) r[0] * size;
          logs.put("loss", partial[1] / partial[0]);
          for (int i = 0; i < names.size(); i++) {
            partial[2 + i] += r[i + 1];
            logs.put(names.get(i), partial[2 + i] / partial[0]);
          }
          final int s = step;
          final Map<String, Double> snapshot = logs;
          callbacks.forEach(c -> c.onBatchEnd(s, snapshot, state));
          if (state.interrupted()) {
            String msg = "interrupted at epoch " + (epoch + 1) + ", step " + (step + 1);
            if (ckpt != null && step + 1 < steps) {
              ckpt.save(new Checkpointer.State(epoch, step + 1, seed, partial, history));
              msg += "; checkpoint written to " + o.checkpointDir;
            }
            LOG.warn(msg);
            history.stop(msg);
            if (step + 1 < steps) {
              callbacks.forEach(c -> c.onTrainEnd(history, state));
              return history;
            }
          }
          if (state.stopRequested()) {
            break;
          }
        }
      }
      if (nonFinite || partial[0] == 0) {
        break;
      }
      if (val != null) {
        Map<String, Double> v = trainer.evaluate(val, waited);
        v.forEach((k, value) -> logs.put("val_" + k, value));
      }
      long elapsed = System.nanoTime() - start;
      double seconds = elapsed / 1e9;
      state.setDataWaitFraction(elapsed > 0 ? (double) waited[0] / elapsed : 0);
      callbacks.forEach(c -> c.onEpochEnd(e, logs, state));
      history.add(logs, seconds, state.dataWaitFraction());
      if (ckpt != null) {
        ckpt.save(new Checkpointer.State(epoch + 1, 0, seed, new double[0], history));
      }
      if (dp != null) {
        state.setStopRequested(dp.endOfEpoch(trainer, epoch, state.stopRequested()));
      }
    }
    callbacks.forEach(c -> c.onTrainEnd(history, state));
    return history;
  }

  /**
   * Each epoch's order depends only on the seed and the epoch, so a resumed run reshuffles alike.
   */
  private static SplittableRandom epochRandom(long seed, int epoch) {
    return new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (epoch + 1)));
  }

  /** Keras' TerminateOnNaN, plus: the last good checkpoint is restored into the model. */
  private void stopOnNonFinite(
      float loss, int epoch, int step, Checkpointer ckpt, FitState state, History history) {
    String msg =
        "non-finite loss "
            + loss
            + " at epoch "
            + (epoch + 1)
            + ", step "
            + (step + 1)
            + ": training stopped";
    if (ckpt != null && ckpt.latest() != null) {
      ckpt.restoreLatest();
      msg += "; the model holds the last good checkpoint, " + ckpt.latest().getFileName();
    }
    LOG.error(msg);
    state.stopTraining();
    history.stop(msg);
  }
}

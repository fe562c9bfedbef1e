package dev.jeras.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jeras.JerasException;
import dev.jeras.distribute.MultiWorker;
import dev.jeras.distribute.TfConfig;
import dev.jeras.models.Model;
import dev.jeras.saving.KerasJson;
import dev.jeras.saving.ModelFiles;
import dev.jeras.saving.SavedModels;
import dev.jeras.training.FitOptions;
import dev.jeras.training.History;
import dev.jeras.training.Loss;
import dev.jeras.training.Metric;
import dev.jeras.training.Optimizer;
import dev.jeras.training.callbacks.CsvLogger;
import dev.jeras.training.callbacks.EarlyStopping;
import dev.jeras.training.callbacks.ModelCheckpoint;
import dev.jeras.training.callbacks.PlotCurves;
import dev.jeras.training.callbacks.ReduceLROnPlateau;
import dev.jeras.training.callbacks.TensorBoard;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code jeras train}: trains a model on a dataset, evaluates it on the test split and exports a
 * SavedModel. With no arguments: the MNIST CNN, 5 epochs, batch 64.
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = "Train a model, evaluate it on the test set and export it as a SavedModel.")
final class TrainCommand implements Callable<Integer> {
  @Mixin ModelOptions model;

  @Option(
      names = "--dataset",
      paramLabel = "NAME",
      description = "mnist, fashion-mnist or cifar10 (default: from the model's input shape)")
  String dataset;

  @picocli.CommandLine.Mixin CommonOptions.DataDir dataDir;

  @Mixin ImageOptions images;

  @Option(names = "--epochs", defaultValue = "5", description = "default: ${DEFAULT-VALUE}")
  int epochs;

  @Option(names = "--batch-size", defaultValue = "64", description = "default: ${DEFAULT-VALUE}")
  int batchSize;

  @Option(
      names = "--learning-rate",
      paramLabel = "F",
      description = "default: the optimizer's Keras default (Adam's 0.001)")
  Double learningRate;

  @Option(
      names = "--optimizer",
      description =
          "adam, adamw, sgd, rmsprop, nadam, adamax, adagrad, adadelta, ftrl or lion, with Keras'"
              + " defaults (default: adam; a compiled .keras model keeps its own)")
  String optimizer;

  @Option(
      names = "--validation-split",
      paramLabel = "F",
      defaultValue = "0",
      description =
          "fraction of the training data held out for validation (default: 0); of an image"
              + " folder: the files Keras holds out for the same --seed")
  double validationSplit;

  @Option(names = "--limit", paramLabel = "N", description = "train on the first N samples only")
  Integer limit;

  @Option(names = "--seed", paramLabel = "N", description = "seed for weights, shuffling, dropout")
  Long seed;

  @Option(
      names = "--export-savedmodel",
      paramLabel = "DIR",
      description = "SavedModel directory (default: models/<model>/<unix time>)")
  Path exportDir;

  @Option(
      names = "--save",
      paramLabel = "FILE.keras",
      description = "also save the trained model (.keras, or .json with .weights.h5)")
  Path save;

  @Option(names = "--no-export", description = "do not export a SavedModel")
  boolean noExport;

  @Option(
      names = "--overwrite",
      description =
          "replace an existing SavedModel at --export-savedmodel, --save or --save-best"
              + " (a directory that is not a SavedModel is never replaced)")
  boolean overwrite;

  @Option(names = "--metrics-out", paramLabel = "FILE.json", description = "write metrics as JSON")
  Path metricsOut;

  @Option(
      names = "--checkpoint-dir",
      paramLabel = "DIR",
      description =
          "write a checkpoint (weights, optimizer state, position) after every epoch"
              + " and on Ctrl-C")
  Path checkpointDir;

  @Option(
      names = "--resume",
      description =
          "continue from the newest checkpoint in"
              + " --checkpoint-dir (same data order and dropout as the interrupted run)")
  boolean resume;

  @Option(
      names = "--early-stopping",
      paramLabel = "N",
      description =
          "stop after N epochs without improvement of val_loss (loss without"
              + " validation), restoring the best weights")
  Integer earlyStopping;

  @Option(
      names = "--reduce-lr-on-plateau",
      paramLabel = "N",
      description = "halve the learning rate after N epochs without improvement")
  Integer reduceLrOnPlateau;

  @Option(names = "--csv-log", paramLabel = "FILE.csv", description = "write one CSV row per epoch")
  Path csvLog;

  @Option(
      names = "--log-dir",
      paramLabel = "DIR",
      description = "write TensorBoard event files (scalars per epoch, the graph) under DIR")
  Path logDir;

  @Option(
      names = "--plot",
      paramLabel = "FILE.png",
      description = "draw loss and accuracy curves (training and validation) to a PNG")
  Path plot;

  @Option(
      names = "--save-best",
      paramLabel = "FILE.keras",
      description = "save the model whenever val_loss (loss without validation) improves")
  Path saveBest;

  @picocli.CommandLine.Mixin DeviceOption device;

  @picocli.CommandLine.Mixin ClusterOptions clusterOptions;

  @picocli.CommandLine.Mixin CommonOptions.Verbose verbose;

  @Override
  public Integer call() throws Exception {
    verbose.apply();
    checkArguments();
    clusterOptions.check();
    TfConfig clusterConfig = clusterOptions.config();
    // in a cluster the chief writes every output; the other tasks train and log their epochs
    boolean lead = clusterConfig == null || clusterConfig.task().equals(clusterConfig.chief());
    // every output is checked before the model is built or the data loaded: a path that cannot be
    // written must not throw a finished run away
    Path exportTarget =
        noExport
            ? null
            : exportDir != null
                ? exportDir
                : Path.of(
                    "models", model.shortName(), Long.toString(System.currentTimeMillis() / 1000));
    if (lead) {
      new Outputs(overwrite)
          .savedModel("--export-savedmodel", exportTarget)
          .model("--save", save)
          .model("--save-best", saveBest)
          .file("--metrics-out", metricsOut)
          .file("--csv-log", csvLog)
          .file("--plot", plot)
          .directory("--log-dir", logDir)
          .checkpoints("--checkpoint-dir", checkpointDir)
          .check();
    }
    PrintStream out = System.out;
    // without --seed, a drawn one, printed, so that any run can be repeated exactly (a resumed
    // run keeps the checkpoint's own seed)
    boolean drawnSeed = seed == null && !resume;
    if (drawnSeed) {
      seed = (long) new java.security.SecureRandom().nextInt(1_000_000);
    }
    Path dir = dataDir.resolve();
    boolean folder = dataset == null && dataDir.isImageFolder();
    if (folder && clusterConfig != null) {
      throw new IllegalArgumentException(
          "--cluster/TF_CONFIG: training on a cluster reads built-in datasets (mnist,"
              + " fashion_mnist, cifar10); image folders train in one process");
    }
    MultiWorker cluster =
        clusterConfig == null
            ? null
            : clusterOptions.start(clusterConfig, device.options(), System.err);
    if (cluster != null && !lead) {
      out.printf(
          Locale.ROOT,
          "%s: training with %d tasks (chief %s at %s)%n",
          cluster.task(),
          cluster.size(),
          clusterConfig.chief(),
          clusterConfig.address(clusterConfig.chief()));
    }
    if (folder && resume && seed == null) {
      throw new IllegalArgumentException(
          "--resume on an image folder needs the --seed of the interrupted run (it decides the"
              + " images' order and the validation split)");
    }
    try (Model m = model.create();
        TrainingData data = data(m, dir, folder)) {
      m.engineOptions(device.options());
      if (seed != null) {
        m.seed(seed);
      }
      if (lead) {
        out.printf(
            Locale.ROOT,
            "Model %s: %,d parameters (%,d trainable)%n",
            m.name(),
            m.countParams(),
            m.countTrainableParams());
        out.println(data.describe());
        if (drawnSeed) {
          out.printf(Locale.ROOT, "Seed %d (drawn; --seed %d repeats this run)%n", seed, seed);
        }
        if (cluster != null) {
          out.printf(
              Locale.ROOT,
              "Cluster: %d tasks %s, global batch %d (%d per task)%n",
              cluster.size(),
              cluster.tasks(),
              batchSize,
              (batchSize + cluster.size() - 1) / cluster.size());
        }
      }
      if (!m.isCompiled()) {
        m.compile(
            Optimizer.of(optimizer == null ? "adam" : optimizer, learningRate),
            Loss.sparseCategoricalCrossentropy(),
            Metric.ACCURACY);
      } else if (optimizer != null) {
        throw new IllegalArgumentException(
            "--optimizer "
                + optimizer
                + ": "
                + model.model
                + " arrives compiled with "
                + m.optimizer().kerasClassName()
                + " and its state; leave --optimizer out to continue with it");
      }
      if (m.isCompiled() && learningRate != null) {
        m.setLearningRate(learningRate); // a loaded .keras keeps its optimizer state
      }
      FitOptions fit =
          new FitOptions()
              .epochs(epochs)
              .batchSize(batchSize)
              .progress(
                  lead
                      ? TerminalProgress.forConsole(out).showDataWait(verbose.verbose)
                      : ClusterOptions.workerProgress(out, cluster.task()))
              .distribute(cluster);
      if (seed != null) {
        fit.seed(seed);
      }
      if (checkpointDir != null) {
        fit.checkpointDir(checkpointDir).resume(resume);
      }
      String monitor = data.hasValidation() ? "val_loss" : "loss";
      if (earlyStopping != null) {
        fit.callbacks(new EarlyStopping(monitor).patience(earlyStopping).restoreBestWeights(true));
      }
      if (reduceLrOnPlateau != null) {
        fit.callbacks(
            new ReduceLROnPlateau(monitor, "auto").factor(0.5).patience(reduceLrOnPlateau));
      }
      if (csvLog != null && lead) {
        fit.callbacks(new CsvLogger(csvLog));
      }
      if (logDir != null && lead) {
        fit.callbacks(new TensorBoard(logDir, m::graphDef));
      }
      if (plot != null && lead) {
        fit.callbacks(new PlotCurves(plot).title(m.name()));
      }
      if (saveBest != null && lead) {
        fit.callbacks(new ModelCheckpoint(m, saveBest).monitor(monitor, "auto").saveBestOnly(true));
      }
      long[] firstStepMs = {-1};
      int[] epochsRun = {0};
      fit.callbacks(
          new dev.jeras.training.Callback() {
            @Override
            public void onBatchEnd(
                int step, Map<String, Double> logs, dev.jeras.training.FitState s) {
              if (firstStepMs[0] < 0) {
                firstStepMs[0] = System.currentTimeMillis();
              }
            }

            @Override
            public void onEpochEnd(
                int epoch, Map<String, Double> logs, dev.jeras.training.FitState s) {
              epochsRun[0]++;
            }
          });
      long start = System.nanoTime();
      History history;
      boolean interrupted;
      try (Interrupts interrupts = new Interrupts(System.err)) {
        fit.callbacks(interrupts);
        history = data.fit(m, fit);
        interrupted = interrupts.requested();
      }
      double trainSeconds = (System.nanoTime() - start) / 1e9;
      if (history.stopReason() != null) {
        out.println("Training stopped: " + history.stopReason());
      }
      if (interrupted) {
        return Interrupts.EXIT_CODE;
      }
      if (history.stopReason() != null && history.stopReason().startsWith("non-finite")) {
        return Main.USER_ERROR;
      }
      if (!lead) {
        out.printf(
            Locale.ROOT,
            "%s: done, %d epoch(s) in %.1f s; the chief evaluates and exports%n",
            cluster.task(),
            epochsRun[0],
            trainSeconds);
        return 0;
      }
      if (data.skipped() > 0) {
        out.printf(
            Locale.ROOT,
            "Skipped %d unreadable images (each named in a warning)%n",
            data.skipped());
      }
      Map<String, Double> test = data.test(m);
      if (test == null) {
        out.println("Test: none (" + dir + " has no test/ folder)");
      } else {
        out.printf(
            Locale.ROOT,
            "Test loss: %.4f - test accuracy: %.4f%n",
            test.get("loss"),
            test.get("accuracy"));
      }
      out.printf(
          Locale.ROOT,
          "Training time: %.1f s (%.1f s/epoch)%n",
          trainSeconds,
          trainSeconds / Math.max(1, epochsRun[0]));
      if (!noExport) {
        Path target = exportDir != null ? exportDir : freeVersion(exportTarget);
        if (exportDir != null && !overwrite && ModelFiles.isSavedModel(target)) {
          throw new JerasException(
              "--export-savedmodel "
                  + target.toAbsolutePath().normalize()
                  + ": a SavedModel appeared there during training; give --overwrite to replace"
                  + " it");
        }
        SavedModels.export(m, target);
        out.println("SavedModel: " + target.toAbsolutePath().normalize());
      }
      if (plot != null) {
        out.println("Plot: " + plot.toAbsolutePath().normalize());
      }
      if (logDir != null) {
        out.println("TensorBoard logs: " + logDir.toAbsolutePath().normalize());
      }
      if (save != null) {
        ModelFiles.save(m, save);
        out.println("Saved: " + save.toAbsolutePath().normalize());
      }
      if (metricsOut != null) {
        writeMetrics(m, history, test, trainSeconds, firstStepMs[0]);
        out.println("Metrics: " + metricsOut.toAbsolutePath().normalize());
      }
      return 0;
    }
  }

  /** The built-in dataset the model's input fits, or the image folder in --data-dir. */
  private TrainingData data(Model m, Path dir, boolean folder) {
    if (folder) {
      var options =
          images
              .forModel(m.inputLayers().get(0).batchShape(), batchSize)
              .validationSplit(validationSplit);
      if (seed != null) {
        options.seed(seed);
      }
      return TrainingData.folder(dir, options, limit);
    }
    String name =
        dataset != null ? dataset : CommonOptions.datasetFor(m.inputLayers().get(0).batchShape());
    TrainingData data = TrainingData.builtin(name, dir, limit, validationSplit);
    checkTrainingSamples(data.trainSize(), name, dir);
    return data;
  }

  /** Time waited for data over the epochs' wall-clock time, over the epochs that measured it. */
  private static double dataWaitFraction(History h) {
    double waited = 0;
    double total = 0;
    for (int i = 0; i < h.epochCount(); i++) {
      double f = h.dataWaitFractions().get(i);
      if (!Double.isNaN(f)) {
        waited += f * h.seconds().get(i);
        total += h.seconds().get(i);
      }
    }
    return total > 0 ? waited / total : 0;
  }

  /** Refuses bad numbers before anything is loaded. */
  private void checkArguments() {
    positive("--epochs", epochs);
    positive("--batch-size", batchSize);
    if (limit != null) {
      positive("--limit", limit);
    }
    if (learningRate != null && !(learningRate > 0 && Double.isFinite(learningRate))) {
      throw new IllegalArgumentException(
          "--learning-rate must be positive and finite, got " + learningRate);
    }
    if (!(validationSplit >= 0 && validationSplit < 1)) {
      throw new IllegalArgumentException(
          "--validation-split must be in [0, 1), got " + validationSplit);
    }
    if (earlyStopping != null && earlyStopping < 0) {
      throw new IllegalArgumentException(
          "--early-stopping must be >= 0 epochs, got " + earlyStopping);
    }
    if (reduceLrOnPlateau != null && reduceLrOnPlateau < 0) {
      throw new IllegalArgumentException(
          "--reduce-lr-on-plateau must be >= 0 epochs, got " + reduceLrOnPlateau);
    }
    if (optimizer != null) {
      Optimizer.of(optimizer, learningRate); // names the supported ones
    }
    if (resume && checkpointDir == null) {
      throw new IllegalArgumentException("--resume needs --checkpoint-dir");
    }
    if (limit != null && validationSplit > 0 && (int) (limit * (1 - validationSplit)) == 0) {
      throw new IllegalArgumentException(
          "--validation-split "
              + validationSplit
              + " of at most --limit "
              + limit
              + " samples leaves none to train on; raise --limit");
    }
    if (noExport && exportDir != null) {
      throw new IllegalArgumentException("give --export-savedmodel or --no-export, not both");
    }
  }

  static void positive(String option, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(option + " must be positive, got " + value);
    }
  }

  /**
   * Refuses training data that is empty, or that {@code --validation-split} leaves nothing of,
   * naming where the samples came from.
   */
  private void checkTrainingSamples(int n, String data, Path dir) {
    String source = data + " in " + dir + (limit == null ? "" : ", --limit " + limit);
    if (n == 0) {
      throw new JerasException("the training data is empty: 0 samples from " + source);
    }
    if (validationSplit > 0) {
      int kept = (int) (n * (1 - validationSplit)); // as fit splits
      if (kept == 0 || kept == n) {
        throw new JerasException(
            "--validation-split "
                + validationSplit
                + " of the "
                + n
                + " training samples ("
                + source
                + ") leaves "
                + (kept == 0
                    ? "none to train on; lower --validation-split"
                        + (limit != null && limit == n ? " or raise --limit" : "")
                    : "none to validate on; raise --validation-split"));
      }
    }
  }

  /**
   * The default export directory, {@code models/<model>/<unix time>}: the next free number if a run
   * that started in the same second took it.
   */
  private static Path freeVersion(Path target) {
    Path p = target;
    for (long v = Long.parseLong(target.getFileName().toString()); Files.exists(p); v++) {
      p = target.resolveSibling(Long.toString(v + 1));
    }
    return p;
  }

  private void writeMetrics(
      Model m, History h, Map<String, Double> test, double seconds, long firstStepUnixMs) {
    ObjectNode root = KerasJson.MAPPER.createObjectNode();
    ObjectNode params = root.putObject("params");
    params.put("total", m.countParams());
    params.put("trainable", m.countTrainableParams());
    params.put("non_trainable", m.countParams() - m.countTrainableParams());
    ArrayNode epochsNode = root.putArray("epochs");
    for (int i = 0; i < h.epochCount(); i++) {
      ObjectNode e = epochsNode.addObject();
      e.put("epoch", i + 1);
      for (String k : List.of("loss", "accuracy", "val_loss", "val_accuracy")) {
        Double v = h.epochs().get(i).get(k);
        if (v != null) {
          e.put(k, v);
        }
      }
      e.put("seconds", h.seconds().get(i));
      double wait = h.dataWaitFractions().get(i);
      if (!Double.isNaN(wait)) {
        e.put("data_wait_fraction", wait);
      }
    }
    if (test == null) {
      root.putNull("test");
    } else {
      ObjectNode t = root.putObject("test");
      t.put("loss", test.get("loss"));
      t.put("accuracy", test.get("accuracy"));
    }
    root.put("train_seconds", seconds);
    root.put("data_wait_fraction", dataWaitFraction(h));
    root.put("first_step_unix_ms", firstStepUnixMs);
    root.put(
        "process_start_unix_ms",
        java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime());
    CommonOptions.writeJson(metricsOut, root);
  }
}

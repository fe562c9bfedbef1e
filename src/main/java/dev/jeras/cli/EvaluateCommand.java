package dev.jeras.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jeras.JerasException;
import dev.jeras.data.Batch;
import dev.jeras.data.BatchIterator;
import dev.jeras.data.Dataset;
import dev.jeras.data.Datasets;
import dev.jeras.data.FloatArray;
import dev.jeras.data.ImageFolder;
import dev.jeras.data.IntArray;
import dev.jeras.layers.TensorShape;
import dev.jeras.models.Model;
import dev.jeras.models.Predictor;
import dev.jeras.saving.KerasJson;
import dev.jeras.saving.LoadedSavedModel;
import dev.jeras.training.Loss;
import dev.jeras.training.Metric;
import dev.jeras.training.Optimizer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code jeras evaluate --model PATH --dataset NAME}: loss and accuracy on a dataset's test split,
 * for a jeras model or any SavedModel whose output is class probabilities.
 */
@Command(
    name = "evaluate",
    mixinStandardHelpOptions = true,
    description = "Evaluate a model (file or SavedModel) on a dataset's test split.")
final class EvaluateCommand implements Callable<Integer> {
  @Mixin PredictorOptions model;

  @Option(
      names = "--dataset",
      paramLabel = "NAME",
      description = "mnist, fashion-mnist or cifar10 (default: from the model's input shape)")
  String dataset;

  @picocli.CommandLine.Mixin CommonOptions.DataDir dataDir;

  @picocli.CommandLine.Mixin ImageOptions images;

  @Option(names = "--limit", paramLabel = "N", description = "evaluate the first N test samples")
  Integer limit;

  @Option(names = "--batch-size", defaultValue = "256", description = "default: ${DEFAULT-VALUE}")
  int batchSize;

  @Option(names = "--metrics-out", paramLabel = "FILE.json", description = "write metrics as JSON")
  Path metricsOut;

  @picocli.CommandLine.Mixin DeviceOption device;

  @picocli.CommandLine.Mixin CommonOptions.Verbose verbose;

  @Override
  public Integer call() throws Exception {
    verbose.apply();
    TrainCommand.positive("--batch-size", batchSize);
    if (limit != null) {
      TrainCommand.positive("--limit", limit);
    }
    new Outputs(false).file("--metrics-out", metricsOut).check();
    Map<String, Double> r;
    String data;
    int samples;
    String what;
    Path dir = dataDir.resolve();
    try (Predictor p = model.predictor(device.options())) {
      if (p instanceof LoadedSavedModel s) {
        checkProbabilities(s);
      }
      if (dataset == null && dataDir.isImageFolder()) {
        ImageFolder.Split split =
            Datasets.imageFolder(
                dir, images.forModel(p.inputShapes().get(0), batchSize).shuffle(false));
        try (split) {
          ImageFolder test = split.test() != null ? split.test() : split.train();
          if (limit != null) {
            test = test.limit(limit);
          }
          data = test.name();
          what = data;
          r = evaluate(p, test);
          samples = (int) Math.round(r.remove("samples"));
        }
      } else {
        data = dataset != null ? dataset : CommonOptions.datasetFor(p.inputShapes().get(0));
        Dataset test = Datasets.load(data, dir).test();
        if (limit != null) {
          test = test.limit(limit);
        }
        samples = test.size();
        what = data + " test";
        r = evaluate(p, test);
      }
    }
    System.out.printf(
        Locale.ROOT,
        "%s on %s (%d samples): loss %.4f - accuracy %.4f%n",
        model,
        what,
        samples,
        r.get("loss"),
        r.get("accuracy"));
    if (metricsOut != null) {
      ObjectNode root = KerasJson.MAPPER.createObjectNode();
      root.put("model", model.toString());
      root.put("dataset", data);
      root.put("samples", samples);
      ObjectNode t = root.putObject("test");
      r.forEach(t::put);
      CommonOptions.writeJson(metricsOut, root);
    }
    return 0;
  }

  private Map<String, Double> evaluate(Predictor p, Dataset test) {
    if (p instanceof Model m) {
      if (!m.isCompiled()) {
        m.compile(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(), Metric.ACCURACY);
      }
      return m.evaluate(test.x(), test.y(), batchSize);
    }
    return fromProbabilities(p.predict(test.x(), batchSize), (IntArray) test.y());
  }

  /** Loss and accuracy on an image folder, with "samples": how many were evaluated. */
  private static Map<String, Double> evaluate(Predictor p, ImageFolder test) {
    Map<String, Double> r;
    if (p instanceof Model m) {
      if (!m.isCompiled()) {
        m.compile(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(), Metric.ACCURACY);
      }
      r = m.evaluate(test);
      r.put("samples", (double) (test.size() - test.skippedFiles().size()));
      return r;
    }
    double loss = 0;
    double correct = 0;
    int n = 0;
    try (BatchIterator it = test.batches()) {
      for (Batch next = it.next(); next != null; next = it.next()) {
        try (Batch b = next) {
          if (b.size() == 0) {
            continue;
          }
          int[] y = new int[b.size()];
          b.targets().asRawTensor().data().asInts().read(y);
          Map<String, Double> part =
              fromProbabilities(p.predict(b.featuresArray(), b.size()), IntArray.of(y));
          loss += part.get("loss") * b.size();
          correct += part.get("accuracy") * b.size();
          n += b.size();
        }
      }
    }
    if (n == 0) {
      throw new JerasException(test.name() + ": no image to evaluate on");
    }
    r = new LinkedHashMap<>();
    r.put("loss", loss / n);
    r.put("accuracy", correct / n);
    r.put("samples", (double) n);
    return r;
  }

  /**
   * Refuses, before the data loads, a SavedModel whose first output's declared rank is not 2: its
   * output cannot be class probabilities.
   */
  private void checkProbabilities(LoadedSavedModel s) {
    TensorShape declared = s.outputShapes().get(0);
    if (declared.rank() == 0 || declared.rank() > 2) {
      throw new JerasException(
          model
              + ": evaluate expects class probabilities (batch, classes), the SavedModel's output "
              + s.outputNames().get(0)
              + " is "
              + declared);
    }
  }

  /** Sparse categorical cross-entropy (Keras' clipping) and accuracy from probabilities. */
  static Map<String, Double> fromProbabilities(FloatArray probs, IntArray labels) {
    long[] s = probs.shape();
    if (s.length != 2 || s[0] != labels.count()) {
      throw new JerasException(
          "evaluate expects class probabilities (batch, classes) for "
              + labels.count()
              + " samples, the model returns "
              + dev.jeras.data.NumericArray.format(s));
    }
    int classes = (int) s[1];
    float[] p = probs.data();
    double loss = 0;
    int correct = 0;
    int n = labels.count();
    for (int i = 0; i < n; i++) {
      int y = labels.data()[i];
      if (y < 0 || y >= classes) {
        throw new JerasException(
            "label " + y + " at sample " + i + " is outside the model's " + classes + " classes");
      }
      double sum = 0;
      int arg = 0;
      for (int c = 0; c < classes; c++) {
        sum += p[i * classes + c];
        if (p[i * classes + c] > p[i * classes + arg]) {
          arg = c;
        }
      }
      double q = Math.min(Math.max(p[i * classes + y] / sum, 1e-7), 1 - 1e-7);
      loss -= Math.log(q);
      correct += arg == y ? 1 : 0;
    }
    Map<String, Double> r = new LinkedHashMap<>();
    r.put("loss", loss / n);
    r.put("accuracy", correct / (double) n);
    return r;
  }
}

package dev.jeras.cli;

import dev.jeras.JerasException;
import dev.jeras.data.Batch;
import dev.jeras.data.BatchIterator;
import dev.jeras.data.Datasets;
import dev.jeras.data.FloatArray;
import dev.jeras.data.ImageFolder;
import dev.jeras.data.ImageFolderOptions;
import dev.jeras.data.Images;
import dev.jeras.layers.TensorShape;
import dev.jeras.models.Predictor;
import dev.jeras.saving.AtomicFiles;
import dev.jeras.saving.Npy;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code jeras predict --model PATH --input FILE.npy --output FILE.npy}: runs a model (a .keras
 * file, a SavedModel directory, a model JSON with its weights) on a batch stored as NumPy.
 */
@Command(
    name = "predict",
    mixinStandardHelpOptions = true,
    description =
        "Run a model on inputs from a .npy file (outputs to .npy), or on image files"
            + " (prints the top classes).")
final class PredictCommand implements Callable<Integer> {
  @Mixin PredictorOptions model;

  @Option(
      names = "--input",
      paramLabel = "FILE.npy",
      description = "inputs, first axis = samples (float or integer; cast to float32)")
  Path input;

  @Option(
      names = "--output",
      paramLabel = "FILE.npy|npz|csv",
      description =
          "where to write the output, float32 (with --input); .npz writes every output of a"
              + " model with several, each under its output name; with --data-dir, a CSV of"
              + " path, class, probability")
  Path output;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description =
          "a folder of images (any layout, subfolders included): predicts every image, writes"
              + " --output FILE.csv")
  Path dataDir;

  @picocli.CommandLine.Mixin ImageOptions imageOptions;

  @Option(
      names = "--image",
      paramLabel = "FILE.png|jpg",
      arity = "1..*",
      description =
          "image file(s): resized and scaled to the model's input; prints the top-k" + " classes")
  List<Path> images;

  @Option(
      names = "--top-k",
      defaultValue = "3",
      description = "classes shown per image (default: 3)")
  int topK;

  @Option(
      names = "--classes",
      paramLabel = "DATASET",
      description =
          "class names: mnist, fashion-mnist or cifar10, an image folder (its class folders), or"
              + " names separated by commas (default: --data-dir's class folders, else from the"
              + " input shape)")
  String classes;

  @Option(
      names = "--invert",
      description =
          "invert gray levels (dark digits on white paper for" + " models trained on MNIST)")
  boolean invert;

  @Option(names = "--batch-size", defaultValue = "256", description = "default: ${DEFAULT-VALUE}")
  int batchSize;

  @picocli.CommandLine.Mixin DeviceOption device;

  @picocli.CommandLine.Mixin CommonOptions.Verbose verbose;

  @Override
  public Integer call() {
    verbose.apply();
    TrainCommand.positive("--batch-size", batchSize);
    if (images != null) {
      TrainCommand.positive("--top-k", topK);
      return predictImages();
    }
    if (dataDir != null) {
      return predictFolder();
    }
    if (input == null || output == null) {
      throw new IllegalArgumentException(
          "give --input FILE.npy --output FILE.npy, or --image FILE");
    }
    new Outputs(false).file("--output", output).check();
    FloatArray x = Npy.readFloats(input);
    try (Predictor p = model.predictor(device.options())) {
      if (p.inputNames().size() != 1) {
        throw new JerasException(
            model
                + ": the model has inputs "
                + p.inputNames()
                + "; the command line feeds single-input models");
      }
      TensorShape expected = p.inputShapes().get(0);
      TensorShape got = TensorShape.of(x.shape()).withBatch(-1);
      if (expected.rank() > 1 && !expected.isCompatibleWith(got)) {
        throw new JerasException(
            input
                + ": inputs of shape "
                + dev.jeras.data.NumericArray.format(x.shape())
                + " do not fit "
                + model
                + ", whose input "
                + p.inputNames().get(0)
                + " is "
                + expected);
      }
      boolean npz = output.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".npz");
      List<String> names = p.outputNames();
      if (!npz && names.size() != 1) {
        throw new JerasException(
            model
                + ": the model has "
                + names.size()
                + " outputs "
                + names
                + "; --output "
                + output
                + " holds one array: give an .npz file to get every output under its name");
      }
      List<FloatArray> out = p.predict(List.of(x), batchSize);
      if (npz) {
        Map<String, FloatArray> arrays = new LinkedHashMap<>();
        for (int i = 0; i < out.size(); i++) {
          String name = names.get(i);
          arrays.put(arrays.containsKey(name) ? name + "_" + i : name, out.get(i));
        }
        Npy.writeNpz(output, arrays);
      } else {
        Npy.write(output, out.get(0));
      }
      for (int i = 0; i < out.size(); i++) {
        System.out.printf(
            Locale.ROOT,
            "%s: %d samples -> %s %s%n",
            model,
            x.count(),
            names.get(i),
            dev.jeras.data.NumericArray.format(out.get(i).shape()));
      }
      System.out.println("Output: " + output.toAbsolutePath().normalize());
    }
    return 0;
  }

  private int predictImages() {
    try (Predictor p = model.predictor(device.options())) {
      TensorShape in = p.inputShapes().get(0);
      if (p.inputNames().size() != 1 || in.rank() != 4) {
        throw new JerasException(
            model
                + ": --image needs a single image input (batch, height,"
                + " width, channels); the model's inputs are "
                + p.inputShapes());
      }
      String names = classes != null ? classes : in.dim(3) == 3 ? "cifar10" : "mnist";
      List<String> labels = classNames(names);
      FloatArray all =
          Images.load(
              images,
              (int) in.dim(1),
              (int) in.dim(2),
              (int) in.dim(3),
              invert,
              imageOptions.maxImagePixels);
      for (int n = 0; n < images.size(); n++) {
        Path image = images.get(n);
        FloatArray x = all.slice(n, n + 1);
        FloatArray scores = p.predict(x, 1);
        if (scores.shape().length != 2) {
          throw new JerasException(
              model
                  + ": --image expects class scores (1, classes) per image, the model returns "
                  + dev.jeras.data.NumericArray.format(scores.shape()));
        }
        float[] probs = scores.data();
        Integer[] order = new Integer[probs.length];
        for (int i = 0; i < order.length; i++) {
          order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Float.compare(probs[b], probs[a]));
        StringBuilder line = new StringBuilder(image.toString()).append(':');
        for (int k = 0; k < Math.min(topK, order.length); k++) {
          int c = order[k];
          String name = c < labels.size() ? labels.get(c) : Integer.toString(c);
          line.append(String.format(Locale.ROOT, "  %s %.4f", name, probs[c]));
        }
        System.out.println(line);
      }
    }
    return 0;
  }

  /** Every image under --data-dir, in Keras' order: one CSV row each (path, class, probability). */
  private int predictFolder() {
    if (output == null) {
      throw new IllegalArgumentException("--data-dir needs --output FILE.csv");
    }
    new Outputs(false).file("--output", output).check();
    try (Predictor p = model.predictor(device.options())) {
      ImageFolder all =
          Datasets.imageFolder(
                  dataDir,
                  imageOptions
                      .forModel(p.inputShapes().get(0), batchSize)
                      .labelMode("none")
                      .shuffle(false))
              .train();
      List<String> labels =
          classes != null
              ? classNames(classes)
              : ImageFolder.looksLikeImageFolder(dataDir)
                  ? Datasets.imageFolder(dataDir, new ImageFolderOptions()).classNames()
                  : List.of();
      int[] written = {0};
      try (all) {
        AtomicFiles.writeFile(
            output,
            tmp -> {
              try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8);
                  BatchIterator it = all.batches()) {
                w.write("path,class,probability\n");
                for (Batch next = it.next(); next != null; next = it.next()) {
                  try (Batch b = next) {
                    if (b.size() == 0) {
                      continue;
                    }
                    float[] probs = p.predict(b.featuresArray(), b.size()).data();
                    int k = probs.length / b.size();
                    int[] rows = b.indices();
                    for (int i = 0; i < rows.length; i++) {
                      int best = 0;
                      for (int c = 1; c < k; c++) {
                        if (probs[i * k + c] > probs[i * k + best]) {
                          best = c;
                        }
                      }
                      String name =
                          best < labels.size() ? labels.get(best) : Integer.toString(best);
                      w.write(
                          String.format(
                              Locale.ROOT,
                              "%s,%s,%.6f%n",
                              csv(all.files().get(rows[i]).toString()),
                              csv(name),
                              probs[i * k + best]));
                      written[0]++;
                    }
                  }
                }
              }
            });
      }
      int skipped = all.size() - written[0];
      System.out.printf(
          Locale.ROOT,
          "%s: %d images -> %s%s%n",
          model,
          written[0],
          output.toAbsolutePath().normalize(),
          skipped > 0 ? " (" + skipped + " unreadable images skipped)" : "");
    }
    return 0;
  }

  /** Class names from a built-in dataset's name, an image folder, or a comma-separated list. */
  private static List<String> classNames(String spec) {
    if (Datasets.names().contains(spec.strip().toLowerCase(Locale.ROOT).replace('_', '-'))) {
      return Datasets.classNames(spec);
    }
    Path dir = Path.of(spec);
    if (Files.isDirectory(dir)) {
      return Datasets.imageFolder(dir, new ImageFolderOptions()).classNames();
    }
    if (spec.contains(",")) {
      return Arrays.stream(spec.split(",")).map(String::strip).toList();
    }
    return Datasets.classNames(spec); // names the datasets it knows in its error
  }

  /** A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180). */
  static String csv(String s) {
    if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
      return s;
    }
    return '"' + s.replace("\"", "\"\"") + '"';
  }
}

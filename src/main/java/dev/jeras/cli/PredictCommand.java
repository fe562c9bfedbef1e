package dev.jeras.cli;

import dev.jeras.JerasException;
import dev.jeras.data.FloatArray;
import dev.jeras.models.Predictor;
import dev.jeras.saving.ModelFiles;
import dev.jeras.saving.Npy;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jeras predict --model PATH --input FILE.npy --output FILE.npy}: runs a model (a .keras file,
 * a SavedModel directory, a model JSON with its weights) on a batch stored as NumPy.
 */
@Command(name = "predict", mixinStandardHelpOptions = true,
    description = "Run a model on inputs from a .npy file and write the outputs as .npy.")
final class PredictCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, paramLabel = "PATH",
      description = ".keras, .h5, model .json (+ .weights.h5 beside it) or SavedModel directory")
  Path model;

  @Option(names = "--input", required = true, paramLabel = "FILE.npy",
      description = "inputs, first axis = samples (float or integer; cast to float32)")
  Path input;

  @Option(names = "--output", required = true, paramLabel = "FILE.npy",
      description = "where to write the (first) output, float32")
  Path output;

  @Option(names = "--batch-size", defaultValue = "256", description = "default: ${DEFAULT-VALUE}")
  int batchSize;

  @Option(names = "--verbose", description = "debug logging and stack traces")
  boolean verbose;

  @Override
  public Integer call() {
    Main.setVerbose(verbose);
    FloatArray x = Npy.readFloats(input);
    try (Predictor p = ModelFiles.loadPredictor(model)) {
      if (p.inputNames().size() != 1) {
        throw new JerasException(model + ": the model has inputs " + p.inputNames()
            + "; the command line feeds single-input models");
      }
      List<FloatArray> out = p.predict(List.of(x), batchSize);
      Npy.write(output, out.get(0));
      System.out.printf(Locale.ROOT, "%s: %d samples -> %s %s%n", model, x.count(),
          p.outputNames().get(0), dev.jeras.data.NumericArray.format(out.get(0).shape()));
      System.out.println("Output: " + output.toAbsolutePath().normalize());
    }
    return 0;
  }
}

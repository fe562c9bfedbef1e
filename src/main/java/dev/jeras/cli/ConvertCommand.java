package dev.jeras.cli;

import dev.jeras.backend.EngineOptions;
import dev.jeras.backend.KernelPolicy;
import dev.jeras.models.Model;
import dev.jeras.saving.ModelFiles;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jeras convert --from PATH --to PATH}: between .keras, model JSON (+ .weights.h5), and
 * SavedModel directories (a SavedModel converts back only when jeras exported it); {@code --from}
 * may also build a model (a built-in or an application) that {@code --weights} fills, e.g. a legacy
 * weights file Keras applications publish, converted to {@code .keras}.
 */
@Command(
    name = "convert",
    mixinStandardHelpOptions = true,
    description =
        "Convert between .keras, model JSON (+ .weights.h5) and SavedModel; --weights loads a"
            + " Keras weights file into the model first.")
final class ConvertCommand implements Callable<Integer> {
  @Option(
      names = "--from",
      required = true,
      paramLabel = "PATH|NAME|APP[:OPTIONS]",
      converter = ModelSpec.Converter.class,
      description =
          ".keras, .h5, .json (+ .weights.h5 beside it), a jeras SavedModel, a built-in model,"
              + " or "
              + ModelOptions.APPLICATION_HELP)
  ModelSpec from;

  @Option(names = "--weights", paramLabel = "FILE", description = ModelOptions.WEIGHTS_HELP)
  Path weights;

  @Option(
      names = "--to",
      required = true,
      paramLabel = "PATH",
      description =
          ".keras, .json (writes .weights.h5 beside it), .weights.h5 or a directory"
              + " (SavedModel)")
  Path to;

  @Option(
      names = "--overwrite",
      description =
          "replace an existing SavedModel at --to (a directory that is not a SavedModel is never"
              + " replaced)")
  boolean overwrite;

  @picocli.CommandLine.Mixin CommonOptions.Verbose verbose;

  @Override
  public Integer call() {
    verbose.apply();
    new Outputs(overwrite).model("--to", to).check();
    // convert runs no prediction: TensorFlow's ops, so that loading measures no kernel
    EngineOptions options = EngineOptions.defaults().withKernels(KernelPolicy.TENSORFLOW);
    try (Model m = from.create(options, weights)) {
      ModelFiles.save(m, to);
      System.out.println("Converted " + from + " -> " + to.toAbsolutePath().normalize());
    }
    return 0;
  }
}

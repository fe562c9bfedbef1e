package dev.jeras.cli;

import dev.jeras.backend.EngineOptions;
import dev.jeras.models.Predictor;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The required {@code --model} and the {@code --weights} options of the commands that run an
 * existing model ({@code predict}, {@code evaluate}); prints as the model it names.
 */
final class PredictorOptions {
  @Option(
      names = "--model",
      required = true,
      paramLabel = "FILE|NAME|APP[:OPTIONS]",
      converter = ModelSpec.Converter.class,
      description =
          ".keras, .h5, model .json (+ .weights.h5 beside it), SavedModel directory, a built-in"
              + " model, or "
              + ModelOptions.APPLICATION_HELP)
  ModelSpec model;

  @Option(names = "--weights", paramLabel = "FILE", description = ModelOptions.WEIGHTS_HELP)
  Path weights;

  /**
   * @param engine the engine options
   * @return the model, with the weights file loaded where one is given
   */
  Predictor predictor(EngineOptions engine) {
    return model.predictor(engine, weights);
  }

  @Override
  public String toString() {
    return model.toString();
  }
}

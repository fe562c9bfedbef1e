package dev.jeras.cli;

import dev.jeras.models.Builtins;
import dev.jeras.models.Model;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --model NAME|APP[:OPTIONS]|FILE} and {@code --weights FILE} options. */
final class ModelOptions {
  /** What {@code --weights} says, for every command that has it. */
  static final String WEIGHTS_HELP =
      "a Keras weights file loaded into the model: .weights.h5, .keras (its weights), or a legacy"
          + " Keras 2 .h5 (full model, or weights only as Keras applications publish them)";

  /** What {@code --model} says about applications, for every command that has it. */
  static final String APPLICATION_HELP =
      "an application (MobileNetV2, ResNet50, EfficientNetB0, DenseNet121, VGG16; fresh weights"
          + " unless --weights), optionally with Keras' arguments: NAME:alpha=0.35,"
          + "input_shape=96x96x3,include_top=false,pooling=avg,classes=10,"
          + "classifier_activation=linear";

  @Option(
      names = "--model",
      paramLabel = "NAME|APP[:OPTIONS]|FILE",
      converter = ModelSpec.Converter.class,
      description =
          "a built-in model (${COMPLETION-CANDIDATES}), "
              + APPLICATION_HELP
              + ", a Keras model JSON, a .keras or .h5 file or a jeras SavedModel"
              + " (default: ${DEFAULT-VALUE})",
      defaultValue = "mnist-basic",
      completionCandidates = BuiltinNames.class)
  ModelSpec model;

  @Option(names = "--weights", paramLabel = "FILE", description = WEIGHTS_HELP)
  Path weights;

  /**
   * @return a new model from the options, with the --weights file loaded
   */
  Model create() {
    return model.create(null, weights);
  }

  /**
   * @return a short name for file names
   */
  String shortName() {
    return model.shortName();
  }

  /** The built-in model names, for help. */
  static final class BuiltinNames implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return Builtins.names().iterator();
    }
  }
}

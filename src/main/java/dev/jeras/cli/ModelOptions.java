package dev.jeras.cli;

import dev.jeras.models.Builtins;
import dev.jeras.models.Model;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --model NAME|FILE.json} option shared by the commands. */
final class ModelOptions {
  @Option(
      names = "--model",
      paramLabel = "NAME|FILE.json",
      description =
          "a built-in model (${COMPLETION-CANDIDATES}), a Keras model JSON, a .keras"
              + " file or a jeras SavedModel"
              + " (default: ${DEFAULT-VALUE})",
      defaultValue = "mnist-basic",
      completionCandidates = BuiltinNames.class)
  String model;

  /**
   * @return a new model from the option
   */
  Model create() {
    Path p = Path.of(model);
    if (model.contains(".") || model.contains("/") || Files.exists(p)) {
      return dev.jeras.saving.ModelFiles.load(p);
    }
    return Builtins.create(model);
  }

  /**
   * @return a short name for file names
   */
  String shortName() {
    String n = Path.of(model).getFileName().toString();
    return n.endsWith(".json") ? n.substring(0, n.length() - 5) : n;
  }

  /** The built-in model names, for help. */
  static final class BuiltinNames implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return Builtins.names().iterator();
    }
  }
}

package dev.jeras.cli;

import dev.jeras.JerasException;
import dev.jeras.applications.ApplicationOptions;
import dev.jeras.applications.Applications;
import dev.jeras.backend.EngineOptions;
import dev.jeras.models.Builtins;
import dev.jeras.models.Model;
import dev.jeras.models.Predictor;
import dev.jeras.saving.ModelFiles;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * What {@code --model} names: a model file or SavedModel directory, a built-in model, or a Keras
 * application with options ({@code MobileNetV2:alpha=0.35,input_shape=96x96x3,include_top=false}),
 * checked when the command line is parsed so that a bad option is a usage error.
 */
final class ModelSpec {
  /** The application options {@code --model NAME:KEY=VALUE,...} takes, as Keras names them. */
  static final List<String> APPLICATION_KEYS =
      List.of(
          "alpha",
          "input_shape",
          "include_top",
          "pooling",
          "classes",
          "classifier_activation",
          "name");

  private final String text;
  private final Path path;
  private final String application;
  private final ApplicationOptions options;

  private ModelSpec(String text, Path path, String application, ApplicationOptions options) {
    this.text = text;
    this.path = path;
    this.application = application;
    this.options = options;
  }

  /**
   * @param text the option's value
   * @return what it names
   * @throws TypeConversionException for an application option picocli reports as a usage error
   */
  static ModelSpec parse(String text) {
    Path p;
    try {
      p = Path.of(text);
    } catch (InvalidPathException e) {
      p = null;
    }
    if (p != null && Files.exists(p)) {
      return new ModelSpec(text, p, null, null);
    }
    int colon = text.indexOf(':');
    String head = colon < 0 ? text : text.substring(0, colon);
    if (Applications.exists(head)) {
      String app =
          Applications.names().stream().filter(n -> n.equalsIgnoreCase(head)).findFirst().get();
      return new ModelSpec(
          text, null, app, options(app, colon < 0 ? "" : text.substring(colon + 1)));
    }
    return new ModelSpec(text, p, null, null);
  }

  /** Reads {@code key=value,...} into the application's options. */
  private static ApplicationOptions options(String app, String list) {
    ApplicationOptions o = new ApplicationOptions();
    for (String item : list.split(",", -1)) {
      if (item.isBlank() && list.isBlank()) {
        continue;
      }
      int eq = item.indexOf('=');
      if (eq <= 0) {
        throw new TypeConversionException(
            app + ": expected key=value, got '" + item + "' (keys: " + APPLICATION_KEYS + ")");
      }
      String key = item.substring(0, eq).trim().toLowerCase(Locale.ROOT);
      String value = item.substring(eq + 1).trim();
      try {
        set(app, o, key, value);
      } catch (NumberFormatException | JerasException e) {
        throw new TypeConversionException(
            app + ": " + key + " expects " + expected(key) + ", got '" + value + "'");
      }
    }
    return o;
  }

  private static void set(String app, ApplicationOptions o, String key, String value) {
    switch (key) {
      case "alpha" -> {
        if (!app.equals("MobileNetV2")) {
          throw new TypeConversionException(
              app + ": alpha is MobileNetV2's option; " + app + " takes none, got '" + value + "'");
        }
        o.alpha(Double.parseDouble(value));
      }
      case "input_shape" -> {
        String[] d = value.toLowerCase(Locale.ROOT).split("x", -1);
        if (d.length != 3) {
          throw new NumberFormatException(value);
        }
        o.inputShape(Integer.parseInt(d[0]), Integer.parseInt(d[1]), Integer.parseInt(d[2]));
      }
      case "include_top" -> o.includeTop(bool(value));
      case "pooling" -> {
        String v = value.toLowerCase(Locale.ROOT);
        o.pooling(v.equals("none") ? null : v);
      }
      case "classes" -> o.classes(Integer.parseInt(value));
      case "classifier_activation" -> {
        if (value.isEmpty()) {
          throw new NumberFormatException(value);
        }
        o.classifierActivation(value.equalsIgnoreCase("none") ? null : value);
      }
      case "name" -> {
        if (value.isEmpty()) {
          throw new NumberFormatException(value);
        }
        o.name(value);
      }
      case "weights" ->
          throw new TypeConversionException(
              app + ": weights: give the file with --weights FILE, got 'weights=" + value + "'");
      default ->
          throw new TypeConversionException(
              app + ": unknown option '" + key + "': expected one of " + APPLICATION_KEYS);
    }
  }

  private static boolean bool(String v) {
    if (v.equalsIgnoreCase("true")) {
      return true;
    }
    if (v.equalsIgnoreCase("false")) {
      return false;
    }
    throw new NumberFormatException(v);
  }

  private static String expected(String key) {
    return switch (key) {
      case "alpha" -> "a positive width multiplier (0.35, 0.5, 0.75, 1.0, 1.3, 1.4)";
      case "input_shape" -> "HEIGHTxWIDTHxCHANNELS, positive (e.g. 96x96x3)";
      case "include_top" -> "true or false";
      case "pooling" -> "none, avg or max";
      case "classes" -> "a positive number";
      default -> "a name";
    };
  }

  /**
   * Builds the model, with the weights file loaded when one is given.
   *
   * @param engine the engine options the model runs with (set before the weights load), or null
   * @param weights a Keras weights file of any kind, or null
   * @return the model (close it)
   */
  Model create(EngineOptions engine, Path weights) {
    Model m;
    if (application != null) {
      m = Applications.create(application, options);
    } else if (path != null && (text.contains(".") || text.contains("/") || Files.exists(path))) {
      m = ModelFiles.load(path, engine);
    } else if (Builtins.names().contains(text)) {
      m = Builtins.create(text);
    } else {
      throw new JerasException(
          "unknown model '"
              + text
              + "'; built-in models: "
              + Builtins.names()
              + "; applications: "
              + Applications.names()
              + " (NAME or NAME:key=value,...); or a model file");
    }
    try {
      if (engine != null) {
        m.engineOptions(engine);
      }
      if (weights != null) {
        ModelFiles.loadWeights(m, weights);
      }
      return m;
    } catch (RuntimeException e) {
      m.close();
      throw e;
    }
  }

  /**
   * @param engine the engine options
   * @param weights a Keras weights file, or null
   * @return anything that predicts: any SavedModel directory (without weights), else the model
   */
  Predictor predictor(EngineOptions engine, Path weights) {
    if (weights == null && path != null && Files.isDirectory(path)) {
      return ModelFiles.loadPredictor(path, engine);
    }
    return create(engine, weights);
  }

  /**
   * @return a short name for file names: the application or built-in name, or the file's name
   *     without {@code .json}
   */
  String shortName() {
    if (application != null) {
      return application;
    }
    String n = path == null ? text : String.valueOf(path.getFileName());
    return n.endsWith(".json") ? n.substring(0, n.length() - 5) : n;
  }

  @Override
  public String toString() {
    return text;
  }

  /** picocli's converter for {@code --model}. */
  static final class Converter implements ITypeConverter<ModelSpec> {
    @Override
    public ModelSpec convert(String value) {
      return parse(value);
    }
  }
}

package dev.jeras.saving;

import dev.jeras.JerasException;
import dev.jeras.backend.EngineOptions;
import dev.jeras.data.FloatArray;
import dev.jeras.internal.Tensors;
import dev.jeras.layers.Network;
import dev.jeras.models.Model;
import dev.jeras.models.Predictor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Result;
import org.tensorflow.Session;

/**
 * One entry point for model files, chosen by path:
 *
 * <ul>
 *   <li>{@code *.keras}: Keras 3 archive (architecture, weights, compile config)
 *   <li>{@code *.h5}: legacy Keras full-model file (read only)
 *   <li>{@code *.json}: Keras model JSON, with weights from {@code <name>.weights.h5} beside it
 *       when present
 *   <li>{@code *.weights.h5}: weights only (save; load them, or the weights of any Keras file, with
 *       {@link #loadWeights})
 *   <li>a directory: a SavedModel (any for {@link #loadPredictor}; jeras' own for {@link #load},
 *       which needs the Keras config jeras stores inside)
 * </ul>
 *
 * <pre>{@code
 * ModelFiles.save(model, Path.of("mnist.keras"));
 * try (Predictor p = ModelFiles.loadPredictor(Path.of("python_export"))) { ... }
 * }</pre>
 */
public final class ModelFiles {
  private static final Logger LOG = LoggerFactory.getLogger(ModelFiles.class);

  private ModelFiles() {}

  private static String name(Path p) {
    return p.getFileName() == null ? "" : p.getFileName().toString().toLowerCase(Locale.ROOT);
  }

  /**
   * Loads a jeras model (architecture and weights).
   *
   * @param path a .keras, .h5 or .json file, or a SavedModel directory exported by jeras
   * @return the model
   */
  public static Model load(Path path) {
    return load(path, null);
  }

  /**
   * Loads a jeras model whose graphs are built with the given engine options from the first one
   * (the one that receives the weights): a model loaded for {@code --kernels fixed} measures no
   * kernel while it loads.
   *
   * @param path a .keras, .h5 or .json file, or a SavedModel directory exported by jeras
   * @param options the engine options, or null for the model's defaults
   * @return the model
   */
  public static Model load(Path path, EngineOptions options) {
    String n = name(path);
    if (Files.isDirectory(path)) {
      return fromJerasSavedModel(path);
    }
    if (!Files.exists(path)) {
      throw new JerasException(path + ": no such file or directory");
    }
    if (n.endsWith(".keras")) {
      return KerasFile.load(path, options);
    }
    if (n.endsWith(".weights.h5")) {
      throw new JerasException(
          path
              + ": a weights-only file; load the architecture (.json) and"
              + " give this file as its weights");
    }
    if (n.endsWith(".h5") || n.endsWith(".hdf5")) {
      return LegacyH5.load(path, options);
    }
    if (n.endsWith(".json")) {
      Model m = KerasJson.read(path);
      if (options != null) {
        m.engineOptions(options);
      }
      Path weights = weightsBeside(path);
      if (Files.isRegularFile(weights)) {
        try {
          loadWeights(m, weights);
        } catch (RuntimeException e) {
          m.close();
          throw e;
        }
      } else {
        LOG.info(
            "{}: no {} beside it: weights are freshly initialized", path, weights.getFileName());
      }
      return m;
    }
    throw new JerasException(
        path
            + ": unknown model format; expected .keras, .h5, .json or a"
            + " SavedModel directory");
  }

  /**
   * Loads anything that predicts: a SavedModel directory (any producer) or a model file.
   *
   * @param path the model
   * @return the predictor
   */
  public static Predictor loadPredictor(Path path) {
    return loadPredictor(path, EngineOptions.defaults());
  }

  /**
   * Loads anything that predicts, with engine options.
   *
   * @param path the model
   * @param options the device and kernel choice
   * @return the predictor
   */
  public static Predictor loadPredictor(Path path, EngineOptions options) {
    if (Files.isDirectory(path)) {
      return LoadedSavedModel.load(path, options);
    }
    Model m = load(path, options);
    try {
      return m.engineOptions(options);
    } catch (RuntimeException e) {
      m.close();
      throw e;
    }
  }

  /**
   * Loads a Keras weights file of any kind into a model built with the architecture it was saved
   * from: Keras 3 {@code .weights.h5}, a {@code .keras} archive (its {@code model.weights.h5}), or
   * a legacy Keras 2 {@code .h5} (a full model's {@code model_weights}, or a weights-only file such
   * as those Keras applications publish; its layers are matched by name, else by order as Keras
   * does). All or nothing: a file that does not fit leaves the model's weights as they were.
   *
   * @param model the model
   * @param weights the weights file
   */
  public static void loadWeights(Model model, Path weights) {
    if (!Files.isRegularFile(weights)) {
      throw new JerasException(weights + ": no such weights file");
    }
    if (name(weights).endsWith(".keras")) {
      KerasFile.loadWeights(model, weights);
      return;
    }
    WeightsH5.read(model, weights, weights.toString());
  }

  /**
   * Saves a model in the format its path names.
   *
   * @param model the model
   * @param path {@code .keras}, {@code .json} (+ {@code .weights.h5} beside it), {@code
   *     .weights.h5}, or a directory for a SavedModel (see {@link SavedModels#export} for which
   *     existing directories it replaces)
   */
  public static void save(Model model, Path path) {
    checkSavePath(path);
    String n = name(path);
    if (n.endsWith(".keras")) {
      KerasFile.save(model, path);
    } else if (n.endsWith(".weights.h5")) {
      AtomicFiles.writeFile(path, tmp -> WeightsH5.write(model, tmp));
    } else if (n.endsWith(".json")) {
      String json = KerasJson.toJson(model);
      AtomicFiles.writeFile(path, tmp -> Files.writeString(tmp, json + "\n"));
      AtomicFiles.writeFile(weightsBeside(path), tmp -> WeightsH5.write(model, tmp));
    } else {
      SavedModels.export(model, path);
    }
  }

  /**
   * Refuses a path {@link #save} cannot write (legacy {@code .h5}).
   *
   * @param path where a model is to be saved
   * @throws JerasException if jeras does not write that format
   */
  public static void checkSavePath(Path path) {
    String n = name(path);
    if (!n.endsWith(".weights.h5") && (n.endsWith(".h5") || n.endsWith(".hdf5"))) {
      throw new JerasException(
          path
              + ": jeras writes Keras 3 formats; use .keras (or"
              + " .weights.h5 for weights only)");
    }
  }

  /**
   * @param path where a model is to be saved
   * @return whether {@link #save} writes it as a SavedModel directory (no {@code .keras}, {@code
   *     .json} or {@code .weights.h5} name)
   */
  public static boolean savesSavedModel(Path path) {
    String n = name(path);
    return !(n.endsWith(".keras") || n.endsWith(".json") || n.endsWith(".h5"))
        && !n.endsWith(".hdf5");
  }

  /**
   * @param path a model JSON path
   * @return the weights file {@link #save} writes beside it ({@code m.json} to {@code
   *     m.weights.h5}), or null for other paths
   */
  public static Path weightsBeside(Path path) {
    String n = name(path);
    if (!n.endsWith(".json")) {
      return null;
    }
    // the name as given: only the extension is matched in any case (ResNet50.json beside
    // ResNet50.weights.h5, as Keras users name them)
    String given = path.getFileName().toString();
    return path.resolveSibling(given.substring(0, given.length() - 5) + ".weights.h5");
  }

  private static Model fromJerasSavedModel(Path dir) {
    Path config = dir.resolve(SavedModels.KERAS_CONFIG);
    if (!Files.isRegularFile(config)) {
      throw new JerasException(
          dir
              + ": this SavedModel carries no Keras model config (only"
              + " SavedModels exported by jeras convert back to a model); use it for predict and"
              + " evaluate, or convert the original .keras file");
    }
    Model model = KerasJson.read(config);
    try (LoadedSavedModel saved = LoadedSavedModel.load(dir)) {
      List<Network.LayerWeight> ws = model.network().weights();
      Session.Runner r = saved.bundle().session().runner();
      for (Network.LayerWeight w : ws) {
        r.fetch(w.path());
      }
      List<FloatArray> values = new ArrayList<>();
      try (Result res = r.run()) {
        for (int i = 0; i < ws.size(); i++) {
          long[] shape = ws.get(i).spec().shape();
          values.add(
              FloatArray.of(
                  Tensors.toFloats(res.get(i)), shape.length == 0 ? new long[] {1} : shape));
        }
      }
      model.setWeights(values);
      return model;
    } catch (RuntimeException e) {
      model.close();
      if (e instanceof JerasException) {
        throw e;
      }
      throw new JerasException(
          dir + ": cannot read the weights of the SavedModel: " + e.getMessage(), e);
    }
  }

  /**
   * @return whether a path is a SavedModel directory
   */
  public static boolean isSavedModel(Path path) {
    return Files.isDirectory(path) && Files.isRegularFile(path.resolve("saved_model.pb"));
  }
}

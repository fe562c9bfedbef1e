package dev.jeras.saving;

import dev.jeras.JerasException;
import dev.jeras.data.FloatArray;
import dev.jeras.internal.IoErrors;
import dev.jeras.layers.InputLayer;
import dev.jeras.layers.SymbolicTensor;
import dev.jeras.models.Model;
import dev.jeras.training.Engine;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Signature;

/**
 * Exports a model as a TensorFlow SavedModel for serving: the inference graph only (no optimizer,
 * no training ops), the current weights, and a {@code serving_default} signature whose inputs are
 * named after the model's input layers and whose outputs are {@code output_0}, {@code output_1},
 * ... (the names Keras' {@code model.export()} uses), all with a dynamic batch dimension. The
 * directory is written atomically.
 *
 * <p>An existing directory is replaced only when it is itself a SavedModel (or empty): anything
 * else there, such as a TF Serving model base path holding numbered versions, is never touched (see
 * {@link #checkReplaceable}).
 *
 * <p>Python reads it with {@code tf.saved_model.load(dir).signatures["serving_default"]}; TF
 * Serving serves it as is.
 */
public final class SavedModels {
  private static final Logger LOG = LoggerFactory.getLogger(SavedModels.class);

  /** The signature key. */
  public static final String SERVING_DEFAULT = "serving_default";

  private SavedModels() {}

  /** Where jeras keeps the model's Keras JSON inside its SavedModels (for conversion back). */
  public static final String KERAS_CONFIG = "assets.extra/keras_model.json";

  /**
   * @param model the trained model
   * @param dir the SavedModel directory to write (an existing SavedModel there is replaced once the
   *     new one is complete)
   * @throws JerasException if {@code dir} holds something other than a SavedModel, or cannot be
   *     written (the message names the cause, such as "No space left on device"); {@code dir} is
   *     then as it was
   */
  public static void export(Model model, Path dir) {
    checkReplaceable(dir);
    List<FloatArray> weights = model.getWeights();
    String config = KerasJson.toJson(model);
    AtomicFiles.writeDirectory(
        dir,
        tmp -> {
          try (Engine e = new Engine(model.network(), 0, model.engineOptions(), true)) {
            e.setWeights(weights);
            Signature.Builder sig = Signature.builder().key(SERVING_DEFAULT);
            List<SymbolicTensor> inputs = model.network().inputs();
            for (int i = 0; i < inputs.size(); i++) {
              sig.input(((InputLayer) inputs.get(i).layer()).name(), e.inputs().get(i));
            }
            for (int i = 0; i < e.outputs().size(); i++) {
              sig.output("output_" + i, e.outputs().get(i));
            }
            SavedModelBundle.exporter(tmp.toString())
                .withSession(e.session())
                .withSignature(sig.build())
                .export();
            Path extra = tmp.resolve(KERAS_CONFIG);
            Files.createDirectories(extra.getParent());
            Files.writeString(extra, config);
          }
        });
    LOG.info("exported SavedModel to {}", dir);
  }

  /**
   * Checks that {@link #export} may write {@code dir}: it does not exist, is an empty directory, or
   * is a SavedModel (has {@code saved_model.pb}). A file, or a directory holding anything else,
   * such as a TF Serving base path with versions {@code 1/}, {@code 2/}, is refused with a message
   * that suggests a new numbered subdirectory.
   *
   * @param dir the intended SavedModel directory
   * @throws JerasException when {@code dir} must not be replaced
   */
  public static void checkReplaceable(Path dir) {
    Path abs = dir.toAbsolutePath().normalize();
    if (!Files.exists(abs)) {
      return;
    }
    if (!Files.isDirectory(abs)) {
      throw new JerasException(
          abs + ": exists and is not a directory; a SavedModel is written as a directory");
    }
    if (ModelFiles.isSavedModel(abs)) {
      return;
    }
    List<String> names = new ArrayList<>();
    long nextVersion = 1;
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(abs)) {
      for (Path p : ds) {
        String n = p.getFileName().toString();
        names.add(Files.isDirectory(p) ? n + "/" : n);
        if (n.matches("[0-9]{1,18}")) {
          nextVersion = Math.max(nextVersion, Long.parseLong(n) + 1);
        }
      }
    } catch (IOException e) {
      throw new JerasException(abs + ": cannot list: " + IoErrors.describe(e), e);
    }
    if (names.isEmpty()) {
      return;
    }
    Collections.sort(names);
    String shown =
        names.size() <= 5
            ? String.join(", ", names)
            : String.join(", ", names.subList(0, 5)) + " and " + (names.size() - 5) + " more";
    throw new JerasException(
        abs
            + ": exists and is not a SavedModel (it holds "
            + shown
            + "); jeras replaces only a SavedModel directory. Write to a new directory instead,"
            + " such as "
            + abs.resolve(Long.toString(nextVersion))
            + " (a numbered version, as TF Serving expects in a model base path)");
  }
}

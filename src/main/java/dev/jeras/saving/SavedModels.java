package dev.jeras.saving;

import dev.jeras.data.FloatArray;
import dev.jeras.layers.InputLayer;
import dev.jeras.layers.SymbolicTensor;
import dev.jeras.models.Model;
import dev.jeras.training.Engine;
import java.nio.file.Files;
import java.nio.file.Path;
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
   * @param dir the SavedModel directory to write (replaced if it exists)
   */
  public static void export(Model model, Path dir) {
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
}

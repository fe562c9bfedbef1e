package dev.jeras.saving;

import dev.jeras.JerasException;
import dev.jeras.backend.EngineOptions;
import dev.jeras.models.Model;
import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Legacy Keras full-model {@code .h5} files ({@code model.save("m.h5")} in Keras 2, or Keras 3's
 * legacy format): the model JSON in the root attribute {@code model_config}, the weights under
 * {@code model_weights}. Sequential and Functional models of the supported layers load; the
 * optimizer state of these files is not read (the model comes back compiled if its {@code
 * training_config} allows, with a fresh optimizer).
 */
public final class LegacyH5 {
  private LegacyH5() {}

  /**
   * @param file a legacy .h5 model file
   * @return the model with its weights
   */
  public static Model load(Path file) {
    return load(file, null);
  }

  /**
   * @param file a legacy .h5 model file
   * @param options the engine options the model runs with, or null for its defaults
   * @return the model with its weights
   */
  public static Model load(Path file, EngineOptions options) {
    if (!Files.isRegularFile(file)) {
      throw new JerasException(file + ": no such .h5 file");
    }
    Model model = null;
    try (HdfFile h5 = new HdfFile(file)) {
      Attribute config = h5.getAttribute("model_config");
      if (config == null) {
        throw new JerasException(
            file
                + ": expected a full-model .h5 (a model_config attribute), got a weights-only"
                + " file: build the model (a name, an application or a .json) and load this file"
                + " with --weights (ModelFiles.loadWeights)");
      }
      model = KerasJson.fromJson(String.valueOf(config.getData()), file + "#model_config");
      if (options != null) {
        model.engineOptions(options);
      }
      WeightsH5.readLegacy(model, h5, file.toString());
      Attribute training = h5.getAttribute("training_config");
      if (training != null) {
        Object tc = KerasJson.MAPPER.readValue(String.valueOf(training.getData()), Object.class);
        if (tc instanceof java.util.Map<?, ?> m) {
          java.util.Map<String, Object> compile = new java.util.LinkedHashMap<>();
          compile.put("optimizer", m.get("optimizer_config"));
          compile.put("loss", m.get("loss"));
          compile.put("metrics", m.get("metrics"));
          CompileConfig.apply(model, compile, file.toString());
        }
      }
      Model result = model;
      model = null;
      return result;
    } catch (JerasException e) {
      throw e;
    } catch (Exception e) {
      throw new JerasException(
          file
              + ": expected a Keras .h5 model (HDF5), got an unreadable one"
              + " (truncated or damaged): "
              + e.getMessage(),
          e);
    } catch (OutOfMemoryError | StackOverflowError e) {
      // jHDF allocates what a damaged size field claims, and follows links however deep they go
      throw new JerasException(
          file
              + ": expected a Keras .h5 model (HDF5), got one whose sizes or"
              + " links are out of bounds ("
              + e
              + ")",
          e);
    } finally {
      if (model != null) {
        model.close();
      }
    }
  }
}

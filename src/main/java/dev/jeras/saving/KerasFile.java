package dev.jeras.saving;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.jeras.JerasException;
import dev.jeras.backend.EngineOptions;
import dev.jeras.data.FloatArray;
import dev.jeras.models.Model;
import dev.jeras.training.OptimizerState;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keras 3's {@code .keras} format, both ways: a zip of {@code metadata.json}, {@code config.json}
 * (model JSON plus {@code compile_config}) and {@code model.weights.h5}. A loaded model has its
 * weights, and, when its compile config is one jeras supports, is compiled with the saved optimizer
 * state so that training continues where it stopped.
 *
 * <pre>{@code
 * KerasFile.save(model, Path.of("mnist.keras"));        // keras.models.load_model reads it
 * try (Model m = KerasFile.load(Path.of("from_python.keras"))) { m.predict(x); }
 * }</pre>
 */
public final class KerasFile {
  private static final Logger LOG = LoggerFactory.getLogger(KerasFile.class);

  /** The Keras version whose format this writes. */
  static final String KERAS_VERSION = "3.15.1";

  /** Metadata that marks optimizer slots of Keras' meaning (see OptimizerState.KERAS_SLOTS). */
  private static final String SLOTS_KEY = "jeras_optimizer_slots";

  private KerasFile() {}

  /**
   * Writes a .keras file atomically.
   *
   * @param model the model (compiled or not)
   * @param file the file to write
   */
  public static void save(Model model, Path file) {
    Map<String, Object> config = KerasJson.toMap(model);
    if (model.isCompiled()) {
      config.put("compile_config", CompileConfig.toMap(model));
    }
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("keras_version", KERAS_VERSION);
    metadata.put(
        "date_saved",
        LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd@HH:mm:ss")));
    metadata.put("producer", "jeras");
    metadata.put(SLOTS_KEY, OptimizerState.KERAS_SLOTS);
    AtomicFiles.writeFile(
        file,
        tmp -> {
          Path h5 = Files.createTempFile(tmp.getParent(), ".weights-", ".h5");
          try {
            WeightsH5.write(model, h5);
            try (OutputStream os = Files.newOutputStream(tmp);
                ZipOutputStream zip = new ZipOutputStream(os)) {
              entry(zip, "metadata.json", json(metadata));
              entry(zip, "config.json", json(config));
              zip.putNextEntry(new ZipEntry("model.weights.h5"));
              Files.copy(h5, zip);
              zip.closeEntry();
            }
          } finally {
            Files.deleteIfExists(h5);
          }
        });
    LOG.info("saved {}", file);
  }

  private static byte[] json(Object o) throws JsonProcessingException {
    return KerasJson.MAPPER.writeValueAsBytes(o);
  }

  private static void entry(ZipOutputStream zip, String name, byte[] data) throws IOException {
    zip.putNextEntry(new ZipEntry(name));
    zip.write(data);
    zip.closeEntry();
  }

  /**
   * Reads a .keras file.
   *
   * @param file the file
   * @return the model with its weights (compiled when its compile config allows)
   */
  public static Model load(Path file) {
    return load(file, null);
  }

  /**
   * Reads a .keras file into a model that runs with the given engine options (they apply from the
   * first graph, the one that receives the weights).
   *
   * @param file the file
   * @param options the engine options, or null for the model's defaults
   * @return the model with its weights (compiled when its compile config allows)
   */
  @SuppressWarnings("unchecked")
  public static Model load(Path file, EngineOptions options) {
    if (!Files.isRegularFile(file)) {
      throw new JerasException(file + ": no such .keras file");
    }
    Path h5 = null;
    Model model = null;
    try (ZipFile zip = new ZipFile(file.toFile())) {
      Map<String, Object> config = readJson(zip, "config.json", file);
      model = KerasJson.fromMap(config, file + "!config.json");
      if (options != null) {
        model.engineOptions(options);
      }
      h5 = extractWeights(zip, file);
      Map<String, Object> optimizer = WeightsH5.read(model, h5, file + "!model.weights.h5");
      if (CompileConfig.apply(model, config.get("compile_config"), file.toString())
          && optimizer != null) {
        restoreOptimizer(model, optimizer, file, legacyJeras(zip, file));
      }
      Model result = model;
      model = null;
      return result;
    } catch (IOException e) {
      throw unreadable(file, e);
    } finally {
      if (model != null) {
        model.close();
      }
      if (h5 != null) {
        AtomicFiles.deleteQuietly(h5);
      }
    }
  }

  /**
   * Loads the weights of a {@code .keras} archive ({@code model.weights.h5}) into a model built
   * with the same architecture; the archive's config and optimizer state are not used.
   *
   * @param model the model
   * @param file the .keras file
   */
  static void loadWeights(Model model, Path file) {
    Path h5 = null;
    try (ZipFile zip = new ZipFile(file.toFile())) {
      h5 = extractWeights(zip, file);
      WeightsH5.read(model, h5, file + "!model.weights.h5");
    } catch (IOException e) {
      throw unreadable(file, e);
    } finally {
      if (h5 != null) {
        AtomicFiles.deleteQuietly(h5);
      }
    }
  }

  /** The error for a .keras archive that cannot be read: not a zip, or an I/O failure. */
  private static JerasException unreadable(Path file, IOException e) {
    return e instanceof ZipException
        ? new JerasException(
            file + ": not a valid .keras file (expected a zip archive): " + e.getMessage(), e)
        : new JerasException(file + ": cannot read: " + e.getMessage(), e);
  }

  /** Copies the archive's model.weights.h5 to a temporary file (jHDF reads files); delete it. */
  private static Path extractWeights(ZipFile zip, Path file) throws IOException {
    ZipEntry weights = zip.getEntry("model.weights.h5");
    if (weights == null) {
      throw new JerasException(file + ": model.weights.h5 missing from the archive");
    }
    Path h5 = Files.createTempFile("jeras-", ".weights.h5");
    try (InputStream in = zip.getInputStream(weights)) {
      Files.copy(in, h5, StandardCopyOption.REPLACE_EXISTING);
      return h5;
    } catch (IOException | RuntimeException e) {
      AtomicFiles.deleteQuietly(h5);
      throw e;
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> readJson(ZipFile zip, String name, Path file)
      throws IOException {
    ZipEntry e = zip.getEntry(name);
    if (e == null) {
      throw new JerasException(file + ": " + name + " missing from the archive");
    }
    try (InputStream in = zip.getInputStream(e)) {
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      Object o;
      try {
        o = KerasJson.MAPPER.readValue(text, Object.class);
      } catch (JsonProcessingException ex) {
        throw new JerasException(
            file + "!" + name + ": not valid JSON: " + ex.getOriginalMessage());
      }
      if (!(o instanceof Map<?, ?> m)) {
        throw new JerasException(file + "!" + name + ": expected a JSON object");
      }
      return (Map<String, Object>) m;
    }
  }

  /** Whether an older jeras wrote the file (its optimizer slots may lack Keras' meaning). */
  private static boolean legacyJeras(ZipFile zip, Path file) throws IOException {
    if (zip.getEntry("metadata.json") == null) {
      return false;
    }
    try {
      Map<String, Object> metadata = readJson(zip, "metadata.json", file);
      return "jeras".equals(metadata.get("producer"))
          && !OptimizerState.KERAS_SLOTS.equals(metadata.get(SLOTS_KEY));
    } catch (JerasException e) {
      return false; // Keras itself reads no more than the version from it
    }
  }

  private static void restoreOptimizer(
      Model trainer, Map<String, Object> vars, Path file, boolean legacyJeras) {
    int expected = 2 + trainer.optimizerState().slots().size();
    if (vars.size() == 2 && expected > 2) {
      // iterations and learning rate only: Keras compiled the model but never trained it (its
      // optimizer has no slots yet), so a fresh optimizer is what the file holds
      LOG.debug("{}: an optimizer that has not trained yet: starting it afresh", file);
      return;
    }
    if (vars.size() != expected) {
      LOG.warn(
          "{}: optimizer state has {} variables, the compiled {} has {}: starting it afresh",
          file,
          vars.size(),
          trainer.optimizer().kerasClassName(),
          expected);
      return;
    }
    String where = file + "!model.weights.h5: optimizer/vars";
    try {
      float[] it = WeightsH5.toFloats(vars.get("0"), where + "/0");
      float[] lr = WeightsH5.toFloats(vars.get("1"), where + "/1");
      if (it.length != 1 || lr.length != 1) {
        throw new JerasException(
            where
                + ": iterations and learning rate expected one value each,"
                + " got "
                + it.length
                + " and "
                + lr.length);
      }
      List<FloatArray> slots = new ArrayList<>();
      for (int i = 2; i < expected; i++) {
        float[] v = WeightsH5.toFloats(vars.get(Integer.toString(i)), where + "/" + i);
        slots.add(FloatArray.of(v, v.length));
      }
      // the iteration count is an int64: read it exactly when it is a scalar
      long iterations = vars.get("0") instanceof Number n ? n.longValue() : (long) it[0];
      OptimizerState state = new OptimizerState(iterations, lr[0], slots);
      trainer.restoreOptimizerState(
          legacyJeras ? state.fromLegacyJeras(trainer.optimizer()) : state);
    } catch (JerasException e) {
      if (e.getMessage() != null && e.getMessage().startsWith(file.toString())) {
        throw e;
      }
      throw new JerasException(where + ": " + e.getMessage(), e);
    }
  }
}

package dev.jeras.serve;

import dev.jeras.JerasException;
import dev.jeras.data.FloatArray;
import dev.jeras.models.Model;
import dev.jeras.models.Predictor;
import dev.jeras.saving.LoadedSavedModel;
import dev.jeras.saving.ModelFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * One loaded version of a model: its predictor, its signatures, and a reference count so that a
 * version being replaced finishes the requests that hold it before its native memory is released.
 */
final class Servable {
  /** Rows per run of the model within one request (bounds the tensors of a huge request). */
  private static final int CHUNK_ROWS = 4096;

  private final String model;
  private final long version;
  private final Predictor predictor;
  private final Map<String, Signatures.Signature> signatures;
  private final String runKey;
  private final AtomicInteger refs = new AtomicInteger(1);
  private final AtomicBoolean retired = new AtomicBoolean();
  private volatile Runnable onClosed = () -> {};

  private Servable(
      String model,
      long version,
      Predictor predictor,
      Map<String, Signatures.Signature> signatures,
      String runKey) {
    this.model = model;
    this.version = version;
    this.predictor = predictor;
    this.signatures = signatures;
    this.runKey = runKey;
  }

  /**
   * Loads a version and runs it once on a zero input (so that a model that cannot run fails here,
   * not on a client's request).
   *
   * @param model the model name
   * @param version the version number
   * @param path a SavedModel directory, a directory holding one model file, or a model file
   * @return the servable, holding one reference (the manager's)
   */
  static Servable load(String model, long version, Path path) {
    Path target = modelPath(path);
    Servable s;
    if (ModelFiles.isSavedModel(target)) {
      LoadedSavedModel lm = LoadedSavedModel.load(target);
      try {
        s =
            new Servable(
                model, version, lm, Signatures.of(lm.bundle().metaGraphDef()), lm.signatureKey());
      } catch (RuntimeException e) {
        lm.close();
        throw e;
      }
    } else {
      Model m = ModelFiles.load(target);
      try {
        s = new Servable(model, version, m, Signatures.of(m), Signatures.DEFAULT_KEY);
      } catch (RuntimeException e) {
        m.close();
        throw e;
      }
    }
    try {
      s.warmUp();
    } catch (RuntimeException e) {
      s.predictor.close();
      throw new JerasException(target + ": the model failed its first run: " + e.getMessage(), e);
    }
    return s;
  }

  /**
   * @return what to load in a version directory: itself when it is a SavedModel or a file, else the
   *     one model file inside it
   */
  static Path modelPath(Path path) {
    if (!Files.isDirectory(path) || ModelFiles.isSavedModel(path)) {
      return path;
    }
    List<Path> files;
    try (Stream<Path> s = Files.list(path)) {
      files = s.filter(Servable::isModelFile).sorted().toList();
    } catch (IOException e) {
      throw new JerasException(path + ": cannot list the version directory: " + e, e);
    }
    if (files.size() != 1) {
      throw new JerasException(
          path
              + ": a version directory expects a SavedModel (saved_model.pb) or exactly one"
              + " .keras or .h5 file, got "
              + (files.isEmpty() ? "none" : files.size() + " model files " + files));
    }
    return files.get(0);
  }

  private static boolean isModelFile(Path p) {
    String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
    return Files.isRegularFile(p)
        && (n.endsWith(".keras") || (n.endsWith(".h5") && !n.endsWith(".weights.h5")));
  }

  private void warmUp() {
    Signatures.Signature sig = signatures.get(runKey);
    List<FloatArray> xs = new ArrayList<>();
    for (Signatures.TensorSpec t : sig.inputs()) {
      long[] d = t.dims();
      if (d == null || d.length == 0) {
        return; // no shape to make a zero input of
      }
      long[] one = d.clone();
      one[0] = 1;
      for (int i = 1; i < one.length; i++) {
        if (one[i] < 0) {
          return;
        }
      }
      xs.add(FloatArray.zeros(one));
    }
    predictor.predict(xs, 1);
  }

  String model() {
    return model;
  }

  long version() {
    return version;
  }

  /**
   * @return every signature by key (metadata)
   */
  Map<String, Signatures.Signature> signatures() {
    return signatures;
  }

  /**
   * @param key a signature key, or null or empty for {@code serving_default}
   * @return the signature, if jeras can run it
   * @throws ServeException INVALID_ARGUMENT when there is no such signature or it is not float
   */
  Signatures.Signature runnable(String key) {
    String k = key == null || key.isEmpty() ? Signatures.DEFAULT_KEY : key;
    Signatures.Signature s = signatures.get(k);
    if (s == null) {
      throw ServeException.invalid(
          "Serving signature name: \"" + k + "\" not found in signature def");
    }
    String why = s.unsupported();
    if (why != null) {
      throw new ServeException(
          Status.UNIMPLEMENTED,
          "signature \"" + k + "\" cannot be served by jeras (float32 tensors only): " + why);
    }
    return s;
  }

  /**
   * @param sig a signature from {@link #runnable}
   * @param inputs one array per signature input, in its key order, batch dimension first
   * @return one array per signature output, in its key order
   */
  List<FloatArray> run(Signatures.Signature sig, List<FloatArray> inputs) {
    if (sig.key().equals(runKey)) {
      return predictor.predict(inputs, CHUNK_ROWS);
    }
    Map<String, FloatArray> in = new LinkedHashMap<>();
    for (int i = 0; i < inputs.size(); i++) {
      in.put(sig.inputs().get(i).key(), inputs.get(i));
    }
    Map<String, FloatArray> out = ((LoadedSavedModel) predictor).call(sig.key(), in);
    return sig.outputKeys().stream().map(out::get).toList();
  }

  /**
   * @return whether a reference was taken (false once the version is closing)
   */
  boolean tryAcquire() {
    while (true) {
      int r = refs.get();
      if (r <= 0) {
        return false;
      }
      if (refs.compareAndSet(r, r + 1)) {
        return true;
      }
    }
  }

  /** Drops a reference; the last one closes the model. */
  void release() {
    if (refs.decrementAndGet() == 0) {
      try {
        predictor.close();
      } finally {
        onClosed.run();
      }
    }
  }

  /**
   * Drops the manager's reference: the model closes when the last request holding it finishes.
   *
   * @param whenClosed run once the model is closed
   */
  void retire(Runnable whenClosed) {
    if (retired.compareAndSet(false, true)) {
      onClosed = whenClosed;
      release();
    }
  }
}

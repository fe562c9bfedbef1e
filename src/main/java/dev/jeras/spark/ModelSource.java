package dev.jeras.spark;

import dev.jeras.JerasException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import org.apache.spark.SparkFiles;

/**
 * Where executors find a model: a path every executor can read (a local path in local mode, a
 * shared file system on a cluster), or a file or archive shipped with the job ({@code spark-submit
 * --files model.keras} or {@code --archives model.zip#model}) and found through {@link SparkFiles}.
 * Any model jeras loads: a SavedModel directory, a {@code .keras} or legacy {@code .h5} file, or
 * model JSON with its {@code .weights.h5} beside it.
 *
 * <pre>{@code
 * ModelSource local = ModelSource.path("models/mnist/1");
 * ModelSource shipped = ModelSource.sparkFile("mnist");   // --archives mnist.zip#mnist
 * }</pre>
 */
public final class ModelSource implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Prefix of {@link #parse} for a shipped file. */
  public static final String SPARK_FILES_PREFIX = "sparkfiles:";

  private final String location;
  private final boolean shipped;

  private ModelSource(String location, boolean shipped) {
    this.location = Objects.requireNonNull(location, "model location");
    if (location.isBlank()) {
      throw new JerasException("model: an empty path was given");
    }
    this.shipped = shipped;
  }

  /**
   * @param path a model path that the driver and every executor can read
   * @return the source
   */
  public static ModelSource path(String path) {
    return new ModelSource(path, false);
  }

  /**
   * @param name the name a file or archive was shipped under ({@code --files}, {@code --archives
   *     file#name}, {@code SparkContext.addFile})
   * @return the source
   */
  public static ModelSource sparkFile(String name) {
    return new ModelSource(name, true);
  }

  /**
   * @param spec a path, or {@code sparkfiles:NAME} for a shipped file
   * @return the source
   */
  public static ModelSource parse(String spec) {
    return spec.startsWith(SPARK_FILES_PREFIX)
        ? sparkFile(spec.substring(SPARK_FILES_PREFIX.length()))
        : path(spec);
  }

  /**
   * The model's path in this JVM (driver or executor).
   *
   * @return the absolute path
   * @throws JerasException naming the source when nothing is there
   */
  public Path resolve() {
    Path p = shipped ? Path.of(SparkFiles.get(location)) : Path.of(location);
    p = p.toAbsolutePath().normalize();
    if (!Files.exists(p)) {
      throw new JerasException(
          this
              + ": no such file or directory"
              + (shipped ? " among the job's shipped files (" + p + ")" : ""));
    }
    return p;
  }

  @Override
  public String toString() {
    return shipped ? SPARK_FILES_PREFIX + location : location;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ModelSource m && m.location.equals(location) && m.shipped == shipped;
  }

  @Override
  public int hashCode() {
    return Objects.hash(location, shipped);
  }
}

package dev.jeras.serve;

import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One served model (TensorFlow Serving's {@code ModelConfig}): its name in URLs, the base path
 * whose numbered subdirectories are its versions, the version policy and the version labels.
 *
 * <p>A version directory holds a SavedModel ({@code saved_model.pb}) or one model file jeras loads
 * ({@code .keras}, {@code .h5}). A base path that is itself a SavedModel directory or a model file
 * is served as version 1 (a jeras convenience; TensorFlow Serving needs the numbered directories).
 *
 * @param name the model name ({@code /v1/models/{name}})
 * @param basePath the directory of version subdirectories (or one model)
 * @param policy which versions to serve
 * @param labels version labels ({@code /v1/models/{name}/labels/{label}})
 */
public record ModelConfig(
    String name, Path basePath, VersionPolicy policy, Map<String, Long> labels) {
  private static final Pattern LABEL = Pattern.compile("[a-zA-Z0-9_]+");

  /** Validates and copies. */
  public ModelConfig {
    if (name == null || name.isEmpty() || name.contains("/") || name.contains(":")) {
      throw new IllegalArgumentException(
          "model name must be non-empty without '/' or ':', got \"" + name + "\"");
    }
    if (basePath == null) {
      throw new IllegalArgumentException("model " + name + ": base_path is required");
    }
    policy = policy == null ? VersionPolicy.latest(1) : policy;
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    for (String l : labels.keySet()) {
      if (!LABEL.matcher(l).matches()) {
        throw new IllegalArgumentException(
            "model " + name + ": version label must match [a-zA-Z0-9_]+, got \"" + l + "\"");
      }
    }
  }

  /**
   * @param name the model name
   * @param basePath the base path
   * @return a model served with the latest-version policy and no labels
   */
  public static ModelConfig of(String name, Path basePath) {
    return new ModelConfig(name, basePath, VersionPolicy.latest(1), Map.of());
  }
}

package dev.jeras.serve;

import dev.jeras.JerasException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * TensorFlow Serving's config files in protocol buffer text format, read with {@link TextProto}:
 * {@code --model_config_file} ({@code ModelServerConfig}: {@code model_config_list} with {@code
 * config} entries: {@code name}, {@code base_path}, {@code model_platform}, {@code
 * model_version_policy}, {@code version_labels}), {@code --batching_parameters_file} ({@code
 * BatchingParameters}) and {@code --monitoring_config_file} ({@code MonitoringConfig}). A field
 * jeras does not implement is an error naming it, never silently ignored.
 */
public final class ConfigFiles {
  private ConfigFiles() {}

  /**
   * @param file a text-format {@code ModelServerConfig}
   * @return the models it lists
   */
  public static List<ModelConfig> readModelServerConfig(Path file) {
    TextProto.Message root = TextProto.parse(read(file), file.toString());
    root.requireOnly("ModelServerConfig", Set.of("model_config_list"));
    TextProto.Message list = root.message("model_config_list");
    if (list == null) {
      throw new JerasException(
          file + ": expected a model_config_list { config { ... } }, got none");
    }
    list.requireOnly("model_config_list", Set.of("config"));
    List<TextProto.Message> configs = list.messages("config");
    if (configs.isEmpty()) {
      throw new JerasException(file + ": model_config_list has no config entries");
    }
    Map<String, ModelConfig> out = new LinkedHashMap<>();
    for (TextProto.Message c : configs) {
      c.requireOnly(
          "config",
          Set.of("name", "base_path", "model_platform", "model_version_policy", "version_labels"));
      String name = c.string("name");
      String base = c.string("base_path");
      if (name == null || base == null) {
        throw new JerasException(
            file
                + ": every config needs a name and a base_path; got name "
                + name
                + ", base_path "
                + base);
      }
      String platform = c.string("model_platform");
      if (platform != null && !platform.equals("tensorflow")) {
        throw new JerasException(
            file
                + ": model "
                + name
                + ": model_platform 'tensorflow' expected, got '"
                + platform
                + "'");
      }
      Map<String, Long> labels = new LinkedHashMap<>();
      for (TextProto.Message l : c.messages("version_labels")) {
        l.requireOnly("version_labels", Set.of("key", "value"));
        String key = l.string("key");
        if (key == null) {
          throw new JerasException(file + ": model " + name + ": version_labels without a key");
        }
        labels.put(key, l.integer("value", 0));
      }
      if (out.containsKey(name)) {
        throw new JerasException(file + ": model " + name + " is configured twice");
      }
      try {
        out.put(
            name,
            new ModelConfig(
                name, Path.of(base), policy(c.message("model_version_policy"), file), labels));
      } catch (IllegalArgumentException e) {
        throw new JerasException(file + ": " + e.getMessage(), e);
      }
    }
    return List.copyOf(out.values());
  }

  private static VersionPolicy policy(TextProto.Message p, Path file) {
    if (p == null) {
      return VersionPolicy.latest(1);
    }
    p.requireOnly("model_version_policy", Set.of("latest", "all", "specific"));
    if (p.fields().size() != 1) {
      throw new JerasException(
          file + ": model_version_policy expects one of latest, all or specific, got " + p.names());
    }
    TextProto.Message latest = p.message("latest");
    if (latest != null) {
      latest.requireOnly("latest", Set.of("num_versions"));
      return VersionPolicy.latest((int) latest.integer("num_versions", 1));
    }
    if (p.message("all") != null) {
      p.message("all").requireOnly("all", Set.of());
      return VersionPolicy.all();
    }
    TextProto.Message specific = p.message("specific");
    specific.requireOnly("specific", Set.of("versions"));
    Set<Long> versions = new LinkedHashSet<>();
    for (TextProto.Scalar s : specific.scalars("versions")) {
      try {
        versions.add(Long.parseLong(s.text()));
      } catch (NumberFormatException e) {
        throw new JerasException(
            file + ": specific versions expects integers, got \"" + s.text() + "\"", e);
      }
    }
    return VersionPolicy.specific(versions);
  }

  /**
   * @param file a text-format {@code BatchingParameters} ({@code max_batch_size { value: 128 }}
   *     ...)
   * @param base the values for fields the file does not set
   * @return the parameters
   */
  public static BatchingOptions readBatchingParameters(Path file, BatchingOptions base) {
    TextProto.Message m = TextProto.parse(read(file), file.toString());
    m.requireOnly(
        "BatchingParameters",
        Set.of(
            "max_batch_size",
            "batch_timeout_micros",
            "max_enqueued_batches",
            "num_batch_threads",
            "thread_pool_name"));
    try {
      return new BatchingOptions(
          (int) wrapped(m, "max_batch_size", base.maxBatchSize()),
          wrapped(m, "batch_timeout_micros", base.batchTimeoutMicros()),
          (int) wrapped(m, "num_batch_threads", base.numBatchThreads()),
          (int) wrapped(m, "max_enqueued_batches", base.maxEnqueuedBatches()));
    } catch (IllegalArgumentException e) {
      throw new JerasException(file + ": " + e.getMessage(), e);
    }
  }

  /** A {@code google.protobuf.Int64Value} field: {@code name { value: N }}. */
  private static long wrapped(TextProto.Message m, String name, long fallback) {
    TextProto.Message w = m.message(name);
    if (w == null) {
      return fallback;
    }
    w.requireOnly(name, Set.of("value"));
    return w.integer("value", 0);
  }

  /**
   * @param file a text-format {@code MonitoringConfig} ({@code prometheus_config { enable: true,
   *     path: "/metrics" }})
   * @return the metrics path, or null when Prometheus is not enabled
   */
  public static String readMonitoringConfig(Path file) {
    TextProto.Message m = TextProto.parse(read(file), file.toString());
    m.requireOnly("MonitoringConfig", Set.of("prometheus_config"));
    TextProto.Message p = m.message("prometheus_config");
    if (p == null) {
      return null;
    }
    p.requireOnly("prometheus_config", Set.of("enable", "path"));
    if (!p.bool("enable", false)) {
      return null;
    }
    String path = p.string("path");
    return path == null || path.isEmpty() ? "/monitoring/prometheus/metrics" : path;
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new JerasException(file + ": cannot read the config file: " + e, e);
    }
  }
}

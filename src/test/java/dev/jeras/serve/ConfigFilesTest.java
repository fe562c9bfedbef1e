package dev.jeras.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.JerasException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TensorFlow Serving's config file examples (serving_config.md), read as it reads them. */
class ConfigFilesTest {
  @TempDir Path tmp;

  private Path write(String name, String text) throws IOException {
    Path p = tmp.resolve(name);
    Files.writeString(p, text);
    return p;
  }

  @Test
  void modelConfigList_withPoliciesAndLabels_readsEveryModel() throws IOException {
    Path f =
        write(
            "models.config",
            """
            # two models
            model_config_list {
              config {
                name: 'my_first_model'
                base_path: '/tmp/my_first_model/'
                model_platform: 'tensorflow'
              }
              config {
                name: "my_second_model"
                base_path: "/tmp/my_second_model/"
                model_version_policy {
                  specific {
                    versions: 42
                    versions: 43
                  }
                }
                version_labels {
                  key: 'stable'
                  value: 42
                }
                version_labels { key: 'canary' value: 43 }
              }
              config {
                name: "third", base_path: "/m3";
                model_version_policy: { latest: { num_versions: 2 } }
              }
            }
            """);
    List<ModelConfig> ms = ConfigFiles.readModelServerConfig(f);
    assertEquals(3, ms.size());
    assertEquals("my_first_model", ms.get(0).name());
    assertEquals(Path.of("/tmp/my_first_model/"), ms.get(0).basePath());
    assertEquals(VersionPolicy.latest(1), ms.get(0).policy());
    assertEquals(VersionPolicy.specific(Set.of(42L, 43L)), ms.get(1).policy());
    assertEquals(Map.of("stable", 42L, "canary", 43L), ms.get(1).labels());
    assertEquals(VersionPolicy.latest(2), ms.get(2).policy());
  }

  @Test
  void versionPolicies_selectFromTheVersionsOnDisk() {
    TreeSet<Long> disk = new TreeSet<>(List.of(1L, 2L, 5L, 7L));
    assertEquals(Set.of(7L), VersionPolicy.latest(1).select(disk));
    assertEquals(Set.of(5L, 7L), VersionPolicy.latest(2).select(disk));
    assertEquals(disk, VersionPolicy.all().select(disk));
    assertEquals(Set.of(2L), VersionPolicy.specific(Set.of(2L, 3L)).select(disk));
  }

  @Test
  void unsupportedField_isAnErrorNamingItAndTheLine() throws IOException {
    Path f =
        write(
            "models.config",
            "model_config_list {\n config {\n name: 'a'\n base_path: '/a'\n"
                + " logging_config { }\n }\n}\n");
    JerasException e =
        assertThrows(JerasException.class, () -> ConfigFiles.readModelServerConfig(f));
    assertTrue(
        e.getMessage().startsWith(f + ":5: config field logging_config is not supported"),
        e.getMessage());
  }

  @Test
  void syntaxError_namesFileLineExpectedAndReceived() throws IOException {
    Path f = write("bad.config", "model_config_list {\n config {\n name 'a'\n }\n}\n");
    JerasException e =
        assertThrows(JerasException.class, () -> ConfigFiles.readModelServerConfig(f));
    assertEquals(
        f + ":3: text-format protobuf expected ':' or '{' after name, got '''", e.getMessage());
    Path g = write("open.config", "model_config_list { config { name: 'a'");
    e = assertThrows(JerasException.class, () -> ConfigFiles.readModelServerConfig(g));
    assertTrue(e.getMessage().contains("expected '}', got the end of the file"), e.getMessage());
  }

  @Test
  void badLabel_andMissingBasePath_areErrors() throws IOException {
    Path f =
        write(
            "l.config",
            "model_config_list { config { name: 'a' base_path: '/a'"
                + " version_labels { key: 'no-dash' value: 1 } } }");
    assertTrue(
        assertThrows(JerasException.class, () -> ConfigFiles.readModelServerConfig(f))
            .getMessage()
            .contains("version label must match [a-zA-Z0-9_]+, got \"no-dash\""));
    Path g = write("b.config", "model_config_list { config { name: 'a' } }");
    assertTrue(
        assertThrows(JerasException.class, () -> ConfigFiles.readModelServerConfig(g))
            .getMessage()
            .contains("every config needs a name and a base_path"));
  }

  @Test
  void batchingParameters_wrappedValues_overrideTheDefaults() throws IOException {
    Path f =
        write(
            "batching.config",
            "max_batch_size { value: 128 }\nbatch_timeout_micros { value: 0 }\n"
                + "max_enqueued_batches { value: 1000000 }\nnum_batch_threads { value: 8 }\n");
    BatchingOptions b = ConfigFiles.readBatchingParameters(f, BatchingOptions.defaults());
    assertEquals(new BatchingOptions(128, 0, 8, 1000000), b);
    Path g = write("partial.config", "batch_timeout_micros { value: 500 }");
    assertEquals(
        new BatchingOptions(1000, 500, 3, 10),
        ConfigFiles.readBatchingParameters(g, new BatchingOptions(1000, 0, 3, 10)));
    Path h = write("bad.config", "allowed_batch_sizes: 8");
    assertTrue(
        assertThrows(
                JerasException.class,
                () -> ConfigFiles.readBatchingParameters(h, BatchingOptions.defaults()))
            .getMessage()
            .contains("field allowed_batch_sizes is not supported"));
  }

  @Test
  void monitoringConfig_enablesPrometheusAtItsPath() throws IOException {
    assertEquals(
        "/metrics",
        ConfigFiles.readMonitoringConfig(
            write("m1", "prometheus_config {\n  enable: true,\n  path: \"/metrics\"\n}\n")));
    assertEquals(
        "/monitoring/prometheus/metrics",
        ConfigFiles.readMonitoringConfig(write("m2", "prometheus_config { enable: true }")));
    assertNull(
        ConfigFiles.readMonitoringConfig(write("m3", "prometheus_config { enable: false }")));
  }
}

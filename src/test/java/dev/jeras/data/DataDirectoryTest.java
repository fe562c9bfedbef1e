package dev.jeras.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DataDirectoryTest {
  private static final Path HOME = Path.of("/home/u");

  @Test
  void override_winsOverEnvAndHome() {
    Path d =
        DataDirectory.resolve(Path.of("/opt/data"), Map.of("JERAS_DATA", "/env/data")::get, HOME);
    assertEquals(Path.of("/opt/data"), d);
  }

  @Test
  void env_winsOverHome() {
    assertEquals(
        Path.of("/env/data"),
        DataDirectory.resolve(null, Map.of("JERAS_DATA", "/env/data")::get, HOME));
  }

  @Test
  void blankEnv_fallsBackToHome() {
    assertEquals(
        Path.of("/home/u/.jeras/datasets"),
        DataDirectory.resolve(null, Map.of("JERAS_DATA", " ")::get, HOME));
  }

  @Test
  void nothingSet_homeDefault() {
    assertEquals(
        Path.of("/home/u/.jeras/datasets"),
        DataDirectory.resolve(null, Map.<String, String>of()::get, HOME));
  }

  @Test
  void relativeOverride_madeAbsolute() {
    Path d = DataDirectory.resolve(Path.of("rel/../data"), k -> null, HOME);
    assertEquals(Path.of("data").toAbsolutePath(), d);
  }

  @Test
  void datasetDir_isSubfolder() {
    assertEquals(
        Path.of("/r/fashion-mnist"), DataDirectory.datasetDir(Path.of("/r"), "fashion-mnist"));
  }
}

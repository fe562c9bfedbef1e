package dev.jeras.saving;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
  @TempDir Path tmp;

  @Test
  void publishedExports_areReadableByOthers_0755_0644() throws Exception {
    Path dir = tmp.resolve("export");
    AtomicFiles.writeDirectory(
        dir,
        d -> {
          Files.createDirectories(d.resolve("variables"));
          Files.writeString(d.resolve("variables/data"), "x");
        });
    assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
    assertEquals(
        "rw-r--r--",
        PosixFilePermissions.toString(
            Files.getPosixFilePermissions(dir.resolve("variables/data"))));
    Path file = tmp.resolve("m.npy");
    AtomicFiles.writeFile(file, f -> Files.writeString(f, "y"));
    assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
  }
}

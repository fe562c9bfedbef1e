package dev.jeras.saving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jeras.JerasException;
import io.jhdf.exceptions.HdfWritingException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.exceptions.TFResourceExhaustedException;

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

  /** TensorFlow's and jHDF's ways of saying the disk is full, as they throw them. */
  @Test
  void failedWrite_namesTargetAndCause_andLeavesTheOldContent() throws Exception {
    Path dir = tmp.resolve("sm");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("saved_model.pb"), "old");
    Path file = tmp.resolve("m.keras");
    Files.writeString(file, "old");
    RuntimeException tf =
        new TFResourceExhaustedException(
            dir
                + "/.tmp/variables/variables.data-00000-of-00001.tempstate1; No space left on"
                + " device\n\t [[{{node save/Save}}]]\nHint: ...");
    RuntimeException hdf =
        new HdfWritingException("Exception writing", new IOException("No space left on device"));
    for (RuntimeException failure : List.of(tf, hdf)) {
      JerasException e =
          assertThrows(
              JerasException.class,
              () ->
                  AtomicFiles.writeDirectory(
                      dir,
                      d -> {
                        throw failure;
                      }));
      assertEquals(dir + ": cannot write: No space left on device", e.getMessage());
      JerasException f =
          assertThrows(
              JerasException.class,
              () ->
                  AtomicFiles.writeFile(
                      file,
                      t -> {
                        throw failure;
                      }));
      assertEquals(file + ": cannot write: No space left on device", f.getMessage());
    }
    assertEquals("old", Files.readString(dir.resolve("saved_model.pb")));
    assertEquals("old", Files.readString(file));
    try (Stream<Path> s = Files.list(tmp)) {
      assertEquals(
          List.of("m.keras", "sm"), s.map(p -> p.getFileName().toString()).sorted().toList());
    }
  }

  @Test
  void fileOntoADirectory_isRefusedBeforeWriting() throws Exception {
    Path dir = tmp.resolve("out.npy");
    Files.createDirectories(dir);
    JerasException e =
        assertThrows(
            JerasException.class, () -> AtomicFiles.writeFile(dir, t -> Files.writeString(t, "x")));
    assertEquals(
        dir + ": is a directory, expected a file (jeras never replaces a directory with a file)",
        e.getMessage());
  }

  @Test
  void checkWritable_underARegularFile_namesIt() throws Exception {
    Path file = tmp.resolve("f");
    Files.writeString(file, "x");
    JerasException e =
        assertThrows(
            JerasException.class, () -> AtomicFiles.checkWritable(file.resolve("a/b"), false));
    assertEquals(
        file.resolve("a/b") + ": cannot be created: " + file + " is not a directory",
        e.getMessage());
    JerasException inside =
        assertThrows(JerasException.class, () -> AtomicFiles.checkWritable(file, true));
    assertEquals(file + ": exists and is not a directory", inside.getMessage());
    AtomicFiles.checkWritable(tmp.resolve("new/dir/m.keras"), false);
    try (Stream<Path> s = Files.list(tmp)) {
      assertEquals(List.of("f"), s.map(p -> p.getFileName().toString()).toList(), "no probe left");
    }
  }
}

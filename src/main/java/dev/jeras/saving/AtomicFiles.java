package dev.jeras.saving;

import dev.jeras.JerasException;
import dev.jeras.internal.IoErrors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Writes files and directories so that the target is either the complete new content or what was
 * there before: content goes to a temporary sibling, which is renamed onto the target only once
 * complete. A failure removes the temporary copy and leaves the target untouched.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** Writes the content of a directory. */
  @FunctionalInterface
  public interface DirectoryWriter {
    /**
     * @param dir an empty directory to fill
     * @throws IOException on failure
     */
    void write(Path dir) throws IOException;
  }

  /**
   * Fills a fresh temporary directory and moves it onto {@code target} (replacing an existing
   * directory only after the new one is complete). Which existing directories may be replaced is
   * the caller's decision ({@link SavedModels#checkReplaceable}).
   *
   * @param target the directory to produce
   * @param writer fills the directory
   * @throws JerasException naming the target and the cause (such as "No space left on device") if
   *     it cannot be written; the target is then as it was
   */
  public static void writeDirectory(Path target, DirectoryWriter writer) {
    Path abs = target.toAbsolutePath().normalize();
    Path parent = abs.getParent();
    if (Files.exists(abs) && !Files.isDirectory(abs)) {
      throw new JerasException(abs + ": exists and is not a directory");
    }
    Path tmp = null;
    try {
      Files.createDirectories(parent);
      tmp = Files.createTempDirectory(parent, "." + abs.getFileName() + ".tmp-");
      writer.write(tmp);
      publish(tmp);
      if (Files.exists(abs)) {
        Path old = Files.createTempDirectory(parent, "." + abs.getFileName() + ".old-");
        Files.delete(old);
        move(abs, old);
        try {
          move(tmp, abs);
        } catch (IOException e) {
          move(old, abs);
          throw e;
        }
        deleteRecursively(old);
      } else {
        move(tmp, abs);
      }
      tmp = null;
    } catch (IOException | RuntimeException e) {
      // TensorFlow reports a full disk as TFResourceExhaustedException, jHDF as its own wrapper
      throw new JerasException(abs + ": cannot write: " + IoErrors.describe(e), e);
    } finally {
      if (tmp != null) {
        deleteQuietly(tmp);
      }
    }
  }

  /**
   * Writes a file through a temporary sibling and a rename.
   *
   * @param target the file to produce (an existing file is replaced once the new one is complete;
   *     an existing directory is refused)
   * @param writer writes the temporary file (given its path)
   * @throws JerasException naming the target and the cause if it cannot be written; the target is
   *     then as it was
   */
  public static void writeFile(Path target, DirectoryWriter writer) {
    Path abs = target.toAbsolutePath().normalize();
    if (Files.isDirectory(abs)) {
      throw new JerasException(
          abs + ": is a directory, expected a file (jeras never replaces a directory with a file)");
    }
    Path tmp = null;
    try {
      Files.createDirectories(abs.getParent());
      tmp = Files.createTempFile(abs.getParent(), "." + abs.getFileName() + ".tmp-", "");
      writer.write(tmp);
      publish(tmp);
      move(tmp, abs);
      tmp = null;
    } catch (IOException | RuntimeException e) {
      throw new JerasException(abs + ": cannot write: " + IoErrors.describe(e), e);
    } finally {
      if (tmp != null) {
        deleteQuietly(tmp);
      }
    }
  }

  /**
   * Checks, before long work whose result goes there, that a target could be written: the nearest
   * existing directory on its path must accept a new file (a probe file is created there and
   * deleted). Nothing else is created.
   *
   * @param target the file or directory to be produced, or, with {@code inside}, written into
   * @param inside whether files are added inside {@code target} (a log or checkpoint directory,
   *     which must then be a directory if it exists) rather than {@code target} itself replaced
   * @throws JerasException naming the target, the directory and the cause
   */
  public static void checkWritable(Path target, boolean inside) {
    Path abs = target.toAbsolutePath().normalize();
    if (inside && Files.exists(abs) && !Files.isDirectory(abs)) {
      throw new JerasException(abs + ": exists and is not a directory");
    }
    Path dir = inside ? abs : abs.getParent();
    while (dir != null && !Files.exists(dir)) {
      dir = dir.getParent();
    }
    if (dir == null) {
      return; // no existing ancestor at all: nothing to probe (cannot happen for absolute paths)
    }
    if (!Files.isDirectory(dir)) {
      throw new JerasException(abs + ": cannot be created: " + dir + " is not a directory");
    }
    try {
      Files.delete(Files.createTempFile(dir, ".jeras-write-check-", ""));
    } catch (IOException | UncheckedIOException e) {
      throw new JerasException(abs + ": cannot write in " + dir + ": " + IoErrors.describe(e), e);
    }
  }

  /**
   * Temporary files are created private (0600, 0700); the published result gets the usual 0644 /
   * 0755 so that other accounts (a TF Serving user) can read an export.
   */
  private static void publish(Path p) throws IOException {
    if (!Files.getFileStore(p).supportsFileAttributeView("posix")) {
      return;
    }
    try (var walk = Files.walk(p)) {
      for (Path q : walk.toList()) {
        Files.setPosixFilePermissions(
            q, PosixFilePermissions.fromString(Files.isDirectory(q) ? "rwxr-xr-x" : "rw-r--r--"));
      }
    }
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to);
    }
  }

  /** Deletes a file tree, ignoring failures. */
  public static void deleteQuietly(Path p) {
    try {
      deleteRecursively(p);
    } catch (IOException | UncheckedIOException e) {
      // best effort: a temporary file left behind is harmless
    }
  }

  private static void deleteRecursively(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    Files.walkFileTree(
        p,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
            Files.delete(f);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
            Files.delete(d);
            return FileVisitResult.CONTINUE;
          }
        });
  }
}

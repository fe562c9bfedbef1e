package dev.jeras.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Copies files from a directory that a system package installs, such as {@code
 * /usr/share/datasets/fashion-mnist/} of the Debian package {@code dataset-fashion-mnist}.
 */
final class LocalDirSource implements Source {
  private final Path dir;
  private final String origin;

  /**
   * @param dir the directory holding the files (raw or gzipped)
   * @param origin where the directory comes from, for messages ("Debian package
   *     dataset-fashion-mnist")
   */
  LocalDirSource(Path dir, String origin) {
    this.dir = dir;
    this.origin = origin;
  }

  @Override
  public String describe() {
    return dir + " (" + origin + ")";
  }

  @Override
  public void download(RemoteFile file, Path target) throws IOException {
    Path found = file.findIn(dir);
    if (found == null) {
      throw new NoSuchFileException(
          dir.resolve(file.name())
              + (file.ofDecoded() ? "[.gz]" : "")
              + " (is "
              + origin
              + " installed?)");
    }
    Files.copy(found, target, StandardCopyOption.REPLACE_EXISTING);
  }
}

package dev.jeras.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CIFAR-10 under a data directory: finds {@code cifar-10-batches-bin/} or {@code
 * cifar-10-binary.tar.gz} in {@code <root>/cifar10/} or directly in {@code root}, and downloads the
 * archive when neither is there.
 */
final class Cifar10Dataset {
  private static final Logger LOG = LoggerFactory.getLogger(Cifar10Dataset.class);
  static final String FOLDER = "cifar10";

  private final Fetcher fetcher;

  /**
   * @param fetcher gets {@code cifar-10-binary.tar.gz} when no copy is found
   */
  Cifar10Dataset(Fetcher fetcher) {
    this.fetcher = fetcher;
  }

  Dataset.Split load(Path root) {
    Path dir = DataDirectory.datasetDir(root, FOLDER);
    for (Path base : List.of(dir, root)) {
      Path batches = base.resolve(Cifar10Binary.BATCHES_DIR);
      if (Files.isDirectory(batches)) {
        return Cifar10Binary.readDirectory(batches);
      }
      Path archive = base.resolve(Cifar10Binary.ARCHIVE);
      if (Files.isRegularFile(archive)) {
        return Cifar10Binary.readArchive(archive);
      }
    }
    LOG.debug(
        "no {}/ or {} in {} or {}", Cifar10Binary.BATCHES_DIR, Cifar10Binary.ARCHIVE, dir, root);
    fetcher.ensure(dir);
    return Cifar10Binary.readArchive(dir.resolve(Cifar10Binary.ARCHIVE));
  }
}

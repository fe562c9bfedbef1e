package dev.jeras.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/** Paths of the committed fixtures, and byte helpers for deriving corrupt copies in tests. */
final class Fixtures {
  static final Path MNIST_SMALL = Path.of("testdata", "mnist-small");
  static final Path MNIST_CORRUPT = Path.of("testdata", "mnist-small-corrupt");
  static final Path CIFAR_SMALL = Path.of("testdata", "cifar10-small");
  static final Path CIFAR_BATCHES = CIFAR_SMALL.resolve("cifar-10-batches-bin");
  static final Path CIFAR_CORRUPT =
      Path.of("testdata", "cifar10-small-corrupt", "cifar-10-batches-bin");

  private Fixtures() {}

  /**
   * @return the file's content, gunzipped independently of the code under test
   */
  static byte[] gunzip(Path file) {
    try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static byte[] gzip(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream g = new GZIPOutputStream(out)) {
      g.write(data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static Path write(Path file, byte[] data) {
    try {
      Files.createDirectories(file.getParent());
      return Files.write(file, data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static byte[] read(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Copies the four MNIST fixture files into {@code dir}. */
  static void copyMnist(Path dir) {
    for (String f : IdxDataset.FILES) {
      write(dir.resolve(f + ".gz"), read(MNIST_SMALL.resolve(f + ".gz")));
    }
  }
}

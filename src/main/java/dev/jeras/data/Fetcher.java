package dev.jeras.data;

import dev.jeras.JerasException;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts a dataset's missing files into its directory: tries each source in order, checks every file
 * against its known digest, and only then renames it from a temporary name in the same directory to
 * its final name, so a half-downloaded or forged file never sits where a loader would read it. A
 * file that fails stops that source; the next source is asked for what is still missing.
 */
final class Fetcher {
  private static final Logger LOG = LoggerFactory.getLogger(Fetcher.class);

  private final String dataset;
  private final List<RemoteFile> files;
  private final List<Supplier<Source>> sources;
  private final String hint;

  /**
   * @param dataset the dataset's name for messages ("MNIST")
   * @param files the files the dataset needs
   * @param sources the sources to try, in order (each made when its turn comes, closed after)
   * @param hint a last sentence for the error when all sources fail
   */
  Fetcher(String dataset, List<RemoteFile> files, List<Supplier<Source>> sources, String hint) {
    this.dataset = dataset;
    this.files = List.copyOf(files);
    this.sources = List.copyOf(sources);
    this.hint = hint;
  }

  /**
   * @return the files the dataset needs
   */
  List<RemoteFile> files() {
    return files;
  }

  /**
   * @return each source's description, in the order they are tried
   */
  List<String> sourceNames() {
    List<String> out = new ArrayList<>();
    for (Supplier<Source> make : sources) {
      try (Source s = make.get()) {
        out.add(s.describe());
      }
    }
    return out;
  }

  /**
   * @return the needed files not present in {@code dir}
   */
  List<RemoteFile> missing(Path dir) {
    List<RemoteFile> out = new ArrayList<>();
    for (RemoteFile f : files) {
      if (f.findIn(dir) == null) {
        out.add(f);
      }
    }
    return out;
  }

  /**
   * Makes sure every file is in {@code dir}, fetching the missing ones.
   *
   * @throws DatasetUnavailableException when some file could be got from no source
   */
  void ensure(Path dir) {
    List<RemoteFile> missing = missing(dir);
    if (missing.isEmpty()) {
      return;
    }
    List<String> attempts = new ArrayList<>();
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      attempts.add("creating " + dir + ": " + reason(e));
      throw unavailable(dir, attempts);
    }
    for (Supplier<Source> make : sources) {
      try (Source source = make.get()) {
        LOG.info("{} not found in {}; downloading from {}", dataset, dir, source.describe());
        for (RemoteFile f : missing(dir)) {
          try {
            fetch(source, f, dir);
          } catch (IOException | JerasException e) {
            String why = source.describe() + ": " + f.name() + ": " + reason(e);
            LOG.warn("{} fetch failed: {}", dataset, why);
            attempts.add(why);
            break;
          }
        }
      }
      if (missing(dir).isEmpty()) {
        return;
      }
    }
    throw unavailable(dir, attempts);
  }

  /** Gets one file from one source, checks it, and renames it into place. */
  private void fetch(Source source, RemoteFile f, Path dir) throws IOException {
    Path part = Files.createTempFile(dir, "." + f.name() + ".", ".part");
    try {
      long t0 = System.nanoTime();
      source.download(f, part);
      boolean gzip = isGzip(part);
      String actual;
      try {
        actual = digest(part, f);
      } catch (CorruptFileException e) {
        // name the download, not the temporary file that is about to be deleted
        String detail = e.getMessage().substring(part.toString().length() + 2);
        throw new IOException("downloaded content damaged: " + detail, e);
      }
      if (!actual.equalsIgnoreCase(f.digest())) {
        throw new IOException(
            f.algorithm()
                + (f.ofDecoded() ? " of the decompressed content" : "")
                + " expected "
                + f.digest()
                + ", got "
                + actual
                + " (download rejected)");
      }
      Path target = dir.resolve(f.finalName(gzip));
      try {
        Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
      }
      LOG.info(
          "{}: {} bytes, {} verified, in {} ms",
          target,
          Files.size(target),
          f.algorithm(),
          (System.nanoTime() - t0) / 1_000_000);
    } finally {
      Files.deleteIfExists(part);
    }
  }

  /**
   * @return the hex digest of the file's decoded (or stored) content, as {@code f} specifies
   */
  static String digest(Path file, RemoteFile f) {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance(f.algorithm());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(f.algorithm() + " not available in this JVM", e);
    }
    byte[] buf = new byte[1 << 16];
    if (f.ofDecoded()) {
      try (DecodedStream in = DecodedStream.open(file)) {
        int n;
        while ((n = in.fill(buf, 0, buf.length)) > 0) {
          md.update(buf, 0, n);
        }
      }
    } else {
      try (var in = Files.newInputStream(file)) {
        int n;
        while ((n = in.read(buf)) > 0) {
          md.update(buf, 0, n);
        }
      } catch (IOException e) {
        throw new JerasException(file + ": cannot read (" + e + ")", e);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  private static boolean isGzip(Path file) throws IOException {
    try (var in = Files.newInputStream(file)) {
      return in.read() == 0x1f && in.read() == 0x8b;
    }
  }

  private DatasetUnavailableException unavailable(Path dir, List<String> attempts) {
    List<String> names = new ArrayList<>();
    for (RemoteFile f : files) {
      names.add(f.display());
    }
    return new DatasetUnavailableException(dataset, dir, names, attempts, hint);
  }

  /**
   * @return a one-line reason: the exception's class (unless it is jeras' own or a plain
   *     IOException) and message, followed into the cause while there is no message
   */
  static String reason(Throwable e) {
    StringBuilder b = new StringBuilder();
    Throwable t = e;
    for (int depth = 0; t != null && depth < 4; depth++) {
      if (b.length() > 0) {
        b.append(" <- ");
      }
      String msg = t.getMessage();
      boolean ownWords = t instanceof JerasException || t.getClass() == IOException.class;
      if (!ownWords) {
        b.append(t.getClass().getSimpleName()).append(msg == null || msg.isEmpty() ? "" : ": ");
      }
      if (msg != null && !msg.isEmpty()) {
        b.append(msg);
        break;
      }
      t = t.getCause() == t ? null : t.getCause();
    }
    return b.toString();
  }
}

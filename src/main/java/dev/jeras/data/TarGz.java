package dev.jeras.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Walks the entries of a tar archive, gzipped (recognised by its magic) or not, without extracting.
 */
final class TarGz {
  private TarGz() {}

  /** Receives each regular file entry; returns false to stop the walk. */
  interface Visitor {
    boolean visit(TarArchiveEntry entry, InputStream content) throws IOException;
  }

  /**
   * @param archive a .tar.gz (or .tar) file
   * @param visitor called for each regular file, with a stream over that entry's content only
   * @throws IOException when the archive cannot be read or is damaged
   */
  static void walk(Path archive, Visitor visitor) throws IOException {
    InputStream raw = new BufferedInputStream(Files.newInputStream(archive), 1 << 16);
    raw.mark(2);
    boolean gzip = raw.read() == 0x1f && raw.read() == 0x8b;
    raw.reset();
    try (InputStream in = gzip ? new GzipCompressorInputStream(raw) : raw;
        TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        if (entry.isFile() && !visitor.visit(entry, tar)) {
          return;
        }
      }
    } finally {
      raw.close();
    }
  }

  /**
   * @return the entry's name without its folders
   */
  static String baseName(TarArchiveEntry entry) {
    String n = entry.getName();
    return n.substring(n.lastIndexOf('/') + 1);
  }
}

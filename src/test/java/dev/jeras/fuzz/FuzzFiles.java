package dev.jeras.fuzz;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/** Reading the committed fixtures, and writing mutated copies into a temporary directory. */
final class FuzzFiles {
  private FuzzFiles() {}

  /**
   * @return the repository's testdata directory
   */
  static Path testdata() {
    Path p = Path.of("testdata");
    if (!Files.isDirectory(p)) {
      throw new IllegalStateException(
          "run from the repository root: no testdata/ in " + Path.of("").toAbsolutePath());
    }
    return p;
  }

  static byte[] read(Path p) {
    try {
      return Files.readAllBytes(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path write(Path p, byte[] bytes) {
    try {
      Files.createDirectories(p.toAbsolutePath().getParent());
      return Files.write(p, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static byte[] gunzip(byte[] gz) {
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static byte[] gzip(byte[] raw) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(raw);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /**
   * @return the entries of a zip archive, in order
   */
  static Map<String, byte[]> unzip(byte[] zip) {
    Map<String, byte[]> out = new LinkedHashMap<>();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
      ZipEntry e;
      while ((e = in.getNextEntry()) != null) {
        out.put(e.getName(), in.readAllBytes());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /**
   * @return a zip archive of the entries, in order
   */
  static byte[] zip(Map<String, byte[]> entries) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(out)) {
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        zip.putNextEntry(new ZipEntry(e.getKey()));
        zip.write(e.getValue());
        zip.closeEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /**
   * @param h5 an HDF5 file
   * @return where its metadata lies: offset 0 (superblock) and each B-tree, heap, symbol table and
   *     global heap signature, where the object headers sit close by
   */
  static int[] hdf5MetadataOffsets(byte[] h5) {
    java.util.List<Integer> at = new java.util.ArrayList<>(java.util.List.of(0));
    String[] signatures = {"TREE", "HEAP", "SNOD", "GCOL", "OHDR", "FRHP", "BTHD", "OCHK"};
    for (int i = 0; i + 4 <= h5.length; i++) {
      for (String sig : signatures) {
        if (h5[i] == sig.charAt(0)
            && h5[i + 1] == sig.charAt(1)
            && h5[i + 2] == sig.charAt(2)
            && h5[i + 3] == sig.charAt(3)) {
          at.add(i);
        }
      }
    }
    return at.stream().mapToInt(Integer::intValue).toArray();
  }

  static Path tempDir(String prefix) {
    try {
      return Files.createTempDirectory("jeras-fuzz-" + prefix + "-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Copies a directory tree. */
  static void copyTree(Path from, Path to) {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Path q = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(q);
        } else {
          Files.copy(p, q);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Deletes a directory tree, ignoring what cannot be deleted. */
  static void deleteTree(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.deleteIfExists(p);
                } catch (IOException ignored) {
                  // a temporary file; the OS cleans /tmp
                }
              });
    } catch (IOException ignored) {
      // same
    }
  }
}

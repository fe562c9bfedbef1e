package dev.jeras.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A file a dataset needs, with the checksum that proves a download is the real one.
 *
 * @param name the file's name ("train-images-idx3-ubyte", "cifar-10-binary.tar.gz")
 * @param algorithm the {@link java.security.MessageDigest} algorithm ("SHA-256", "MD5")
 * @param digest the expected digest, lower-case hex
 * @param ofDecoded true: the digest is of the decompressed content, and the file may be stored raw
 *     or gzipped ({@code name} or {@code name.gz}); false: of the file's bytes as stored, under
 *     {@code name}
 */
record RemoteFile(String name, String algorithm, String digest, boolean ofDecoded) {

  /**
   * @return the names under which the file counts as present
   */
  List<String> localNames() {
    return ofDecoded ? List.of(name, name + ".gz") : List.of(name);
  }

  /**
   * @return how the file is named on disk once verified, given whether its content is gzip
   */
  String finalName(boolean gzipContent) {
    return ofDecoded && gzipContent ? name + ".gz" : name;
  }

  /**
   * @return the file in {@code dir} under one of its {@link #localNames()}, or null
   */
  Path findIn(Path dir) {
    for (String n : localNames()) {
      Path p = dir.resolve(n);
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    return null;
  }

  /**
   * @return how a user may name the file: {@code name[.gz]} or {@code name}
   */
  String display() {
    return ofDecoded ? name + "[.gz]" : name;
  }
}

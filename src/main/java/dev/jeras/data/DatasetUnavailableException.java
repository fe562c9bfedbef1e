package dev.jeras.data;

import dev.jeras.JerasException;
import java.nio.file.Path;
import java.util.List;

/**
 * A dataset that is neither on disk nor obtainable from any known source. The message lists every
 * source that was tried with the reason it failed, then says exactly which files to place in which
 * directory so that the next run finds them.
 *
 * <pre>{@code
 * try { Datasets.load("mnist", null); }
 * catch (DatasetUnavailableException e) { log.error(e.getMessage()); }
 * }</pre>
 */
public class DatasetUnavailableException extends JerasException {
  private static final long serialVersionUID = 1L;

  private final transient Path directory;
  private final List<String> files;
  private final List<String> attempts;

  /**
   * @param dataset the dataset's name, as {@link Datasets#load} knows it ("mnist")
   * @param directory where the files are looked for
   * @param files the file names (or alternatives) to place there
   * @param attempts each source tried, with why it failed ("https://...: HTTP 404")
   * @param hint one more sentence for the user (another way to get the files), or empty
   */
  public DatasetUnavailableException(
      String dataset, Path directory, List<String> files, List<String> attempts, String hint) {
    super(message(dataset, directory, files, attempts, hint));
    this.directory = directory;
    this.files = List.copyOf(files);
    this.attempts = List.copyOf(attempts);
  }

  /**
   * @return the directory in which the files are looked for
   */
  public Path directory() {
    return directory;
  }

  /**
   * @return the files to place in {@link #directory()}
   */
  public List<String> files() {
    return files;
  }

  /**
   * @return each source that was tried, with why it failed
   */
  public List<String> attempts() {
    return attempts;
  }

  private static String message(
      String dataset, Path dir, List<String> files, List<String> attempts, String hint) {
    StringBuilder b = new StringBuilder();
    b.append(dataset).append(" is not in ").append(dir).append(" and could not be fetched.");
    if (!attempts.isEmpty()) {
      b.append("\nTried:");
      for (String a : attempts) {
        b.append("\n  - ").append(a);
      }
    }
    b.append("\nPlace these files in ").append(dir).append(':');
    for (String f : files) {
      b.append("\n  ").append(f);
    }
    if (hint != null && !hint.isEmpty()) {
      b.append('\n').append(hint);
    }
    return b.toString();
  }
}

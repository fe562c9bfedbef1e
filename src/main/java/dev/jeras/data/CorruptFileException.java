package dev.jeras.data;

import dev.jeras.JerasException;
import java.nio.file.Path;

/**
 * A data file that exists but does not hold what its format promises: a wrong magic number, a
 * truncated gzip stream, a payload shorter or longer than its header says, a label out of range.
 *
 * <p>The message always has the form {@code <file>: <what> expected <expected>, got <received>},
 * for example {@code /data/mnist/train-images-idx3-ubyte.gz: magic number expected 0x00000803 (IDX
 * ubyte, 3 dims), got 0x00000801}, so it can be shown on one line without a stack trace.
 *
 * <pre>{@code
 * try { Idx.readImages(path); }
 * catch (CorruptFileException e) { log.error("{} is damaged: {}", e.file(), e.getMessage()); }
 * }</pre>
 */
public class CorruptFileException extends JerasException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;

  /**
   * @param file the damaged file
   * @param what the part of the file that is wrong ("magic number", "payload length")
   * @param expected what the format requires there
   * @param received what the file holds instead
   */
  public CorruptFileException(Path file, String what, String expected, String received) {
    this(file, what, expected, received, null);
  }

  /**
   * @param file the damaged file
   * @param what the part of the file that is wrong ("gzip stream")
   * @param expected what the format requires there
   * @param received what the file holds instead
   * @param cause the low-level failure (an {@code EOFException} from a truncated gzip stream), or
   *     null
   */
  public CorruptFileException(
      Path file, String what, String expected, String received, Throwable cause) {
    super(file + ": " + what + " expected " + expected + ", got " + received, cause);
    this.file = file;
  }

  /**
   * @return the damaged file (for an archive entry: the archive)
   */
  public Path file() {
    return file;
  }
}

package dev.jeras.internal;

import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The cause of a failed read or write in words a user can act on ("No space left on device",
 * "Read-only file system"), from whatever threw it: the JDK's file exceptions, TensorFlow's status
 * messages ({@code "<file>; No space left on device"}), or jHDF's wrappers ("Exception writing",
 * with the real {@code IOException} as its cause).
 */
public final class IoErrors {
  /** TensorFlow's file errors: the file, "; ", then the operating system's reason. */
  private static final Pattern TF_FILE_REASON = Pattern.compile("^(/\\S*|\\S*/\\S*); (.+)$");

  private IoErrors() {}

  /**
   * @param failure what was thrown
   * @return the most specific reason in its cause chain, on one line
   */
  public static String describe(Throwable failure) {
    Throwable deepest = failure;
    for (Throwable t = failure; t != null && t.getCause() != t; t = t.getCause()) {
      if (reason(t) != null) {
        deepest = t;
      }
    }
    String r = reason(deepest);
    return r != null ? r : deepest.getClass().getSimpleName();
  }

  private static String reason(Throwable t) {
    if (t instanceof FileSystemException f) {
      if (f.getReason() != null) {
        return firstLine(f.getReason());
      }
      return kind(f); // the caller names the file it was writing
    }
    String m = t.getMessage();
    if (m == null || m.isBlank()) {
      return null;
    }
    Matcher tf = TF_FILE_REASON.matcher(firstLine(m).trim());
    return tf.matches() ? tf.group(2) : firstLine(m).trim();
  }

  private static String kind(FileSystemException f) {
    if (f instanceof NoSuchFileException) {
      return "no such file or directory";
    }
    if (f instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (f instanceof FileAlreadyExistsException) {
      return "already exists";
    }
    if (f instanceof NotDirectoryException) {
      return "not a directory";
    }
    if (f instanceof DirectoryNotEmptyException) {
      return "directory not empty";
    }
    return f.getClass().getSimpleName();
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}

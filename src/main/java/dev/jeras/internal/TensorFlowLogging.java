package dev.jeras.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.TensorFlow;

/**
 * Keeps TensorFlow's C++ start-up lines (the oneDNN and CPU-feature notices, Abseil's "All log
 * messages before absl::InitializeLog()" and the MLIR pass notice) off the console of a program
 * that uses jeras, unless asked for. Runs once, before jeras' first use of TensorFlow.
 *
 * <p>The level is TensorFlow's own {@value #ENV} scale (0 all, 1 without INFO, 2 without WARNING, 3
 * without ERROR): the variable where the user set it, else the system property {@value #PROPERTY},
 * else 1. Where the variable is unset, it is set in the process environment before TensorFlow loads
 * (TensorFlow reads it once, at its first line); the same level is then applied to the Abseil
 * logging inside TensorFlow's libraries, which ignores the variable ({@code
 * src/main/native/jeras_tflog.c}). {@code TF_CPP_MIN_LOG_LEVEL=0} or {@code
 * -Djeras.tensorflowLogLevel=0} shows every line. Without the native helper (not Linux x86-64, or
 * built without a C compiler) only a variable set by the user has an effect, and only on
 * TensorFlow's own lines.
 */
public final class TensorFlowLogging {
  private static final Logger LOG = LoggerFactory.getLogger(TensorFlowLogging.class);

  /** System property: the level (0 to 3) where {@value #ENV} is unset; default 1. */
  public static final String PROPERTY = "jeras.tensorflowLogLevel";

  /** TensorFlow's variable for its C++ log level. */
  public static final String ENV = "TF_CPP_MIN_LOG_LEVEL";

  private static final int DEFAULT_LEVEL = 1;

  private static final String RESOURCE = "/dev/jeras/native/linux-x86_64/libjeras_tflog.so";

  private TensorFlowLogging() {}

  /**
   * Applies the level once per class loader (later calls return at once). Loads TensorFlow's native
   * library.
   */
  public static void apply() {
    Once.touch();
  }

  /** Holds the one application: the JVM runs a class initializer once, under a lock. */
  private static final class Once {
    static {
      applyNow();
    }

    static void touch() {}
  }

  private static void applyNow() {
    String fromEnv = System.getenv(ENV);
    Integer level = fromEnv != null ? parse(fromEnv) : levelFromProperty();
    boolean helper = loadHelper();
    if (helper && fromEnv == null) {
      setEnvDefault(level);
    }
    TensorFlow.version(); // loads TensorFlow's libraries: their Abseil variables now exist
    if (helper && level != null) {
      int set = setAbslMinLogLevel(level);
      LOG.debug("TensorFlow's C++ log level {}: Abseil's set in {} libraries", level, set);
    }
  }

  /** The variable's value as a level, null where TensorFlow would not read it as one. */
  private static Integer parse(String value) {
    try {
      int level = Integer.parseInt(value.trim());
      return level >= 0 && level <= 3 ? level : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static int levelFromProperty() {
    String value = System.getProperty(PROPERTY);
    if (value == null) {
      return DEFAULT_LEVEL;
    }
    Integer level = parse(value);
    if (level == null) {
      LOG.warn(
          "-D{} must be 0, 1, 2 or 3 (TensorFlow's {} scale), got '{}'; using {}",
          PROPERTY,
          ENV,
          value,
          DEFAULT_LEVEL);
      return DEFAULT_LEVEL;
    }
    return level;
  }

  /** Loads jeras_tflog; false (and why, at DEBUG) where it is not available. */
  private static boolean loadHelper() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "");
    if (!os.startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
      LOG.debug("TensorFlow's start-up lines: no helper for {} {}", os, arch);
      return false;
    }
    try (InputStream in = TensorFlowLogging.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        LOG.debug("TensorFlow's start-up lines: the jar has no {}", RESOURCE);
        return false;
      }
      Path file = Files.createTempFile("jeras-tflog", ".so");
      try {
        Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        System.load(file.toString());
      } finally {
        Files.deleteIfExists(file); // the loaded library stays mapped
      }
      return true;
    } catch (IOException | RuntimeException | LinkageError e) {
      LOG.debug("TensorFlow's start-up lines: the helper did not load ({})", e.toString());
      return false;
    }
  }

  private static native int setEnvDefault(int level);

  private static native int setAbslMinLogLevel(int level);
}

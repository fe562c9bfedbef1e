package dev.jeras.data;

import java.nio.file.Path;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the directory that holds the datasets. The first that is set wins:
 *
 * <ol>
 *   <li>an explicit override (the command line's {@code --data-dir});
 *   <li>the environment variable {@code JERAS_DATA};
 *   <li>{@code ~/.jeras/datasets}.
 * </ol>
 *
 * Each dataset lives in its own subfolder: {@code mnist/}, {@code fashion-mnist/}, {@code
 * cifar10/}.
 *
 * <pre>{@code
 * Path root = DataDirectory.resolve(null);               // $JERAS_DATA or ~/.jeras/datasets
 * Path mnist = DataDirectory.datasetDir(root, "mnist");  // <root>/mnist
 * }</pre>
 */
public final class DataDirectory {
  /** The environment variable naming the data directory. */
  public static final String ENV = "JERAS_DATA";

  private static final Logger LOG = LoggerFactory.getLogger(DataDirectory.class);

  private DataDirectory() {}

  /**
   * @param override the directory given explicitly, or null
   * @return the data directory (absolute), by the precedence above
   */
  public static Path resolve(Path override) {
    return resolve(override, System::getenv, Path.of(System.getProperty("user.home")));
  }

  /**
   * @param override the directory given explicitly, or null
   * @param env reads an environment variable (null when unset)
   * @param home the user's home directory
   * @return the data directory (absolute), by the precedence above
   */
  static Path resolve(Path override, Function<String, String> env, Path home) {
    Path dir;
    String from;
    String value = env.apply(ENV);
    if (override != null) {
      dir = override;
      from = "--data-dir";
    } else if (value != null && !value.isBlank()) {
      dir = Path.of(value.strip());
      from = ENV;
    } else {
      dir = home.resolve(".jeras").resolve("datasets");
      from = "default";
    }
    dir = dir.toAbsolutePath().normalize();
    LOG.debug("data directory {} (from {})", dir, from);
    return dir;
  }

  /**
   * @param root the data directory
   * @param dataset the dataset's folder name ("mnist", "fashion-mnist", "cifar10")
   * @return the dataset's folder under {@code root}
   */
  public static Path datasetDir(Path root, String dataset) {
    return root.resolve(dataset);
  }
}

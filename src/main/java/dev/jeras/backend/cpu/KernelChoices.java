package dev.jeras.backend.cpu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** What the measured kernel choice has kept on this machine (for {@code jeras kernels}). */
public final class KernelChoices {
  private KernelChoices() {}

  /**
   * One kept choice.
   *
   * @param kernel the kernel chosen
   * @param millis each candidate's median milliseconds per step, as measured
   */
  public record Choice(String kernel, Map<String, Double> millis) {}

  /**
   * @return this machine's key in the cache file (CPU model, vector flags, cores, versions)
   */
  public static String machine() {
    return KernelCache.machine();
  }

  /**
   * @param file a kernel-choice file
   * @return this machine's choices in it, by site and shapes; empty where there are none
   */
  public static Map<String, Choice> read(Path file) {
    Map<String, Choice> out = new LinkedHashMap<>();
    KernelCache.read(file)
        .getOrDefault(machine(), Map.of())
        .forEach((k, e) -> out.put(k, new Choice(e.kernel(), e.millis())));
    return out;
  }

  /**
   * Deletes the file, so that the next graph built measures its kernels again.
   *
   * @param file a kernel-choice file
   * @return whether there was one
   * @throws IOException where it cannot be deleted
   */
  public static boolean clear(Path file) throws IOException {
    return Files.deleteIfExists(file);
  }
}

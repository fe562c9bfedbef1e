package dev.jeras.backend.cpu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jeras.backend.Devices;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.TensorFlow;

/**
 * Measured kernel choices, kept per machine (CPU model, its vector flags, core count, TensorFlow
 * version and the version of jeras' kernels) in a JSON file, {@code ~/.jeras/kernels.json} by
 * default, so that a graph is timed once per machine, as cuDNN's autotuner does per GPU.
 *
 * <p>Several processes may write it at once: each write takes an exclusive lock on a file beside
 * it, merges its new choices into what is on disk, and replaces the file atomically. A damaged file
 * is reported once and rewritten; it never stops a model from running.
 */
final class KernelCache {
  private static final Logger LOG = LoggerFactory.getLogger(KernelCache.class);
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** Bumped when jeras' kernels or rules change enough to make old measurements stale. */
  static final int KERNELS_VERSION = 3;

  /** Damaged files already reported. */
  private static final java.util.Set<Path> WARNED = ConcurrentHashMap.newKeySet();

  /** One cache per file per JVM (and one for memory only). */
  private static final Map<String, KernelCache> CACHES = new ConcurrentHashMap<>();

  /**
   * A choice and what was measured.
   *
   * @param kernel the kernel chosen
   * @param millis each candidate's median time per step
   */
  record Entry(String kernel, Map<String, Double> millis) {}

  private final Path file;
  private final Map<String, Entry> entries = new LinkedHashMap<>();
  private boolean loaded;

  private KernelCache(Path file) {
    this.file = file;
  }

  /**
   * @param file the JSON file, or null for memory only
   * @return the cache for it
   */
  static KernelCache at(Path file) {
    String key = file == null ? "" : file.toAbsolutePath().normalize().toString();
    return CACHES.computeIfAbsent(key, k -> new KernelCache(file));
  }

  /**
   * @param file the JSON file, or null for memory only
   * @return a cache of its own (not shared by this JVM's other users of the file; for tests)
   */
  static KernelCache unshared(Path file) {
    return new KernelCache(file);
  }

  /**
   * @return this machine's key: CPU model, vector flags, cores, TensorFlow and kernels versions
   */
  static String machine() {
    TreeSet<String> flags = new TreeSet<>();
    for (String f : Devices.cpuFlagsOnce()) {
      if (f.startsWith("avx") || f.equals("fma") || f.startsWith("amx")) {
        flags.add(f);
      }
    }
    return Devices.cpuModelOnce()
        + " | "
        + String.join(" ", flags)
        + " | "
        + Runtime.getRuntime().availableProcessors()
        + " cores | TensorFlow "
        + TensorFlow.version()
        + " | kernels "
        + KERNELS_VERSION;
  }

  /**
   * @return the file, or null for memory only
   */
  Path file() {
    return file;
  }

  /**
   * @param key a site's key
   * @return the choice made for it on this machine, or null
   */
  synchronized Entry get(String key) {
    if (!loaded) {
      loaded = true;
      if (file != null) {
        entries.putAll(read(file).getOrDefault(machine(), Map.of()));
      }
    }
    return entries.get(key);
  }

  /**
   * Records a choice and writes it through to the file (where there is one).
   *
   * @param key a site's key
   * @param entry the choice
   */
  synchronized void put(String key, Entry entry) {
    entries.put(key, entry);
    if (file == null) {
      return;
    }
    // a file lock excludes other processes; this JVM's own writers wait here (the JVM refuses a
    // second lock on the same file)
    synchronized (KernelCache.class) {
      write(key, entry);
    }
  }

  private void write(String key, Entry entry) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Path lock = file.resolveSibling(file.getFileName() + ".lock");
      try (FileChannel ch =
              FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock ignored = ch.lock()) {
        Map<String, Map<String, Entry>> all = read(file);
        all.computeIfAbsent(machine(), k -> new LinkedHashMap<>()).put(key, entry);
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".kernels", ".tmp");
        try {
          Files.write(tmp, JSON.writeValueAsBytes(toJson(all)));
          try {
            Files.move(
                tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
          } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
          }
        } finally {
          Files.deleteIfExists(tmp);
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn(
          "kernel choices could not be saved in {} ({}); they will be measured again next time",
          file,
          e.toString());
    }
  }

  /** Every machine's choices in the file; empty where there is none or it is damaged. */
  static Map<String, Map<String, Entry>> read(Path file) {
    Map<String, Map<String, Entry>> all = new LinkedHashMap<>();
    JsonNode root;
    try {
      root = JSON.readTree(Files.readAllBytes(file));
    } catch (NoSuchFileException e) {
      return all;
    } catch (IOException | RuntimeException e) {
      if (WARNED.add(file.toAbsolutePath().normalize())) {
        LOG.warn("{} is not a kernel-choice file ({}); it will be rewritten", file, e.getMessage());
      }
      return all;
    }
    JsonNode machines = root == null ? null : root.get("machines");
    if (machines == null || !machines.isObject()) {
      return all;
    }
    machines
        .fields()
        .forEachRemaining(
            m -> {
              Map<String, Entry> es = new LinkedHashMap<>();
              JsonNode choices = m.getValue().get("choices");
              if (choices != null && choices.isObject()) {
                choices
                    .fields()
                    .forEachRemaining(
                        c -> {
                          JsonNode k = c.getValue().get("kernel");
                          if (k != null && k.isTextual()) {
                            Map<String, Double> ms = new LinkedHashMap<>();
                            JsonNode t = c.getValue().get("ms");
                            if (t != null && t.isObject()) {
                              t.fields()
                                  .forEachRemaining(
                                      f -> ms.put(f.getKey(), f.getValue().asDouble()));
                            }
                            es.put(c.getKey(), new Entry(k.asText(), ms));
                          }
                        });
              }
              all.put(m.getKey(), es);
            });
    return all;
  }

  private static ObjectNode toJson(Map<String, Map<String, Entry>> all) {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", 1);
    ObjectNode machines = root.putObject("machines");
    all.forEach(
        (machine, es) -> {
          ObjectNode choices = machines.putObject(machine).putObject("choices");
          es.forEach(
              (key, e) -> {
                ObjectNode c = choices.putObject(key);
                c.put("kernel", e.kernel());
                ObjectNode ms = c.putObject("ms");
                e.millis().forEach((k, v) -> ms.put(k, Math.round(v * 1000) / 1000.0));
              });
        });
    return root;
  }
}

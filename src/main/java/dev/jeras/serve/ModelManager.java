package dev.jeras.serve;

import dev.jeras.saving.ModelFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The versions of one model: which are on disk, which are loaded, and their states as TensorFlow
 * Serving reports them (START, LOADING, AVAILABLE, UNLOADING, END).
 *
 * <p>{@link #poll} (one thread) loads the versions the policy selects and unloads the others. A new
 * version becomes visible only once loaded and run once; an old one is unloaded after that, and
 * closes when the last request holding it finishes, so a swap drops no request. A version is never
 * unloaded without a selected version available to replace it: when the base path vanishes,
 * empties, or its new version fails to load, the loaded one keeps serving and the condition is
 * logged. A version whose load failed is retried when its directory's contents change.
 */
final class ModelManager implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelManager.class);

  /** TensorFlow Serving's version states (ModelVersionStatus.State). */
  enum State {
    START,
    LOADING,
    AVAILABLE,
    UNLOADING,
    END
  }

  /**
   * A version's state as the status API reports it.
   *
   * @param version the version number
   * @param state its state
   * @param code OK, or why it ended
   * @param message the error message (empty when OK)
   */
  record VersionStatus(long version, State state, Status code, String message) {}

  private final ModelConfig config;
  private final ConcurrentSkipListMap<Long, VersionStatus> statuses =
      new ConcurrentSkipListMap<>(Collections.reverseOrder());
  private volatile NavigableMap<Long, Servable> available = Collections.emptyNavigableMap();
  private final Map<Long, String> fingerprints = new ConcurrentHashMap<>();
  private Set<String> warnedLastPoll = Set.of();
  private final Set<String> warnings = new HashSet<>();

  ModelManager(ModelConfig config) {
    this.config = config;
  }

  String name() {
    return config.name();
  }

  ModelConfig config() {
    return config;
  }

  /** Scans the base path once: loads the selected versions, unloads the replaced ones. */
  void poll() {
    warnings.clear();
    try {
      scan();
    } finally {
      warnedLastPoll = Set.copyOf(warnings);
    }
  }

  private void scan() {
    Path base = config.basePath();
    TreeMap<Long, Path> onDisk = new TreeMap<>();
    if (Files.isRegularFile(base) || ModelFiles.isSavedModel(base)) {
      onDisk.put(1L, base);
    } else if (!Files.isDirectory(base)) {
      warnOnce(base + ": base path not found (or not a directory)" + keeping());
      return;
    } else {
      try (Stream<Path> s = Files.list(base)) {
        s.forEach(
            p -> {
              Long v = versionNumber(p.getFileName().toString());
              if (v != null && Files.isDirectory(p)) {
                onDisk.put(v, p);
              }
            });
      } catch (IOException | RuntimeException e) {
        warnOnce(base + ": cannot list the base path (" + e + ")" + keeping());
        return;
      }
    }
    if (onDisk.isEmpty()) {
      warnOnce(base + ": no version directories (numbered subdirectories)" + keeping());
      return;
    }
    NavigableSet<Long> versions = new TreeSet<>(onDisk.keySet());
    SortedSet<Long> selected = config.policy().select(versions);
    if (selected.isEmpty()) {
      warnOnce(
          base
              + ": none of the versions "
              + config.policy().versions()
              + " is on disk (found "
              + versions
              + ")"
              + keeping());
      return;
    }
    for (Long v : new TreeSet<>(selected).descendingSet()) {
      Path dir = onDisk.get(v);
      String fp = fingerprint(dir);
      VersionStatus st = statuses.get(v);
      if (st == null
          || (st.state() == State.END && !fp.equals(fingerprints.get(v)))
          || (st.state() == State.END && st.code() == Status.OK)) {
        load(v, dir, fp);
      } else if (st.state() == State.AVAILABLE && !fp.equals(fingerprints.get(v))) {
        warnOnce(
            dir
                + ": the files of loaded version "
                + v
                + " changed on disk; jeras keeps serving the"
                + " copy it loaded (publish a changed model as a new version number)");
      }
    }
    boolean replacement = selected.stream().anyMatch(available::containsKey);
    for (Long v : new ArrayList<>(available.keySet())) {
      if (selected.contains(v)) {
        continue;
      }
      if (replacement) {
        unload(v);
      } else {
        warnOnce(
            config.name()
                + ": version "
                + v
                + " is no longer selected (on disk: "
                + versions
                + ") but no selected version is available; keeping it");
      }
    }
  }

  private String keeping() {
    int n = available.size();
    return n == 0 ? "; no version loaded" : "; keeping the " + n + " loaded version(s)";
  }

  private void load(long v, Path dir, String fp) {
    statuses.put(v, new VersionStatus(v, State.LOADING, Status.OK, ""));
    LOG.info("{}: loading version {} from {}", config.name(), v, dir);
    long t0 = System.nanoTime();
    Servable s;
    try {
      s = Servable.load(config.name(), v, dir);
    } catch (RuntimeException | LinkageError e) {
      fingerprints.put(v, fp);
      String msg = e.getMessage() == null ? e.toString() : e.getMessage();
      statuses.put(v, new VersionStatus(v, State.END, Status.UNKNOWN, msg));
      LOG.error(
          "{}: version {} failed to load ({}){}; it is retried when its files change",
          config.name(),
          v,
          msg,
          keeping());
      return;
    }
    fingerprints.put(v, fp);
    NavigableMap<Long, Servable> next = new TreeMap<>(available);
    next.put(v, s);
    available = Collections.unmodifiableNavigableMap(next);
    statuses.put(v, new VersionStatus(v, State.AVAILABLE, Status.OK, ""));
    LOG.info(
        "{}: version {} is available ({} ms)",
        config.name(),
        v,
        (System.nanoTime() - t0) / 1_000_000);
  }

  private void unload(long v) {
    Servable s = available.get(v);
    NavigableMap<Long, Servable> next = new TreeMap<>(available);
    next.remove(v);
    available = Collections.unmodifiableNavigableMap(next);
    statuses.put(v, new VersionStatus(v, State.UNLOADING, Status.OK, ""));
    LOG.info("{}: unloading version {} (after its in-flight requests)", config.name(), v);
    s.retire(
        () -> {
          statuses.put(v, new VersionStatus(v, State.END, Status.OK, ""));
          LOG.info("{}: version {} unloaded", config.name(), v);
        });
  }

  /**
   * Takes a reference to a loaded version; release it with {@link Servable#release()}.
   *
   * @param version a version number, or null
   * @param label a version label, or null (not both)
   * @return the version asked for, or the highest available
   * @throws ServeException NOT_FOUND when it is not available, INVALID_ARGUMENT for an unknown
   *     label
   */
  Servable acquire(Long version, String label) {
    Long v = version;
    if (label != null) {
      v = config.labels().get(label);
      if (v == null) {
        throw ServeException.invalid("Unrecognized servable version label: " + label);
      }
    }
    while (true) {
      NavigableMap<Long, Servable> m = available;
      Servable s = v == null ? (m.isEmpty() ? null : m.lastEntry().getValue()) : m.get(v);
      if (s == null) {
        throw ServeException.notFound(
            "Servable not found for request: "
                + (v == null ? "Latest(" + name() + ")" : "Specific(" + name() + ", " + v + ")"));
      }
      if (s.tryAcquire()) {
        return s;
      }
      // unloaded between the lookup and the reference: the map already holds its replacement
      Thread.onSpinWait();
    }
  }

  /**
   * @return every version seen, highest first
   */
  List<VersionStatus> statuses() {
    return List.copyOf(statuses.values());
  }

  /**
   * @return whether some version is available
   */
  boolean hasAvailable() {
    return !available.isEmpty();
  }

  /**
   * @return the versions available now, ascending
   */
  List<Long> availableVersions() {
    return List.copyOf(available.keySet());
  }

  /** Unloads every version (each closes when its last request finishes). */
  @Override
  public void close() {
    for (Long v : new ArrayList<>(available.keySet())) {
      unload(v);
    }
  }

  /** Logs a condition when it appears (not again on every poll while it lasts). */
  private void warnOnce(String message) {
    warnings.add(message);
    if (!warnedLastPoll.contains(message)) {
      LOG.warn("{}: {}", config.name(), message);
    }
  }

  /**
   * @return the version number a directory name stands for (digits only), or null
   */
  static Long versionNumber(String name) {
    if (name.isEmpty() || name.length() > 18 || !name.chars().allMatch(Character::isDigit)) {
      return null;
    }
    return Long.parseLong(name);
  }

  /**
   * @return a summary of a version's files (count, bytes, latest modification) that changes when
   *     any of them does
   */
  static String fingerprint(Path dir) {
    long[] acc = new long[3];
    try (Stream<Path> s = Files.walk(dir, 8)) {
      s.forEach(
          p -> {
            try {
              BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
              if (a.isRegularFile()) {
                acc[0]++;
                acc[1] += a.size();
                acc[2] = Math.max(acc[2], a.lastModifiedTime().toMillis());
              }
            } catch (IOException e) {
              acc[0] = -1; // vanished while walking: a different state than before
            }
          });
    } catch (IOException | RuntimeException e) {
      return "unreadable";
    }
    return acc[0] + "/" + acc[1] + "/" + acc[2];
  }
}

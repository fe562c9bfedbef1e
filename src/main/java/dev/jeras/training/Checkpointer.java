package dev.jeras.training;

import dev.jeras.JerasException;
import dev.jeras.internal.IoErrors;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Training checkpoints: every variable of the graph (weights, BatchNormalization statistics,
 * optimizer slots, learning rate, step count) in TensorFlow's checkpoint format, plus the loop's
 * position (epoch, step), the shuffling seed, the partial epoch sums and the history so far.
 *
 * <p>Each checkpoint is written into a temporary directory and renamed to {@code
 * ckpt-<epoch>-<step>} only when complete; the pointer file {@code checkpoint} is replaced
 * atomically afterwards. A crash at any moment leaves the previous checkpoint intact and pointed
 * to. The newest {@code keep} checkpoints are kept.
 *
 * <p>The directory is locked ({@link DirectoryLock}) from construction to {@link #close()}: a
 * second run writing checkpoints there is refused instead of pruning this run's.
 */
final class Checkpointer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Checkpointer.class);
  private static final String POINTER = "checkpoint";
  private static final String STATE = "state.properties";
  private static final String VARIABLES = "variables";
  private static final String SLOTS = "optimizer_slots";

  private final Path dir;
  private final Trainer trainer;
  private final int keep;
  private final DirectoryLock lock;

  /**
   * Where the loop stands when a checkpoint is taken.
   *
   * @param epoch the epoch to run next (0-based)
   * @param step the first step of that epoch still to run
   * @param seed the shuffling seed
   * @param partial the epoch's running sums so far: seen, loss sum, then metric sums
   * @param history the finished epochs' logs and seconds
   */
  record State(int epoch, int step, long seed, double[] partial, History history) {}

  Checkpointer(Path dir, Trainer trainer, int keep) {
    this.dir = dir;
    this.trainer = trainer;
    this.keep = Math.max(1, keep);
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new JerasException(
          dir + ": cannot create the checkpoint directory: " + IoErrors.describe(e), e);
    }
    this.lock = DirectoryLock.acquire(dir);
  }

  /** Releases the directory's lock. */
  @Override
  public void close() {
    lock.close();
  }

  /** Writes a checkpoint atomically and prunes old ones. */
  Path save(State s) {
    String name = String.format("ckpt-%06d-%06d", s.epoch(), s.step());
    Path target = dir.resolve(name);
    Path tmp = null;
    lock.verify();
    try {
      tmp = Files.createTempDirectory(dir, ".tmp-" + name + "-");
      trainer.engine().session().save(tmp.resolve(VARIABLES).toString());
      Properties p = new Properties();
      p.setProperty("epoch", Integer.toString(s.epoch()));
      p.setProperty("step", Integer.toString(s.step()));
      p.setProperty("seed", Long.toString(s.seed()));
      p.setProperty("iterations", Long.toString(trainer.iterations()));
      p.setProperty("variables", String.join(",", trainer.engine().store().names()));
      p.setProperty(SLOTS, OptimizerState.KERAS_SLOTS);
      for (int i = 0; i < s.partial().length; i++) {
        p.setProperty("partial." + i, Double.toString(s.partial()[i]));
      }
      List<Map<String, Double>> epochs = s.history().epochs();
      for (int e = 0; e < epochs.size(); e++) {
        for (Map.Entry<String, Double> kv : epochs.get(e).entrySet()) {
          p.setProperty("history." + e + "." + kv.getKey(), Double.toString(kv.getValue()));
        }
        p.setProperty("history." + e + ".seconds", Double.toString(s.history().seconds().get(e)));
      }
      try (Writer w = Files.newBufferedWriter(tmp.resolve(STATE))) {
        p.store(w, "jeras training checkpoint");
      }
      if (Files.exists(target)) {
        deleteTree(target);
      }
      move(tmp, target);
      tmp = null;
      Path pointerTmp = Files.createTempFile(dir, ".tmp-pointer-", "");
      Files.writeString(pointerTmp, "latest=" + name + "\n");
      move(pointerTmp, dir.resolve(POINTER));
      prune();
      LOG.debug("checkpoint {} written", target);
      return target;
    } catch (IOException | RuntimeException e) {
      // TensorFlow reports a full disk as TFResourceExhaustedException("<file>; No space ...")
      throw new JerasException(
          dir + ": cannot write checkpoint " + name + ": " + IoErrors.describe(e), e);
    } finally {
      if (tmp != null) {
        try {
          deleteTree(tmp);
        } catch (IOException ignored) {
          // a leftover temporary directory is harmless; the pointer still names a good checkpoint
        }
      }
    }
  }

  /**
   * Restores the newest complete checkpoint into the session.
   *
   * @return its state, or null when the directory holds none
   */
  State restoreLatest() {
    Path ckpt = latest();
    if (ckpt == null) {
      return null;
    }
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(ckpt.resolve(STATE))) {
      p.load(r);
    } catch (IOException e) {
      throw new JerasException(ckpt + ": cannot read " + STATE + ": " + e.getMessage(), e);
    }
    String expected = String.join(",", trainer.engine().store().names());
    if (!expected.equals(p.getProperty("variables"))) {
      throw new JerasException(
          ckpt
              + ": the checkpoint was written by another model or"
              + " optimizer: its variables are ["
              + p.getProperty("variables")
              + "], this model has ["
              + expected
              + "]");
    }
    try {
      trainer.engine().session().restore(ckpt.resolve(VARIABLES).toString());
    } catch (RuntimeException e) {
      throw new JerasException(ckpt + ": cannot restore the checkpoint: " + e.getMessage(), e);
    }
    if (!OptimizerState.KERAS_SLOTS.equals(p.getProperty(SLOTS))) {
      OptimizerState legacy = trainer.optimizerState();
      OptimizerState now = legacy.fromLegacyJeras(trainer.optimizer());
      if (now != legacy) {
        trainer.restoreOptimizerState(now);
      }
    }
    List<Double> partial = new ArrayList<>();
    for (int i = 0; p.getProperty("partial." + i) != null; i++) {
      partial.add(Double.parseDouble(p.getProperty("partial." + i)));
    }
    History h = new History();
    for (int e = 0; p.getProperty("history." + e + ".seconds") != null; e++) {
      Map<String, Double> logs = new LinkedHashMap<>();
      String prefix = "history." + e + ".";
      for (String k : p.stringPropertyNames().stream().sorted().toList()) {
        if (k.startsWith(prefix) && !k.equals(prefix + "seconds")) {
          logs.put(k.substring(prefix.length()), Double.parseDouble(p.getProperty(k)));
        }
      }
      h.add(orderLogs(logs), Double.parseDouble(p.getProperty(prefix + "seconds")));
    }
    LOG.info(
        "resumed from {} (epoch {}, step {}, {} optimizer steps)",
        ckpt,
        Integer.parseInt(p.getProperty("epoch")) + 1,
        p.getProperty("step"),
        p.getProperty("iterations"));
    return new State(
        Integer.parseInt(p.getProperty("epoch")),
        Integer.parseInt(p.getProperty("step")),
        Long.parseLong(p.getProperty("seed")),
        partial.stream().mapToDouble(Double::doubleValue).toArray(),
        h);
  }

  /** Keras' order: loss, metrics, then validation values. */
  private static Map<String, Double> orderLogs(Map<String, Double> logs) {
    Map<String, Double> out = new LinkedHashMap<>();
    if (logs.containsKey("loss")) {
      out.put("loss", logs.get("loss"));
    }
    logs.forEach(
        (k, v) -> {
          if (!k.startsWith("val_")) {
            out.putIfAbsent(k, v);
          }
        });
    logs.forEach(out::putIfAbsent);
    return out;
  }

  /**
   * @return the newest complete checkpoint, or null
   */
  Path latest() {
    Path pointer = dir.resolve(POINTER);
    try {
      if (Files.isRegularFile(pointer)) {
        String line = Files.readString(pointer).trim();
        if (line.startsWith("latest=")) {
          Path c = dir.resolve(line.substring(7));
          if (Files.isRegularFile(c.resolve(STATE))) {
            return c;
          }
        }
      }
      List<Path> all = complete();
      return all.isEmpty() ? null : all.get(all.size() - 1);
    } catch (IOException e) {
      throw new JerasException(dir + ": cannot read checkpoints: " + e.getMessage(), e);
    }
  }

  private List<Path> complete() throws IOException {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "ckpt-*")) {
      for (Path p : ds) {
        if (Files.isRegularFile(p.resolve(STATE))) {
          out.add(p);
        }
      }
    }
    out.sort(Comparator.comparing(p -> p.getFileName().toString()));
    return out;
  }

  private void prune() throws IOException {
    List<Path> all = complete();
    for (int i = 0; i < all.size() - keep; i++) {
      deleteTree(all.get(i));
    }
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(q);
      }
    }
  }
}

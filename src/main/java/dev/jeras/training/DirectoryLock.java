package dev.jeras.training;

import dev.jeras.JerasException;
import dev.jeras.internal.IoErrors;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.net.InetAddress;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A lock file, {@code jeras.lock}, that gives one training run a directory (its checkpoints) to
 * itself: two runs writing checkpoints into one directory would replace and prune each other's.
 *
 * <p>The file names its owner: process id, host, the process's start time, and a random token. A
 * second run is refused with a message naming the directory and the owner. A lock whose owner is
 * gone is stale and taken over (with a warning): same host, and no process with that id, or one
 * that started at another time (the id was reused). A lock from another host cannot be checked from
 * here and is never taken over; the message says which file to delete once that run is gone.
 *
 * <pre>{@code
 * try (DirectoryLock lock = DirectoryLock.acquire(Path.of("ckpt"))) { ... train ... }
 * }</pre>
 */
public final class DirectoryLock implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DirectoryLock.class);

  /** The lock file's name inside the locked directory. */
  public static final String FILE = "jeras.lock";

  /** Start times read for one process differ by rounding; a reused id starts much later. */
  private static final long START_TOLERANCE_MS = 2_000;

  private final Path dir;
  private final Path file;
  private final Owner self;
  private boolean released;

  private DirectoryLock(Path dir, Owner self) {
    this.dir = dir;
    this.file = dir.resolve(FILE);
    this.self = self;
  }

  /** Who holds a lock, as written in the lock file. */
  record Owner(long pid, String host, long startMs, String since, String token) {
    static Owner current() {
      ProcessHandle me = ProcessHandle.current();
      return new Owner(
          me.pid(),
          HOST,
          me.info().startInstant().map(Instant::toEpochMilli).orElse(-1L),
          Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(),
          UUID.randomUUID().toString());
    }

    String text() {
      return "pid="
          + pid
          + "\nhost="
          + host
          + "\nprocess_start_ms="
          + startMs
          + "\nsince="
          + since
          + "\ntoken="
          + token
          + "\n";
    }

    static Owner parse(String text) {
      Properties p = new Properties();
      try (Reader r = new StringReader(text)) {
        p.load(r);
        return new Owner(
            Long.parseLong(p.getProperty("pid", "").trim()),
            Objects.requireNonNull(p.getProperty("host")),
            Long.parseLong(p.getProperty("process_start_ms", "-1").trim()),
            p.getProperty("since", "an unknown time"),
            Objects.requireNonNull(p.getProperty("token")));
      } catch (IOException | RuntimeException e) {
        return null;
      }
    }

    /** Whether the owner may still be running (always true for another host: it cannot be seen). */
    boolean maybeAlive() {
      if (!host.equals(HOST)) {
        return true;
      }
      Optional<ProcessHandle> h = ProcessHandle.of(pid);
      if (h.isEmpty() || !h.get().isAlive()) {
        return false;
      }
      Optional<Instant> started = h.get().info().startInstant();
      return startMs < 0
          || started.isEmpty()
          || Math.abs(started.get().toEpochMilli() - startMs) <= START_TOLERANCE_MS;
    }

    String describe() {
      return "pid " + pid + " on host " + host + ", since " + since;
    }
  }

  /** This machine's name as the kernel has it (no DNS look-up), else Java's. */
  static final String HOST = hostName();

  private static String hostName() {
    try {
      String h = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
      if (!h.isEmpty()) {
        return h;
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: ask Java
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException | RuntimeException e) {
      return "unknown-host";
    }
  }

  /**
   * Takes the lock of a directory (created if missing).
   *
   * @param dir the directory
   * @return the lock; {@link #close()} releases it
   * @throws JerasException naming the directory and the owner if another live process holds it
   */
  public static DirectoryLock acquire(Path dir) {
    Path abs = dir.toAbsolutePath().normalize();
    try {
      Files.createDirectories(abs);
    } catch (IOException e) {
      throw new JerasException(abs + ": cannot create the directory: " + IoErrors.describe(e), e);
    }
    Owner self = Owner.current();
    Path file = abs.resolve(FILE);
    for (int attempt = 0; attempt < 5; attempt++) {
      if (create(file, self)) {
        return new DirectoryLock(abs, self);
      }
      Owner owner = read(file);
      if (owner == null) {
        if (Files.exists(file)) {
          throw unreadable(abs, file);
        }
        continue; // released meanwhile
      }
      if (owner.maybeAlive()) {
        throw busy(abs, file, owner);
      }
      takeOverStale(abs, file, owner);
    }
    throw new JerasException(abs + ": could not take " + file + ": other runs keep taking it");
  }

  /**
   * Checks, without taking it, that no live process holds a directory's lock: a command line can
   * refuse a second run before it loads its data.
   *
   * @param dir the directory (need not exist)
   * @throws JerasException naming the directory and the owner if another live process holds it
   */
  public static void checkFree(Path dir) {
    Path abs = dir.toAbsolutePath().normalize();
    Path file = abs.resolve(FILE);
    if (!Files.exists(file)) {
      return;
    }
    Owner owner = read(file);
    if (owner == null) {
      if (Files.exists(file)) {
        throw unreadable(abs, file);
      }
      return;
    }
    if (owner.maybeAlive()) {
      throw busy(abs, file, owner);
    }
  }

  /**
   * Checks that the lock is still this one's (re-taking it if someone deleted the file).
   *
   * @throws JerasException if another process now holds it
   */
  public void verify() {
    Owner owner = read(file);
    if (owner != null && owner.token().equals(self.token())) {
      return;
    }
    if (owner == null && !Files.exists(file) && create(file, self)) {
      LOG.warn("{}: the lock file was deleted during the run; taken again", file);
      return;
    }
    throw owner == null ? unreadable(dir, file) : busy(dir, file, owner);
  }

  /**
   * @return the locked directory
   */
  public Path directory() {
    return dir;
  }

  /** Releases the lock (deletes the file if it still names this owner); safe to call twice. */
  @Override
  public void close() {
    if (released) {
      return;
    }
    released = true;
    Owner owner = read(file);
    if (owner != null && owner.token().equals(self.token())) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        LOG.warn("{}: cannot remove the lock file: {}", file, IoErrors.describe(e));
      }
    }
  }

  /** Creates the lock file with its full content at once: a hard link to a complete file. */
  private static boolean create(Path file, Owner owner) {
    Path tmp = null;
    try {
      tmp = Files.createTempFile(file.getParent(), "." + FILE + ".tmp-", "");
      Files.writeString(tmp, owner.text());
      try {
        Files.createLink(file, tmp);
      } catch (FileAlreadyExistsException e) {
        return false;
      } catch (UnsupportedOperationException | IOException e) {
        // a file system without hard links: create exclusively, then write
        try {
          Files.writeString(file, owner.text(), StandardOpenOption.CREATE_NEW);
        } catch (FileAlreadyExistsException again) {
          return false;
        }
      }
      return true;
    } catch (IOException e) {
      throw new JerasException(
          file.getParent() + ": cannot create the lock file " + FILE + ": " + IoErrors.describe(e),
          e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // a leftover temporary file is harmless
        }
      }
    }
  }

  private static Owner read(Path file) {
    try {
      return Owner.parse(Files.readString(file));
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      throw new JerasException(file + ": cannot read the lock file: " + IoErrors.describe(e), e);
    }
  }

  /**
   * Moves a stale lock aside (one process wins the rename), then checks that what was moved is the
   * stale lock and not a live one that replaced it meanwhile, which is put back.
   */
  private static void takeOverStale(Path dir, Path file, Owner stale) {
    Path aside = dir.resolve("." + FILE + ".stale-" + UUID.randomUUID());
    try {
      try {
        Files.move(file, aside, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(file, aside);
      }
    } catch (NoSuchFileException e) {
      return; // another process took it over first
    } catch (IOException e) {
      throw new JerasException(
          file
              + ": cannot remove the stale lock of "
              + stale.describe()
              + ": "
              + IoErrors.describe(e),
          e);
    }
    try {
      Owner moved = read(aside);
      if (moved == null || !moved.token().equals(stale.token())) {
        try {
          Files.createLink(file, aside);
        } catch (IOException | UnsupportedOperationException e) {
          // someone holds it again: the next attempt reads the new owner
        }
        return;
      }
      LOG.warn("{}: took over the lock of {}, which is no longer running", dir, stale.describe());
    } finally {
      try {
        Files.deleteIfExists(aside);
      } catch (IOException ignored) {
        // harmless
      }
    }
  }

  private static JerasException busy(Path dir, Path file, Owner owner) {
    boolean local = owner.host().equals(HOST);
    return new JerasException(
        dir
            + ": in use by another training run ("
            + owner.describe()
            + "; lock file "
            + file
            + "): two runs in one checkpoint directory would replace and prune each other's"
            + " checkpoints. Wait for that run to end, or use another directory"
            + (local
                ? ""
                : " (jeras cannot see processes on "
                    + owner.host()
                    + ": delete the lock file once that run is gone)"));
  }

  private static JerasException unreadable(Path dir, Path file) {
    return new JerasException(
        dir
            + ": the lock file "
            + file
            + " names no owner jeras can read (expected pid, host and token lines); if no"
            + " training run uses this directory, delete it");
  }
}

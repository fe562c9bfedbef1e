package dev.jeras.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.JerasException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoryLockTest {
  @TempDir Path tmp;

  private Path lockFile() {
    return tmp.resolve(DirectoryLock.FILE);
  }

  private void writeLock(long pid, String host, long startMs) throws Exception {
    Files.writeString(
        lockFile(),
        "pid="
            + pid
            + "\nhost="
            + host
            + "\nprocess_start_ms="
            + startMs
            + "\nsince=2026-01-01T00:00:00Z\ntoken=someone-else\n");
  }

  @Test
  void heldLock_refusesASecondHolder_untilClosed() {
    try (DirectoryLock first = DirectoryLock.acquire(tmp)) {
      String text = readLock();
      assertTrue(text.contains("pid=" + ProcessHandle.current().pid()), text);
      assertTrue(text.contains("host=" + DirectoryLock.HOST), text);
      JerasException e = assertThrows(JerasException.class, () -> DirectoryLock.acquire(tmp));
      assertTrue(
          e.getMessage()
              .startsWith(
                  tmp.toAbsolutePath()
                      + ": in use by another training run (pid "
                      + ProcessHandle.current().pid()
                      + " on host "
                      + DirectoryLock.HOST),
          e.getMessage());
      assertThrows(JerasException.class, () -> DirectoryLock.checkFree(tmp));
      first.verify();
    }
    assertFalse(Files.exists(lockFile()));
    DirectoryLock.checkFree(tmp);
    DirectoryLock.acquire(tmp).close();
  }

  @Test
  void lockOfAFinishedProcess_isStale_andTakenOver() throws Exception {
    Process p = new ProcessBuilder("true").start();
    p.waitFor(10, TimeUnit.SECONDS);
    writeLock(p.pid(), DirectoryLock.HOST, -1);
    DirectoryLock.checkFree(tmp);
    try (DirectoryLock lock = DirectoryLock.acquire(tmp)) {
      assertTrue(readLock().contains("pid=" + ProcessHandle.current().pid()));
      lock.verify();
    }
    assertFalse(Files.exists(lockFile()));
  }

  @Test
  void lockOfAReusedProcessId_isStale() throws Exception {
    // this process's id, but a start time an hour before it: another process that had the id
    long start = ProcessHandle.current().info().startInstant().orElseThrow().toEpochMilli();
    writeLock(ProcessHandle.current().pid(), DirectoryLock.HOST, start - 3_600_000);
    DirectoryLock.acquire(tmp).close();
  }

  @Test
  void lockFromAnotherHost_isNeverTakenOver_andSaysWhatToDelete() throws Exception {
    writeLock(1, "some-other-host", 0);
    JerasException e = assertThrows(JerasException.class, () -> DirectoryLock.acquire(tmp));
    assertTrue(
        e.getMessage()
            .endsWith(
                "(jeras cannot see processes on some-other-host: delete the lock file once that"
                    + " run is gone)"),
        e.getMessage());
    assertTrue(readLock().contains("token=someone-else"));
  }

  @Test
  void unreadableLock_isRefused_namingTheFile() throws Exception {
    Files.writeString(lockFile(), "garbage");
    JerasException e = assertThrows(JerasException.class, () -> DirectoryLock.acquire(tmp));
    assertEquals(
        tmp.toAbsolutePath()
            + ": the lock file "
            + lockFile().toAbsolutePath()
            + " names no owner jeras can read (expected pid, host and token lines); if no"
            + " training run uses this directory, delete it",
        e.getMessage());
  }

  @Test
  void lockTakenByAnotherRunMeanwhile_failsVerify() throws Exception {
    try (DirectoryLock lock = DirectoryLock.acquire(tmp)) {
      writeLock(1, "some-other-host", 0);
      JerasException e = assertThrows(JerasException.class, lock::verify);
      assertTrue(e.getMessage().contains("pid 1 on host some-other-host"), e.getMessage());
    }
    assertTrue(readLock().contains("token=someone-else"), "close leaves another's lock alone");
  }

  @Test
  void racingAcquirers_exactlyOneWins() throws Exception {
    int n = 8;
    ExecutorService pool = Executors.newFixedThreadPool(n);
    CountDownLatch go = new CountDownLatch(1);
    try {
      List<Future<DirectoryLock>> tries = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        tries.add(
            pool.submit(
                () -> {
                  go.await();
                  try {
                    return DirectoryLock.acquire(tmp);
                  } catch (JerasException e) {
                    return null;
                  }
                }));
      }
      go.countDown();
      List<DirectoryLock> won = new ArrayList<>();
      for (Future<DirectoryLock> f : tries) {
        DirectoryLock l = f.get(30, TimeUnit.SECONDS);
        if (l != null) {
          won.add(l);
        }
      }
      assertEquals(1, won.size());
      won.get(0).close();
    } finally {
      pool.shutdownNow();
    }
  }

  private String readLock() {
    try {
      return Files.readString(lockFile());
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }
}

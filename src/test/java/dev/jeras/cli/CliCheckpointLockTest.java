package dev.jeras.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two runs on one checkpoint directory: the second is refused, naming the directory and the owner
 * (here a real process: {@code sleep}); once the owner is gone its lock is stale and the next run
 * takes it over, trains, and removes it at the end.
 */
class CliCheckpointLockTest {
  @TempDir Path tmp;

  @Test
  void secondRun_isRefusedWhileTheOwnerLives_andTakesOverOnceItIsGone() throws Exception {
    Path ckpt = tmp.resolve("ckpt");
    Files.createDirectories(ckpt);
    Process owner = new ProcessBuilder("sleep", "120").start();
    try {
      Path lock = ckpt.resolve("jeras.lock");
      String host = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
      Files.writeString(
          lock,
          "pid="
              + owner.pid()
              + "\nhost="
              + host
              + "\nprocess_start_ms="
              + owner.info().startInstant().orElseThrow().toEpochMilli()
              + "\nsince=2026-01-01T00:00:00Z\ntoken=other-run\n");
      String[] train = {
        "train",
        "--data-dir",
        "testdata/mnist-small",
        "--epochs",
        "1",
        "--limit",
        "64",
        "--seed",
        "1",
        "--no-export",
        "--checkpoint-dir",
        ckpt.toString()
      };

      CliRun refused = CliRun.of(train);
      assertEquals(1, refused.rc(), refused.toString());
      assertEquals(
          "jeras: error: --checkpoint-dir "
              + ckpt.toAbsolutePath()
              + ": in use by another training run (pid "
              + owner.pid()
              + " on host "
              + host
              + ", since 2026-01-01T00:00:00Z; lock file "
              + lock.toAbsolutePath()
              + "): two runs in one checkpoint directory would replace and prune each other's"
              + " checkpoints. Wait for that run to end, or use another directory",
          refused.errorLine());
      assertEquals("", refused.out(), "refused before the data loaded");
      assertTrue(Files.readString(lock).contains("token=other-run"), "the owner's lock is kept");

      owner.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // as kill -9 leaves it
      CliRun next = CliRun.of(train);
      assertEquals(0, next.rc(), next.toString());
      assertTrue(Files.isDirectory(ckpt.resolve("ckpt-000001-000000")), "checkpoint written");
      assertFalse(Files.exists(lock), "released at the end of the run");
    } finally {
      owner.destroyForcibly();
    }
  }
}

package dev.jeras.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jeras.data.FloatArray;
import dev.jeras.models.Model;
import dev.jeras.saving.ModelFiles;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jeras train} on two-task clusters on localhost ports, each task a JVM of its own (a
 * process serves one task for its life): the MNIST CNN on 512 samples of testdata/mnist-small for 2
 * epochs with a global batch of 64 ends with the weights one process trains; a worker killed in
 * epoch 2 stops the chief with a clear error within the step timeout, and a restart with --resume
 * ends with the uninterrupted run's weights; tasks started with different settings, and a task
 * whose peer never comes, fail at start-up naming what is wrong.
 */
class ClusterTrainTest {
  private static final String[] RUN = {
    "train",
    "--data-dir",
    "testdata/mnist-small",
    "--limit",
    "512",
    "--epochs",
    "2",
    "--batch-size",
    "64",
    "--seed",
    "7",
    "--kernels",
    "fixed",
    "--no-export",
    "--startup-timeout",
    "60"
  };

  @TempDir static Path tmp;

  private static Path uninterrupted;

  @Test
  void twoTasks_endWithTheWeightsOfOneProcessOnTheGlobalBatch() throws Exception {
    Path cluster = uninterrupted();
    Path one = tmp.resolve("one.keras");
    CliRun single = CliRun.of(args(RUN, "--save", one.toString()));
    assertEquals(0, single.rc(), single.toString());
    double diff = maxDiff(cluster, one);
    System.out.printf("two tasks against one process: max |diff| = %.3e%n", diff);
    assertTrue(diff <= 1e-4, "max |diff| " + diff);
  }

  @Test
  void killedWorker_stopsTheChiefWithinTheTimeout_andARestartEndsAsTheUninterruptedRun()
      throws Exception {
    Path reference = uninterrupted();
    Path dir = Files.createDirectories(tmp.resolve("kill"));
    Path cluster = clusterFile(dir);
    Path ckpt = dir.resolve("ckpt");
    Path saved = dir.resolve("resumed.keras");
    String[] run =
        args(
            RUN,
            "--save",
            saved.toString(),
            "--checkpoint-dir",
            ckpt.toString(),
            "--worker-timeout",
            "20");
    Task chief = Task.start(dir, "chief", cluster, "chief:0", run);
    Task worker = Task.start(dir, "worker", cluster, "worker:0", run);
    try {
      // the chief writes epoch 1's checkpoint before the tasks meet at the epoch's end: the kill
      // lands in that meeting or in epoch 2's steps, which need both tasks
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (!Files.isDirectory(ckpt.resolve("ckpt-000001-000000")) && chief.process.isAlive()) {
        if (System.nanoTime() > deadline) {
          fail("no checkpoint after epoch 1 in 120 s:\n" + chief + worker);
        }
        Thread.sleep(5);
      }
      assertTrue(chief.process.isAlive(), chief.toString());
      worker.process.destroyForcibly(); // as kill -9
      long killed = System.nanoTime();
      int rc = chief.await(60);
      double seconds = (System.nanoTime() - killed) / 1e9;
      assertEquals(1, rc, chief.toString());
      String error = CliRun.errorLine(chief.output());
      assertTrue(
          Pattern.matches(
              "jeras: error: task chief:0, (training epoch 2, step \\d+|taking the chief's"
                  + " state after epoch 1): a task left the cluster \\(lost worker:0 at"
                  + " localhost:\\d+\\)",
              error),
          chief.toString());
      System.out.printf("the chief stopped %.1f s after the kill: %s%n", seconds, error);
      assertTrue(seconds < 20, "the chief stopped " + seconds + " s after the kill");
      assertFalse(Files.exists(saved), "nothing saved by the failed run");
    } finally {
      chief.process.destroyForcibly();
      worker.process.destroyForcibly();
    }

    String[] resume = args(run, "--resume");
    Task chief2 = Task.start(dir, "chief2", cluster, "chief:0", resume);
    Task worker2 = Task.start(dir, "worker2", cluster, "worker:0", resume);
    try {
      assertEquals(0, chief2.await(120), chief2.toString());
      assertEquals(0, worker2.await(60), worker2.toString());
      assertTrue(chief2.output().contains("resumed from"), chief2.toString());
      assertTrue(worker2.output().contains("worker:0: epoch 2/2"), worker2.toString());
      assertFalse(worker2.output().contains("worker:0: epoch 1/2"), "epoch 1 is not trained again");
    } finally {
      chief2.process.destroyForcibly();
      worker2.process.destroyForcibly();
    }
    double diff = maxDiff(saved, reference);
    System.out.printf("resumed against uninterrupted: max |diff| = %.3e%n", diff);
    assertTrue(diff <= 1e-4, "max |diff| " + diff);
  }

  @Test
  void tasksWithDifferentBatchSizes_failAtStartUp_namingTheSettingAndTheValues() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("mismatch"));
    Path cluster = clusterFile(dir);
    Task chief = Task.start(dir, "chief", cluster, "chief:0", RUN);
    Task worker =
        Task.start(dir, "worker", cluster, "worker:0", replaced(RUN, "--batch-size", "32"));
    try {
      String expected =
          "jeras: error: the tasks disagree on the batch size: chief:0 has 64, worker:0 has 32"
              + " (every task must run the same command apart from --task)";
      assertEquals(1, chief.await(120), chief.toString());
      assertEquals(1, worker.await(60), worker.toString());
      assertEquals(expected, CliRun.errorLine(chief.output()), chief.toString());
      assertEquals(expected, CliRun.errorLine(worker.output()), worker.toString());
    } finally {
      chief.process.destroyForcibly();
      worker.process.destroyForcibly();
    }
  }

  @Test
  void peerThatNeverStarts_failsTheTaskAfterTheStartupTimeout_namingTheAddress() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("alone"));
    Path cluster = clusterFile(dir);
    String workerAddress = addresses(cluster).get(1);
    long start = System.nanoTime();
    Task chief =
        Task.start(dir, "chief", cluster, "chief:0", replaced(RUN, "--startup-timeout", "3"));
    try {
      assertEquals(1, chief.await(60), chief.toString());
      String error = CliRun.errorLine(chief.output());
      assertTrue(
          error.startsWith(
              "jeras: error: cannot reach task worker:0 at " + workerAddress + " (from " + cluster),
          chief.toString());
      assertTrue(error.contains(" in 3 s; is that task started and the address right?"), error);
      assertTrue((System.nanoTime() - start) / 1e9 < 40, "bounded wait");
    } finally {
      chief.process.destroyForcibly();
    }
  }

  /** The weights of a two-task run of {@link #RUN}, made once for the tests that compare. */
  private static synchronized Path uninterrupted() throws Exception {
    if (uninterrupted != null) {
      return uninterrupted;
    }
    Path dir = Files.createDirectories(tmp.resolve("cluster"));
    Path cluster = clusterFile(dir);
    Path saved = dir.resolve("two.keras");
    String[] run = args(RUN, "--save", saved.toString());
    Task chief = Task.start(dir, "chief", cluster, "chief:0", run);
    Task worker = Task.start(dir, "worker", cluster, "worker:0", run);
    try {
      assertEquals(0, chief.await(120), chief.toString());
      assertEquals(0, worker.await(60), worker.toString());
    } finally {
      chief.process.destroyForcibly();
      worker.process.destroyForcibly();
    }
    assertTrue(chief.output().contains("Cluster: 2 tasks [chief:0, worker:0], global batch 64"));
    assertTrue(chief.output().contains("Test loss"), chief.toString());
    String w = worker.output();
    assertTrue(w.contains("worker:0: epoch 1/2 - "), w);
    assertTrue(w.contains("worker:0: epoch 2/2 - "), w);
    assertFalse(w.contains("Test loss"), "only the chief evaluates");
    assertFalse(w.contains("Saved:"), "only the chief saves");
    uninterrupted = saved;
    return saved;
  }

  private static double maxDiff(Path a, Path b) {
    try (Model ma = ModelFiles.load(a);
        Model mb = ModelFiles.load(b)) {
      List<FloatArray> wa = ma.getWeights();
      List<FloatArray> wb = mb.getWeights();
      assertEquals(wa.size(), wb.size());
      double max = 0;
      for (int i = 0; i < wa.size(); i++) {
        float[] x = wa.get(i).data();
        float[] y = wb.get(i).data();
        assertEquals(x.length, y.length);
        for (int j = 0; j < x.length; j++) {
          max = Math.max(max, Math.abs((double) x[j] - y[j]));
        }
      }
      return max;
    }
  }

  /** A TF_CONFIG cluster of one chief and one worker on free localhost ports (no task in it). */
  private static Path clusterFile(Path dir) throws IOException {
    int[] ports = new int[2];
    List<ServerSocket> held = new ArrayList<>();
    try {
      for (int i = 0; i < ports.length; i++) {
        ServerSocket s = new ServerSocket(0);
        held.add(s);
        ports[i] = s.getLocalPort();
      }
    } finally {
      for (ServerSocket s : held) {
        s.close();
      }
    }
    Path f = dir.resolve("cluster.json");
    Files.writeString(
        f,
        "{\"cluster\": {\"chief\": [\"localhost:"
            + ports[0]
            + "\"], \"worker\": [\"localhost:"
            + ports[1]
            + "\"]}}\n");
    return f;
  }

  private static List<String> addresses(Path cluster) throws IOException {
    List<String> out = new ArrayList<>();
    var m = Pattern.compile("localhost:\\d+").matcher(Files.readString(cluster));
    while (m.find()) {
      out.add(m.group());
    }
    return out;
  }

  /** The arguments with one option's value replaced. */
  private static String[] replaced(String[] base, String option, String value) {
    String[] out = base.clone();
    out[List.of(base).indexOf(option) + 1] = value;
    return out;
  }

  private static String[] args(String[] base, String... more) {
    String[] all = new String[base.length + more.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(more, 0, all, base.length, more.length);
    return all;
  }

  /** One task: a JVM running the command line, its stdout and stderr in a file. */
  private record Task(String name, Process process, Path log) {
    static Task start(Path dir, String name, Path cluster, String task, String... args)
        throws IOException {
      List<String> cmd = new ArrayList<>();
      cmd.add(
          ProcessHandle.current()
              .info()
              .command()
              .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
      cmd.add("-Xmx1g");
      cmd.add("-Djeras.kernelCache=none");
      cmd.add("-cp");
      cmd.add(
          System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
      cmd.add(Main.class.getName());
      cmd.addAll(List.of(args));
      cmd.addAll(List.of("--cluster", cluster.toString(), "--task", task));
      Path log = dir.resolve(name + ".log");
      ProcessBuilder pb =
          new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
      Map<String, String> env = pb.environment();
      env.remove("TF_CONFIG");
      env.put("TF_CPP_MIN_LOG_LEVEL", "2");
      return new Task(name, pb.start(), log);
    }

    int await(int seconds) throws InterruptedException {
      if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        fail(name + " did not end in " + seconds + " s:\n" + this);
      }
      return process.exitValue();
    }

    String output() {
      try {
        return Files.readString(log);
      } catch (IOException e) {
        return "(no log: " + e + ")";
      }
    }

    @Override
    public String toString() {
      return "--- " + name + "\n" + output();
    }
  }
}

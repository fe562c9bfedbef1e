package dev.jeras.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.backend.Backend;
import dev.jeras.backend.EngineOptions;
import dev.jeras.backend.KernelPolicy;
import dev.jeras.backend.KernelSite;
import dev.jeras.backend.RewriteResult;
import dev.jeras.backend.StandardBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.types.TFloat32;

/**
 * The measured kernel choice: a graph built the first time on this machine has its candidates timed
 * and the choice written to the cache file under this machine's key; the next build reads it back
 * instead of timing again; several writers at once lose nothing; a damaged file is rewritten, not
 * fatal. And the fixed and TensorFlow policies.
 */
class KernelChoiceTest {
  @TempDir Path tmp;

  /** MNIST's first block: convolution + bias + ReLU + pool, as a training forward pass. */
  private static Backend.GraphPlan convPool(int filters, boolean training) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      StandardBackend b = StandardBackend.INSTANCE;
      Operand<TFloat32> x =
          tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 28, 28, 1)));
      Operand<TFloat32> k =
          tf.withName("k")
              .placeholder(TFloat32.class, Placeholder.shape(Shape.of(3, 3, 1, filters)));
      Operand<TFloat32> bias =
          tf.withName("b").placeholder(TFloat32.class, Placeholder.shape(Shape.of(filters)));
      Operand<TFloat32> y =
          b.relu(
              tf,
              b.biasAdd(tf, b.conv2d(tf, x, k, new int[] {1, 1}, "VALID", new int[] {1, 1}), bias));
      y = b.maxPool(tf, y, new int[] {2, 2}, new int[] {2, 2}, "VALID");
      tf.withName("out").identity(y);
      Set<String> all = new HashSet<>();
      for (NodeDef n : g.toGraphDef().getNodeList()) {
        all.add(n.getName());
      }
      return new Backend.GraphPlan(
          g.toGraphDef(), Set.of("x", "k", "b", "out"), training ? all : Set.of(), 16);
    }
  }

  private static EngineOptions tuned(Path cache) {
    return EngineOptions.builtIn().withKernels(KernelPolicy.TUNED).withKernelCache(cache);
  }

  @Test
  void tuned_firstBuildMeasuresAndCaches_secondReadsTheCache() throws Exception {
    Path file = tmp.resolve("kernels.json");
    RewriteResult first = new CpuBackend(tuned(file)).prepare(convPool(32, true));
    assertTrue(Files.isRegularFile(file), "the choices were written");
    Map<String, Map<String, KernelCache.Entry>> onDisk = KernelCache.read(file);
    Map<String, KernelCache.Entry> mine = onDisk.get(KernelCache.machine());
    assertNotNull(mine, "keyed by this machine: " + onDisk.keySet());
    // the fusion's choice, and the single-op ones measured where the fusion was not chosen
    KernelCache.Entry fusion =
        mine.entrySet().stream()
            .filter(e -> e.getKey().startsWith("train_conv_pool "))
            .findFirst()
            .orElseThrow()
            .getValue();
    String fusionKey =
        mine.keySet().stream()
            .filter(k -> k.startsWith("train_conv_pool "))
            .findFirst()
            .orElseThrow();
    Set<String> candidates =
        Set.of(fusionKey.substring(fusionKey.indexOf('[') + 1, fusionKey.indexOf(']')).split(","));
    assertTrue(candidates.containsAll(Set.of("split", "native")), fusionKey);
    assertEquals(candidates, fusion.millis().keySet(), "every candidate timed");
    assertTrue(fusion.millis().values().stream().allMatch(ms -> ms > 0));
    String chosen = fusion.kernel();
    double fastest =
        fusion.millis().values().stream().mapToDouble(Double::doubleValue).min().orElseThrow();
    assertEquals(fastest, fusion.millis().get(chosen), 0.0, "the fastest is kept");
    assertEquals(
        chosen.equals("split") ? 0 : 1,
        first.count(KernelSite.TRAIN_CONV_POOL, chosen),
        "the graph runs the kernel chosen");

    // a second process on this machine: the file, not a new measurement, decides
    long modified = Files.getLastModifiedTime(file).toMillis();
    String before = Files.readString(file);
    KernelCache.Entry forced =
        new KernelCache.Entry(chosen.equals("native") ? "split" : "native", fusion.millis());
    String key =
        mine.entrySet().stream()
            .filter(e -> e.getKey().startsWith("train_conv_pool "))
            .findFirst()
            .orElseThrow()
            .getKey();
    Path other = tmp.resolve("other.json");
    Files.writeString(
        other,
        before.replace(
            "\"kernel\" : \"" + chosen + "\"", "\"kernel\" : \"" + forced.kernel() + "\""));
    RewriteResult second = new CpuBackend(tuned(other)).prepare(convPool(32, true));
    assertEquals(
        forced.kernel().equals("native") ? 1 : 0,
        second.count(KernelSite.TRAIN_CONV_POOL, "native"),
        "the cached choice for " + key + " was used");
    assertEquals(modified, Files.getLastModifiedTime(file).toMillis());
  }

  @Test
  void concurrentWriters_threadsAndProcesses_loseNoChoice() throws Exception {
    Path file = tmp.resolve("shared.json");
    int writers = 4;
    List<Process> processes = new ArrayList<>();
    for (int p = 0; p < 3; p++) {
      processes.add(
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp",
                  System.getProperty("java.class.path"),
                  CacheWriterMain.class.getName(),
                  file.toString(),
                  Integer.toString(p),
                  "5")
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start());
    }
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        int id = w;
        done.add(
            pool.submit(
                () -> {
                  KernelCache c = KernelCache.unshared(file); // as separate users would have
                  for (int i = 0; i < 5; i++) {
                    c.put(
                        "thread" + id + " key" + i,
                        new KernelCache.Entry("tensorflow", Map.of("tensorflow", 1.0 + i)));
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    for (Process p : processes) {
      // a JVM start takes seconds; the bound is for a shared, loaded CI machine, not a timing
      boolean ended = p.waitFor(300, java.util.concurrent.TimeUnit.SECONDS);
      if (!ended) {
        p.destroyForcibly();
      }
      assertTrue(ended, "writer process ended");
      assertEquals(0, p.exitValue());
    }
    Map<String, KernelCache.Entry> all = KernelCache.read(file).get(KernelCache.machine());
    assertEquals((writers + 3) * 5, all.size(), "every writer's every choice: " + all.keySet());
  }

  @Test
  void damagedCacheFile_isRewrittenNotFatal() throws Exception {
    Path file = tmp.resolve("damaged.json");
    Files.writeString(file, "{ not json");
    RewriteResult r = new CpuBackend(tuned(file)).prepare(convPool(16, false));
    assertNotNull(r.graph());
    assertFalse(KernelCache.read(file).isEmpty(), "rewritten with this run's choices");
  }

  @Test
  void tensorflowPolicy_changesNothing_fixedPolicyIsTheSameEverywhere() {
    RewriteResult none =
        new CpuBackend(
                EngineOptions.builtIn().withKernels(KernelPolicy.TENSORFLOW).withKernelCache(null))
            .prepare(convPool(32, true));
    assertTrue(none.applied().isEmpty());
    EngineOptions fixed =
        EngineOptions.builtIn().withKernels(KernelPolicy.FIXED).withKernelCache(null);
    RewriteResult a = new CpuBackend(fixed).prepare(convPool(32, false));
    RewriteResult b = new CpuBackend(fixed).prepare(convPool(32, false));
    assertEquals(a.applied(), b.applied(), "no measurement: the same choice each time");
  }
}

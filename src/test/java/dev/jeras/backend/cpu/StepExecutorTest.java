package dev.jeras.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.backend.EngineOptions;
import dev.jeras.backend.KernelPolicy;
import dev.jeras.backend.KernelSite;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.RunOptions;

/** The training step's executor: what each policy takes, and the tuned measurement's decisions. */
class StepExecutorTest {
  private static final EngineOptions TUNED =
      EngineOptions.builtIn().withKernels(KernelPolicy.TUNED).withKernelCache(null);

  private static boolean inline(RunOptions o) {
    return o.getInterOpThreadPool() == -1;
  }

  @Test
  void policies_andPins_decideWithoutMeasuring() {
    StepExecutor tf = StepExecutor.of(TUNED.withKernels(KernelPolicy.TENSORFLOW), "step");
    assertEquals("pool", tf.chosen());
    assertEquals(RunOptions.getDefaultInstance(), tf.next());
    StepExecutor fixed = StepExecutor.of(TUNED.withKernels(KernelPolicy.FIXED), "step");
    assertEquals("inline", fixed.chosen());
    assertTrue(inline(fixed.next()));
    StepExecutor pinned =
        StepExecutor.of(
            TUNED.withKernels(KernelPolicy.FIXED).withKernel(KernelSite.TRAIN_STEP, "pool"),
            "step");
    assertEquals("pool", pinned.chosen());
    assertNull(StepExecutor.of(TUNED, "step").chosen());
  }

  /** Runs steps whose time depends on the executor until one is chosen; counts each kind. */
  private static int[] measure(StepExecutor e, DoubleUnaryOperator millis) {
    int[] runs = new int[2]; // [0] pool, [1] inline
    int steps = 0;
    while (e.chosen() == null) {
      boolean in = inline(e.next());
      if (steps < StepExecutor.WARMUP) {
        assertTrue(in, "warm-up steps run inline");
      }
      runs[in ? 1 : 0]++;
      e.ran((long) (millis.applyAsDouble(in ? 1 : 0) * 1e6));
      assertTrue(++steps < 10_000, "no decision after 10,000 steps");
    }
    return runs;
  }

  @Test
  void tuned_keepsInline_whenThePoolIsSlower() {
    StepExecutor e = StepExecutor.of(TUNED, "step");
    int[] runs = measure(e, in -> in == 1 ? 3.0 : 3.4);
    assertEquals("inline", e.chosen());
    // 3 blocks each way of 300 ms at least: 100 steps of 3 ms, 89 of 3.4 ms
    assertEquals(3 * 89, runs[0]);
    assertEquals(StepExecutor.WARMUP + 3 * 100, runs[1]);
    assertTrue(inline(e.next()));
    assertTrue(inline(e.settled()));
  }

  @Test
  void tuned_takesThePool_whenItIsClearlyFaster() {
    StepExecutor e = StepExecutor.of(TUNED, "step");
    measure(e, in -> in == 1 ? 50 : 40);
    assertEquals("pool", e.chosen());
    assertEquals(RunOptions.getDefaultInstance(), e.next());
    assertEquals(RunOptions.getDefaultInstance(), e.settled());
  }

  @Test
  void tuned_keepsInline_withinTheMargin() {
    StepExecutor e = StepExecutor.of(TUNED, "step");
    measure(e, in -> in == 1 ? 10.2 : 10); // the pool 2% faster
    assertEquals("inline", e.chosen());
  }

  @Test
  void tuned_isNotSwayedBySpikes() {
    // every fifth step six times slower (load spikes, collections)
    StepExecutor e = StepExecutor.of(TUNED, "step");
    int[] step = {0};
    measure(
        e,
        in -> {
          int s = step[0]++;
          double base = in == 1 ? 2.0 : 2.5;
          return s % 5 == 0 ? base * 6 : base;
        });
    assertEquals("inline", e.chosen());
  }
}

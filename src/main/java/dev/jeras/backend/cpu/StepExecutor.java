package dev.jeras.backend.cpu;

import dev.jeras.backend.EngineOptions;
import dev.jeras.backend.KernelSite;
import java.util.Arrays;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.proto.RunOptions;

/**
 * How a training step's ops are run on the CPU (site {@link KernelSite#TRAIN_STEP}): {@code pool}
 * hands ready ops to TensorFlow's inter-op thread pool (its default), {@code inline} runs them one
 * after another in the calling thread, each kernel still using the intra-op threads. Inline saves a
 * thread hand-off per op and leaves the pool's threads asleep instead of spinning beside the
 * kernels' threads, which pays where cores are few and waking a thread is slow (virtual machines);
 * the pool runs independent branches side by side, which can pay on many cores.
 *
 * <p>Under the {@code tuned} policy the first steps measure both: after {@link #WARMUP} steps,
 * {@link #PAIRS} pairs of adjacent blocks run one each way, order flipped pair by pair, each block
 * at least {@link #BLOCK_STEPS} steps and {@link #BLOCK_MILLIS} ms (the pool's cost shows only
 * after its threads have run a while: blocks of a few steps time both alike). A block's time is the
 * median step of its last three quarters; inline is kept unless the median of the pairs' ratios
 * favours the pool by more than {@link #POOL_MARGIN} (pairing cancels the machine's drifting load).
 * They are real training steps, so measuring costs only the slower option's share of them. One
 * instance per training step graph; not thread-safe (one fit at a time).
 */
public final class StepExecutor {
  private static final Logger LOG = LoggerFactory.getLogger(StepExecutor.class);

  /** Steps run inline before timing starts (the first ones run slower while the process warms). */
  public static final int WARMUP = 20;

  /** Fewest steps in a block. */
  public static final int BLOCK_STEPS = 8;

  /** Least wall time of a block. */
  public static final long BLOCK_MILLIS = 300;

  /** Pairs of adjacent blocks, one each way. */
  public static final int PAIRS = 3;

  /**
   * How much faster the pool must be to be kept: inline saves work, so a tie or a difference within
   * the measurement's noise keeps it.
   */
  public static final double POOL_MARGIN = 1.03;

  private static final RunOptions POOL = RunOptions.getDefaultInstance();
  private static final RunOptions INLINE = RunOptions.newBuilder().setInterOpThreadPool(-1).build();

  private final String what;
  private String chosen;
  private long[] block = new long[64]; // the current block's step times
  private int blockSteps;
  private long blockNanos;
  private int blocks; // blocks finished
  private double poolTime;
  private double inlineTime;
  private final double[] ratios = new double[PAIRS]; // inline / pool, pair by pair
  private int steps;
  private int current = -1;

  private StepExecutor(String what, String chosen) {
    this.what = what;
    this.chosen = chosen;
  }

  /**
   * @param options the engine's options: a pinned {@code train_step}, else the policy decides
   *     ({@code tensorflow}: pool; {@code fixed}: inline; {@code tuned}: measured)
   * @param what the step, for the log line of the measurement
   * @return the executor for one training step graph
   */
  public static StepExecutor of(EngineOptions options, String what) {
    String pinned = options.pinned().get(KernelSite.TRAIN_STEP);
    if (pinned != null) {
      return new StepExecutor(what, pinned);
    }
    return new StepExecutor(
        what,
        switch (options.kernels()) {
          case TENSORFLOW -> "pool";
          case FIXED -> "inline";
          case TUNED -> null;
        });
  }

  /**
   * @return the options the next step runs with (call {@link #ran} after it)
   */
  public RunOptions next() {
    if (chosen != null || steps < WARMUP) {
      current = -1;
      return settled();
    }
    // block by block, the order flipped every pair: pool inline, inline pool, ...
    current = (blocks % 2) ^ ((blocks / 2) % 2);
    return current == 1 ? INLINE : POOL;
  }

  /**
   * Records the step just run with {@link #next}'s options.
   *
   * @param elapsedNanos its wall time
   */
  public void ran(long elapsedNanos) {
    steps++;
    if (current < 0 || chosen != null) {
      return;
    }
    if (blockSteps == block.length) {
      block = Arrays.copyOf(block, 2 * block.length);
    }
    block[blockSteps++] = elapsedNanos;
    blockNanos += elapsedNanos;
    if (blockSteps < BLOCK_STEPS || blockNanos < BLOCK_MILLIS * 1_000_000) {
      return;
    }
    long[] tail = Arrays.copyOfRange(block, blockSteps / 4, blockSteps);
    Arrays.sort(tail);
    double time = tail[tail.length / 2];
    if (current == 1) {
      inlineTime = time;
    } else {
      poolTime = time;
    }
    blockSteps = 0;
    blockNanos = 0;
    if (++blocks % 2 == 0) {
      ratios[blocks / 2 - 1] = inlineTime / poolTime;
    }
    if (blocks == 2 * PAIRS) {
      double[] r = ratios.clone();
      Arrays.sort(r);
      double median = (r[(PAIRS - 1) / 2] + r[PAIRS / 2]) / 2;
      chosen = median <= POOL_MARGIN ? "inline" : "pool";
      LOG.info(
          "{} executor measured on this CPU: inline / pool {} (median of {} pairs of blocks) -> {}",
          what,
          String.format(Locale.ROOT, "%.3f", median),
          PAIRS,
          chosen);
    }
    current = -1;
  }

  /**
   * @return the options of the chosen executor, inline while still measuring (for calls that are
   *     not timed: evaluation and prediction on the same graph)
   */
  public RunOptions settled() {
    return chosen == null || chosen.equals("inline") ? INLINE : POOL;
  }

  /**
   * @return {@code pool} or {@code inline}, or null while still measuring
   */
  public String chosen() {
    return chosen;
  }
}

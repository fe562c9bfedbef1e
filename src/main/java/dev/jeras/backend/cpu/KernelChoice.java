package dev.jeras.backend.cpu;

import dev.jeras.backend.Devices;
import dev.jeras.backend.KernelSite;
import dev.jeras.backend.NativeIsa;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which candidate computes a match, by the model's options: a kernel pinned for the site; else with
 * the {@code tuned} policy the fastest on this machine (from the cache, or measured now and cached,
 * logged once); with {@code fixed} a built-in order of preference; with {@code tensorflow}
 * TensorFlow's ops.
 */
final class KernelChoice implements GraphRewriter.Chooser {
  private static final Logger LOG = LoggerFactory.getLogger(KernelChoice.class);

  private final CpuEnvironment env;
  private final KernelCache cache;

  /**
   * @param env what this process runs, with the model's options
   */
  KernelChoice(CpuEnvironment env) {
    this.env = env;
    this.cache = KernelCache.at(env.options().kernelCache());
  }

  @Override
  public <I extends Rule.Match> String choose(
      Rule<I> rule, I m, List<String> candidates, int batch) {
    String pinned = env.options().pinned().get(m.site());
    if (pinned != null) {
      return candidates.contains(pinned) ? pinned : candidates.get(0);
    }
    return switch (env.options().kernels()) {
      case TENSORFLOW -> candidates.get(0);
      case FIXED -> fixed(m, candidates);
      case TUNED -> batch > 0 ? tuned(rule, m, candidates, batch) : fixed(m, candidates);
    };
  }

  /**
   * The built-in preference: jeras' fused kernel where the CPU has AVX2 and FMA (its other copy was
   * slower than TensorFlow's ops), for long patches only with AVX-512; oneDNN's kernels where
   * TensorFlow leaves oneDNN off (and for inference convolutions, short patches only), else jeras'
   * gradients; TensorFlow's otherwise.
   */
  private String fixed(Rule.Match m, List<String> candidates) {
    Set<String> flags = Devices.cpuFlagsOnce();
    boolean wide = flags.contains("avx2") && flags.contains("fma");
    boolean oneDnn = candidates.contains("onednn") && !env.processOneDnn();
    boolean own = candidates.contains("own") && !env.processOneDnn();
    return switch (m.site()) {
      case CONV_POOL, TRAIN_CONV_POOL ->
          candidates.contains("native")
                  && (shortPatch(m) ? wide : NativeKernels.runs(NativeIsa.AVX512))
              ? "native"
              : "split";
      case CONV -> oneDnn && ((ConvRule.Conv) m).chain().shortPatch() ? "onednn" : "tensorflow";
      case BATCH_NORM ->
          candidates.contains("affine") && env.processOneDnn()
              ? "affine"
              : oneDnn ? "onednn" : "tensorflow";
      case TRAIN_BATCH_NORM -> oneDnn ? "onednn" : "tensorflow";
      case TRAIN_DENSE -> "tensorflow";
      case TRAIN_BATCH_NORM_POOL ->
          candidates.contains("native") && wide ? "native" : oneDnn ? "onednn" : "tensorflow";
      case TRAIN_CONV, TRAIN_POOL -> oneDnn ? "onednn" : own ? "own" : "tensorflow";
      case TRAIN_STEP -> throw new IllegalStateException("train_step is chosen by StepExecutor");
    };
  }

  /** Whether a fused convolution + pool's patch is short (long ones: register-blocked loops). */
  private static boolean shortPatch(Rule.Match m) {
    return !(m instanceof ConvPoolRule.ConvPool p) || p.chain().shortPatch();
  }

  private <I extends Rule.Match> String tuned(
      Rule<I> rule, I m, List<String> candidates, int batch) {
    String key =
        m.site().id()
            + " "
            + m.key()
            + " batch="
            + batch
            + " ["
            + String.join(",", candidates)
            + "]"
            + (candidates.contains("native")
                ? " isa=" + env.isa().id() + " threads=" + env.options().intraOpThreads()
                : "");
    KernelCache.Entry known = cache.get(key);
    if (known != null && candidates.contains(known.kernel())) {
      return known.kernel();
    }
    Map<String, Double> ms = KernelTuner.measure(rule, m, candidates, batch, env);
    if (ms.isEmpty()) {
      return candidates.get(0);
    }
    String best = candidates.get(0);
    for (Map.Entry<String, Double> e : ms.entrySet()) {
      if (!ms.containsKey(best) || e.getValue() < ms.get(best)) {
        best = e.getKey();
      }
    }
    cache.put(key, new KernelCache.Entry(best, new LinkedHashMap<>(ms)));
    LOG.info(
        "kernel measured on this CPU: {} -> {} ({}){}",
        key,
        best,
        format(ms),
        cache.file() == null ? "" : "; kept in " + cache.file());
    return best;
  }

  private static String format(Map<String, Double> ms) {
    StringBuilder s = new StringBuilder();
    ms.forEach(
        (k, v) ->
            s.append(s.length() == 0 ? "" : ", ")
                .append(k)
                .append(' ')
                .append(String.format(java.util.Locale.ROOT, "%.3f ms", v)));
    return s.toString();
  }

  /**
   * @return the sites' ids, for messages
   */
  static String sites() {
    StringBuilder s = new StringBuilder();
    for (KernelSite k : KernelSite.values()) {
      s.append(s.length() == 0 ? "" : ", ").append(k.id());
    }
    return s.toString();
  }
}

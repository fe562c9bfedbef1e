package dev.jeras.backend;

import java.util.List;
import java.util.Locale;

/**
 * A kind of place in a graph where the CPU engine has more than one kernel, with the candidates it
 * chooses among (the first is TensorFlow's standard ops, or for a fusion, not fusing).
 */
public enum KernelSite {
  /**
   * Inference convolution + bias [+ ReLU]: {@code native} is jeras' kernel (its convolution + pool
   * with no pool), {@code native_avx2} its AVX2 copy on an AVX-512 CPU.
   */
  CONV("tensorflow", "onednn", "native", "native_avx2"),
  /**
   * Inference convolution + bias [+ ReLU] + max pool: {@code native} is jeras' kernel in the widest
   * copy the CPU runs, {@code native_avx2} its AVX2 copy on an AVX-512 CPU.
   */
  CONV_POOL("split", "native", "native_avx2"),
  /**
   * Inference-mode batch normalization of images (also a frozen layer's in training): {@code
   * affine} is its affine map in TensorFlow's element-wise ops.
   */
  BATCH_NORM("tensorflow", "onednn", "affine"),
  /**
   * Training convolution + bias [+ ReLU], forward and gradients; {@code native} is jeras' kernel
   * (its convolution + pool with no pool), {@code native_avx2} its AVX2 copy on an AVX-512 CPU.
   */
  TRAIN_CONV("tensorflow", "onednn", "own", "native", "native_avx2"),
  /** Training max pool, forward and gradient. */
  TRAIN_POOL("tensorflow", "onednn", "own"),
  /** Training convolution + bias [+ ReLU] + max pool, forward and gradients. */
  TRAIN_CONV_POOL("split", "native", "native_avx2"),
  /** Training batch normalization of images, forward and gradients. */
  TRAIN_BATCH_NORM("tensorflow", "onednn"),
  /**
   * Training batch normalization of images + the max pool after it, forward and gradients: {@code
   * onednn} runs both on oneDNN's kernels, {@code native} is jeras' one-pass kernel.
   */
  TRAIN_BATCH_NORM_POOL("tensorflow", "onednn", "native"),
  /**
   * Training dense layer's matrix product and its gradients: {@code transposed} computes the input
   * gradient as (W dy^T)^T.
   */
  TRAIN_DENSE("tensorflow", "transposed"),
  /**
   * How a training step's ops are run: {@code pool} hands them to TensorFlow's inter-op thread pool
   * (its default), {@code inline} runs them in the calling thread (measured in the first steps of
   * {@code fit}, not by the tuner; see {@code dev.jeras.backend.cpu.StepExecutor}).
   */
  TRAIN_STEP("pool", "inline");

  private final List<String> candidates;

  KernelSite(String... candidates) {
    this.candidates = List.of(candidates);
  }

  /**
   * @return the candidates' names; the first keeps TensorFlow's standard ops
   */
  public List<String> candidates() {
    return candidates;
  }

  /**
   * @return the lower-case name, as in {@code -Djeras.kernel.train_conv=own}
   */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * @param name a site's id
   * @return the site
   */
  public static KernelSite of(String name) {
    return Options.parseEnum(KernelSite.class, "kernel site", name);
  }

  /**
   * @param candidate a candidate's name
   * @return it, checked against this site's candidates
   * @throws IllegalArgumentException naming the site and its candidates
   */
  public String check(String candidate) {
    String c = candidate == null ? "" : candidate.strip().toLowerCase(Locale.ROOT);
    if (!candidates.contains(c)) {
      throw new IllegalArgumentException(
          "kernel for "
              + id()
              + " must be one of "
              + String.join(", ", candidates)
              + ", got '"
              + candidate
              + "'");
    }
    return c;
  }
}

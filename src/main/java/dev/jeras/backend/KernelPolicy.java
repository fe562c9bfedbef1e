package dev.jeras.backend;

import java.util.Locale;

/**
 * How the CPU engine picks kernels where it has more than one for a piece of a graph (TensorFlow's
 * own, oneDNN's, jeras' native ones): {@code tuned} times them on the graph's real shapes the first
 * time a graph is built on a CPU and keeps the fastest (cached per CPU and TensorFlow version);
 * {@code fixed} takes a built-in order of preference without measuring (reproducible across
 * machines); {@code tensorflow} keeps TensorFlow's standard ops everywhere.
 */
public enum KernelPolicy {
  /** Measure the candidates on this CPU, keep the fastest (the default). */
  TUNED,
  /** A built-in preference, the same on every CPU. */
  FIXED,
  /** TensorFlow's standard ops only. */
  TENSORFLOW;

  /**
   * @param name tuned, fixed or tensorflow (any case)
   * @return the policy
   * @throws IllegalArgumentException naming the allowed values
   */
  public static KernelPolicy of(String name) {
    return Options.parseEnum(KernelPolicy.class, "kernels", name);
  }

  /**
   * @return the lower-case name used on the command line and in properties
   */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }
}

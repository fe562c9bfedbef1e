package dev.jeras.backend;

import java.util.Locale;

/**
 * Which copy of jeras' native kernels runs: {@code auto} (the widest this CPU supports), or one
 * named copy. A named copy the CPU cannot run is an error, never a silent fallback, so that a test
 * that asks for it proves it ran.
 */
public enum NativeIsa {
  /** The widest copy this CPU runs. */
  AUTO,
  /** The AVX-512 copy (AVX512F, AVX512BW, AVX512VL, FMA). */
  AVX512,
  /** The AVX2 + FMA copy. */
  AVX2,
  /** The copy for any x86-64 CPU. */
  BASELINE;

  /**
   * @param name auto, avx512, avx2 or baseline (any case)
   * @return the choice
   * @throws IllegalArgumentException naming the allowed values
   */
  public static NativeIsa of(String name) {
    return Options.parseEnum(NativeIsa.class, "native ISA", name);
  }

  /**
   * @return the lower-case name, as the kernels' {@code isa} attribute takes it
   */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }
}

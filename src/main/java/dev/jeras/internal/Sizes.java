package dev.jeras.internal;

/**
 * Element counts from dimensions that come from files (headers, configs) and may be absurd:
 * products saturate at {@link Long#MAX_VALUE} instead of overflowing, so a size check after them
 * cannot be fooled by a wrap-around.
 */
public final class Sizes {
  private Sizes() {}

  /**
   * @param a a count, at least 0
   * @param b a count, at least 0
   * @return {@code a * b}, or {@link Long#MAX_VALUE} when that overflows
   */
  public static long times(long a, long b) {
    if (a == 0 || b == 0) {
      return 0;
    }
    return a > Long.MAX_VALUE / b ? Long.MAX_VALUE : a * b;
  }

  /**
   * @param dims dimensions; a negative one (unknown) counts as 0
   * @param from the first dimension counted
   * @return the product of {@code dims[from..]}, saturating at {@link Long#MAX_VALUE}
   */
  public static long product(long[] dims, int from) {
    long n = 1;
    for (int i = from; i < dims.length; i++) {
      n = times(n, Math.max(dims[i], 0));
    }
    return n;
  }
}

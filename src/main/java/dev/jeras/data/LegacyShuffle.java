package dev.jeras.data;

/**
 * The shuffle of NumPy's legacy {@code np.random.RandomState(seed).shuffle(list)}: a Mersenne
 * Twister (MT19937) seeded with a 32-bit integer, and a Fisher-Yates pass from the end whose draws
 * in {@code [0, i]} are masked 32-bit outputs, rejected until they fall in range.
 *
 * <p>Keras' {@code image_dataset_from_directory} shuffles its file list this way before it takes
 * the last {@code validation_split} of it for validation; doing the same here puts the same files
 * in the same subset for the same seed.
 */
final class LegacyShuffle {
  private static final int N = 624;
  private static final int M = 397;

  private final int[] mt = new int[N];
  private int pos;

  /**
   * @param seed the seed (its low 32 bits, as NumPy requires seeds in 0..2^32-1)
   */
  LegacyShuffle(long seed) {
    int s = (int) seed;
    for (int i = 0; i < N; i++) {
      mt[i] = s;
      s = 1812433253 * (s ^ (s >>> 30)) + i + 1;
    }
    pos = N;
  }

  /**
   * @return a permutation of {@code 0..n-1}: position i of the shuffled list holds element
   *     result[i] of the original
   */
  static int[] permutation(int n, long seed) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    LegacyShuffle rng = new LegacyShuffle(seed);
    for (int i = n - 1; i > 0; i--) {
      int j = rng.interval(i);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /** A uniform draw in {@code [0, max]}: masked 32-bit outputs, rejected while above max. */
  int interval(int max) {
    int mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    long value;
    do {
      value = (next() & 0xFFFFFFFFL) & mask;
    } while (value > max);
    return (int) value;
  }

  /** The next tempered 32-bit output. */
  int next() {
    if (pos >= N) {
      twist();
    }
    int y = mt[pos++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y;
  }

  private void twist() {
    for (int i = 0; i < N; i++) {
      int y = (mt[i] & 0x80000000) | (mt[(i + 1) % N] & 0x7fffffff);
      mt[i] = mt[(i + M) % N] ^ (y >>> 1) ^ ((y & 1) != 0 ? 0x9908b0df : 0);
    }
    pos = 0;
  }
}

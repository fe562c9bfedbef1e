package dev.jeras.fuzz;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * One edit of a file's bytes, as the fuzz properties apply them to committed fixtures: truncation,
 * bit flips, a 32-bit field overwritten with an interesting value (either byte order), insertions
 * and deletions. Offsets are drawn as non-negative ints and taken modulo the length at apply time,
 * biased toward the first 64 bytes where the headers are; the record's {@code toString} is what
 * jqwik prints for a falsified sample.
 */
public interface Mutation {
  /**
   * @param in the bytes (not modified)
   * @return the edited copy
   */
  byte[] apply(byte[] in);

  /** Keeps the first {@code at mod (length + 1)} bytes. */
  record Truncate(int at) implements Mutation {
    @Override
    public byte[] apply(byte[] in) {
      return Arrays.copyOf(in, at % (in.length + 1));
    }
  }

  /** XORs one byte with a non-zero mask. */
  record Flip(int at, int mask) implements Mutation {
    @Override
    public byte[] apply(byte[] in) {
      byte[] out = in.clone();
      if (out.length > 0) {
        out[at % out.length] ^= (byte) mask;
      }
      return out;
    }
  }

  /** Overwrites 4 bytes with a value, big- or little-endian. */
  record SetInt(int at, int value, boolean bigEndian) implements Mutation {
    @Override
    public byte[] apply(byte[] in) {
      byte[] out = in.clone();
      if (out.length < 4) {
        return out;
      }
      int p = at % (out.length - 3);
      for (int i = 0; i < 4; i++) {
        int shift = bigEndian ? 24 - 8 * i : 8 * i;
        out[p + i] = (byte) (value >>> shift);
      }
      return out;
    }

    @Override
    public String toString() {
      return "SetInt[at="
          + at
          + ", value=0x"
          + Integer.toHexString(value)
          + ", bigEndian="
          + bigEndian
          + "]";
    }
  }

  /** Inserts bytes. */
  record Insert(int at, byte[] bytes) implements Mutation {
    @Override
    public byte[] apply(byte[] in) {
      int p = at % (in.length + 1);
      byte[] out = new byte[in.length + bytes.length];
      System.arraycopy(in, 0, out, 0, p);
      System.arraycopy(bytes, 0, out, p, bytes.length);
      System.arraycopy(in, p, out, p + bytes.length, in.length - p);
      return out;
    }

    @Override
    public String toString() {
      return "Insert[at=" + at + ", bytes=" + HexFormat.of().formatHex(bytes) + "]";
    }
  }

  /** Deletes up to {@code length} bytes. */
  record Delete(int at, int length) implements Mutation {
    @Override
    public byte[] apply(byte[] in) {
      if (in.length == 0) {
        return in.clone();
      }
      int p = at % in.length;
      int n = Math.min(length, in.length - p);
      byte[] out = new byte[in.length - n];
      System.arraycopy(in, 0, out, 0, p);
      System.arraycopy(in, p + n, out, p, in.length - p - n);
      return out;
    }
  }

  /** Applies several mutations in order. */
  record Chain(List<Mutation> steps) implements Mutation {
    @Override
    public byte[] apply(byte[] in) {
      byte[] b = in;
      for (Mutation m : steps) {
        b = m.apply(b);
      }
      return b;
    }
  }

  /**
   * @return offsets, half of them in the first 64 bytes (headers), half anywhere
   */
  static Arbitrary<Integer> offsets() {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0, 63)),
        net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0, Integer.MAX_VALUE)));
  }

  /**
   * @return 32-bit values that break size fields: 0, 1, -1, 2^31-1, 2^31, powers of two, random
   */
  static Arbitrary<Integer> interestingInts() {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(
            3,
            Arbitraries.of(
                0,
                1,
                2,
                3,
                8,
                10,
                255,
                256,
                0x7fff,
                0x8000,
                0xffff,
                0x10000,
                0x7fffffff,
                0x80000000,
                0xffffffff,
                0x40000000,
                60000,
                2049,
                2051,
                0x00000801,
                0x00000803,
                0x00000903,
                0x00000d03,
                3073,
                28,
                784)),
        net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(-1000, 100_000)),
        net.jqwik.api.Tuple.of(1, Arbitraries.integers()));
  }

  /**
   * @param hotSpots offsets where a file keeps its metadata (signatures, headers)
   * @return offsets: half within 2 KiB after a hot spot, a quarter in the first 64 bytes, a quarter
   *     anywhere
   */
  static Arbitrary<Integer> offsetsNear(int[] hotSpots) {
    Arbitrary<Integer> near =
        Combinators.combine(
                Arbitraries.integers().between(0, hotSpots.length - 1),
                Arbitraries.integers().between(0, 2047))
            .as((i, d) -> hotSpots[i] + d);
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(2, near), net.jqwik.api.Tuple.of(1, offsets()));
  }

  /**
   * @return one mutation of any kind
   */
  static Arbitrary<Mutation> single() {
    return single(offsets());
  }

  /**
   * @return one mutation of any kind, at the given offsets
   */
  static Arbitrary<Mutation> single(Arbitrary<Integer> offsets) {
    Arbitrary<Mutation> truncate = offsets.map(Truncate::new);
    Arbitrary<Mutation> flip =
        Combinators.combine(offsets, Arbitraries.integers().between(1, 255)).as(Flip::new);
    Arbitrary<Mutation> setInt =
        Combinators.combine(offsets, interestingInts(), Arbitraries.of(true, false))
            .as(SetInt::new);
    Arbitrary<Mutation> insert =
        Combinators.combine(
                offsets, Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(64))
            .as(Insert::new);
    Arbitrary<Mutation> delete =
        Combinators.combine(offsets, Arbitraries.integers().between(1, 4096)).as(Delete::new);
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(2, truncate),
        net.jqwik.api.Tuple.of(4, flip),
        net.jqwik.api.Tuple.of(3, setInt),
        net.jqwik.api.Tuple.of(1, insert),
        net.jqwik.api.Tuple.of(1, delete));
  }

  /**
   * @return one to four mutations applied in order
   */
  static Arbitrary<Mutation> any() {
    return any(offsets());
  }

  /**
   * @return one to four mutations at the given offsets, applied in order
   */
  static Arbitrary<Mutation> any(Arbitrary<Integer> offsets) {
    return single(offsets)
        .list()
        .ofMinSize(1)
        .ofMaxSize(4)
        .map(l -> l.size() == 1 ? l.get(0) : new Chain(l));
  }
}

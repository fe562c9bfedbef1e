package dev.jeras.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.JerasException;
import dev.jeras.data.FloatArray;
import dev.jeras.data.IntArray;
import dev.jeras.data.NumericArray;
import dev.jeras.saving.Npy;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;

/**
 * NumPy {@code .npy} files mutated at random, and headers made of random fields: {@link Npy} either
 * returns an array whose data length is the product of its shape, or throws a {@link
 * JerasException} that names the source.
 */
@AddLifecycleHook(FuzzBudget.class)
class NpyFuzzTest {
  private static final Path REFERENCE = FuzzFiles.testdata().resolve("reference");
  private static final List<byte[]> FIXTURES =
      List.of(
          FuzzFiles.read(REFERENCE.resolve("mnist-basic_y.npy")),
          FuzzFiles.read(REFERENCE.resolve("mnist-basic_x.npy")),
          header("'<i8'", "(3, 2)", 1, 48),
          header("'>f8'", "(2,)", 2, 16),
          header("'<f2'", "()", 3, 2),
          header("'|b1'", "(4, 1)", 1, 4),
          header("'<u2'", "(5,)", 1, 10));

  private Path dir;

  @BeforeProperty
  void makeDir() {
    dir = FuzzFiles.tempDir("npy");
  }

  @AfterProperty
  void deleteDir() {
    FuzzFiles.deleteTree(dir);
  }

  @Property(tries = 500)
  void mutatedBytes_parseOrJerasException(
      @ForAll @IntRange(min = 0, max = 6) int fixture, @ForAll("mutations") Mutation m) {
    byte[] b = m.apply(FIXTURES.get(fixture));
    parse(b, "fuzz-" + fixture + ".npy");
  }

  @Property(tries = 100)
  void mutatedFile_readOrJerasException(@ForAll("mutations") Mutation m) {
    Path f = FuzzFiles.write(dir.resolve("fuzz-file.npy"), m.apply(FIXTURES.get(0)));
    NumericArray a;
    try {
      a = Outcomes.within(Outcomes.FAST, () -> Npy.read(f));
    } catch (JerasException e) {
      Outcomes.assertDocumented(e, IdxFuzzTest.names(f));
      return;
    }
    Outcomes.accepted();
    checkConsistent(a);
  }

  @Property(tries = 500)
  void randomHeaders_parseOnlyWhenConsistent(
      @ForAll("descrs") String descr,
      @ForAll("shapes") String shape,
      @ForAll("fortran") String fortran,
      @ForAll @IntRange(min = 0, max = 4) int version,
      @ForAll("dataLengths") int dataLength,
      @ForAll("headerLengthDeltas") int headerLengthDelta) {
    String dict =
        "{'descr': " + descr + ", 'fortran_order': " + fortran + ", 'shape': " + shape + ", }";
    byte[] b = build(dict, version, dataLength, headerLengthDelta);
    NumericArray a = parse(b, "header.npy");
    if (a != null) {
      assertEquals("False", fortran, "read a Fortran-order array");
      assertTrue(version >= 1 && version <= 3, "read format version " + version);
    }
  }

  /**
   * Parses, and checks what came back; a JerasException must name the source.
   *
   * @return the array, or null when the parser refused the bytes
   */
  private static NumericArray parse(byte[] b, String source) {
    NumericArray a;
    try {
      a = Outcomes.within(Outcomes.FAST, () -> Npy.parse(b, source));
    } catch (JerasException e) {
      Outcomes.assertDocumented(e, new String[] {source});
      return null;
    }
    Outcomes.accepted();
    checkConsistent(a);
    return a;
  }

  private static void checkConsistent(NumericArray a) {
    long n = 1;
    for (long d : a.shape()) {
      assertTrue(d >= 0, "negative dimension");
      n *= d;
    }
    int length = a instanceof FloatArray f ? f.data().length : ((IntArray) a).data().length;
    assertEquals(n, length);
  }

  /**
   * @return a .npy file of the given dtype and shape, with zeroed data
   */
  static byte[] header(String descr, String shape, int version, int dataLength) {
    return build(
        "{'descr': " + descr + ", 'fortran_order': False, 'shape': " + shape + ", }",
        version,
        dataLength,
        0);
  }

  private static byte[] build(String dict, int version, int dataLength, int headerLengthDelta) {
    byte[] h =
        (dict + " ".repeat(Math.max(0, 63 - dict.length() % 64)) + "\n")
            .getBytes(StandardCharsets.UTF_8);
    int prefix = version >= 2 ? 12 : 10;
    ByteBuffer b =
        ByteBuffer.allocate(prefix + h.length + dataLength).order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) version, 0});
    if (version >= 2) {
      b.putInt(h.length + headerLengthDelta);
    } else {
      b.putShort((short) (h.length + headerLengthDelta));
    }
    b.put(h);
    for (int i = 0; i < dataLength; i++) {
      b.put((byte) (i * 37));
    }
    return b.array();
  }

  @Provide
  Arbitrary<Mutation> mutations() {
    return Mutation.any();
  }

  @Provide
  Arbitrary<String> descrs() {
    Arbitrary<String> known =
        Arbitraries.of(
            "'<f4'",
            "'<f2'",
            "'>f8'",
            "'<i4'",
            "'|u1'",
            "'|i1'",
            "'<i8'",
            "'|b1'",
            "'<u8'",
            "'<c8'",
            "'<U3'",
            "'|O'",
            "'<f16'",
            "'<f3'",
            "'<i0'",
            "'<f99999999999'",
            "'<f2147483648'",
            "'=f4'",
            "[('a', '<f4')]",
            "'<M8[s]'",
            "None",
            "''");
    Arbitrary<String> made =
        Arbitraries.strings()
            .withChars("<>|=fiubcUOS0123456789'")
            .ofMaxLength(14)
            .map(s -> "'" + s + "'");
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(4, known), net.jqwik.api.Tuple.of(1, made));
  }

  @Provide
  Arbitrary<String> shapes() {
    Arbitrary<String> dim =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(4, Arbitraries.integers().between(0, 6).map(String::valueOf)),
            net.jqwik.api.Tuple.of(
                2,
                Arbitraries.of(
                    "2147483647",
                    "2147483648",
                    "4294967296",
                    "9223372036854775807",
                    "9223372036854775808",
                    "-1",
                    "-0",
                    "1L",
                    "0x10",
                    "1e3",
                    "None",
                    "3.0",
                    "'a'",
                    "",
                    "99999999999999999999",
                    "65536",
                    "46341")),
            net.jqwik.api.Tuple.of(1, Arbitraries.longs().map(String::valueOf)));
    return dim.list()
        .ofMaxSize(6)
        .map(
            l ->
                l.size() == 1
                    ? "(" + l.get(0) + ",)"
                    : l.stream().collect(Collectors.joining(", ", "(", ")")));
  }

  @Provide
  Arbitrary<String> fortran() {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(8, Arbitraries.just("False")),
        net.jqwik.api.Tuple.of(1, Arbitraries.of("True", "0", "None", "false")));
  }

  @Provide
  Arbitrary<Integer> dataLengths() {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(0, 64)),
        net.jqwik.api.Tuple.of(1, Arbitraries.of(96, 128, 256, 1024, 4096)));
  }

  @Provide
  Arbitrary<Integer> headerLengthDeltas() {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(8, Arbitraries.just(0)),
        net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(-70, 70)),
        net.jqwik.api.Tuple.of(
            1, Arbitraries.of(Integer.MAX_VALUE - 200, Integer.MIN_VALUE, -70000, 70000)));
  }
}

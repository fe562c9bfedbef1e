package dev.jeras.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.data.CorruptFileException;
import dev.jeras.data.Dataset;
import dev.jeras.data.DatasetUnavailableException;
import dev.jeras.data.Datasets;
import dev.jeras.data.FloatArray;
import dev.jeras.data.Idx;
import dev.jeras.data.IntArray;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;

/**
 * IDX (MNIST) files mutated at random: {@link Idx} and {@link Datasets#load} either return arrays
 * whose shapes agree with the header, or throw a {@link CorruptFileException} that names the file.
 */
@AddLifecycleHook(FuzzBudget.class)
class IdxFuzzTest {
  private static final Path SMALL = FuzzFiles.testdata().resolve("mnist-small-corrupt");

  /** 20 valid test images, raw: 16-byte header and 20 x 28 x 28 bytes. */
  private static final byte[] IMAGES =
      FuzzFiles.gunzip(FuzzFiles.read(SMALL.resolve("t10k-images-idx3-ubyte.gz")));

  /** Their 20 labels, raw. */
  private static final byte[] LABELS =
      FuzzFiles.gunzip(FuzzFiles.read(SMALL.resolve("t10k-labels-idx1-ubyte.gz")));

  private Path dir;

  @BeforeProperty
  void makeDir() {
    dir = FuzzFiles.tempDir("idx");
  }

  @AfterProperty
  void deleteDir() {
    FuzzFiles.deleteTree(dir);
  }

  @Property(tries = 300)
  void mutatedImages_readOrCorruptFileException(
      @ForAll("mutations") Mutation m, @ForAll boolean gzipAfter) {
    byte[] b = m.apply(IMAGES);
    Path f =
        FuzzFiles.write(dir.resolve("fuzz-images-idx3-ubyte"), gzipAfter ? FuzzFiles.gzip(b) : b);
    readImages(f);
  }

  @Property(tries = 200)
  void mutatedGzipBytes_readOrCorruptFileException(@ForAll("mutations") Mutation m) {
    Path f =
        FuzzFiles.write(dir.resolve("fuzz-images-idx3-ubyte.gz"), m.apply(FuzzFiles.gzip(IMAGES)));
    readImages(f);
  }

  @Property(tries = 300)
  void randomHeaderFields_readOnlyWhenConsistent(
      @ForAll("magics") int magic,
      @ForAll("sizes") int count,
      @ForAll("sizes") int rows,
      @ForAll("sizes") int cols,
      @ForAll("payloadDeltas") int delta,
      @ForAll boolean gzip) {
    long product = (long) Math.max(count, 0) * Math.max(rows, 0) * Math.max(cols, 0);
    // never write more than 64 KiB: a header may claim gigabytes, the file stays small
    int payload = (int) Math.max(0, Math.min(65_536, product + delta));
    ByteBuffer b = ByteBuffer.allocate(16 + payload);
    b.putInt(magic).putInt(count).putInt(rows).putInt(cols);
    byte[] raw = b.array();
    Path f = FuzzFiles.write(dir.resolve("header-idx3-ubyte"), gzip ? FuzzFiles.gzip(raw) : raw);
    FloatArray x = readImages(f);
    if (x != null) {
      assertEquals(Idx.IMAGES_MAGIC, magic);
      assertEquals(product, payload, "read although the payload does not match the header");
      assertArrayEquals(new long[] {count, rows, cols, 1}, x.shape());
    }
  }

  @Property(tries = 200)
  void mutatedLabels_readOrCorruptFileException(
      @ForAll("mutations") Mutation m, @ForAll boolean gzipAfter) {
    byte[] b = m.apply(LABELS);
    Path f =
        FuzzFiles.write(dir.resolve("fuzz-labels-idx1-ubyte"), gzipAfter ? FuzzFiles.gzip(b) : b);
    IntArray y;
    try {
      y = Outcomes.within(Outcomes.FAST, () -> Idx.readLabels(f));
    } catch (CorruptFileException e) {
      Outcomes.assertDocumented(e, names(f), CorruptFileException.class);
      return;
    }
    Outcomes.accepted();
    assertEquals(1, y.shape().length);
    assertEquals(y.data().length, y.shape()[0]);
    for (int v : y.data()) {
      assertTrue(v >= 0 && v <= 255, "label " + v);
    }
  }

  @Property(tries = 200)
  void mutatedPair_readDatasetOrCorruptFileException(
      @ForAll("mutations") Mutation m, @ForAll boolean mutateLabels) {
    Path images =
        FuzzFiles.write(
            dir.resolve("pair-images-idx3-ubyte"), mutateLabels ? IMAGES : m.apply(IMAGES));
    Path labels =
        FuzzFiles.write(
            dir.resolve("pair-labels-idx1-ubyte"), mutateLabels ? m.apply(LABELS) : LABELS);
    Dataset d;
    try {
      d = Outcomes.within(Outcomes.FAST, () -> Idx.readDataset("fuzz", images, labels, 10));
    } catch (CorruptFileException e) {
      Outcomes.assertDocumented(e, names(images, labels), CorruptFileException.class);
      return;
    }
    Outcomes.accepted();
    assertEquals(d.x().count(), d.y().count());
    for (int v : ((IntArray) d.y()).data()) {
      assertTrue(v >= 0 && v < 10, "label " + v);
    }
  }

  @Property(tries = 100)
  void datasetsLoad_oneMutatedFile_loadsOrDocumentedException(
      @ForAll("mutations") Mutation m, @ForAll("fileIndex") int which) {
    Path mnist = dir.resolve("mnist");
    List<String> files =
        List.of(
            "train-images-idx3-ubyte",
            "train-labels-idx1-ubyte",
            "t10k-images-idx3-ubyte",
            "t10k-labels-idx1-ubyte");
    for (int i = 0; i < files.size(); i++) {
      byte[] b = i % 2 == 0 ? IMAGES : LABELS;
      FuzzFiles.write(mnist.resolve(files.get(i)), i == which ? m.apply(b) : b);
    }
    Dataset.Split s;
    try {
      s = Outcomes.within(Outcomes.FAST, () -> Datasets.load("mnist", dir));
    } catch (CorruptFileException | DatasetUnavailableException e) {
      Outcomes.assertDocumented(
          e,
          new String[] {files.get(which), dir.getFileName().toString()},
          CorruptFileException.class,
          DatasetUnavailableException.class);
      return;
    }
    Outcomes.accepted();
    assertEquals(s.train().x().count(), s.train().y().count());
    assertArrayEquals(s.train().x().sampleShape(), s.test().x().sampleShape());
  }

  /**
   * @return the images, checked, or null when a documented exception was thrown
   */
  private static FloatArray readImages(Path f) {
    FloatArray x;
    try {
      x = Outcomes.within(Outcomes.FAST, () -> Idx.readImages(f));
    } catch (CorruptFileException e) {
      Outcomes.assertDocumented(e, names(f), CorruptFileException.class);
      return null;
    }
    Outcomes.accepted();
    long[] s = x.shape();
    assertEquals(4, s.length);
    assertEquals(1, s[3]);
    assertEquals(s[0] * s[1] * s[2], x.data().length);
    for (float v : x.data()) {
      assertTrue(v >= 0f && v <= 1f, "pixel " + v);
    }
    return x;
  }

  static String[] names(Path... files) {
    String[] out = new String[files.length];
    for (int i = 0; i < files.length; i++) {
      out[i] = files[i].getFileName().toString();
    }
    return out;
  }

  @Provide
  Arbitrary<Mutation> mutations() {
    return Mutation.any();
  }

  @Provide
  Arbitrary<Integer> magics() {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(4, Arbitraries.just(Idx.IMAGES_MAGIC)),
        net.jqwik.api.Tuple.of(
            1,
            Arbitraries.of(
                0x801, 0x802, 0x804, 0x903, 0xB03, 0xD03, 0x0803_0000, 0x1F8B0803, -1, 0)),
        net.jqwik.api.Tuple.of(1, Arbitraries.integers()));
  }

  @Provide
  Arbitrary<Integer> sizes() {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(0, 40)),
        net.jqwik.api.Tuple.of(
            2,
            Arbitraries.of(
                28,
                60000,
                65536,
                1 << 20,
                1 << 30,
                0x7fffffff,
                0x7ffffff0,
                0x80000000,
                0xffffffff,
                -1,
                46341)),
        net.jqwik.api.Tuple.of(1, Arbitraries.integers()));
  }

  @Provide
  Arbitrary<Integer> payloadDeltas() {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(3, Arbitraries.just(0)),
        net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(-3, 3)),
        net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(-100_000, 100_000)));
  }

  @Provide
  Arbitrary<Integer> fileIndex() {
    return Arbitraries.integers().between(0, 3);
  }
}

package dev.jeras.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxTest {
  private static final Path TRAIN_IMAGES =
      Fixtures.MNIST_SMALL.resolve("train-images-idx3-ubyte.gz");
  private static final Path TRAIN_LABELS =
      Fixtures.MNIST_SMALL.resolve("train-labels-idx1-ubyte.gz");
  private static final Path TEST_IMAGES = Fixtures.MNIST_SMALL.resolve("t10k-images-idx3-ubyte.gz");

  @TempDir Path tmp;

  @Test
  void mnistSmall_loads_shapesRangeAndLabelCounts() {
    Dataset.Split s =
        Datasets.loadIdxDirectory(
            Fixtures.MNIST_SMALL, "mnist-small", Datasets.classNames("mnist"));
    assertArrayEquals(new long[] {2000, 28, 28, 1}, s.train().x().shape());
    assertArrayEquals(new long[] {500, 28, 28, 1}, s.test().x().shape());
    assertArrayEquals(new long[] {2000}, s.train().y().shape());
    assertEquals("mnist-small train", s.train().name());
    float lo = Float.MAX_VALUE;
    float hi = -Float.MAX_VALUE;
    for (float v : s.train().x().data()) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    assertEquals(0f, lo);
    assertEquals(1f, hi);
    int[] counts = new int[10];
    for (int l : ((IntArray) s.train().y()).data()) {
      counts[l]++;
    }
    assertArrayEquals(new int[] {191, 220, 198, 191, 214, 180, 200, 224, 172, 210}, counts);
    int[] testCounts = new int[10];
    for (int l : ((IntArray) s.test().y()).data()) {
      testCounts[l]++;
    }
    assertArrayEquals(new int[] {42, 67, 55, 45, 55, 50, 43, 49, 40, 54}, testCounts);
    assertArrayEquals(
        new int[] {5, 0, 4, 1, 9, 2, 1, 3, 1, 4},
        Arrays.copyOf(((IntArray) s.train().y()).data(), 10));
    assertArrayEquals(
        new int[] {7, 2, 1, 0, 4, 1, 4, 9, 5, 9},
        Arrays.copyOf(((IntArray) s.test().y()).data(), 10));
  }

  @Test
  void readImages_pixelsEqualRawBytesOver255() {
    FloatArray x = Idx.readImages(TRAIN_IMAGES);
    byte[] raw = Fixtures.gunzip(TRAIN_IMAGES);
    assertEquals(16 + 2000 * 784, raw.length);
    int[][] probes = {{0, 14, 14}, {0, 5, 12}, {1999, 20, 10}, {1234, 7, 21}, {37, 0, 0}};
    for (int[] p : probes) {
      int b = raw[16 + p[0] * 784 + p[1] * 28 + p[2]] & 0xFF;
      assertEquals(b / 255f, x.get(p[0], p[1], p[2], 0), "pixel " + Arrays.toString(p));
    }
    assertEquals(240 / 255f, x.get(0, 14, 14, 0));
    assertEquals(253 / 255f, x.get(1999, 20, 10, 0));
    double sum = 0;
    for (float v : x.data()) {
      sum += v;
    }
    assertEquals(52050445 / 255.0, sum, 1e-2);
  }

  @Test
  void rawAndGzipped_readIdentically() {
    Path raw = Fixtures.write(tmp.resolve("images.gz-less-name"), Fixtures.gunzip(TEST_IMAGES));
    Path gzNoSuffix = Fixtures.write(tmp.resolve("images.bin"), Fixtures.read(TEST_IMAGES));
    float[] a = Idx.readImages(raw).data();
    assertArrayEquals(Idx.readImages(TEST_IMAGES).data(), a);
    assertArrayEquals(a, Idx.readImages(gzNoSuffix).data());
  }

  @Test
  void truncatedGzip_corruptFileNamingFileAndBytes() {
    byte[] gz = Fixtures.read(TRAIN_IMAGES);
    Path f =
        Fixtures.write(tmp.resolve("train-images-idx3-ubyte.gz"), Arrays.copyOf(gz, gz.length / 3));
    CorruptFileException e = assertThrows(CorruptFileException.class, () -> Idx.readImages(f));
    assertEquals(f, e.file());
    assertTrue(
        e.getMessage().startsWith(f + ": gzip stream expected a complete stream, got a truncated"),
        e.getMessage());
    assertTrue(e.getMessage().contains("decompressed bytes"), e.getMessage());
  }

  @Test
  void truncatedGzipTrailer_corruptFile() {
    byte[] gz = Fixtures.read(TRAIN_LABELS);
    Path f = Fixtures.write(tmp.resolve("labels.gz"), Arrays.copyOf(gz, gz.length - 4));
    CorruptFileException e = assertThrows(CorruptFileException.class, () -> Idx.readLabels(f));
    assertTrue(e.getMessage().contains("gzip stream expected a complete stream"), e.getMessage());
  }

  @Test
  void committedCorruptFixture_failsOnTrainImages() {
    CorruptFileException e =
        assertThrows(
            CorruptFileException.class,
            () ->
                Datasets.loadIdxDirectory(
                    Fixtures.MNIST_CORRUPT, "mnist-small-corrupt", List.of()));
    assertEquals("train-images-idx3-ubyte.gz", e.file().getFileName().toString());
    assertTrue(e.getMessage().contains("gzip stream expected a complete stream"), e.getMessage());
  }

  @Test
  void labelsFileAsImages_wrongMagic() {
    CorruptFileException e =
        assertThrows(CorruptFileException.class, () -> Idx.readImages(TRAIN_LABELS));
    assertEquals(
        TRAIN_LABELS + ": magic number expected 0x00000803 (IDX ubyte, 3 dims), got 0x00000801",
        e.getMessage());
  }

  @Test
  void garbageMagic_wrongMagic() {
    byte[] raw = Fixtures.gunzip(TRAIN_LABELS);
    raw[0] = 0x12;
    Path f = Fixtures.write(tmp.resolve("labels"), raw);
    CorruptFileException e = assertThrows(CorruptFileException.class, () -> Idx.readLabels(f));
    assertEquals(
        f + ": magic number expected 0x00000801 (IDX ubyte, 1 dim), got 0x12000801",
        e.getMessage());
  }

  @Test
  void floatIdx_unsupportedType() {
    Path f = Fixtures.write(tmp.resolve("floats"), header(0x00000D01, 0));
    CorruptFileException e = assertThrows(CorruptFileException.class, () -> Idx.readLabels(f));
    assertEquals(
        f + ": data type expected 0x08 (unsigned byte, the only type supported), got 0x0D (float)",
        e.getMessage());
  }

  @Test
  void shortPayload_namesBytesExpectedAndReceived() {
    byte[] raw = Fixtures.gunzip(TEST_IMAGES);
    Path f =
        Fixtures.write(tmp.resolve("t10k-images-idx3-ubyte"), Arrays.copyOf(raw, raw.length - 100));
    CorruptFileException e = assertThrows(CorruptFileException.class, () -> Idx.readImages(f));
    assertEquals(
        f + ": payload expected 392000 bytes (500 x 28 x 28), got 391900 bytes (file too short)",
        e.getMessage());
  }

  @Test
  void trailingGarbage_rejected() {
    byte[] raw = Fixtures.gunzip(TEST_IMAGES);
    Path f =
        Fixtures.write(
            tmp.resolve("t10k-images-idx3-ubyte.gz"),
            Fixtures.gzip(Arrays.copyOf(raw, raw.length + 5)));
    CorruptFileException e = assertThrows(CorruptFileException.class, () -> Idx.readImages(f));
    assertEquals(
        f + ": payload expected 392000 bytes (500 x 28 x 28), got 392005 bytes (5 trailing bytes)",
        e.getMessage());
  }

  @Test
  void emptyFile_headerError() {
    Path f = Fixtures.write(tmp.resolve("empty"), new byte[0]);
    CorruptFileException e = assertThrows(CorruptFileException.class, () -> Idx.readImages(f));
    assertEquals(
        f + ": header expected at least 4 bytes (magic number), got 0 bytes", e.getMessage());
  }

  @Test
  void truncatedHeader_headerError() {
    Path f = Fixtures.write(tmp.resolve("short"), Arrays.copyOf(header(0x00000803, 5, 28), 12));
    CorruptFileException e = assertThrows(CorruptFileException.class, () -> Idx.readImages(f));
    assertEquals(
        f + ": header expected 16 bytes (magic number and 3 sizes), got 12 bytes", e.getMessage());
  }

  @Test
  void countMismatch_namesBothCounts() {
    Path dir = tmp.resolve("mismatch");
    Fixtures.copyMnist(dir);
    byte[] labels = Fixtures.gunzip(dir.resolve("train-labels-idx1-ubyte.gz"));
    byte[] fewer = header(0x00000801, 1999);
    byte[] cut = Arrays.copyOf(fewer, 8 + 1999);
    System.arraycopy(labels, 8, cut, 8, 1999);
    Path f = Fixtures.write(dir.resolve("train-labels-idx1-ubyte.gz"), Fixtures.gzip(cut));
    CorruptFileException e =
        assertThrows(
            CorruptFileException.class,
            () -> Datasets.loadIdxDirectory(dir, "mnist", Datasets.classNames("mnist")));
    assertEquals(f, e.file());
    assertTrue(
        e.getMessage().startsWith(f + ": label count expected 2000 (the number of images in "),
        e.getMessage());
    assertTrue(e.getMessage().endsWith("got 1999"), e.getMessage());
  }

  @Test
  void labelOutOfRange_namesIndexAndValue() {
    byte[] labels = Fixtures.gunzip(TRAIN_LABELS);
    labels[8 + 3] = 12;
    Path f = Fixtures.write(tmp.resolve("labels"), labels);
    CorruptFileException e =
        assertThrows(CorruptFileException.class, () -> Idx.readDataset("x", TRAIN_IMAGES, f, 10));
    assertEquals(f + ": label 3 expected 0..9, got 12", e.getMessage());
  }

  @Test
  void missingFile_listed() {
    Path dir = tmp.resolve("partial");
    Fixtures.copyMnist(dir);
    dir.resolve("t10k-labels-idx1-ubyte.gz").toFile().delete();
    var e =
        assertThrows(
            dev.jeras.JerasException.class, () -> Datasets.loadIdxDirectory(dir, "m", List.of()));
    assertTrue(e.getMessage().contains("missing [t10k-labels-idx1-ubyte[.gz]]"), e.getMessage());
  }

  private static byte[] header(int magic, int... dims) {
    ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length);
    b.putInt(magic);
    for (int d : dims) {
      b.putInt(d);
    }
    return b.array();
  }
}

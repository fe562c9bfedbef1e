package dev.jeras.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.JerasException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Cifar10BinaryTest {
  private static final int REC = Cifar10Binary.RECORD_BYTES;
  private static final Path TRAIN = Fixtures.CIFAR_BATCHES.resolve("data_batch_1.bin.gz");
  private static final Path TEST = Fixtures.CIFAR_BATCHES.resolve("test_batch.bin.gz");

  @TempDir Path tmp;

  @Test
  void fixture_loadsNhwcWithLabelsAndClassNames() {
    Dataset.Split s = Cifar10Binary.readDirectory(Fixtures.CIFAR_BATCHES);
    assertArrayEquals(new long[] {300, 32, 32, 3}, s.train().x().shape());
    assertArrayEquals(new long[] {100, 32, 32, 3}, s.test().x().shape());
    int[] counts = new int[10];
    for (int l : ((IntArray) s.train().y()).data()) {
      counts[l]++;
    }
    assertArrayEquals(new int[] {25, 26, 37, 23, 38, 34, 37, 27, 27, 26}, counts);
    assertArrayEquals(
        new int[] {0, 4, 9, 5, 4, 3, 1, 7, 4, 6},
        Arrays.copyOf(((IntArray) s.train().y()).data(), 10));
    assertEquals("truck", s.classNames().get(9));
    assertEquals(10, s.classNames().size());
  }

  @Test
  void pixels_channelPlanesGoToLastAxis() {
    FloatArray x = Cifar10Binary.readDirectory(Fixtures.CIFAR_BATCHES).train().x();
    byte[] raw = Fixtures.gunzip(TRAIN);
    assertEquals(300 * REC, raw.length);
    // hand-checked with Python: record 5, row 3, column 7 has R 153, G 155, B 152
    assertEquals(153 / 255f, x.get(5, 3, 7, 0));
    assertEquals(155 / 255f, x.get(5, 3, 7, 1));
    assertEquals(152 / 255f, x.get(5, 3, 7, 2));
    int[][] probes = {{0, 0, 0}, {5, 3, 7}, {299, 31, 31}, {123, 16, 2}, {42, 0, 31}};
    for (int[] p : probes) {
      int base = p[0] * REC + 1 + p[1] * 32 + p[2];
      for (int c = 0; c < 3; c++) {
        assertEquals(
            (raw[base + c * 1024] & 0xFF) / 255f,
            x.get(p[0], p[1], p[2], c),
            "record " + p[0] + " pixel " + p[1] + "," + p[2] + " channel " + c);
      }
    }
  }

  @Test
  void tarGzArchive_loadsIdenticallyToFolder() throws IOException {
    Path archive = tmp.resolve(Cifar10Binary.ARCHIVE);
    writeTarGz(
        archive,
        Map.of(
            "cifar-10-batches-bin/data_batch_1.bin", Fixtures.gunzip(TRAIN),
            "cifar-10-batches-bin/test_batch.bin", Fixtures.gunzip(TEST),
            "cifar-10-batches-bin/batches.meta.txt", "airplane\n".getBytes()));
    Dataset.Split a = Cifar10Binary.readArchive(archive);
    Dataset.Split b = Cifar10Binary.readDirectory(Fixtures.CIFAR_BATCHES);
    assertArrayEquals(b.train().x().data(), a.train().x().data());
    assertArrayEquals(((IntArray) b.train().y()).data(), ((IntArray) a.train().y()).data());
    assertArrayEquals(b.test().x().data(), a.test().x().data());
    assertEquals(b.classNames(), a.classNames());
  }

  @Test
  void severalBatches_concatenatedInOrder() {
    Path dir = tmp.resolve(Cifar10Binary.BATCHES_DIR);
    byte[] raw = Fixtures.gunzip(TRAIN);
    Fixtures.write(dir.resolve("data_batch_2.bin"), Arrays.copyOfRange(raw, 0, 10 * REC));
    Fixtures.write(
        dir.resolve("data_batch_1.bin.gz"),
        Fixtures.gzip(Arrays.copyOfRange(raw, 10 * REC, 30 * REC)));
    Fixtures.write(dir.resolve("test_batch.bin"), Arrays.copyOfRange(raw, 0, REC));
    Dataset.Split s = Cifar10Binary.readDirectory(dir);
    assertEquals(30, s.train().size());
    int[] y = ((IntArray) s.train().y()).data();
    assertEquals(raw[10 * REC], y[0]); // data_batch_1 first
    assertEquals(raw[0], y[20]);
  }

  @Test
  void wrongRecordSize_namesRecordSizeLengthAndRemainder() {
    CorruptFileException e =
        assertThrows(
            CorruptFileException.class, () -> Cifar10Binary.readDirectory(Fixtures.CIFAR_CORRUPT));
    Path f = Fixtures.CIFAR_CORRUPT.resolve("data_batch_1.bin");
    assertEquals(f, e.file());
    assertEquals(
        f
            + ": length expected a multiple of the record size 3073 bytes, got 9220 bytes (3"
            + " records and a remainder of 1 bytes)",
        e.getMessage());
  }

  @Test
  void labelByte10_namesFileRecordAndByte() {
    Path dir = tmp.resolve("b");
    byte[] raw = Fixtures.gunzip(TRAIN);
    raw[7 * REC] = 10;
    Path f = Fixtures.write(dir.resolve("data_batch_1.bin.gz"), Fixtures.gzip(raw));
    Fixtures.write(dir.resolve("test_batch.bin"), Arrays.copyOf(raw, REC));
    CorruptFileException e =
        assertThrows(CorruptFileException.class, () -> Cifar10Binary.readDirectory(dir));
    assertEquals(f + ": label byte of record 7 expected 0..9, got 10", e.getMessage());
  }

  @Test
  void committedCorruptTestBatch_labelByte10() {
    Path dir = tmp.resolve("c");
    Fixtures.write(dir.resolve("data_batch_1.bin"), Arrays.copyOf(Fixtures.gunzip(TRAIN), REC));
    Fixtures.write(
        dir.resolve("test_batch.bin"),
        Fixtures.read(Fixtures.CIFAR_CORRUPT.resolve("test_batch.bin")));
    CorruptFileException e =
        assertThrows(CorruptFileException.class, () -> Cifar10Binary.readDirectory(dir));
    assertTrue(
        e.getMessage().endsWith("test_batch.bin: label byte of record 1 expected 0..9, got 10"),
        e.getMessage());
  }

  @Test
  void emptyFile_rejected() {
    Path dir = tmp.resolve("e");
    Path f = Fixtures.write(dir.resolve("data_batch_1.bin"), new byte[0]);
    Fixtures.write(dir.resolve("test_batch.bin"), Arrays.copyOf(Fixtures.gunzip(TRAIN), REC));
    CorruptFileException e =
        assertThrows(CorruptFileException.class, () -> Cifar10Binary.readDirectory(dir));
    assertEquals(f + ": content expected records of 3073 bytes, got an empty file", e.getMessage());
  }

  @Test
  void truncatedGzipBatch_corruptFile() {
    Path dir = tmp.resolve("t");
    byte[] gz = Fixtures.read(TRAIN);
    Path f = Fixtures.write(dir.resolve("data_batch_1.bin.gz"), Arrays.copyOf(gz, gz.length / 2));
    Fixtures.write(dir.resolve("test_batch.bin.gz"), Fixtures.read(TEST));
    CorruptFileException e =
        assertThrows(CorruptFileException.class, () -> Cifar10Binary.readDirectory(dir));
    assertEquals(f, e.file());
    assertTrue(e.getMessage().contains("gzip stream expected a complete stream"), e.getMessage());
  }

  @Test
  void truncatedArchive_corruptFile() throws IOException {
    Path archive = tmp.resolve(Cifar10Binary.ARCHIVE);
    writeTarGz(
        archive,
        Map.of(
            "cifar-10-batches-bin/data_batch_1.bin",
            Fixtures.gunzip(TRAIN),
            "cifar-10-batches-bin/test_batch.bin",
            Fixtures.gunzip(TEST)));
    byte[] all = Files.readAllBytes(archive);
    Files.write(archive, Arrays.copyOf(all, all.length / 2));
    CorruptFileException e =
        assertThrows(CorruptFileException.class, () -> Cifar10Binary.readArchive(archive));
    assertEquals(archive, e.file());
  }

  @Test
  void wrongRecordSizeInArchive_namesEntry() throws IOException {
    Path archive = tmp.resolve(Cifar10Binary.ARCHIVE);
    writeTarGz(
        archive,
        Map.of(
            "cifar-10-batches-bin/data_batch_1.bin",
            new byte[REC + 2],
            "cifar-10-batches-bin/test_batch.bin",
            new byte[REC]));
    CorruptFileException e =
        assertThrows(CorruptFileException.class, () -> Cifar10Binary.readArchive(archive));
    assertTrue(
        e.getMessage()
            .startsWith(
                archive
                    + ": entry cifar-10-batches-bin/data_batch_1.bin: length expected"
                    + " a multiple of the record size 3073 bytes, got 3075 bytes"),
        e.getMessage());
  }

  @Test
  void noTestBatch_saysWhatIsExpected() {
    Path dir = tmp.resolve("n");
    Fixtures.write(dir.resolve("data_batch_3.bin"), new byte[REC]);
    JerasException e = assertThrows(JerasException.class, () -> Cifar10Binary.readDirectory(dir));
    assertTrue(
        e.getMessage().contains("expected test_batch.bin[.gz] and at least one of data_batch_1..5"),
        e.getMessage());
  }

  @Test
  void sharedSubset_loadsThroughDatasets() {
    Path shared = Path.of("/work/shared/datasets/cifar10-jpeg-subset");
    if (!Files.isDirectory(shared)) {
      shared = Path.of("..", "shared", "datasets", "cifar10-jpeg-subset");
    }
    Assumptions.assumeTrue(
        Files.isDirectory(shared), "shared CIFAR-10 subset (../shared) not present");
    long t0 = System.nanoTime();
    Dataset.Split s = Datasets.load("cifar10", shared);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertArrayEquals(new long[] {10000, 32, 32, 3}, s.train().x().shape());
    assertArrayEquals(new long[] {10000, 32, 32, 3}, s.test().x().shape());
    int[] counts = new int[10];
    for (int l : ((IntArray) s.test().y()).data()) {
      counts[l]++;
    }
    assertArrayEquals(
        new int[] {1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000}, counts);
    // the fixture is the first 300 records of this subset's data_batch_1
    FloatArray fixture = Cifar10Binary.readDirectory(Fixtures.CIFAR_BATCHES).train().x();
    assertArrayEquals(fixture.data(), s.train().x().slice(0, 300).data());
    assertTrue(ms < 10_000, "loading 20,000 images took " + ms + " ms");
  }

  static void writeTarGz(Path archive, Map<String, byte[]> entries) throws IOException {
    try (OutputStream out = Files.newOutputStream(archive);
        GzipCompressorOutputStream gz = new GzipCompressorOutputStream(out);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
      for (String name : entries.keySet().stream().sorted().toList()) {
        byte[] b = entries.get(name);
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(b.length);
        tar.putArchiveEntry(e);
        tar.write(b);
        tar.closeArchiveEntry();
      }
    }
  }
}

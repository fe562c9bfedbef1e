package dev.jeras.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.data.Cifar10Binary;
import dev.jeras.data.CorruptFileException;
import dev.jeras.data.Dataset;
import dev.jeras.data.DatasetUnavailableException;
import dev.jeras.data.Datasets;
import dev.jeras.data.IntArray;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * CIFAR-10 binary batches and archives mutated at random: {@link Cifar10Binary} and {@link
 * Datasets#load} either return (N, 32, 32, 3) images with labels 0..9, or throw a {@link
 * CorruptFileException} that names the file.
 */
@AddLifecycleHook(FuzzBudget.class)
class CifarFuzzTest {
  private static final int RECORD = Cifar10Binary.RECORD_BYTES;
  private static final byte[] CORRUPT_TRAIN =
      FuzzFiles.read(
          FuzzFiles.testdata()
              .resolve("cifar10-small-corrupt/cifar-10-batches-bin/data_batch_1.bin"));

  /** Three valid records (the corrupt fixture without its extra byte). */
  private static final byte[] TRAIN = Arrays.copyOf(CORRUPT_TRAIN, 3 * RECORD);

  /** One valid record (the first of the corrupt test batch). */
  private static final byte[] TEST =
      Arrays.copyOf(
          FuzzFiles.read(
              FuzzFiles.testdata()
                  .resolve("cifar10-small-corrupt/cifar-10-batches-bin/test_batch.bin")),
          RECORD);

  private Path dir;

  @BeforeProperty
  void makeDir() {
    dir = FuzzFiles.tempDir("cifar");
  }

  @AfterProperty
  void deleteDir() {
    FuzzFiles.deleteTree(dir);
  }

  @Property(tries = 300)
  void mutatedBatchFile_readOrCorruptFileException(
      @ForAll("mutations") Mutation m, @ForAll @IntRange(min = 0, max = 2) int encoding) {
    Path batches = dir.resolve("cifar-10-batches-bin");
    FuzzFiles.deleteTree(batches);
    byte[] b =
        switch (encoding) {
          case 0 -> m.apply(TRAIN);
          case 1 -> FuzzFiles.gzip(m.apply(TRAIN));
          default -> m.apply(FuzzFiles.gzip(TRAIN));
        };
    Path f =
        FuzzFiles.write(
            batches.resolve(encoding == 0 ? "data_batch_1.bin" : "data_batch_1.bin.gz"), b);
    FuzzFiles.write(batches.resolve("test_batch.bin"), TEST);
    Dataset.Split s;
    try {
      s = Outcomes.within(Outcomes.FAST, () -> Cifar10Binary.readDirectory(batches));
    } catch (CorruptFileException e) {
      Outcomes.assertDocumented(e, IdxFuzzTest.names(f), CorruptFileException.class);
      return;
    }
    Outcomes.accepted();
    check(s.train());
    check(s.test());
  }

  @Property(tries = 300)
  void randomRecords_readOnlyWhenWellFormed(
      @ForAll @IntRange(min = 0, max = 4) int records,
      @ForAll("remainders") int remainder,
      @ForAll("labels") List<Integer> labels) {
    byte[] b = Arrays.copyOf(TRAIN, records * RECORD + remainder);
    // fill what lies beyond the three fixture records with pixel bytes, then set the labels
    for (int i = Math.min(b.length, TRAIN.length); i < b.length; i++) {
      b[i] = (byte) i;
    }
    boolean labelsValid = true;
    for (int r = 0; r * RECORD < b.length; r++) {
      int label = labels.get(r % labels.size());
      b[r * RECORD] = (byte) label;
      labelsValid &= label <= 9;
    }
    Path batches = dir.resolve("cifar-10-batches-bin");
    Path f = FuzzFiles.write(batches.resolve("data_batch_1.bin"), b);
    FuzzFiles.write(batches.resolve("test_batch.bin"), TEST);
    Dataset.Split s;
    try {
      s = Outcomes.within(Outcomes.FAST, () -> Cifar10Binary.readDirectory(batches));
    } catch (CorruptFileException e) {
      Outcomes.assertDocumented(e, IdxFuzzTest.names(f), CorruptFileException.class);
      assertTrue(
          records == 0 || remainder != 0 || !labelsValid,
          "refused a well-formed batch: " + e.getMessage());
      return;
    }
    Outcomes.accepted();
    assertTrue(records > 0 && remainder == 0 && labelsValid, "read a malformed batch");
    assertEquals(records, s.train().size());
    check(s.train());
  }

  @Property(tries = 200)
  void mutatedArchive_readOrCorruptFileException(
      @ForAll("mutations") Mutation m, @ForAll boolean beforeGzip) {
    byte[] tar = tar();
    byte[] b = beforeGzip ? FuzzFiles.gzip(m.apply(tar)) : m.apply(FuzzFiles.gzip(tar));
    Path f = FuzzFiles.write(dir.resolve("cifar-10-binary.tar.gz"), b);
    Dataset.Split s;
    try {
      s = Outcomes.within(Outcomes.FAST, () -> Cifar10Binary.readArchive(f));
    } catch (CorruptFileException e) {
      Outcomes.assertDocumented(e, IdxFuzzTest.names(f), CorruptFileException.class);
      return;
    }
    Outcomes.accepted();
    check(s.train());
    check(s.test());
  }

  @Property(tries = 100)
  void datasetsLoad_mutatedBatch_loadsOrDocumentedException(
      @ForAll("mutations") Mutation m, @ForAll boolean mutateTest) {
    Path batches = dir.resolve("cifar10").resolve("cifar-10-batches-bin");
    Path train =
        FuzzFiles.write(batches.resolve("data_batch_1.bin"), mutateTest ? TRAIN : m.apply(TRAIN));
    Path test =
        FuzzFiles.write(batches.resolve("test_batch.bin"), mutateTest ? m.apply(TEST) : TEST);
    Dataset.Split s;
    try {
      s = Outcomes.within(Outcomes.FAST, () -> Datasets.load("cifar10", dir));
    } catch (CorruptFileException | DatasetUnavailableException e) {
      Outcomes.assertDocumented(
          e,
          IdxFuzzTest.names(mutateTest ? test : train),
          CorruptFileException.class,
          DatasetUnavailableException.class);
      return;
    }
    Outcomes.accepted();
    check(s.train());
    check(s.test());
  }

  private static void check(Dataset d) {
    assertArrayEquals(new long[] {d.size(), 32, 32, 3}, d.x().shape());
    assertEquals(d.size() * 3072L, d.x().data().length);
    for (int v : ((IntArray) d.y()).data()) {
      assertTrue(v >= 0 && v <= 9, "label " + v);
    }
    for (float v : d.x().data()) {
      assertTrue(v >= 0f && v <= 1f, "pixel " + v);
    }
  }

  /**
   * @return a tar of cifar-10-batches-bin/data_batch_1.bin and test_batch.bin
   */
  static byte[] tar() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
      for (var e : List.of(List.of("data_batch_1.bin", TRAIN), List.of("test_batch.bin", TEST))) {
        byte[] content = (byte[]) e.get(1);
        TarArchiveEntry entry = new TarArchiveEntry("cifar-10-batches-bin/" + e.get(0));
        entry.setSize(content.length);
        t.putArchiveEntry(entry);
        t.write(content);
        t.closeArchiveEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  @Provide
  Arbitrary<Mutation> mutations() {
    return Mutation.any();
  }

  @Provide
  Arbitrary<Integer> remainders() {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(3, Arbitraries.just(0)),
        net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(1, RECORD - 1)));
  }

  @Provide
  Arbitrary<List<Integer>> labels() {
    return Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(9, Arbitraries.integers().between(0, 9)),
            net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(10, 255)))
        .list()
        .ofMinSize(1)
        .ofMaxSize(5);
  }
}

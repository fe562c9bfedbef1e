package dev.jeras.data;

import dev.jeras.JerasException;
import dev.jeras.data.CifarRecords.Batch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads CIFAR-10 in its binary version: {@code data_batch_1.bin} .. {@code data_batch_5.bin} and
 * {@code test_batch.bin}, each a sequence of 3,073-byte records (1 label byte 0-9, then 1,024 red,
 * 1,024 green and 1,024 blue bytes, each plane 32x32 row-major), either in a {@code
 * cifar-10-batches-bin/} folder (each file raw or gzipped) or inside {@code
 * cifar-10-binary.tar.gz}, read without extracting.
 *
 * <p>Images come out NHWC, shape (N, 32, 32, 3), values in [0, 1]. Training uses whichever data
 * batches exist (at least one); the test split is {@code test_batch}.
 *
 * <pre>{@code
 * Dataset.Split s = Cifar10Binary.readDirectory(Path.of("data/cifar10/cifar-10-batches-bin"));
 * s.train().x().shape();  // (50000, 32, 32, 3)
 * }</pre>
 */
public final class Cifar10Binary {
  /** Bytes per record: one label, then 3 x 32 x 32 pixels. */
  public static final int RECORD_BYTES = 3073;

  /** The folder name used by the official archive. */
  public static final String BATCHES_DIR = "cifar-10-batches-bin";

  /** The official archive's file name. */
  public static final String ARCHIVE = "cifar-10-binary.tar.gz";

  private static final Logger LOG = LoggerFactory.getLogger(Cifar10Binary.class);
  private static final int TRAIN_BATCHES = 5;
  private static final String TEST = "test_batch.bin";

  private Cifar10Binary() {}

  /**
   * @param batchesDir a {@code cifar-10-batches-bin} folder
   * @return train (the data batches present) and test split, with the CIFAR-10 class names
   */
  public static Dataset.Split readDirectory(Path batchesDir) {
    List<Path> trainFiles = new ArrayList<>();
    List<String> used = new ArrayList<>();
    for (int i = 1; i <= TRAIN_BATCHES; i++) {
      Path f = find(batchesDir, "data_batch_" + i + ".bin");
      if (f != null) {
        trainFiles.add(f);
        used.add(f.getFileName().toString());
      }
    }
    Path test = find(batchesDir, TEST);
    if (trainFiles.isEmpty() || test == null) {
      throw new JerasException(
          batchesDir
              + ": expected test_batch.bin[.gz] and at least one of data_batch_1..5.bin[.gz], got "
              + (test == null ? "no test_batch" : "test_batch")
              + " and data batches "
              + used);
    }
    LOG.info(
        "CIFAR-10 from {}: training on {} ({} of {} data batches)",
        batchesDir,
        used,
        used.size(),
        TRAIN_BATCHES);
    trainFiles.add(test);
    List<Batch> all = readFiles(trainFiles);
    return split(all.subList(0, all.size() - 1), all.subList(all.size() - 1, all.size()));
  }

  /** Reads (and gunzips) the files concurrently: decompression dominates the load time. */
  private static List<Batch> readFiles(List<Path> files) {
    List<CompletableFuture<Batch>> pending = new ArrayList<>();
    for (Path f : files) {
      pending.add(CompletableFuture.supplyAsync(() -> readFile(f)));
    }
    List<Batch> out = new ArrayList<>();
    for (CompletableFuture<Batch> p : pending) {
      try {
        out.add(p.join());
      } catch (CompletionException e) {
        if (e.getCause() instanceof RuntimeException r) {
          throw r;
        }
        throw e;
      }
    }
    return out;
  }

  /**
   * @param archive {@code cifar-10-binary.tar.gz} (or a plain tar) holding {@code
   *     cifar-10-batches-bin/*.bin}
   * @return train (the data batches present) and test split, with the CIFAR-10 class names
   */
  public static Dataset.Split readArchive(Path archive) {
    Map<String, Batch> found = new LinkedHashMap<>();
    try {
      TarGz.walk(
          archive,
          (entry, content) -> {
            String base = TarGz.baseName(entry);
            if (base.equals(TEST) || base.matches("data_batch_[1-5]\\.bin")) {
              if (entry.getSize() > Integer.MAX_VALUE - 16) {
                throw new CorruptFileException(
                    archive,
                    "size of entry " + entry.getName(),
                    "under 2 GiB",
                    entry.getSize() + " bytes");
              }
              byte[] b = content.readNBytes((int) entry.getSize());
              if (b.length != entry.getSize()) {
                throw new CorruptFileException(
                    archive,
                    "entry " + entry.getName(),
                    entry.getSize() + " bytes",
                    b.length + " bytes (archive truncated)");
              }
              found.put(base, new Batch(archive, entry.getName(), b));
            }
            return true;
          });
    } catch (java.nio.file.NoSuchFileException e) {
      throw new JerasException(archive + ": file not found", e);
    } catch (java.io.EOFException e) {
      throw new CorruptFileException(
          archive, "tar.gz archive", "a complete archive", "a truncated one (it ends early)", e);
    } catch (IOException e) {
      throw new CorruptFileException(
          archive,
          "tar.gz archive",
          "a complete archive",
          "an unreadable one (" + Fetcher.reason(e) + ")",
          e);
    }
    List<Batch> train = new ArrayList<>();
    for (int i = 1; i <= TRAIN_BATCHES; i++) {
      Batch b = found.get("data_batch_" + i + ".bin");
      if (b != null) {
        train.add(b);
      }
    }
    Batch test = found.get(TEST);
    if (train.isEmpty() || test == null) {
      throw new CorruptFileException(
          archive,
          "entries",
          BATCHES_DIR + "/test_batch.bin and at least one " + BATCHES_DIR + "/data_batch_N.bin",
          found.keySet().toString());
    }
    LOG.info(
        "CIFAR-10 from {}: training on {}", archive, train.stream().map(Batch::entry).toList());
    return split(train, List.of(test));
  }

  private static Dataset.Split split(List<Batch> train, List<Batch> test) {
    return new Dataset.Split(
        CifarRecords.decode("cifar10 train", train),
        CifarRecords.decode("cifar10 test", test),
        Datasets.classNames("cifar10"));
  }

  private static Path find(Path dir, String name) {
    for (String n : List.of(name, name + ".gz")) {
      Path p = dir.resolve(n);
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    return null;
  }

  private static Batch readFile(Path file) {
    try (DecodedStream in = DecodedStream.open(file)) {
      return new Batch(file, null, in.readAll());
    }
  }
}

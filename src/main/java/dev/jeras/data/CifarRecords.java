package dev.jeras.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Checks CIFAR-10 binary records and converts them to NHWC floats in [0, 1]. */
final class CifarRecords {
  static final int RECORD_BYTES = Cifar10Binary.RECORD_BYTES;
  private static final int PLANE = 1024;
  private static final int PIXELS = 3 * PLANE;
  private static final int CHUNK = 1024;

  private CifarRecords() {}

  /**
   * One batch file's bytes and where they came from.
   *
   * @param file the file (for an archive entry: the archive)
   * @param entry the entry's name inside the archive, or null
   * @param bytes the decoded content
   */
  record Batch(Path file, String entry, byte[] bytes) {
    String where() {
      return entry == null ? "" : "entry " + entry + ": ";
    }
  }

  /**
   * Checks the batches and converts them, in order, into one dataset.
   *
   * @param name the dataset's name
   * @param batches the batch contents
   * @return images (N, 32, 32, 3) in [0, 1] and labels (N,)
   */
  static Dataset decode(String name, List<Batch> batches) {
    int total = 0;
    for (Batch b : batches) {
      total += check(b);
    }
    float[] x = new float[Math.multiplyExact(total, PIXELS)];
    int[] y = new int[total];
    int[] first = new int[batches.size()];
    for (int i = 1; i < first.length; i++) {
      first[i] = first[i - 1] + batches.get(i - 1).bytes().length / RECORD_BYTES;
    }
    // chunks of records, converted in parallel: each writes its own part of x and y
    List<int[]> chunks = new ArrayList<>();
    for (int i = 0; i < batches.size(); i++) {
      int n = batches.get(i).bytes().length / RECORD_BYTES;
      for (int from = 0; from < n; from += CHUNK) {
        chunks.add(new int[] {i, from, Math.min(n, from + CHUNK)});
      }
    }
    chunks.parallelStream()
        .forEach(c -> convert(batches.get(c[0]).bytes(), c[1], c[2], first[c[0]], x, y));
    return new Dataset(name, FloatArray.of(x, total, 32, 32, 3), IntArray.of(y));
  }

  /** Writes records {@code [from, to)} of one batch, NHWC, as samples {@code r0 + r}. */
  private static void convert(byte[] b, int from, int to, int r0, float[] x, int[] y) {
    float[] lut = Pixels.UNIT;
    for (int r = from; r < to; r++) {
      int src = r * RECORD_BYTES;
      y[r0 + r] = b[src];
      src++;
      int dst = (r0 + r) * PIXELS;
      for (int p = 0; p < PLANE; p++) {
        x[dst] = lut[b[src + p] & 0xFF];
        x[dst + 1] = lut[b[src + PLANE + p] & 0xFF];
        x[dst + 2] = lut[b[src + 2 * PLANE + p] & 0xFF];
        dst += 3;
      }
    }
  }

  /**
   * @return the number of records, after checking the length and every label byte
   */
  private static int check(Batch batch) {
    byte[] b = batch.bytes();
    Path f = batch.file();
    String at = batch.where();
    if (b.length == 0) {
      throw new CorruptFileException(
          f, at + "content", "records of " + RECORD_BYTES + " bytes", "an empty file");
    }
    if (b.length % RECORD_BYTES != 0) {
      throw new CorruptFileException(
          f,
          at + "length",
          "a multiple of the record size " + RECORD_BYTES + " bytes",
          b.length
              + " bytes ("
              + b.length / RECORD_BYTES
              + " records and a remainder of "
              + b.length % RECORD_BYTES
              + " bytes)");
    }
    int n = b.length / RECORD_BYTES;
    for (int r = 0; r < n; r++) {
      int label = b[r * RECORD_BYTES] & 0xFF;
      if (label > 9) {
        throw new CorruptFileException(
            f, at + "label byte of record " + r, "0..9", Integer.toString(label));
      }
    }
    return n;
  }
}

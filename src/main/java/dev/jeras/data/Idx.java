package dev.jeras.data;

import dev.jeras.internal.Sizes;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Reads IDX files, the format of MNIST and Fashion-MNIST: a big-endian magic number {@code
 * 0x0000TTDD} (TT = data type, DD = number of dimensions), one 32-bit size per dimension, then the
 * values. Files may be raw or gzipped (recognised by the gzip magic, not by the name). Only
 * unsigned bytes (type {@code 0x08}) are supported.
 *
 * <p>Checked: the magic number, the data type, the dimensions, that the payload holds exactly the
 * product of the dimensions (a short file and trailing bytes are both errors), and that images and
 * labels agree in number. Every failure is a {@link CorruptFileException} naming the file, what was
 * expected and what was found.
 *
 * <pre>{@code
 * // (60000, 28, 28, 1), in [0, 1]
 * FloatArray x = Idx.readImages(dir.resolve("train-images-idx3-ubyte.gz"));
 * IntArray y = Idx.readLabels(dir.resolve("train-labels-idx1-ubyte.gz"));   // (60000,)
 * }</pre>
 */
public final class Idx {
  /** Magic number of a label file: unsigned bytes, one dimension. */
  public static final int LABELS_MAGIC = 0x00000801;

  /** Magic number of an image file: unsigned bytes, three dimensions (count, rows, columns). */
  public static final int IMAGES_MAGIC = 0x00000803;

  private static final int UBYTE = 0x08;

  private Idx() {}

  /**
   * Reads an image file: pixels divided by 255, as Keras users do before training.
   *
   * @param file an IDX ubyte file with 3 dimensions (count, rows, columns), raw or gzipped
   * @return the images, shape (count, rows, columns, 1), values in [0, 1]
   */
  public static FloatArray readImages(Path file) {
    Content c = read(file, 3);
    return FloatArray.of(
        Pixels.toUnitFloats(c.payload()), c.dims()[0], c.dims()[1], c.dims()[2], 1);
  }

  /**
   * Reads a label file.
   *
   * @param file an IDX ubyte file with 1 dimension, raw or gzipped
   * @return the labels, shape (count,)
   */
  public static IntArray readLabels(Path file) {
    byte[] b = read(file, 1).payload();
    int[] labels = new int[b.length];
    for (int i = 0; i < b.length; i++) {
      labels[i] = b[i] & 0xFF;
    }
    return IntArray.of(labels);
  }

  /**
   * Reads a pair of image and label files and checks that they hold the same number of samples.
   *
   * @param name the split's name for messages ("mnist train")
   * @param images the image file
   * @param labels the label file
   * @param numClasses labels must lie in {@code 0..numClasses-1}; 0 skips the check
   * @return the split
   */
  public static Dataset readDataset(String name, Path images, Path labels, int numClasses) {
    FloatArray x = readImages(images);
    IntArray y = readLabels(labels);
    if (x.count() != y.count()) {
      throw new CorruptFileException(
          labels,
          "label count",
          x.count() + " (the number of images in " + images + ")",
          Integer.toString(y.count()));
    }
    if (numClasses > 0) {
      int[] d = y.data();
      for (int i = 0; i < d.length; i++) {
        if (d[i] >= numClasses) {
          throw new CorruptFileException(
              labels, "label " + i, "0.." + (numClasses - 1), Integer.toString(d[i]));
        }
      }
    }
    return new Dataset(name, x, y);
  }

  /** The dimensions and raw values of an IDX file. */
  record Content(int[] dims, byte[] payload) {}

  /**
   * @param file an IDX ubyte file
   * @param dims the number of dimensions required (1 for labels, 3 for images)
   * @return its dimensions and payload, checked
   */
  static Content read(Path file, int dims) {
    int expectedMagic = (UBYTE << 8) | dims;
    try (DecodedStream in = DecodedStream.open(file)) {
      byte[] head = new byte[4];
      int n = in.fill(head, 0, 4);
      if (n < 4) {
        throw new CorruptFileException(
            file, "header", "at least 4 bytes (magic number)", n + " bytes");
      }
      int magic = readInt(head, 0);
      if ((magic >>> 16) != 0 || (magic & 0xFF) != dims) {
        throw new CorruptFileException(file, "magic number", describe(expectedMagic), hex(magic));
      }
      int type = (magic >>> 8) & 0xFF;
      if (type != UBYTE) {
        throw new CorruptFileException(
            file,
            "data type",
            "0x08 (unsigned byte, the only type supported)",
            String.format(Locale.ROOT, "0x%02X (%s)", type, typeName(type)));
      }
      byte[] sizes = new byte[4 * dims];
      n = in.fill(sizes, 0, sizes.length);
      if (n < sizes.length) {
        throw new CorruptFileException(
            file,
            "header",
            (4 + sizes.length) + " bytes (magic number and " + dims + " sizes)",
            (4 + n) + " bytes");
      }
      int[] d = new int[dims];
      for (int i = 0; i < dims; i++) {
        d[i] = readInt(sizes, 4 * i);
        if (d[i] < 0) {
          throw new CorruptFileException(
              file,
              "size of dimension " + i,
              "at most " + Integer.MAX_VALUE,
              Integer.toUnsignedString(d[i]));
        }
      }
      long total = 1;
      for (int i = 0; i < dims; i++) {
        total = Sizes.times(total, d[i]);
      }
      if (total > Integer.MAX_VALUE - 16) {
        throw new CorruptFileException(
            file,
            "payload size",
            "under 2 GiB",
            "dimensions "
                + shape(d, dims)
                + (in.gzip() ? "" : " in a file of " + in.rawSize() + " bytes"));
      }
      // the header's sizes are never trusted with an allocation (a damaged count claims
      // gigabytes): a raw file's length bounds them here, a gzipped payload is read as it arrives
      long left = in.rawSize() - in.position();
      if (!in.gzip() && total > left) {
        throw new CorruptFileException(
            file,
            "payload",
            total + " bytes (" + shape(d, dims) + ")",
            left + " bytes (file too short)");
      }
      byte[] payload = in.readUpTo((int) total);
      int got = payload.length;
      if (got < total) {
        throw new CorruptFileException(
            file,
            "payload",
            total + " bytes (" + shape(d, dims) + ")",
            got + " bytes (file too short)");
      }
      long extra = in.drain();
      if (extra > 0) {
        throw new CorruptFileException(
            file,
            "payload",
            total + " bytes (" + shape(d, dims) + ")",
            (total + extra) + " bytes (" + extra + " trailing bytes)");
      }
      return new Content(d, payload);
    }
  }

  private static int readInt(byte[] b, int at) {
    return ((b[at] & 0xFF) << 24)
        | ((b[at + 1] & 0xFF) << 16)
        | ((b[at + 2] & 0xFF) << 8)
        | (b[at + 3] & 0xFF);
  }

  private static String hex(int v) {
    return String.format(Locale.ROOT, "0x%08X", v);
  }

  private static String describe(int magic) {
    return hex(magic)
        + " (IDX ubyte, "
        + (magic & 0xFF)
        + (((magic & 0xFF) == 1) ? " dim)" : " dims)");
  }

  private static String shape(int[] d, int n) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      b.append(i == 0 ? "" : " x ").append(Integer.toUnsignedString(d[i]));
    }
    return b.toString();
  }

  private static String typeName(int type) {
    return switch (type) {
      case 0x09 -> "signed byte";
      case 0x0B -> "short";
      case 0x0C -> "int";
      case 0x0D -> "float";
      case 0x0E -> "double";
      default -> "unknown type";
    };
  }
}

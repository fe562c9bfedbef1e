package dev.jeras.data;

import java.nio.file.Path;
import java.util.Locale;

/**
 * The format, size and colour components an image file declares in its header, read without
 * decoding any pixel: PNG's IHDR chunk, JPEG's start-of-frame segment (any SOFn), GIF's logical
 * screen, BMP's info header. Used to refuse images above a pixel limit before a decoder allocates
 * memory for them, and to see which conversions TensorFlow's decoders cannot do.
 *
 * @param format JPEG, PNG, GIF or BMP
 * @param width the width in pixels
 * @param height the height in pixels
 * @param components colour components (JPEG: 1 grey, 3 YCbCr/RGB, 4 CMYK/YCCK; PNG: 1 to 4; GIF 3;
 *     BMP 1, 3 or 4)
 */
record ImageHeader(Format format, int width, int height, int components) {

  /** The image formats TensorFlow's {@code DecodeImage} reads, as Keras uses it. */
  enum Format {
    JPEG,
    PNG,
    GIF,
    BMP
  }

  /**
   * @return width x height as a long
   */
  long pixels() {
    return (long) width * height;
  }

  /**
   * Reads the header.
   *
   * @param b the file's bytes
   * @param file the file, for messages
   * @return the header
   * @throws CorruptFileException when the bytes start like no supported format, or its header is
   *     cut short
   */
  static ImageHeader read(byte[] b, Path file) {
    if (b.length == 0) {
      throw new CorruptFileException(file, "image", "a JPEG, PNG, GIF or BMP file", "0 bytes");
    }
    if (b.length >= 8 && u8(b, 0) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') {
      return png(b, file);
    }
    if (b.length >= 3 && u8(b, 0) == 0xFF && u8(b, 1) == 0xD8 && u8(b, 2) == 0xFF) {
      return jpeg(b, file);
    }
    if (b.length >= 6 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F' && b[3] == '8') {
      return gif(b, file);
    }
    if (b.length >= 2 && b[0] == 'B' && b[1] == 'M') {
      return bmp(b, file);
    }
    throw new CorruptFileException(
        file, "image", "a JPEG, PNG, GIF or BMP file", "content starting with " + start(b));
  }

  private static ImageHeader png(byte[] b, Path file) {
    need(b, 26, file, "PNG IHDR chunk");
    if (b[12] != 'I' || b[13] != 'H' || b[14] != 'D' || b[15] != 'R') {
      throw new CorruptFileException(file, "PNG's first chunk", "IHDR", start(b, 12, 4));
    }
    int colorType = u8(b, 25);
    int components =
        switch (colorType) {
          case 0 -> 1; // grey
          case 4 -> 2; // grey + alpha
          case 6 -> 4; // RGBA
          default -> 3; // RGB, palette
        };
    return new ImageHeader(Format.PNG, s32be(b, 16, file), s32be(b, 20, file), components);
  }

  private static ImageHeader jpeg(byte[] b, Path file) {
    int i = 2;
    while (true) {
      // markers may be preceded by any number of 0xFF fill bytes
      while (i < b.length && u8(b, i) == 0xFF) {
        i++;
      }
      if (i >= b.length) {
        throw new CorruptFileException(
            file, "JPEG header", "a start-of-frame segment", "the end of the file before one");
      }
      int marker = u8(b, i++);
      if (marker == 0xD9 || marker == 0xDA) {
        throw new CorruptFileException(
            file,
            "JPEG header",
            "a start-of-frame segment",
            String.format(Locale.ROOT, "marker 0xFF%02X before one", marker));
      }
      if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
        continue; // markers without a length
      }
      need(b, i + 2, file, "JPEG segment length");
      int length = u16be(b, i);
      boolean sof =
          marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
      if (sof) {
        need(b, i + 8, file, "JPEG start-of-frame segment");
        int height = u16be(b, i + 3);
        int width = u16be(b, i + 5);
        return new ImageHeader(Format.JPEG, width, height, u8(b, i + 7));
      }
      if (length < 2) {
        throw new CorruptFileException(
            file, "JPEG segment length", "at least 2", Integer.toString(length));
      }
      i += length;
    }
  }

  private static ImageHeader gif(byte[] b, Path file) {
    need(b, 10, file, "GIF logical screen descriptor");
    return new ImageHeader(Format.GIF, u16le(b, 6), u16le(b, 8), 3);
  }

  private static ImageHeader bmp(byte[] b, Path file) {
    need(b, 18, file, "BMP info header");
    int infoSize = s32le(b, 14);
    int width;
    int height;
    int bits;
    if (infoSize == 12) { // OS/2 BITMAPCOREHEADER: 16-bit sizes
      need(b, 26, file, "BMP core header");
      width = u16le(b, 18);
      height = u16le(b, 20);
      bits = u16le(b, 24);
    } else {
      need(b, 30, file, "BMP info header");
      width = s32le(b, 18);
      height = s32le(b, 22);
      bits = u16le(b, 28);
    }
    if (width < 0 || height == Integer.MIN_VALUE) {
      throw new CorruptFileException(
          file, "BMP size", "a positive width", width + "x" + height + " pixels");
    }
    // a negative height means rows stored top-down
    return new ImageHeader(Format.BMP, width, Math.abs(height), bits == 32 ? 4 : 3);
  }

  private static void need(byte[] b, int length, Path file, String what) {
    if (b.length < length) {
      throw new CorruptFileException(
          file, what, "at least " + length + " bytes", "a file of " + b.length + " bytes");
    }
  }

  private static int u8(byte[] b, int i) {
    return b[i] & 0xFF;
  }

  private static int u16be(byte[] b, int i) {
    return (u8(b, i) << 8) | u8(b, i + 1);
  }

  private static int u16le(byte[] b, int i) {
    return u8(b, i) | (u8(b, i + 1) << 8);
  }

  private static int s32be(byte[] b, int i, Path file) {
    int v = (u8(b, i) << 24) | (u8(b, i + 1) << 16) | (u8(b, i + 2) << 8) | u8(b, i + 3);
    if (v < 0) {
      throw new CorruptFileException(
          file, "PNG size", "at most 2^31-1 pixels a side", Integer.toUnsignedString(v));
    }
    return v;
  }

  private static int s32le(byte[] b, int i) {
    return u8(b, i) | (u8(b, i + 1) << 8) | (u8(b, i + 2) << 16) | (u8(b, i + 3) << 24);
  }

  private static String start(byte[] b) {
    return start(b, 0, Math.min(8, b.length));
  }

  private static String start(byte[] b, int from, int n) {
    StringBuilder s = new StringBuilder();
    for (int i = from; i < from + n && i < b.length; i++) {
      s.append(String.format(Locale.ROOT, "%02X ", b[i] & 0xFF));
    }
    return s.toString().trim();
  }
}

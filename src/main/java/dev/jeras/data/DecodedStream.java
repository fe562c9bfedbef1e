package dev.jeras.data;

import dev.jeras.JerasException;
import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * The content of a data file, gunzipped when the file starts with the gzip magic {@code 1f 8b}
 * (whatever its name). Counts the bytes delivered, and turns a truncated or damaged gzip stream
 * into a {@link CorruptFileException} that says how far decoding got, so no {@code EOFException} or
 * {@code ZipException} reaches the caller.
 */
final class DecodedStream implements Closeable {
  private static final int BUFFER = 1 << 16;
  private static final long MAX_HINT = 1L << 26;

  private final Path file;
  private final InputStream in;
  private final boolean gzip;
  private final long sizeHint;
  private long position;

  private DecodedStream(Path file, InputStream in, boolean gzip, long sizeHint) {
    this.file = file;
    this.in = in;
    this.gzip = gzip;
    this.sizeHint = sizeHint;
  }

  /**
   * @param file a raw or gzipped file
   * @return its decoded content as a stream
   * @throws JerasException when the file is missing or unreadable
   * @throws CorruptFileException when it starts like gzip but its header is damaged
   */
  static DecodedStream open(Path file) {
    long size;
    int b0;
    int b1;
    long isize;
    try (SeekableByteChannel ch = Files.newByteChannel(file)) {
      size = ch.size();
      ByteBuffer head = ByteBuffer.allocate(2);
      ch.read(head);
      b0 = head.position() > 0 ? head.get(0) & 0xFF : -1;
      b1 = head.position() > 1 ? head.get(1) & 0xFF : -1;
      isize = -1;
      if (b0 == 0x1f && b1 == 0x8b && size >= 18) {
        ByteBuffer tail = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        ch.position(size - 4).read(tail);
        // ISIZE (length mod 2^32) is only a hint: a truncated file ends in arbitrary bytes
        isize = Math.min(Integer.toUnsignedLong(tail.getInt(0)), Math.min(size * 1100, MAX_HINT));
      }
    } catch (NoSuchFileException e) {
      throw new JerasException(file + ": file not found", e);
    } catch (IOException e) {
      throw new JerasException(file + ": cannot read (" + e + ")", e);
    }
    boolean gz = b0 == 0x1f && b1 == 0x8b;
    InputStream raw = null;
    try {
      raw = new BufferedInputStream(Files.newInputStream(file), BUFFER);
      InputStream in = gz ? new GZIPInputStream(raw, BUFFER) : raw;
      return new DecodedStream(file, in, gz, gz ? isize : size);
    } catch (EOFException | ZipException e) {
      closeQuietly(raw);
      throw corrupt(file, 0, e);
    } catch (IOException e) {
      closeQuietly(raw);
      throw new JerasException(file + ": cannot read (" + e + ")", e);
    }
  }

  /**
   * @return the file being read
   */
  Path file() {
    return file;
  }

  /**
   * @return whether the file is gzip-compressed
   */
  boolean gzip() {
    return gzip;
  }

  /**
   * @return the file's length in bytes when it is not gzipped, else -1
   */
  long rawSize() {
    return gzip ? -1 : sizeHint;
  }

  /**
   * @return decoded bytes delivered so far
   */
  long position() {
    return position;
  }

  /**
   * Reads until {@code len} bytes arrived or the data ended.
   *
   * @return the number of bytes read: {@code len} unless the data ended first
   */
  int fill(byte[] buf, int off, int len) {
    int n = 0;
    while (n < len) {
      final int at = off + n;
      final int want = len - n;
      int r = guard(() -> in.read(buf, at, want));
      if (r < 0) {
        break;
      }
      n += r;
      position += r;
    }
    return n;
  }

  /**
   * @return the number of bytes left in the data, reading them to the end
   */
  long drain() {
    byte[] buf = new byte[BUFFER];
    long total = 0;
    int r;
    while ((r = fill(buf, 0, buf.length)) > 0) {
      total += r;
    }
    return total;
  }

  /**
   * Reads up to {@code n} bytes, allocating as the data arrives: never {@code n} bytes up front,
   * since {@code n} comes from a header that may claim gigabytes in a file of a few bytes.
   *
   * @param n the number of bytes wanted
   * @return {@code n} bytes, or fewer when the data ended first
   */
  byte[] readUpTo(int n) {
    long left = Math.max(0, sizeHint - position);
    byte[] buf = new byte[(int) Math.min(n, Math.max(BUFFER, left))];
    int got = 0;
    while (true) {
      got += fill(buf, got, buf.length - got);
      if (got < buf.length || got == n) {
        return got == buf.length ? buf : Arrays.copyOf(buf, got);
      }
      buf = Arrays.copyOf(buf, (int) Math.min(n, 2L * buf.length));
    }
  }

  /**
   * @return all the remaining decoded bytes
   */
  byte[] readAll() {
    long hint = sizeHint - position;
    int limit = Integer.MAX_VALUE - 16;
    byte[] buf = new byte[(int) Math.max(1, Math.min(hint, limit))];
    int n = 0;
    while (true) {
      n += fill(buf, n, buf.length - n);
      if (n < buf.length) {
        return Arrays.copyOf(buf, n);
      }
      byte[] one = new byte[1];
      if (fill(one, 0, 1) == 0) {
        return buf;
      }
      if (buf.length >= limit) {
        throw new CorruptFileException(file, "decoded size", "under 2 GiB", "more");
      }
      buf = Arrays.copyOf(buf, (int) Math.min(Math.max((long) buf.length * 2, BUFFER), limit));
      buf[n++] = one[0];
    }
  }

  @Override
  public void close() {
    closeQuietly(in);
  }

  private interface Io<T> {
    T get() throws IOException;
  }

  private <T> T guard(Io<T> op) {
    try {
      return op.get();
    } catch (EOFException | ZipException e) {
      throw corrupt(file, position, e);
    } catch (IOException e) {
      throw new JerasException(file + ": cannot read (" + e + ")", e);
    }
  }

  private static CorruptFileException corrupt(Path file, long position, IOException e) {
    return new CorruptFileException(
        file,
        "gzip stream",
        "a complete stream",
        "a truncated or damaged one after "
            + position
            + " decompressed bytes ("
            + e.getMessage()
            + ")",
        e);
  }

  private static void closeQuietly(Closeable c) {
    if (c != null) {
      try {
        c.close();
      } catch (IOException ignored) {
        // already failing; the first error is the one to report
      }
    }
  }
}

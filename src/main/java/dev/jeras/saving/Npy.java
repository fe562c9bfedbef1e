package dev.jeras.saving;

import dev.jeras.JerasException;
import dev.jeras.data.FloatArray;
import dev.jeras.data.IntArray;
import dev.jeras.data.NumericArray;
import dev.jeras.internal.Sizes;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * NumPy {@code .npy} files (format versions 1, 2 and 3), the exchange format for comparison data
 * with Python. Reads float16/32/64 into {@link FloatArray} and (u)int8/16/32/64 and bool into
 * {@link IntArray}, either byte order, C order only; writes float32 ({@code <f4}) and int32 ({@code
 * <i4}).
 *
 * <pre>{@code
 * FloatArray x = Npy.readFloats(Path.of("batch.npy"));
 * Npy.write(Path.of("probs.npy"), model.predict(x));
 * }</pre>
 */
public final class Npy {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern DESCR =
      Pattern.compile("'descr'\\s*:\\s*'([<>|=])([a-zA-Z])(\\d+)'");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

  private Npy() {}

  /**
   * Reads an array, keeping floats as floats and integers as integers.
   *
   * @param file the .npy file
   * @return a {@link FloatArray} or an {@link IntArray}
   */
  public static NumericArray read(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new JerasException(file + ": file not found", e);
    } catch (IOException e) {
      throw new JerasException(file + ": cannot read: " + e.getMessage(), e);
    }
    return parse(bytes, file.toString());
  }

  /**
   * Reads an array as floats (integers converted), e.g. model inputs.
   *
   * @param file the .npy file
   * @return the array
   */
  public static FloatArray readFloats(Path file) {
    NumericArray a = read(file);
    if (a instanceof FloatArray f) {
      return f;
    }
    int[] d = ((IntArray) a).data();
    float[] f = new float[d.length];
    for (int i = 0; i < d.length; i++) {
      f[i] = d[i];
    }
    return FloatArray.of(f, a.shape());
  }

  /**
   * Reads a NumPy {@code .npz} archive ({@code numpy.savez}, or jeras' {@link #writeNpz}).
   *
   * @param file the .npz file
   * @return its arrays by name (without {@code .npy}), in archive order
   */
  public static Map<String, NumericArray> readNpz(Path file) {
    Map<String, NumericArray> out = new java.util.LinkedHashMap<>();
    try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(file.toFile())) {
      java.util.Enumeration<? extends ZipEntry> entries = zip.entries();
      while (entries.hasMoreElements()) {
        ZipEntry e = entries.nextElement();
        if (!e.getName().endsWith(".npy")) {
          throw bad(file.toString(), "entry " + e.getName(), "NAME.npy arrays", e.getName());
        }
        try (java.io.InputStream in = zip.getInputStream(e)) {
          String name = e.getName().substring(0, e.getName().length() - 4);
          out.put(name, parse(in.readAllBytes(), file + "!" + e.getName()));
        }
      }
    } catch (NoSuchFileException e) {
      throw new JerasException(file + ": file not found", e);
    } catch (IOException e) {
      throw new JerasException(file + ": not a readable .npz archive: " + e.getMessage(), e);
    }
    return out;
  }

  /**
   * @param bytes the content of a .npy file
   * @param source its name, for messages
   * @return the array
   */
  public static NumericArray parse(byte[] bytes, String source) {
    if (bytes.length < 10) {
      throw bad(source, "length", "at least 10 bytes", bytes.length + " bytes");
    }
    for (int i = 0; i < MAGIC.length; i++) {
      if (bytes[i] != MAGIC[i]) {
        throw bad(source, "magic", "\\x93NUMPY", "another file type");
      }
    }
    int major = bytes[6] & 0xff;
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int headerLen;
    int start;
    if (major == 1) {
      headerLen = b.getShort(8) & 0xffff;
      start = 10;
    } else if (major == 2 || major == 3) {
      if (bytes.length < 12) {
        throw bad(source, "header", "12 bytes", bytes.length + " bytes");
      }
      headerLen = b.getInt(8);
      start = 12;
    } else {
      throw bad(source, "format version", "1, 2 or 3", Integer.toString(major));
    }
    if (headerLen < 0 || headerLen > bytes.length - start) {
      throw bad(
          source, "header length", "<= " + (bytes.length - start), Integer.toString(headerLen));
    }
    String header =
        new String(
            bytes,
            start,
            headerLen,
            major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    Matcher d = DESCR.matcher(header);
    Matcher f = FORTRAN.matcher(header);
    Matcher s = SHAPE.matcher(header);
    if (!d.find() || !f.find() || !s.find()) {
      throw bad(source, "header", "{'descr', 'fortran_order', 'shape'}", abbreviate(header.trim()));
    }
    if (f.group(1).equals("True")) {
      throw bad(source, "fortran_order", "False (C order)", "True");
    }
    long[] shape = parseShape(s.group(1), source);
    ByteOrder order = d.group(1).equals(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
    char kind = d.group(2).charAt(0);
    int size = dtypeSize(kind, d.group(3), source);
    long count = Sizes.product(shape, 0);
    long expected = Sizes.times(count, size);
    long available = bytes.length - start - headerLen;
    if (available != expected) {
      throw bad(
          source,
          "data length",
          expected + " bytes for shape " + NumericArray.format(shape) + " of " + d.group(2) + size,
          available + " bytes");
    }
    if (count > Integer.MAX_VALUE - 8) {
      throw bad(source, "size", "fewer than 2^31 values", Long.toString(count));
    }
    ByteBuffer data =
        ByteBuffer.wrap(bytes, start + headerLen, (int) expected).slice().order(order);
    long[] arrayShape = shape.length == 0 ? new long[] {1} : shape;
    int n = (int) count;
    return switch (kind) {
      case 'f' -> FloatArray.of(floats(data, size, n, source), arrayShape);
      case 'i', 'u', 'b' -> IntArray.of(ints(data, kind, size, n, source), arrayShape);
      default -> throw bad(source, "dtype", "float or integer", d.group(2) + size);
    };
  }

  /**
   * @return the item size of a dtype jeras reads, e.g. 4 for {@code f4}
   */
  private static int dtypeSize(char kind, String digits, String source) {
    String dtype = kind + digits;
    boolean known =
        switch (kind) {
          case 'f' -> digits.equals("2") || digits.equals("4") || digits.equals("8");
          case 'i', 'u' ->
              digits.equals("1") || digits.equals("2") || digits.equals("4") || digits.equals("8");
          case 'b' -> digits.equals("1");
          default -> false;
        };
    if (!known) {
      throw bad(source, "dtype", "f2, f4, f8, i1..i8, u1..u8 or b1", dtype);
    }
    return Integer.parseInt(digits);
  }

  private static long[] parseShape(String s, String source) {
    List<Long> dims = new ArrayList<>();
    for (String part : s.split(",")) {
      String t = part.trim();
      if (t.isEmpty()) {
        continue;
      }
      try {
        long v = Long.parseLong(t.replace("L", ""));
        if (v < 0 || v > Integer.MAX_VALUE) {
          throw new NumberFormatException();
        }
        dims.add(v);
      } catch (NumberFormatException e) {
        throw bad(
            source, "shape", "integers from 0 to " + Integer.MAX_VALUE, abbreviate("(" + s + ")"));
      }
    }
    return dims.stream().mapToLong(Long::longValue).toArray();
  }

  private static float[] floats(ByteBuffer b, int size, int n, String source) {
    float[] out = new float[n];
    switch (size) {
      case 2 -> {
        for (int i = 0; i < n; i++) {
          out[i] = halfToFloat(b.getShort(i * 2));
        }
      }
      case 4 -> b.asFloatBuffer().get(out);
      case 8 -> {
        for (int i = 0; i < n; i++) {
          out[i] = (float) b.getDouble(i * 8);
        }
      }
      default -> throw bad(source, "dtype", "f2, f4 or f8", "f" + size);
    }
    return out;
  }

  private static int[] ints(ByteBuffer b, char kind, int size, int n, String source) {
    int[] out = new int[n];
    boolean unsigned = kind == 'u' || kind == 'b';
    for (int i = 0; i < n; i++) {
      long v =
          switch (size) {
            case 1 -> unsigned ? b.get(i) & 0xff : b.get(i);
            case 2 -> unsigned ? b.getShort(i * 2) & 0xffff : b.getShort(i * 2);
            case 4 -> unsigned ? b.getInt(i * 4) & 0xffffffffL : b.getInt(i * 4);
            case 8 -> b.getLong(i * 8);
            default -> throw bad(source, "dtype", "1, 2, 4 or 8 byte integers", kind + "" + size);
          };
      if (v > Integer.MAX_VALUE || v < Integer.MIN_VALUE) {
        throw bad(source, "value at " + i, "an int32", Long.toString(v));
      }
      out[i] = (int) v;
    }
    return out;
  }

  /**
   * Writes an array as float32 or int32, atomically.
   *
   * @param file the .npy file
   * @param array the array
   */
  public static void write(Path file, NumericArray array) {
    ByteBuffer[] parts = encode(array);
    AtomicFiles.writeFile(
        file,
        tmp -> {
          try (FileChannel ch =
              FileChannel.open(
                  tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            for (ByteBuffer b : parts) {
              ch.write(b);
            }
          }
        });
  }

  /**
   * Writes several arrays as a NumPy {@code .npz} archive ({@code numpy.load(file)[name]} reads
   * each), atomically.
   *
   * @param file the .npz file
   * @param arrays the arrays by name, in the order written
   */
  public static void writeNpz(Path file, Map<String, ? extends NumericArray> arrays) {
    AtomicFiles.writeFile(
        file,
        tmp -> {
          try (OutputStream os = Files.newOutputStream(tmp);
              ZipOutputStream zip = new ZipOutputStream(os)) {
            for (Map.Entry<String, ? extends NumericArray> e : arrays.entrySet()) {
              zip.putNextEntry(new ZipEntry(e.getKey() + ".npy"));
              for (ByteBuffer b : encode(e.getValue())) {
                zip.write(b.array(), b.arrayOffset() + b.position(), b.remaining());
              }
              zip.closeEntry();
            }
          }
        });
  }

  /** An array as an NPY v1 header and its little-endian data. */
  private static ByteBuffer[] encode(NumericArray array) {
    long[] shape = array.shape();
    StringBuilder sh = new StringBuilder("(");
    for (int i = 0; i < shape.length; i++) {
      sh.append(shape[i]).append(shape.length == 1 ? "," : (i < shape.length - 1 ? ", " : ""));
    }
    sh.append(')');
    String descr = array instanceof FloatArray ? "<f4" : "<i4";
    String dict =
        String.format(
            Locale.ROOT, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, sh);
    int total = 10 + dict.length() + 1;
    int pad = (64 - total % 64) % 64;
    String header = dict + " ".repeat(pad) + "\n";
    ByteBuffer head = ByteBuffer.allocate(10 + header.length()).order(ByteOrder.LITTLE_ENDIAN);
    head.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length());
    head.put(header.getBytes(StandardCharsets.ISO_8859_1)).flip();
    int n = array instanceof FloatArray f ? f.data().length : ((IntArray) array).data().length;
    ByteBuffer body = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
    if (array instanceof FloatArray f) {
      body.asFloatBuffer().put(f.data());
    } else {
      body.asIntBuffer().put(((IntArray) array).data());
    }
    return new ByteBuffer[] {head, body};
  }

  /**
   * @return the text, cut to 200 characters so that a damaged header stays a one-line message
   */
  private static String abbreviate(String text) {
    return text.length() <= 200
        ? text
        : text.substring(0, 200) + "... (" + text.length() + " characters)";
  }

  private static JerasException bad(String source, String what, String expected, String got) {
    return new JerasException(
        source + ": not a valid .npy file: " + what + " expected " + expected + ", got " + got);
  }

  /** IEEE 754 half precision to float (Java 17 has no Float.float16ToFloat). */
  static float halfToFloat(short h) {
    int bits = h & 0xffff;
    int sign = (bits & 0x8000) << 16;
    int exp = (bits >>> 10) & 0x1f;
    int mant = bits & 0x3ff;
    if (exp == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
    }
    if (exp == 0) {
      float v = mant * 0x1p-24f;
      return sign == 0 ? v : -v;
    }
    return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  }
}

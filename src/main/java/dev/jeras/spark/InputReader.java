package dev.jeras.spark;

import java.io.Serializable;
import java.util.List;

/**
 * Reads one row's input value into a model batch: an array of numbers (float or double, Spark's
 * Java list or Scala sequence) reshaped to one sample of the model's input, or encoded image bytes
 * decoded and resized to it. Says why a value cannot be read instead of throwing, so that the
 * caller can fail with the row's id or skip the row.
 */
final class InputReader implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String column;
  private final long[] sampleDims;
  private final int sampleSize;
  private final ImageBytes.Config image;
  private final boolean allowNonFinite;

  /**
   * @param column the input column's name (for messages)
   * @param sampleDims one sample's shape
   * @param image the decoding of an image column, null for an array column
   * @param allowNonFinite whether NaN and infinite values are fed
   */
  InputReader(String column, long[] sampleDims, ImageBytes.Config image, boolean allowNonFinite) {
    this.column = column;
    this.sampleDims = sampleDims.clone();
    long n = 1;
    for (long d : sampleDims) {
      n *= d;
    }
    this.sampleSize = Math.toIntExact(n);
    this.image = image;
    this.allowNonFinite = allowNonFinite;
  }

  /**
   * @return one sample's shape
   */
  long[] sampleDims() {
    return sampleDims.clone();
  }

  /**
   * @return values per sample
   */
  int sampleSize() {
    return sampleSize;
  }

  /**
   * @return the decoding of an image column, null for an array column
   */
  ImageBytes.Config image() {
    return image;
  }

  /**
   * @param value the column's value in one row
   * @param dst the batch
   * @param offset where this sample goes
   * @param decoder the image decoder (null for an array column)
   * @return null when read, else why not
   */
  String read(Object value, float[] dst, int offset, ImageBytes decoder) {
    if (value == null) {
      return column + " is null";
    }
    if (image != null) {
      if (!(value instanceof byte[] bytes)) {
        return column + " holds " + value.getClass().getSimpleName() + ", not image bytes";
      }
      try {
        decoder.decode(bytes, column, dst, offset);
        return null;
      } catch (RuntimeException e) {
        return ExecutorModels.firstLine(e.getMessage());
      }
    }
    if (value instanceof List<?> list) {
      return numbers(list.size(), list::get, dst, offset);
    }
    if (value instanceof scala.collection.Seq<?> seq) {
      return numbers(seq.length(), seq::apply, dst, offset);
    }
    if (value instanceof float[] f) {
      return numbers(f.length, i -> f[i], dst, offset);
    }
    if (value instanceof double[] d) {
      return numbers(d.length, i -> d[i], dst, offset);
    }
    return column + " holds " + value.getClass().getSimpleName() + ", not an array of numbers";
  }

  private interface Element {
    Object get(int i);
  }

  private String numbers(int length, Element element, float[] dst, int offset) {
    if (length != sampleSize) {
      return column
          + ": expected "
          + sampleSize
          + " values (a sample of shape "
          + shape()
          + "), got "
          + length;
    }
    for (int i = 0; i < length; i++) {
      Object e = element.get(i);
      float v;
      if (e instanceof Float f) {
        v = f;
      } else if (e instanceof Number n) {
        v = n.floatValue();
      } else {
        return column + ": value " + i + " is " + (e == null ? "null" : e.getClass().getName());
      }
      if (!allowNonFinite && !Float.isFinite(v)) {
        return column + ": value " + i + " is " + v + " (NaN and infinite inputs are refused)";
      }
      dst[offset + i] = v;
    }
    return null;
  }

  /**
   * @return one sample's shape as (28, 28, 1)
   */
  String shape() {
    StringBuilder b = new StringBuilder("(");
    for (int i = 0; i < sampleDims.length; i++) {
      b.append(i > 0 ? ", " : "").append(sampleDims[i]);
    }
    return b.append(sampleDims.length == 1 ? ",)" : ")").toString();
  }
}

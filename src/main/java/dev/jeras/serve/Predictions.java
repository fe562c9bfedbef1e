package dev.jeras.serve;

import dev.jeras.data.FloatArray;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Binds a parsed predict request to a signature's inputs (names, shapes, batch sizes) and writes
 * the outputs in the request's format: {@code {"predictions": [...]}} (row) or {@code {"outputs":
 * ...}} (columnar), one unnamed value for a single output, named ones otherwise.
 */
final class Predictions {
  /** Characters buffered before a streamed response is written out. */
  private static final int SPILL_CHARS = 1 << 16;

  private Predictions() {}

  /**
   * @param r the request
   * @param sig the signature it runs
   * @return one array per signature input, in its key order
   * @throws ServeException INVALID_ARGUMENT when the inputs do not fit the signature
   */
  static List<FloatArray> bind(PredictRequest r, Signatures.Signature sig) {
    List<String> keys = sig.inputKeys();
    List<FloatArray> xs = new ArrayList<>();
    if (r.single() != null) {
      if (keys.size() > 1) {
        throw ServeException.invalid(
            (r.row()
                    ? "instances is a plain list, but expecting list of objects"
                    : "inputs is a plain value/list, but expecting an object")
                + " as multiple input tensors required as per tensorinfo_map ("
                + String.join(",", keys)
                + ")");
      }
      xs.add(r.single());
    } else {
      for (String k : r.named().keySet()) {
        if (r.row() && !keys.contains(k)) {
          throw ServeException.invalid("JSON object: does not have named input: " + k);
        }
      }
      for (String k : keys) {
        FloatArray x = r.named().get(k);
        if (x == null) {
          throw ServeException.invalid(
              r.row()
                  ? "Failed to process element: 0 of 'instances' list. JSON object keys must be"
                      + " equal to: "
                      + String.join(",", keys)
                  : "Missing named input: " + k + " in 'inputs' object.");
        }
        xs.add(x);
      }
    }
    long batch = -1;
    for (int i = 0; i < xs.size(); i++) {
      Signatures.TensorSpec spec = sig.inputs().get(i);
      long[] s = xs.get(i).shape();
      if (!Signatures.fits(spec.dims(), s)) {
        throw ServeException.invalid(
            "input "
                + spec.key()
                + " expects shape "
                + spec.shapeString()
                + ", got "
                + Signatures.shape(s));
      }
      if (batch >= 0 && s[0] != batch) {
        throw ServeException.invalid(
            "inputs "
                + sig.inputs().get(0).key()
                + " and "
                + spec.key()
                + " disagree on the batch size (first dimension): "
                + batch
                + " and "
                + s[0]);
      }
      batch = s[0];
    }
    if (batch == 0) {
      throw ServeException.invalid("no instances to predict (the batch dimension is 0)");
    }
    return xs;
  }

  /**
   * Checks that the outputs can be written in the request's format (the row format needs one batch
   * size across them), before any of the answer is sent.
   *
   * @return the batch size (-1 for the columnar format)
   * @throws ServeException INVALID_ARGUMENT, with TensorFlow Serving's message, when not
   */
  static long check(boolean row, Signatures.Signature sig, List<FloatArray> outputs) {
    if (!row) {
      return -1;
    }
    List<String> names = sig.outputKeys();
    long batch = -1;
    for (int o = 0; o < outputs.size(); o++) {
      long[] s = outputs.get(o).shape();
      if (batch >= 0 && s[0] != batch) {
        throw ServeException.invalid(
            "Tensor name: "
                + names.get(o)
                + " has inconsistent batch size: "
                + s[0]
                + " expecting: "
                + batch);
      }
      batch = s[0];
    }
    return batch;
  }

  /**
   * @param row whether to answer in the row format
   * @param sig the signature that ran
   * @param outputs one array per signature output, in its key order
   * @return the response body
   */
  static String write(boolean row, Signatures.Signature sig, List<FloatArray> outputs) {
    StringBuilder sb = new StringBuilder((int) Math.min(estimatedBytes(outputs), 1 << 26));
    write(row, sig, outputs, sb, null);
    return sb.toString();
  }

  /**
   * Writes the response in pieces: whenever the text passes 64 KB it is handed to {@code spill} and
   * the buffer emptied, so a large answer never sits whole in memory.
   *
   * @param row whether to answer in the row format
   * @param sig the signature that ran
   * @param outputs one array per signature output, in its key order
   * @param sb the buffer
   * @param spill takes the text written so far (then cleared), or null to keep it all in {@code sb}
   */
  static void write(
      boolean row,
      Signatures.Signature sig,
      List<FloatArray> outputs,
      StringBuilder sb,
      Consumer<StringBuilder> spill) {
    List<String> names = sig.outputKeys();
    long batch = check(row, sig, outputs);
    PrettyJson w = new PrettyJson(sb);
    boolean multi = outputs.size() > 1;
    w.startObject();
    if (row) {
      w.key("predictions");
      w.startArray();
      for (int item = 0; item < batch; item++) {
        if (multi) {
          w.startObject();
        }
        w.singleLine(true);
        for (int o = 0; o < outputs.size(); o++) {
          if (multi) {
            w.key(names.get(o));
          }
          FloatArray out = outputs.get(o);
          int per = (int) (out.data().length / batch);
          values(w, out.data(), out.shape(), 1, item * per, sb, spill);
        }
        w.singleLine(false);
        if (multi) {
          w.endObject();
        }
      }
      w.endArray();
    } else {
      w.key("outputs");
      if (multi) {
        w.startObject();
      }
      for (int o = 0; o < outputs.size(); o++) {
        if (multi) {
          w.key(names.get(o));
        }
        values(w, outputs.get(o).data(), outputs.get(o).shape(), 0, 0, sb, spill);
      }
      if (multi) {
        w.endObject();
      }
    }
    w.endObject();
    if (spill != null) {
      spill.accept(sb);
      sb.setLength(0);
    }
  }

  /**
   * Writes the sub-tensor at dimension {@code dim} starting at {@code offset}: a number when no
   * dimension is left, else a (nested) list.
   *
   * @return the offset after the values written
   */
  private static int values(
      PrettyJson w,
      float[] data,
      long[] shape,
      int dim,
      int offset,
      StringBuilder sb,
      Consumer<StringBuilder> spill) {
    if (dim >= shape.length) {
      w.raw(FloatFormat.format(data[offset]));
      if (spill != null && sb.length() >= SPILL_CHARS) {
        spill.accept(sb);
        sb.setLength(0);
      }
      return offset + 1;
    }
    w.startArray();
    int at = offset;
    for (long i = 0; i < shape[dim]; i++) {
      at = values(w, data, shape, dim + 1, at, sb, spill);
    }
    w.endArray();
    return at;
  }

  /**
   * @return about how many bytes the outputs take as JSON (up to 16 characters a value)
   */
  static long estimatedBytes(List<FloatArray> outputs) {
    long n = 0;
    for (FloatArray x : outputs) {
      n += x.data().length;
    }
    return 64 + 16 * n;
  }
}

package dev.jeras.serve;

import java.util.ArrayDeque;

/**
 * Writes JSON laid out as TensorFlow Serving's responses are (RapidJSON's pretty writer, four
 * spaces a level): each object member and array element on its own line, except in single-line
 * mode, where array elements follow each other separated by {@code ", "}. Mode changes take effect
 * at the next value, which is what gives TensorFlow Serving's row-format output its shape:
 *
 * <pre>
 * {
 *     "predictions": [[1.0, 2.0], [3.0, 4.0]
 *     ]
 * }
 * </pre>
 */
final class PrettyJson {
  private static final class Level {
    final boolean inArray;
    int count;

    Level(boolean inArray) {
      this.inArray = inArray;
    }
  }

  private final StringBuilder out;
  private final ArrayDeque<Level> stack = new ArrayDeque<>();
  private boolean singleLine;

  PrettyJson(StringBuilder out) {
    this.out = out;
  }

  /**
   * @param on whether arrays opened from now on (and elements added) stay on one line
   */
  void singleLine(boolean on) {
    singleLine = on;
  }

  void startObject() {
    prefix();
    stack.push(new Level(false));
    out.append('{');
  }

  void endObject() {
    Level l = stack.pop();
    if (l.count > 0) {
      out.append('\n');
      indent();
    }
    out.append('}');
  }

  void startArray() {
    prefix();
    stack.push(new Level(true));
    out.append('[');
  }

  void endArray() {
    Level l = stack.pop();
    if (l.count > 0 && !singleLine) {
      out.append('\n');
      indent();
    }
    out.append(']');
  }

  void key(String k) {
    string(k);
  }

  void string(String s) {
    prefix();
    quote(out, s);
  }

  /** A number (or NaN / Infinity) written as given. */
  void raw(String number) {
    prefix();
    out.append(number);
  }

  private void prefix() {
    Level l = stack.peek();
    if (l == null) {
      return;
    }
    if (l.inArray) {
      if (l.count > 0) {
        out.append(',');
        if (singleLine) {
          out.append(' ');
        }
      }
      if (!singleLine) {
        out.append('\n');
        indent();
      }
    } else {
      if (l.count > 0) {
        out.append(l.count % 2 == 0 ? ",\n" : ": ");
      } else {
        out.append('\n');
      }
      if (l.count % 2 == 0) {
        indent();
      }
    }
    l.count++;
  }

  private void indent() {
    out.append(" ".repeat(4 * stack.size()));
  }

  /**
   * Appends a JSON string: quote, backslash and control characters escaped ({@code \n} style where
   * JSON has one, else {@code \}{@code u00XX}), everything else as is.
   */
  static void quote(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04X", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }

  /**
   * @param message an error message
   * @return {@code {"error": message}} as TensorFlow Serving lays it out
   */
  static String error(String message) {
    StringBuilder sb = new StringBuilder();
    PrettyJson w = new PrettyJson(sb);
    w.startObject();
    w.key("error");
    w.string(message);
    w.endObject();
    return sb.toString();
  }
}

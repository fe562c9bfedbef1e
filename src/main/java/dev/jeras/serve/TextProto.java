package dev.jeras.serve;

import dev.jeras.JerasException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A reader for protocol buffer text format, the format of TensorFlow Serving's config files ({@code
 * --model_config_file}, {@code --batching_parameters_file}, {@code --monitoring_config_file}). It
 * reads the syntax without a schema: fields {@code name: value}, nested messages {@code name { ...
 * }} (or {@code name: { ... }}, {@code name < ... >}), lists {@code name: [1, 2]}, quoted strings
 * with C escapes (adjacent strings joined), numbers, identifiers, {@code #} comments, optional
 * {@code ;} or {@code ,} after a field. The callers map fields to meanings and refuse the ones they
 * do not know.
 *
 * <pre>{@code
 * TextProto.Message m = TextProto.parse("model_config_list { config { name: 'a' } }", "cfg");
 * String name = m.message("model_config_list").messages("config").get(0).string("name");
 * }</pre>
 */
public final class TextProto {
  private final String text;
  private final String source;
  private int pos;

  private TextProto(String text, String source) {
    this.text = text;
    this.source = source;
  }

  /** A scalar value as written: its text, and whether it was quoted. */
  public record Scalar(String text, boolean quoted) {}

  /** One field occurrence: its name and either a {@link Scalar} or a nested {@link Message}. */
  public record Field(String name, Object value, int line) {}

  /** A message: its fields in file order (a repeated field occurs several times). */
  public static final class Message {
    private final List<Field> fields = new ArrayList<>();
    private final String source;

    Message(String source) {
      this.source = source;
    }

    /**
     * @return the fields in file order
     */
    public List<Field> fields() {
      return fields;
    }

    /**
     * @return the names of the fields present
     */
    public Set<String> names() {
      Set<String> s = new LinkedHashSet<>();
      fields.forEach(f -> s.add(f.name()));
      return s;
    }

    /**
     * @param name a field name
     * @return every nested message of that name, in order
     */
    public List<Message> messages(String name) {
      List<Message> out = new ArrayList<>();
      for (Field f : fields) {
        if (f.name().equals(name)) {
          if (!(f.value() instanceof Message m)) {
            throw error(f, "a message { ... }", "a value");
          }
          out.add(m);
        }
      }
      return out;
    }

    /**
     * @param name a field name
     * @return the (last) nested message of that name, or null
     */
    public Message message(String name) {
      List<Message> ms = messages(name);
      return ms.isEmpty() ? null : ms.get(ms.size() - 1);
    }

    /**
     * @param name a field name
     * @return every scalar of that name, in order
     */
    public List<Scalar> scalars(String name) {
      List<Scalar> out = new ArrayList<>();
      for (Field f : fields) {
        if (f.name().equals(name)) {
          if (!(f.value() instanceof Scalar s)) {
            throw error(f, "a value", "a message { ... }");
          }
          out.add(s);
        }
      }
      return out;
    }

    /**
     * @param name a field name
     * @return the (last) string of that name, or null when absent
     */
    public String string(String name) {
      List<Scalar> s = scalars(name);
      return s.isEmpty() ? null : s.get(s.size() - 1).text();
    }

    /**
     * @param name a field name
     * @param fallback the value when absent
     * @return the (last) integer of that name
     */
    public long integer(String name, long fallback) {
      List<Scalar> s = scalars(name);
      if (s.isEmpty()) {
        return fallback;
      }
      Scalar v = s.get(s.size() - 1);
      try {
        return Long.parseLong(v.text());
      } catch (NumberFormatException e) {
        throw new JerasException(
            source + ": field " + name + " expects an integer, got " + quote(v.text()));
      }
    }

    /**
     * @param name a field name
     * @param fallback the value when absent
     * @return the (last) boolean of that name ({@code true}/{@code false}, {@code 1}/{@code 0})
     */
    public boolean bool(String name, boolean fallback) {
      String v = string(name);
      if (v == null) {
        return fallback;
      }
      return switch (v) {
        case "true", "True", "t", "1" -> true;
        case "false", "False", "f", "0" -> false;
        default ->
            throw new JerasException(
                source + ": field " + name + " expects true or false, got " + quote(v));
      };
    }

    /**
     * Refuses any field outside a known set (so that a misspelt or unsupported option is an error,
     * not silently ignored).
     *
     * @param where what this message is, for the message
     * @param known the supported field names
     */
    public void requireOnly(String where, Set<String> known) {
      for (Field f : fields) {
        if (!known.contains(f.name())) {
          throw new JerasException(
              source
                  + ":"
                  + f.line()
                  + ": "
                  + where
                  + " field "
                  + f.name()
                  + " is not supported by jeras serve; supported: "
                  + String.join(", ", known));
        }
      }
    }

    private JerasException error(Field f, String expected, String got) {
      return new JerasException(
          source
              + ":"
              + f.line()
              + ": field "
              + f.name()
              + " expects "
              + expected
              + ", got "
              + got);
    }
  }

  /**
   * @param text the text-format message
   * @param source where it came from (a file name), for error messages
   * @return the top-level message
   */
  public static Message parse(String text, String source) {
    TextProto p = new TextProto(text, source);
    Message m = p.message(null);
    p.skipSpace();
    if (p.pos < text.length()) {
      throw p.fail("a field name", describe(text.charAt(p.pos)));
    }
    return m;
  }

  private Message message(Character close) {
    Message m = new Message(source);
    while (true) {
      skipSpace();
      if (pos >= text.length()) {
        if (close != null) {
          throw fail("'" + close + "'", "the end of the file");
        }
        return m;
      }
      char c = text.charAt(pos);
      if (close != null && c == close) {
        pos++;
        return m;
      }
      int line = line();
      String name = identifier();
      if (name.isEmpty()) {
        throw fail("a field name", describe(c));
      }
      skipSpace();
      boolean colon = peek(':');
      if (colon) {
        pos++;
        skipSpace();
      }
      if (peek('{') || peek('<')) {
        char open = text.charAt(pos++);
        m.fields.add(new Field(name, message(open == '{' ? '}' : '>'), line));
      } else if (!colon) {
        throw fail(
            "':' or '{' after " + name, describe(pos < text.length() ? text.charAt(pos) : 0));
      } else if (peek('[')) {
        pos++;
        skipSpace();
        if (peek(']')) {
          pos++;
        } else {
          while (true) {
            skipSpace();
            if (peek('{')) {
              pos++;
              m.fields.add(new Field(name, message('}'), line));
            } else {
              m.fields.add(new Field(name, scalar(), line));
            }
            skipSpace();
            if (peek(',')) {
              pos++;
            } else if (peek(']')) {
              pos++;
              break;
            } else {
              throw fail("',' or ']'", describe(pos < text.length() ? text.charAt(pos) : 0));
            }
          }
        }
      } else {
        m.fields.add(new Field(name, scalar(), line));
      }
      skipSpace();
      if (peek(';') || peek(',')) {
        pos++;
      }
    }
  }

  private Scalar scalar() {
    if (peek('"') || peek('\'')) {
      StringBuilder sb = new StringBuilder();
      while (peek('"') || peek('\'')) {
        sb.append(quoted());
        skipSpace();
      }
      return new Scalar(sb.toString(), true);
    }
    int start = pos;
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (Character.isLetterOrDigit(c) || c == '-' || c == '+' || c == '.' || c == '_') {
        pos++;
      } else {
        break;
      }
    }
    if (start == pos) {
      throw fail("a value", describe(pos < text.length() ? text.charAt(pos) : 0));
    }
    return new Scalar(text.substring(start, pos), false);
  }

  private String quoted() {
    char q = text.charAt(pos++);
    StringBuilder sb = new StringBuilder();
    while (true) {
      if (pos >= text.length() || text.charAt(pos) == '\n') {
        throw fail("a closing " + q, "the end of the line");
      }
      char c = text.charAt(pos++);
      if (c == q) {
        return sb.toString();
      }
      if (c != '\\') {
        sb.append(c);
        continue;
      }
      if (pos >= text.length()) {
        throw fail("an escape", "the end of the file");
      }
      char e = text.charAt(pos++);
      switch (e) {
        case 'n' -> sb.append('\n');
        case 't' -> sb.append('\t');
        case 'r' -> sb.append('\r');
        case '\\', '\'', '"' -> sb.append(e);
        default -> throw fail("an escape (\\n \\t \\r \\\\ \\' \\\")", "\\" + e);
      }
    }
  }

  private String identifier() {
    int start = pos;
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (Character.isLetterOrDigit(c) || c == '_' || (pos > start && c == '.')) {
        pos++;
      } else {
        break;
      }
    }
    return text.substring(start, pos);
  }

  private boolean peek(char c) {
    return pos < text.length() && text.charAt(pos) == c;
  }

  private void skipSpace() {
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (c == '#') {
        while (pos < text.length() && text.charAt(pos) != '\n') {
          pos++;
        }
      } else if (Character.isWhitespace(c)) {
        pos++;
      } else {
        return;
      }
    }
  }

  private int line() {
    int n = 1;
    for (int i = 0; i < pos && i < text.length(); i++) {
      if (text.charAt(i) == '\n') {
        n++;
      }
    }
    return n;
  }

  private JerasException fail(String expected, String got) {
    return new JerasException(
        source + ":" + line() + ": text-format protobuf expected " + expected + ", got " + got);
  }

  private static String describe(char c) {
    return c == 0 ? "the end of the file" : "'" + c + "'";
  }

  private static String quote(String s) {
    return "\"" + s + "\"";
  }
}

package dev.jeras.fuzz;

import dev.jeras.saving.KerasJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * Structural edits of a parsed JSON tree (maps, lists, strings, numbers, booleans, null), for
 * fuzzing model JSON: delete a key, replace a value with another type, a huge or negative number,
 * NaN, a string, null, a deep nest; duplicate or drop list elements. The text is written with
 * Python's {@code NaN} and {@code Infinity}, which Keras' JSON and jeras accept.
 */
final class JsonTree {
  private JsonTree() {}

  /**
   * One edit: {@code at} picks a node (modulo the node count, in document order), {@code op} the
   * kind of edit, {@code value} the replacement.
   */
  record Edit(int at, int op, int value) {}

  /** Replacement values: wrong types, boundary numbers, NaN, deep nesting. */
  static final List<Object> VALUES =
      List.of(
          "__null__",
          true,
          false,
          0,
          1,
          -1,
          2,
          3,
          1.5,
          -0.0,
          Integer.MAX_VALUE,
          2147483648L,
          4294967296L,
          Long.MAX_VALUE,
          new java.math.BigInteger("99999999999999999999999"),
          1e308,
          -1e308,
          Double.NaN,
          Double.POSITIVE_INFINITY,
          Double.NEGATIVE_INFINITY,
          "",
          "relu",
          "same",
          "causal",
          "x".repeat(300),
          "channels_first",
          "float16",
          "Conv2D",
          "LSTM",
          "InputLayer",
          "Functional",
          "__keras_tensor__",
          List.of(),
          Map.of(),
          List.of(2, 2),
          List.of(0, 0),
          List.of(-1, 3),
          List.of(1, 2, 3),
          List.of("a", "b"),
          List.of(1.5, 2),
          List.of(2147483648L, 1),
          "__deep__",
          "__deep900__",
          "__wide__");

  static Arbitrary<List<Edit>> edits() {
    return Combinators.combine(
            Arbitraries.integers().between(0, Integer.MAX_VALUE),
            Arbitraries.integers().between(0, 6),
            Arbitraries.integers().between(0, VALUES.size() - 1))
        .as(Edit::new)
        .list()
        .ofMinSize(1)
        .ofMaxSize(5);
  }

  /**
   * @return the parsed JSON of a text, as mutable maps and lists
   */
  static Object parse(String json) {
    try {
      return copy(KerasJson.MAPPER.readValue(json, Object.class));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * @return a deep, mutable copy
   */
  @SuppressWarnings("unchecked")
  static Object copy(Object o) {
    if (o instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, v) -> out.put(String.valueOf(k), copy(v)));
      return out;
    }
    if (o instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      l.forEach(v -> out.add(copy(v)));
      return out;
    }
    return o;
  }

  /** A slot in the tree: a map key or a list index in its container. */
  private record Slot(Object container, Object key) {}

  /** Applies the edits in order (to a copy of root) and returns the result. */
  @SuppressWarnings("unchecked")
  static Object apply(Object root, List<Edit> edits) {
    Object tree = copy(root);
    for (Edit e : edits) {
      List<Slot> slots = new ArrayList<>();
      collect(tree, slots);
      if (slots.isEmpty()) {
        return replacement(e.value());
      }
      Slot s = slots.get(e.at() % slots.size());
      Object current = get(s);
      switch (e.op()) {
        case 0 -> remove(s); // delete the key or element
        case 1, 2 -> set(s, replacement(e.value())); // another value
        case 3 ->
            set(
                s,
                current instanceof String str
                    ? new ArrayList<>(List.of(str)) // a type
                    : current instanceof Number n
                        ? n.toString()
                        : current instanceof List<?> l
                            ? (l.isEmpty() ? new LinkedHashMap<>() : l.get(0))
                            : current instanceof Map<?, ?> m
                                ? new ArrayList<>(m.values())
                                : "null");
        case 4 -> { // duplicate a list element, or duplicate a layer-like object
          if (s.container() instanceof List<?> l) {
            ((List<Object>) l).add(((Number) s.key()).intValue(), copy(current));
          } else {
            set(s, new ArrayList<>(java.util.Arrays.asList(copy(current), copy(current))));
          }
        }
        case 5 -> set(s, wrapDeep(current, 1 + e.value() % 40)); // nest
        default -> { // rename a key (keeps the value under a wrong name)
          if (s.container() instanceof Map<?, ?> m) {
            remove(s);
            ((Map<String, Object>) m).put(s.key() + "_", current);
          } else {
            set(s, replacement(e.value()));
          }
        }
      }
    }
    return tree;
  }

  private static Object replacement(int i) {
    Object v = VALUES.get(i % VALUES.size());
    if ("__null__".equals(v)) {
      return null;
    }
    if ("__deep__".equals(v)) {
      return wrapDeep(1, 3000);
    }
    if ("__deep900__".equals(v)) {
      return wrapDeep(0.5, 900);
    }
    if ("__wide__".equals(v)) {
      List<Object> l = new ArrayList<>();
      for (int k = 0; k < 10_000; k++) {
        l.add(k);
      }
      return l;
    }
    return copy(v);
  }

  private static Object wrapDeep(Object v, int depth) {
    Object o = v;
    for (int i = 0; i < depth; i++) {
      List<Object> l = new ArrayList<>();
      l.add(o);
      o = l;
    }
    return o;
  }

  private static void collect(Object node, List<Slot> out) {
    if (node instanceof Map<?, ?> m) {
      for (Object k : new ArrayList<>(m.keySet())) {
        out.add(new Slot(m, k));
        collect(m.get(k), out);
      }
    } else if (node instanceof List<?> l) {
      for (int i = 0; i < l.size(); i++) {
        out.add(new Slot(l, i));
        collect(l.get(i), out);
      }
    }
  }

  private static Object get(Slot s) {
    return s.container() instanceof Map<?, ?> m
        ? m.get(s.key())
        : ((List<?>) s.container()).get((Integer) s.key());
  }

  @SuppressWarnings("unchecked")
  private static void set(Slot s, Object v) {
    if (s.container() instanceof Map<?, ?> m) {
      ((Map<Object, Object>) m).put(s.key(), v);
    } else {
      ((List<Object>) s.container()).set((Integer) s.key(), v);
    }
  }

  private static void remove(Slot s) {
    if (s.container() instanceof Map<?, ?> m) {
      m.remove(s.key());
    } else {
      ((List<?>) s.container()).remove(((Integer) s.key()).intValue());
    }
  }

  /**
   * @return JSON text, with NaN and Infinity written bare as Python does
   */
  static String write(Object o) {
    StringBuilder b = new StringBuilder();
    write(o, b);
    return b.toString();
  }

  private static void write(Object o, StringBuilder b) {
    if (o == null) {
      b.append("null");
    } else if (o instanceof Map<?, ?> m) {
      b.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        b.append(first ? "" : ", ");
        first = false;
        string(String.valueOf(e.getKey()), b);
        b.append(": ");
        write(e.getValue(), b);
      }
      b.append('}');
    } else if (o instanceof List<?> l) {
      b.append('[');
      for (int i = 0; i < l.size(); i++) {
        b.append(i == 0 ? "" : ", ");
        write(l.get(i), b);
      }
      b.append(']');
    } else if (o instanceof String s) {
      string(s, b);
    } else if (o instanceof Double d && d.isNaN()) {
      b.append("NaN");
    } else if (o instanceof Double d && d.isInfinite()) {
      b.append(d > 0 ? "Infinity" : "-Infinity");
    } else {
      b.append(o);
    }
  }

  private static void string(String s, StringBuilder b) {
    b.append('"');
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }
}

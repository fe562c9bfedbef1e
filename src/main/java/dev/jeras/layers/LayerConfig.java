package dev.jeras.layers;

import dev.jeras.JerasException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads a layer's Keras config (the {@code config} object of a layer in model JSON) with typed
 * getters, and refuses what jeras cannot honour: an unsupported value is an error that names the
 * layer, the option, the value and what is supported, never a silent approximation. Options jeras
 * does not know are accepted only when they hold {@code null} or {@code false} (Keras' "off").
 *
 * <pre>{@code
 * static Dense fromConfig(LayerConfig c) {
 *   Dense d = new Dense(c.getInt("units"));
 *   d.activation(c.getActivation("activation"));
 *   c.finish();
 *   return d;
 * }
 * }</pre>
 */
public final class LayerConfig {
  private final String className;
  private final Map<String, Object> config;
  private final Set<String> used = new HashSet<>();

  /**
   * @param className the Keras class name
   * @param config the config map (values: String, Number, Boolean, List, Map, null)
   */
  public LayerConfig(String className, Map<String, Object> config) {
    this.className = className;
    this.config = config;
    used.add("name");
    used.add("trainable");
    checkDtype();
  }

  private void checkDtype() {
    used.add("dtype");
    Object d = config.get("dtype");
    String name = null;
    if (d instanceof String s) {
      name = s;
    } else if (d instanceof Map<?, ?> m && m.get("config") instanceof Map<?, ?> c) {
      name = String.valueOf(c.get("name"));
    }
    if (d != null && !"float32".equals(name)) {
      throw unsupported("dtype", name != null ? name : d, "float32");
    }
  }

  /**
   * @return the layer's name, or {@code null}
   */
  public String name() {
    Object n = config.get("name");
    return n == null ? null : n.toString();
  }

  /**
   * @return the trainable flag (default true)
   */
  public boolean trainable() {
    return getBoolean("trainable", true);
  }

  /**
   * @return the Keras class name
   */
  public String className() {
    return className;
  }

  /**
   * @return whether the key is present with a non-null value
   */
  public boolean has(String key) {
    return config.get(key) != null;
  }

  /**
   * @return whether the key holds a JSON list
   */
  public boolean isList(String key) {
    return config.get(key) instanceof List<?>;
  }

  /**
   * @return a required integer
   */
  public int getInt(String key) {
    Object v = require(key);
    if (v instanceof Number n && isInt(n)) {
      return n.intValue();
    }
    throw invalid(key, v, "an integer");
  }

  /**
   * @return whether the number is a whole number in int range (1e308 and 2^32 are not)
   */
  private static boolean isInt(Number n) {
    double d = n.doubleValue();
    return d == Math.rint(d) && d >= Integer.MIN_VALUE && d <= Integer.MAX_VALUE;
  }

  /**
   * @return an integer, or the default when absent or null
   */
  public int getInt(String key, int dflt) {
    return has(key) ? getInt(key) : mark(key, dflt);
  }

  /**
   * @return a number, or the default when absent or null
   */
  public double getDouble(String key, double dflt) {
    if (!has(key)) {
      return mark(key, dflt);
    }
    Object v = require(key);
    if (v instanceof Number n && Double.isFinite(n.doubleValue())) {
      return n.doubleValue();
    }
    throw invalid(key, v, "a finite number");
  }

  /**
   * @return a boolean, or the default when absent or null
   */
  public boolean getBoolean(String key, boolean dflt) {
    if (!has(key)) {
      return mark(key, dflt);
    }
    Object v = require(key);
    if (v instanceof Boolean b) {
      return b;
    }
    throw invalid(key, v, "true or false");
  }

  /**
   * @return a string, or the default when absent or null
   */
  public String getString(String key, String dflt) {
    if (!has(key)) {
      return mark(key, dflt);
    }
    Object v = require(key);
    if (v instanceof String s) {
      return s;
    }
    throw invalid(key, v, "a string");
  }

  /**
   * @return a pair of positive integers, given as one integer or a list of two; the default when
   *     absent or null
   */
  public int[] getPair(String key, int[] dflt) {
    if (!has(key)) {
      return mark(key, dflt);
    }
    Object v = require(key);
    if (v instanceof Number) {
      int i = getInt(key);
      return new int[] {i, i};
    }
    if (v instanceof List<?> l
        && l.size() == 2
        && l.get(0) instanceof Number a
        && isInt(a)
        && l.get(1) instanceof Number b
        && isInt(b)) {
      return new int[] {a.intValue(), b.intValue()};
    }
    throw invalid(key, v, "an integer or a list of two integers");
  }

  /**
   * A numeric array option's shape and values, row-major.
   *
   * @param shape the array's shape ({@code []} for one number)
   * @param values its values
   */
  public record Numbers(long[] shape, double[] values) {}

  /**
   * @return a number, nested lists of numbers (a rectangular array), or Keras' {@code __numpy__}
   *     object; null when absent or null
   */
  public Numbers getNumbers(String key) {
    if (!has(key)) {
      mark(key, null);
      return null;
    }
    Object v = require(key);
    if (v instanceof Map<?, ?> m
        && "__numpy__".equals(m.get("class_name"))
        && m.get("config") instanceof Map<?, ?> mc) {
      v = mc.get("value");
    }
    List<Long> shape = new ArrayList<>();
    Object probe = v;
    while (probe instanceof List<?> l) {
      shape.add((long) l.size());
      probe = l.isEmpty() ? null : l.get(0);
    }
    long[] dims = shape.stream().mapToLong(Long::longValue).toArray();
    List<Double> values = new ArrayList<>();
    if (!flatten(v, dims, 0, values)) {
      throw invalid(key, v, "a number or a rectangular array of finite numbers");
    }
    return new Numbers(dims, values.stream().mapToDouble(Double::doubleValue).toArray());
  }

  private static boolean flatten(Object v, long[] dims, int depth, List<Double> out) {
    if (depth == dims.length) {
      if (v instanceof Number n && Double.isFinite(n.doubleValue())) {
        out.add(n.doubleValue());
        return true;
      }
      return false;
    }
    if (!(v instanceof List<?> l) || l.size() != dims[depth]) {
      return false;
    }
    for (Object e : l) {
      if (!flatten(e, dims, depth + 1, out)) {
        return false;
      }
    }
    return true;
  }

  /**
   * @return the activation named by the key (linear when absent or null)
   */
  public Activations getActivation(String key) {
    String name = getString(key, "linear");
    try {
      return Activations.of(name);
    } catch (IllegalArgumentException e) {
      throw unsupported(key, name, Activations.supportedNames());
    }
  }

  /**
   * @return the padding named by the key (valid when absent)
   */
  public Padding getPadding(String key) {
    String p = getString(key, "valid");
    try {
      return Padding.of(p);
    } catch (IllegalArgumentException e) {
      throw unsupported(key, p, "valid, same");
    }
  }

  /**
   * @param key an initializer option
   * @param dflt the default
   * @return the initializer, given as a name or as a Keras object
   */
  public Initializer getInitializer(String key, Initializer dflt) {
    if (!has(key)) {
      return mark(key, dflt);
    }
    Object v = require(key);
    try {
      if (v instanceof String s) {
        return Initializer.of(s);
      }
      if (v instanceof Map<?, ?> m && m.get("class_name") instanceof String cls) {
        Map<?, ?> c = m.get("config") instanceof Map<?, ?> cm ? cm : Map.of();
        return initializerFromConfig(cls, c);
      }
    } catch (IllegalArgumentException e) {
      throw new JerasException(where() + ": option " + key + ": " + e.getMessage());
    }
    throw invalid(key, v, "an initializer name or object");
  }

  /**
   * @param key a regularizer option ({@code kernel_regularizer})
   * @return the regularizer, given as a name ({@code "l2"}) or a Keras object; null when absent
   */
  public Regularizer getRegularizer(String key) {
    if (!has(key)) {
      return mark(key, null);
    }
    Object v = require(key);
    try {
      if (v instanceof String s) {
        return Regularizer.of(s);
      }
      if (v instanceof Map<?, ?> m && m.get("class_name") instanceof String cls) {
        return Regularizer.fromConfig(cls, m.get("config") instanceof Map<?, ?> cm ? cm : Map.of());
      }
    } catch (IllegalArgumentException e) {
      throw unsupported(key, v, "null, l1, l2, l1_l2, or an L1, L2 or L1L2 object");
    }
    throw invalid(key, v, "a regularizer name or object");
  }

  /**
   * @param key an option holding one integer or a list of integers (null entries allowed, for
   *     Keras' unknown dimensions)
   * @return the integers (null entries kept), or null when absent or null
   */
  public List<Integer> getIntList(String key) {
    if (!has(key)) {
      return mark(key, null);
    }
    Object v = require(key);
    List<Integer> out = new ArrayList<>();
    if (v instanceof Number) {
      out.add(getInt(key));
      return Collections.unmodifiableList(out);
    }
    if (v instanceof List<?> l) {
      for (Object e : l) {
        if (e == null) {
          out.add(null);
        } else if (e instanceof Number n && isInt(n)) {
          out.add(n.intValue());
        } else {
          throw invalid(key, v, "an integer or a list of integers");
        }
      }
      return Collections.unmodifiableList(out);
    }
    throw invalid(key, v, "an integer or a list of integers");
  }

  /**
   * Reads Keras' two-by-two spatial amounts (padding, cropping): one integer for all four sides, a
   * pair (height, width) for both sides of each, or ((top, bottom), (left, right)).
   *
   * @param key the option
   * @param dflt the default when absent or null
   * @return {top, bottom, left, right}, each &gt;= 0
   */
  public int[] getSides(String key, int[] dflt) {
    if (!has(key)) {
      return mark(key, dflt);
    }
    Object v = require(key);
    String expected = "an integer, a pair, or a pair of pairs of integers >= 0";
    int[] out = null;
    if (v instanceof Number) {
      int i = getInt(key);
      out = new int[] {i, i, i, i};
    } else if (v instanceof List<?> l && l.size() == 2) {
      int[] h = side(l.get(0));
      int[] w = side(l.get(1));
      if (h != null && w != null) {
        out = new int[] {h[0], h[1], w[0], w[1]};
      }
    }
    if (out == null || out[0] < 0 || out[1] < 0 || out[2] < 0 || out[3] < 0) {
      throw invalid(key, v, expected);
    }
    return out;
  }

  /** One axis of {@link #getSides}: an integer (both sides) or a pair. */
  private static int[] side(Object o) {
    if (o instanceof Number n && isInt(n)) {
      return new int[] {n.intValue(), n.intValue()};
    }
    if (o instanceof List<?> l
        && l.size() == 2
        && l.get(0) instanceof Number a
        && isInt(a)
        && l.get(1) instanceof Number b
        && isInt(b)) {
      return new int[] {a.intValue(), b.intValue()};
    }
    return null;
  }

  private static Initializer initializerFromConfig(String cls, Map<?, ?> c) {
    return switch (cls) {
      case "Constant" -> Initializer.constant(number(c, "value", 0));
      case "RandomNormal" ->
          new Initializer.Random("RandomNormal", number(c, "mean", 0), number(c, "stddev", 0.05));
      case "TruncatedNormal" ->
          new Initializer.Random(
              "TruncatedNormal", number(c, "mean", 0), number(c, "stddev", 0.05));
      case "RandomUniform" ->
          new Initializer.Random(
              "RandomUniform", number(c, "minval", -0.05), number(c, "maxval", 0.05));
      case "VarianceScaling" ->
          new Initializer.VarianceScaling(
              "VarianceScaling",
              number(c, "scale", 1.0),
              String.valueOf(c.get("mode") == null ? "fan_in" : c.get("mode")),
              String.valueOf(
                  c.get("distribution") == null ? "truncated_normal" : c.get("distribution")));
      default -> Initializer.of(cls);
    };
  }

  private static float number(Map<?, ?> c, String key, double dflt) {
    Object v = c.get(key);
    if (v instanceof Number n && !Double.isFinite(n.doubleValue())) {
      throw new IllegalArgumentException(key + " expected a finite number, got " + n);
    }
    return v instanceof Number n ? n.floatValue() : (float) dflt;
  }

  /**
   * Requires an option to hold one value (or be absent/null), for options jeras supports only at
   * their default.
   *
   * @param key the option
   * @param supported the only supported value
   */
  public void requireValue(String key, Object supported) {
    used.add(key);
    Object v = config.get(key);
    if (v == null) {
      return;
    }
    if (!sameValue(v, supported)) {
      throw unsupported(key, v, String.valueOf(supported));
    }
  }

  /** Requires options to be absent or null (regularizers, constraints). */
  public void requireNull(String... keys) {
    for (String k : keys) {
      used.add(k);
      if (config.get(k) != null) {
        throw unsupported(k, config.get(k), "null");
      }
    }
  }

  /** Marks options as read without effect (e.g. Keras bookkeeping). */
  public void ignore(String... keys) {
    for (String k : keys) {
      used.add(k);
    }
  }

  /**
   * Refuses any remaining option that is set (not null and not false).
   *
   * @throws JerasException naming the option and the options this layer supports
   */
  public void finish() {
    List<String> unknown = new ArrayList<>();
    for (Map.Entry<String, Object> e : config.entrySet()) {
      if (!used.contains(e.getKey())
          && e.getValue() != null
          && !Boolean.FALSE.equals(e.getValue())) {
        unknown.add(e.getKey() + "=" + brief(e.getValue()));
      }
    }
    if (!unknown.isEmpty()) {
      throw new JerasException(
          where()
              + ": unsupported option(s) "
              + unknown
              + "; supported options: "
              + used.stream().sorted().toList());
    }
  }

  private static boolean sameValue(Object v, Object expected) {
    if (v instanceof Number a && expected instanceof Number b) {
      return a.doubleValue() == b.doubleValue();
    }
    if (v instanceof List<?> l && expected instanceof List<?> e && l.size() == e.size()) {
      for (int i = 0; i < l.size(); i++) {
        if (!sameValue(l.get(i), e.get(i))) {
          return false;
        }
      }
      return true;
    }
    return String.valueOf(v)
        .toLowerCase(Locale.ROOT)
        .equals(String.valueOf(expected).toLowerCase(Locale.ROOT));
  }

  private Object require(String key) {
    used.add(key);
    Object v = config.get(key);
    if (v == null) {
      throw new JerasException(where() + ": required option " + key + " is missing");
    }
    return v;
  }

  private <T> T mark(String key, T value) {
    used.add(key);
    return value;
  }

  /**
   * @return the value as text, cut to 200 characters so that an error stays one readable line
   */
  private static String brief(Object v) {
    String s = String.valueOf(v);
    return s.length() <= 200 ? s : s.substring(0, 200) + "... (" + s.length() + " characters)";
  }

  private String where() {
    String n = name();
    return "layer " + (n == null ? "?" : n) + " (" + className + ")";
  }

  private JerasException invalid(String key, Object v, String expected) {
    return new JerasException(
        where() + ": option " + key + " expected " + expected + ", got " + brief(v));
  }

  /**
   * @return an error for an option value jeras does not support
   */
  public JerasException unsupported(String key, Object value, String supported) {
    return new JerasException(
        where()
            + ": unsupported "
            + key
            + "="
            + brief(value)
            + "; jeras supports "
            + key
            + ": "
            + supported);
  }
}

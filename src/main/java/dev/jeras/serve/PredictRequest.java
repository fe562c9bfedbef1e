package dev.jeras.serve;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import dev.jeras.data.FloatArray;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * A predict request body, read in one streaming pass straight into float arrays (no JSON tree, so a
 * request costs about 4 bytes of memory per number): {@code signature_name}, and the inputs in the
 * row format ({@code instances}: a list of values, or of objects with one entry per named input) or
 * the columnar format ({@code inputs}: a value, or an object of named values). Nested lists must be
 * rectangular; numbers, {@code NaN}, {@code Infinity} and {@code -Infinity} are read as float32
 * (through double, as TensorFlow Serving reads them).
 *
 * @param signatureName the signature asked for, or null
 * @param row whether the request used the row format (the response then uses it too)
 * @param single the one unnamed input (a plain list or value), or null
 * @param named the named inputs, or null
 */
record PredictRequest(
    String signatureName, boolean row, FloatArray single, Map<String, FloatArray> named) {
  private static final int MAX_DEPTH = 32;

  private static final JsonFactory JSON =
      JsonFactory.builder()
          .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
          .build();

  /**
   * @param body the request body
   * @return the request
   * @throws ServeException INVALID_ARGUMENT for malformed JSON or tensors
   */
  static PredictRequest parse(byte[] body) {
    if (body.length == 0) {
      throw ServeException.invalid("JSON Parse error: The document is empty");
    }
    try (JsonParser p = JSON.createParser(body)) {
      JsonToken t = p.nextToken();
      if (t != JsonToken.START_OBJECT) {
        throw ServeException.invalid(
            "JSON Value: " + (t == null ? "" : p.getText()) + " Is not object");
      }
      String signature = null;
      PredictRequest instances = null;
      PredictRequest inputs = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken v = p.nextToken();
        switch (field) {
          case "signature_name" -> {
            if (v != JsonToken.VALUE_STRING) {
              throw ServeException.invalid(
                  "JSON Value: not formatted correctly. 'signature_name' key must be a string"
                      + " value.");
            }
            signature = p.getText();
          }
          case "instances" -> instances = instances(p);
          case "inputs" -> inputs = columnar(p);
          default -> p.skipChildren();
        }
      }
      if (instances != null && inputs != null) {
        throw ServeException.invalid(
            "Not formatted correctly expecting only one of 'inputs' or 'instances' keys to exist");
      }
      PredictRequest r = instances != null ? instances : inputs;
      if (r == null) {
        throw ServeException.invalid("Missing 'inputs' or 'instances' key");
      }
      return new PredictRequest(signature, r.row, r.single, r.named);
    } catch (JsonProcessingException e) {
      throw ServeException.invalid("JSON Parse error: " + firstLine(e.getOriginalMessage()));
    } catch (IOException e) {
      throw ServeException.invalid("JSON Parse error: " + e.getMessage());
    }
  }

  private static PredictRequest instances(JsonParser p) throws IOException {
    if (p.currentToken() != JsonToken.START_ARRAY) {
      p.skipChildren();
      throw ServeException.invalid("Expecting 'instances' to be an list/array");
    }
    JsonToken first = p.nextToken();
    if (first == JsonToken.END_ARRAY) {
      throw ServeException.invalid("No values in 'instances' array");
    }
    if (first == JsonToken.START_OBJECT) {
      return namedInstances(p);
    }
    Dense d = new Dense();
    int item = 0;
    for (JsonToken t = first; t != JsonToken.END_ARRAY; t = p.nextToken(), item++) {
      if (t == JsonToken.START_OBJECT) {
        throw ServeException.invalid(
            "Expecting value/list but got object at item " + item + " of input list");
      }
      try {
        d.value(p, 1);
      } catch (ServeException e) {
        throw ServeException.invalid(
            "Failed to process element: "
                + item
                + " of 'instances' list. Error: "
                + e.getMessage());
      }
    }
    return new PredictRequest(null, true, d.build(item), null);
  }

  private static PredictRequest namedInstances(JsonParser p) throws IOException {
    Map<String, Dense> named = new LinkedHashMap<>();
    Set<String> firstKeys = null;
    int item = 0;
    for (JsonToken t = p.currentToken(); t != JsonToken.END_ARRAY; t = p.nextToken(), item++) {
      if (t != JsonToken.START_OBJECT) {
        throw ServeException.invalid(
            "Expecting object but got list at item " + item + " of input list");
      }
      Set<String> keys = new LinkedHashSet<>();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        p.nextToken();
        keys.add(name);
        Dense d = named.get(name);
        if (d == null) {
          if (item > 0) {
            throw keysError(item, firstKeys);
          }
          d = new Dense();
          named.put(name, d);
        }
        try {
          d.value(p, 1);
        } catch (ServeException e) {
          throw ServeException.invalid(
              "Failed to process element: "
                  + item
                  + " key: "
                  + name
                  + " of 'instances' list."
                  + " Error: "
                  + e.getMessage());
        }
      }
      if (firstKeys == null) {
        firstKeys = keys;
      } else if (!firstKeys.equals(keys)) {
        throw keysError(item, firstKeys);
      }
    }
    Map<String, FloatArray> out = new LinkedHashMap<>();
    for (Map.Entry<String, Dense> e : named.entrySet()) {
      out.put(e.getKey(), e.getValue().build(item));
    }
    return new PredictRequest(null, true, null, out);
  }

  private static ServeException keysError(int item, Set<String> keys) {
    return ServeException.invalid(
        "Failed to process element: "
            + item
            + " of 'instances' list. JSON object keys must be"
            + " equal to: "
            + String.join(",", keys));
  }

  private static PredictRequest columnar(JsonParser p) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      Dense d = new Dense();
      d.value(p, 0);
      return new PredictRequest(null, false, d.build(-1), null);
    }
    Map<String, FloatArray> out = new LinkedHashMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      p.nextToken();
      Dense d = new Dense();
      try {
        d.value(p, 0);
      } catch (ServeException e) {
        throw ServeException.invalid("Input: " + name + ": " + e.getMessage());
      }
      out.put(name, d.build(-1));
    }
    return new PredictRequest(null, false, null, out);
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "invalid JSON";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /**
   * A rectangular nested list of numbers being read: the values in row-major order and the size of
   * each level, fixed by the first list seen at that level.
   */
  private static final class Dense {
    private float[] data = new float[256];
    private int size;
    private final long[] dims = new long[MAX_DEPTH];
    private final boolean[] known = new boolean[MAX_DEPTH];
    private int rank = -1;

    /** Reads the value at the parser's current token, found at nesting {@code level}. */
    void value(JsonParser p, int level) throws IOException {
      JsonToken t = p.currentToken();
      if (t == JsonToken.START_ARRAY) {
        if (level >= MAX_DEPTH) {
          throw ServeException.invalid("lists nested deeper than " + MAX_DEPTH + " levels");
        }
        if (rank >= 0 && level >= rank) {
          throw ServeException.invalid(
              "Encountered list at unexpected level: " + level + " expected < " + rank);
        }
        long n = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
          value(p, level + 1);
          n++;
        }
        if (known[level]) {
          if (dims[level] != n) {
            throw ServeException.invalid(
                "Encountered list at unexpected size: "
                    + n
                    + " at level: "
                    + level
                    + " expected size: "
                    + dims[level]);
          }
        } else {
          dims[level] = n;
          known[level] = true;
          if (n == 0 && rank < 0) {
            rank = level + 1;
          }
        }
        return;
      }
      if (rank < 0) {
        rank = level;
      } else if (level != rank) {
        throw ServeException.invalid(
            "JSON Value: "
                + text(p)
                + " found at incorrect level: "
                + (level + 1)
                + " in the JSON DOM. Expected at level: "
                + rank);
      }
      float v;
      if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
        v = (float) p.getDoubleValue();
      } else {
        String type =
            switch (t) {
              case VALUE_STRING -> "String";
              case VALUE_TRUE -> "True";
              case VALUE_FALSE -> "False";
              case VALUE_NULL -> "Null";
              case START_OBJECT -> "Object";
              default -> t.toString();
            };
        String shown = text(p);
        p.skipChildren();
        throw ServeException.invalid(
            "JSON Value: " + shown + " Type: " + type + " is not of expected type: float");
      }
      if (size == data.length) {
        data = Arrays.copyOf(data, Math.max(16, size * 2));
      }
      data[size++] = v;
    }

    /**
     * @param items the number of list items read at level 1 (the row format's instances), or -1
     *     when the value was read from level 0
     */
    FloatArray build(int items) {
      if (items >= 0) {
        dims[0] = items;
        known[0] = true;
        if (rank < 1) {
          rank = 1;
        }
      }
      int r = Math.max(rank, 0);
      if (r == 0) {
        throw ServeException.invalid(
            "expected a list of instances, got a single value (jeras feeds batches: the first"
                + " dimension is the number of instances)");
      }
      long[] shape = Arrays.copyOf(dims, r);
      long count = 1;
      for (long d : shape) {
        count *= d;
      }
      if (count != size) {
        throw ServeException.invalid(
            "tensor of shape "
                + Arrays.toString(shape)
                + " expects "
                + count
                + " values, got "
                + size);
      }
      return FloatArray.of(size == data.length ? data : Arrays.copyOf(data, size), shape);
    }

    private static String text(JsonParser p) throws IOException {
      JsonToken t = p.currentToken();
      if (t == JsonToken.VALUE_STRING) {
        return "\"" + p.getText() + "\"";
      }
      return t == JsonToken.START_OBJECT ? "{...}" : p.getText();
    }
  }
}

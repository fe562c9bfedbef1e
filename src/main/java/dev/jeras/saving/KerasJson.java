package dev.jeras.saving;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.jeras.JerasException;
import dev.jeras.internal.Sizes;
import dev.jeras.layers.Initializer;
import dev.jeras.layers.Input;
import dev.jeras.layers.InputLayer;
import dev.jeras.layers.Layer;
import dev.jeras.layers.Node;
import dev.jeras.layers.Regularizer;
import dev.jeras.layers.SymbolicTensor;
import dev.jeras.layers.TensorShape;
import dev.jeras.layers.WeightSpec;
import dev.jeras.models.Model;
import dev.jeras.models.Sequential;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keras 3 model JSON, both ways: the schema of {@code model.to_json()} and of {@code config.json}
 * inside a {@code .keras} file ({@code module}, {@code class_name}, {@code config}, {@code
 * registered_name}, {@code build_config}). Reads Sequential and Functional models made of the
 * layers in {@link LayerRegistry}; writes jeras models so that {@code keras.models.model_from_json}
 * rebuilds them.
 *
 * <pre>{@code
 * Model m = KerasJson.read(Path.of("model-defs/mnist-basic.json"));
 * String json = KerasJson.toJson(m);
 * }</pre>
 */
public final class KerasJson {
  /** The JSON mapper: keeps key order, accepts Python's NaN and Infinity. */
  public static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          .enable(SerializationFeature.INDENT_OUTPUT)
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .build();

  /** The most values a Java array (a weight, a sample) holds. */
  private static final int MAX_VALUES = Integer.MAX_VALUE - 8;

  /** TensorFlow's largest tensor rank. */
  private static final int MAX_RANK = 254;

  private KerasJson() {}

  /**
   * @param file a model JSON file
   * @return the model it describes (weights freshly initialized)
   */
  public static Model read(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new JerasException(file + ": cannot read model JSON: " + e.getMessage(), e);
    }
    return fromJson(text, file.toString());
  }

  /**
   * @param json model JSON text
   * @param source where it came from, for messages
   * @return the model it describes
   */
  @SuppressWarnings("unchecked")
  public static Model fromJson(String json, String source) {
    Object parsed;
    try {
      parsed = MAPPER.readValue(json, Object.class);
    } catch (JsonProcessingException e) {
      // a nesting or length limit reports no location
      String at =
          e.getLocation() == null
              ? ""
              : " at line "
                  + e.getLocation().getLineNr()
                  + ", column "
                  + e.getLocation().getColumnNr();
      throw new JerasException(source + ": not valid JSON: " + e.getOriginalMessage() + at, e);
    }
    if (!(parsed instanceof Map<?, ?> top)) {
      throw new JerasException(source + ": expected a JSON object with class_name and config");
    }
    return fromMap((Map<String, Object>) top, source);
  }

  /**
   * @param top a parsed model object
   * @param source where it came from, for messages
   * @return the model it describes
   */
  public static Model fromMap(Map<String, Object> top, String source) {
    try {
      return readModel(top, source);
    } catch (IllegalArgumentException e) {
      // a value a constructor refuses (a layer or model name, a shape) is an error in the file
      throw new JerasException(source + ": " + e.getMessage(), e);
    }
  }

  private static Model readModel(Map<String, Object> top, String source) {
    String cls = string(top, "class_name", source);
    Map<String, Object> config = map(top.get("config"), source + ": config");
    return readModel(cls, config, source);
  }

  /** The Keras classes of models, which may also be layers of other models. */
  private static boolean isModelClass(String cls) {
    return cls.equals("Functional") || cls.equals("Model") || cls.equals("Sequential");
  }

  private static Model readModel(String cls, Map<String, Object> config, String source) {
    Model model =
        switch (cls) {
          case "Sequential" -> readSequential(config, source);
          case "Functional", "Model" -> readFunctional(config, source);
          default ->
              throw new JerasException(
                  source
                      + ": model class "
                      + brief(cls)
                      + " is not supported; expected Sequential or"
                      + " Functional");
        };
    checkSizes(model, source);
    Object name = config.get("name");
    if (name instanceof String n) {
      model.named(n);
    }
    if (Boolean.FALSE.equals(config.get("trainable"))) {
      freezeOnly(model);
    }
    return model;
  }

  /**
   * Sets a read model's own flag to frozen, as Keras' {@code trainable} setter does, then gives
   * each layer inside back the flag its config holds (a layer of a frozen model may be marked
   * trainable: its weights stay frozen, but a BatchNormalization then runs in training mode).
   */
  private static void freezeOnly(Model model) {
    Map<Layer, Boolean> flags = new java.util.IdentityHashMap<>();
    List<Layer> order = new ArrayList<>();
    collectFlags(model, flags, order);
    model.trainable(false);
    for (Layer l : order) {
      l.trainable(flags.get(l)); // parents come first: a nested model's layers are set after it
    }
  }

  private static void collectFlags(Model model, Map<Layer, Boolean> flags, List<Layer> order) {
    for (Layer l : model.network().layers()) {
      if (flags.put(l, l.trainable()) == null) {
        order.add(l);
        if (l instanceof Model m) {
          collectFlags(m, flags, order);
        }
      }
    }
  }

  /**
   * Refuses sizes no array can hold: a weight, or one sample of a layer's output, of more than 2^31
   * - 9 values (where a product of dimensions could also overflow a long).
   */
  private static void checkSizes(Model model, String source) {
    for (Layer l : model.network().layers()) {
      for (WeightSpec w : l.weights()) {
        if (Sizes.product(w.shape(), 0) > MAX_VALUES) {
          throw new JerasException(
              source
                  + ": layer "
                  + l.name()
                  + " weight "
                  + w.name()
                  + " expected at most "
                  + MAX_VALUES
                  + " values, got shape "
                  + TensorShape.of(w.shape()));
        }
      }
      for (Node n : l.nodes()) {
        TensorShape out = n.output().shape();
        if (Sizes.product(out.dims(), 1) > MAX_VALUES) {
          throw new JerasException(
              source
                  + ": layer "
                  + l.name()
                  + " output expected at most "
                  + MAX_VALUES
                  + " values per sample, got shape "
                  + out);
        }
      }
    }
  }

  private static Model readSequential(Map<String, Object> config, String source) {
    List<Map<String, Object>> layers = list(config.get("layers"), source + ": config.layers");
    Sequential model = new Sequential();
    int start = 0;
    if (!layers.isEmpty() && "InputLayer".equals(layers.get(0).get("class_name"))) {
      model.add(input(map(layers.get(0).get("config"), source), source));
      start = 1;
    } else {
      Object shape = config.get("build_input_shape");
      if (shape == null && !layers.isEmpty()) {
        Map<String, Object> first = map(layers.get(0).get("config"), source);
        shape = first.getOrDefault("batch_shape", first.get("batch_input_shape"));
      }
      if (shape == null) {
        throw new JerasException(
            source
                + ": the Sequential model has no input shape (no InputLayer, no"
                + " build_input_shape)");
      }
      model.add(Input.shape(sampleShape(shape, source)));
    }
    for (int i = start; i < layers.size(); i++) {
      Map<String, Object> l = layers.get(i);
      Layer layer = layer(string(l, "class_name", source), map(l.get("config"), source), source);
      try {
        model.add(layer);
      } catch (IllegalArgumentException e) {
        throw new JerasException(source + ": " + e.getMessage(), e);
      }
    }
    return model;
  }

  /** {@link LayerRegistry#create}, with every refusal naming the source. */
  private static Layer layer(String cls, Map<String, Object> config, String source) {
    Object name = config.get("name");
    if (name != null && !(name instanceof String)) {
      throw new JerasException(source + ": layer name expected a string, got " + brief(name));
    }
    if (isModelClass(cls)) {
      return readModel(cls, config, source + ": nested model " + brief(name));
    }
    try {
      return LayerRegistry.create(cls, config, source);
    } catch (IllegalArgumentException e) {
      throw new JerasException(
          source + ": layer " + brief(config.get("name")) + " (" + cls + "): " + e.getMessage(), e);
    } catch (JerasException e) {
      if (e.getMessage() != null && e.getMessage().startsWith(source)) {
        throw e;
      }
      throw new JerasException(source + ": " + e.getMessage(), e);
    }
  }

  private static Model readFunctional(Map<String, Object> config, String source) {
    List<Map<String, Object>> layers = list(config.get("layers"), source + ": config.layers");
    Map<String, Layer> byName = new LinkedHashMap<>();
    Map<String, List<Object>> pendingNodes = new LinkedHashMap<>();
    Map<String, List<SymbolicTensor>> produced = new HashMap<>();
    for (Map<String, Object> l : layers) {
      String cls = string(l, "class_name", source);
      Map<String, Object> lc = map(l.get("config"), source);
      String name = l.get("name") instanceof String s ? s : String.valueOf(lc.get("name"));
      if (byName.containsKey(name)) {
        throw new JerasException(source + ": two layers are named " + brief(name));
      }
      produced.put(name, new ArrayList<>());
      if (cls.equals("InputLayer")) {
        SymbolicTensor t = input(lc, source);
        byName.put(name, t.layer());
        produced.get(name).add(t);
        pendingNodes.put(name, List.of());
      } else {
        byName.put(name, layer(cls, lc, source));
        Object nodes = l.get("inbound_nodes");
        pendingNodes.put(name, nodes instanceof List<?> nl ? new ArrayList<>(nl) : List.of());
      }
    }
    boolean progress = true;
    while (progress) {
      progress = false;
      for (Map.Entry<String, List<Object>> e : pendingNodes.entrySet()) {
        List<Object> nodes = e.getValue();
        while (!nodes.isEmpty()) {
          List<SymbolicTensor> args = resolveArgs(nodes.get(0), produced, source);
          if (args == null) {
            break;
          }
          try {
            produced
                .get(e.getKey())
                .add(byName.get(e.getKey()).apply(args, training(nodes.get(0))));
          } catch (IllegalArgumentException ex) {
            throw new JerasException(source + ": " + ex.getMessage(), ex);
          }
          nodes.remove(0);
          progress = true;
        }
      }
    }
    for (Map.Entry<String, List<Object>> e : pendingNodes.entrySet()) {
      if (!e.getValue().isEmpty()) {
        throw new JerasException(
            source
                + ": the inputs of layer "
                + brief(e.getKey())
                + " cannot be resolved (unknown"
                + " layer or cycle in inbound_nodes)");
      }
    }
    List<SymbolicTensor> inputs = endpoints(config.get("input_layers"), produced, source);
    List<SymbolicTensor> outputs = endpoints(config.get("output_layers"), produced, source);
    try {
      return new Model(inputs, outputs);
    } catch (IllegalArgumentException e) {
      throw new JerasException(source + ": " + e.getMessage(), e);
    }
  }

  /**
   * @return the mode an inbound node fixes ({@code "kwargs": {"training": false}}), or null. A
   *     recorded {@code training: true} fixes nothing: Keras records it for every preprocessing
   *     layer (their call's default) and its fit and predict override it with their own mode
   */
  private static Boolean training(Object node) {
    return node instanceof Map<?, ?> m
            && m.get("kwargs") instanceof Map<?, ?> kwargs
            && Boolean.FALSE.equals(kwargs.get("training"))
        ? Boolean.FALSE
        : null;
  }

  /** Resolves one inbound node's tensors, or returns null if a producer is not built yet. */
  private static List<SymbolicTensor> resolveArgs(
      Object node, Map<String, List<SymbolicTensor>> produced, String source) {
    List<List<?>> refs = new ArrayList<>();
    if (node instanceof Map<?, ?> m) {
      Object args = m.get("args");
      if (args instanceof List<?> al && !al.isEmpty()) {
        Object first = al.get(0);
        if (first instanceof List<?> many) {
          many.forEach(t -> refs.add(history(t, source)));
        } else {
          refs.add(history(first, source));
        }
      }
    } else if (node instanceof List<?> legacy) {
      for (Object entry : legacy) {
        if (!(entry instanceof List<?> ref)) {
          throw new JerasException(
              source
                  + ": inbound node expected [layer name, node index,"
                  + " tensor index] entries, got "
                  + brief(entry));
        }
        refs.add(ref);
      }
    }
    if (refs.isEmpty()) {
      throw new JerasException(source + ": an inbound node has no input tensors: " + brief(node));
    }
    List<SymbolicTensor> out = new ArrayList<>();
    for (List<?> r : refs) {
      int nodeIndex = nodeIndex(r, "inbound node", source);
      String layer = String.valueOf(r.get(0));
      List<SymbolicTensor> made = produced.get(layer);
      if (made == null) {
        throw new JerasException(source + ": inbound node refers to unknown layer " + brief(layer));
      }
      if (nodeIndex >= made.size()) {
        return null;
      }
      out.add(made.get(nodeIndex));
    }
    return out;
  }

  /**
   * @return the node index of a {@code [layer name, node index, tensor index]} reference
   */
  private static int nodeIndex(List<?> ref, String what, String source) {
    if (ref.size() < 2
        || !(ref.get(1) instanceof Number n)
        || n.doubleValue() < 0
        || n.doubleValue() > Integer.MAX_VALUE
        || n.doubleValue() != Math.rint(n.doubleValue())) {
      throw new JerasException(
          source
              + ": "
              + what
              + " expected [layer name, node index, tensor"
              + " index], got "
              + brief(ref));
    }
    return n.intValue();
  }

  private static List<Object> history(Object tensor, String source) {
    if (tensor instanceof Map<?, ?> t
        && t.get("config") instanceof Map<?, ?> c
        && c.get("keras_history") instanceof List<?> h
        && h.size() >= 2) {
      return new ArrayList<>(h);
    }
    throw new JerasException(
        source + ": expected a __keras_tensor__ in inbound_nodes, got " + brief(tensor));
  }

  private static List<SymbolicTensor> endpoints(
      Object spec, Map<String, List<SymbolicTensor>> produced, String source) {
    if (!(spec instanceof List<?> l) || l.isEmpty()) {
      throw new JerasException(source + ": input_layers/output_layers missing");
    }
    List<List<?>> refs = new ArrayList<>();
    if (l.get(0) instanceof String) {
      refs.add(l);
    } else {
      for (Object r : l) {
        if (!(r instanceof List<?> ref)) {
          throw new JerasException(
              source
                  + ": input_layers/output_layers expected [layer name,"
                  + " node index, tensor index] entries, got "
                  + brief(r));
        }
        refs.add(ref);
      }
    }
    List<SymbolicTensor> out = new ArrayList<>();
    for (List<?> r : refs) {
      int idx = nodeIndex(r, "input_layers/output_layers", source);
      List<SymbolicTensor> made = produced.get(String.valueOf(r.get(0)));
      if (made == null || idx >= made.size()) {
        throw new JerasException(source + ": model endpoint " + brief(r) + " does not exist");
      }
      out.add(made.get(idx));
    }
    return out;
  }

  private static SymbolicTensor input(Map<String, Object> config, String source) {
    Object shape = config.getOrDefault("batch_shape", config.get("batch_input_shape"));
    if (shape == null && config.get("shape") instanceof List<?> sampleShape) {
      List<Object> s = new ArrayList<>();
      s.add(null);
      s.addAll(sampleShape);
      shape = s;
    }
    if (shape == null) {
      throw new JerasException(
          source + ": InputLayer " + brief(config.get("name")) + " has no batch_shape");
    }
    Object dtype = config.get("dtype");
    if (dtype != null
        && !"float32".equals(dtype)
        && !(dtype instanceof Map<?, ?> m
            && m.get("config") instanceof Map<?, ?> c
            && "float32".equals(c.get("name")))) {
      throw new JerasException(
          source
              + ": InputLayer "
              + brief(config.get("name"))
              + ": unsupported dtype="
              + brief(dtype)
              + "; jeras supports dtype: float32");
    }
    if (Boolean.TRUE.equals(config.get("sparse")) || Boolean.TRUE.equals(config.get("ragged"))) {
      throw new JerasException(
          source
              + ": InputLayer "
              + brief(config.get("name"))
              + ": sparse and ragged inputs are"
              + " not supported");
    }
    long[] dims = sampleShape(shape, source);
    Object name = config.get("name");
    return name instanceof String n ? Input.shape(n, dims) : Input.shape(dims);
  }

  private static long[] sampleShape(Object batchShape, String source) {
    if (!(batchShape instanceof List<?> l) || l.isEmpty()) {
      throw new JerasException(source + ": invalid input shape " + brief(batchShape));
    }
    if (l.size() > MAX_RANK) {
      throw new JerasException(
          source
              + ": input shape expected at most "
              + MAX_RANK
              + " dimensions (TensorFlow's limit), got "
              + l.size());
    }
    long[] dims = new long[l.size() - 1];
    for (int i = 1; i < l.size(); i++) {
      if (!(l.get(i) instanceof Number n)
          || n.doubleValue() != Math.rint(n.doubleValue())
          || n.doubleValue() < 1
          || n.doubleValue() > Integer.MAX_VALUE) {
        throw new JerasException(
            source
                + ": input shape "
                + brief(batchShape)
                + " must have known positive dimensions"
                + " (whole numbers up to "
                + Integer.MAX_VALUE
                + ") after the batch");
      }
      dims[i - 1] = n.longValue();
    }
    return dims;
  }

  // ---------------------------------------------------------------- writing

  /**
   * @param model a model
   * @return its Keras 3 model JSON, pretty-printed
   */
  public static String toJson(Model model) {
    try {
      return MAPPER.writeValueAsString(toMap(model));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * @param model a model
   * @return its Keras 3 model object (the content of {@code config.json})
   */
  public static Map<String, Object> toMap(Model model) {
    boolean sequential = model instanceof Sequential;
    Map<String, Object> top = new LinkedHashMap<>();
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("name", model.name());
    config.put("trainable", model.trainable());
    List<Object> layers = new ArrayList<>();
    for (Layer l : model.network().layers()) {
      layers.add(layerObject(l, !sequential));
    }
    if (sequential) {
      config.put("dtype", dtypePolicy());
      config.put("layers", layers);
      Object inputShape = shapeList(model.network().inputs().get(0).shape());
      config.put("build_input_shape", inputShape);
      top.put("module", "keras");
      top.put("class_name", "Sequential");
      top.put("config", config);
      top.put("registered_name", null);
      top.put("build_config", Map.of("input_shape", inputShape));
    } else {
      config.put("layers", layers);
      config.put("input_layers", endpoints(model.network().inputs()));
      config.put("output_layers", endpoints(model.network().outputs()));
      top.put("module", "keras.src.models.functional");
      top.put("class_name", "Functional");
      top.put("config", config);
      top.put("registered_name", "Functional");
      Map<String, Object> build = new LinkedHashMap<>();
      build.put("input_shape", null);
      top.put("build_config", build);
    }
    return top;
  }

  private static Object endpoints(List<SymbolicTensor> tensors) {
    List<Object> refs = new ArrayList<>();
    for (SymbolicTensor t : tensors) {
      refs.add(List.of(t.layer().name(), t.node().index(), 0));
    }
    return refs.size() == 1 ? refs.get(0) : refs;
  }

  private static Map<String, Object> layerObject(Layer l, boolean functional) {
    Map<String, Object> o = new LinkedHashMap<>();
    if (l instanceof Model nested) {
      o.putAll(toMap(nested)); // a nested model: its own model object, then its calls
    } else {
      o.put("module", "keras.layers");
      o.put("class_name", l.className());
      o.put("config", convert(l.getConfig()));
      o.put("registered_name", null);
    }
    if (!(l instanceof InputLayer) && !(l instanceof Model) && l.builtInputShapes() != null) {
      List<TensorShape> shapes = l.builtInputShapes();
      Object s =
          shapes.size() == 1
              ? shapeList(shapes.get(0))
              : shapes.stream().map(KerasJson::shapeList).toList();
      o.put("build_config", Map.of("input_shape", s));
    }
    if (functional) {
      o.put("name", l.name());
      List<Object> nodes = new ArrayList<>();
      for (Node n : l.nodes()) {
        if (n.inputs().isEmpty()) {
          continue;
        }
        List<Object> tensors = n.inputs().stream().map(KerasJson::tensorObject).toList();
        Map<String, Object> node = new LinkedHashMap<>();
        node.put("args", List.of(tensors.size() == 1 ? tensors.get(0) : tensors));
        node.put("kwargs", n.training() == null ? Map.of() : Map.of("training", n.training()));
        nodes.add(node);
      }
      o.put("inbound_nodes", nodes);
    }
    return o;
  }

  private static Object tensorObject(SymbolicTensor t) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("shape", shapeList(t.shape()));
    c.put("dtype", "float32");
    c.put("keras_history", List.of(t.layer().name(), t.node().index(), 0));
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("class_name", "__keras_tensor__");
    o.put("config", c);
    return o;
  }

  private static List<Object> shapeList(TensorShape s) {
    List<Object> l = new ArrayList<>();
    for (long d : s.dims()) {
      l.add(d < 0 ? null : d);
    }
    return l;
  }

  private static Map<String, Object> convert(Map<String, Object> config) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : config.entrySet()) {
      Object v = e.getValue();
      if (v instanceof Initializer init) {
        v = initializerObject(init);
      } else if (v instanceof Regularizer r) {
        v = regularizerObject(r);
      } else if (e.getKey().equals("dtype") && !config.containsKey("batch_shape")) {
        v = dtypePolicy();
      }
      out.put(e.getKey(), v);
    }
    return out;
  }

  private static Map<String, Object> initializerObject(Initializer init) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("module", "keras.initializers");
    o.put("class_name", init.kerasClassName());
    o.put("config", init.config());
    o.put("registered_name", null);
    return o;
  }

  private static Map<String, Object> regularizerObject(Regularizer r) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("module", "keras.regularizers");
    o.put("class_name", r.kerasClassName());
    o.put("config", r.config());
    o.put("registered_name", null);
    return o;
  }

  private static Map<String, Object> dtypePolicy() {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("module", "keras");
    o.put("class_name", "DTypePolicy");
    o.put("config", Map.of("name", "float32"));
    o.put("registered_name", null);
    return o;
  }

  private static String string(Map<String, Object> m, String key, String source) {
    Object v = m.get(key);
    if (!(v instanceof String s)) {
      throw new JerasException(source + ": expected a string " + key + ", got " + brief(v));
    }
    return s;
  }

  /**
   * @return the value as text, cut to 200 characters so that an error stays one readable line
   */
  static String brief(Object v) {
    String s = String.valueOf(v);
    return s.length() <= 200 ? s : s.substring(0, 200) + "... (" + s.length() + " characters)";
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o, String where) {
    if (!(o instanceof Map<?, ?> m)) {
      throw new JerasException(where + ": expected a JSON object, got " + brief(o));
    }
    return (Map<String, Object>) m;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> list(Object o, String where) {
    if (!(o instanceof List<?> l)) {
      throw new JerasException(where + ": expected a JSON array, got " + brief(o));
    }
    for (Object e : l) {
      if (!(e instanceof Map<?, ?>)) {
        throw new JerasException(where + ": expected JSON objects, got " + brief(e));
      }
    }
    return (List<Map<String, Object>>) o;
  }
}

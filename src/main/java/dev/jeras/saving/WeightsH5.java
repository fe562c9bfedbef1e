package dev.jeras.saving;

import dev.jeras.JerasException;
import dev.jeras.data.FloatArray;
import dev.jeras.data.NumericArray;
import dev.jeras.internal.IoErrors;
import dev.jeras.internal.Naming;
import dev.jeras.layers.InputLayer;
import dev.jeras.layers.Layer;
import dev.jeras.layers.WeightSpec;
import dev.jeras.models.Model;
import dev.jeras.models.Sequential;
import dev.jeras.training.OptimizerState;
import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import io.jhdf.api.WritableGroup;
import java.lang.reflect.Array;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keras 3 weight files ({@code model.weights.h5} inside {@code .keras}, and {@code .weights.h5}):
 * {@code layers/<key>/vars/<i>} per layer, where the key is Keras' snake case of the layer's class
 * made unique in layer order ({@code dense}, {@code dense_1}) and the {@code vars} group carries
 * the layer's name; a nested model's layers under {@code layers/<key>/layers/...} by the same rule
 * ({@code layers/functional/layers/conv2d/vars/0}); optimizer state under {@code optimizer/vars}.
 * Also reads the weights of legacy Keras 2 {@code .h5} files ({@code
 * model_weights/<layer>/<weight_names>}, or the same groups at the root, as the weight files Keras
 * applications publish), where a nested model's group lists all its weights.
 */
public final class WeightsH5 {
  private static final Logger LOG = LoggerFactory.getLogger(WeightsH5.class);

  private WeightsH5() {}

  /** The layers Keras walks when saving: Sequential omits its input layer, Functional does not. */
  static List<Layer> savedLayers(Model model) {
    List<Layer> layers = new ArrayList<>(model.network().layers());
    if (model instanceof Sequential) {
      layers.removeIf(l -> l instanceof InputLayer);
    }
    return layers;
  }

  /**
   * @return Keras' h5 key of each layer, in order (its snake-cased class, numbered within the
   *     model: Keras' saving_lib names a layer by its class, never by its own name)
   */
  static Map<Layer, String> keys(Model model) {
    Map<Layer, String> keys = new LinkedHashMap<>();
    Map<String, Integer> used = new HashMap<>();
    for (Layer l : savedLayers(model)) {
      String base = Naming.snakeCase(l.className());
      Integer n = used.get(base);
      used.put(base, n == null ? 0 : n + 1);
      keys.put(l, n == null ? base : base + "_" + (n + 1));
    }
    return keys;
  }

  /**
   * Writes the model's weights (and, when compiled, its optimizer state in Keras' order).
   *
   * @param model the model
   * @param file the .h5 file to create
   */
  public static void write(Model model, Path file) {
    List<FloatArray> weights = model.getWeights();
    try (WritableHdfFile h5 = HdfFile.write(file)) {
      writeLayers(model, h5.putGroup("layers"), weights.iterator());
      if (model.isCompiled()) {
        OptimizerState state = model.optimizerState();
        WritableGroup vars = h5.putGroup("optimizer").putGroup("vars");
        vars.putAttribute("name", model.optimizer().getConfig().get("name").toString());
        vars.putDataset("0", state.iterations());
        vars.putDataset("1", state.learningRate());
        int scalars = state.slots().size() - model.optimizer().scalarSlots().size();
        for (int i = 0; i < state.slots().size(); i++) {
          FloatArray s = state.slots().get(i);
          vars.putDataset(
              Integer.toString(i + 2), i >= scalars ? s.data()[0] : nested(s.data(), s.shape()));
        }
      }
      // No root "vars" group: jHDF 0.13 writes an empty root-level group that h5py cannot read,
      // and Keras treats a missing group as "no variables".
    } catch (JerasException e) {
      throw e;
    } catch (RuntimeException e) {
      // jHDF says only "Exception writing"; the operating system's reason is in the cause
      throw new JerasException(file + ": cannot write HDF5 weights: " + IoErrors.describe(e), e);
    }
  }

  /** Writes the groups of a model's layers with weights, a nested model's under its own key. */
  private static void writeLayers(
      Model model, WritableGroup layers, java.util.Iterator<FloatArray> weights) {
    for (Map.Entry<Layer, String> e : keys(model).entrySet()) {
      List<WeightSpec> specs = e.getKey().weights();
      if (specs.isEmpty()) {
        // No group for a layer without weights (Keras and jeras read a missing one as empty):
        // jHDF 0.13 appends its version string where the last dataset's data ended, so a group
        // written after every dataset (its children come in hash order) would be overwritten.
        continue;
      }
      if (e.getKey() instanceof Model nested) {
        writeLayers(nested, layers.putGroup(e.getValue()).putGroup("layers"), weights);
        continue;
      }
      WritableGroup vars = layers.putGroup(e.getValue()).putGroup("vars");
      vars.putAttribute("name", e.getKey().name());
      for (int i = 0; i < specs.size(); i++) {
        vars.putDataset(Integer.toString(i), dataset(weights.next().data(), specs.get(i)));
      }
    }
  }

  /**
   * Loads Keras 3 weights into a model (the layers are matched by name, else by Keras' key).
   *
   * @param model the model, with the architecture the weights were saved from
   * @param file the .h5 file
   * @param source the name of the file for messages (e.g. {@code m.keras!model.weights.h5})
   * @return the file's optimizer group, for callers that restore optimizer state (may be null)
   */
  public static Map<String, Object> read(Model model, Path file, String source) {
    try (HdfFile h5 = new HdfFile(file)) {
      Group layers = group(h5, "layers");
      if (layers == null) {
        if (h5.getChild("model_weights") != null || nameList(h5, "layer_names") != null) {
          readLegacy(model, h5, source);
          return null;
        }
        throw new JerasException(source + ": no 'layers' group: not a Keras 3 weights file");
      }
      List<FloatArray> values = new ArrayList<>();
      readLayers(model, layers, "layers/", values, source);
      model.setWeights(values);
      Group opt = group(h5, "optimizer");
      return opt == null ? null : readOptimizer(opt, largestWeight(model), source);
    } catch (JerasException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new JerasException(
          source
              + ": expected a Keras HDF5 weights file, got an unreadable"
              + " one (truncated or damaged): "
              + e.getMessage(),
          e);
    } catch (OutOfMemoryError | StackOverflowError e) {
      // jHDF allocates what a damaged size field claims, and follows links however deep they go
      throw new JerasException(
          source
              + ": expected a Keras HDF5 weights file, got one whose sizes"
              + " or links are out of bounds ("
              + e
              + ")",
          e);
    }
  }

  /**
   * Reads the weights of a model's layers from their container group, in the model's order: each
   * layer's group is found by the name its {@code vars} carry, else by Keras' key; a nested model's
   * layers are read from its group's {@code layers}.
   */
  private static void readLayers(
      Model model, Group layers, String path, List<FloatArray> values, String source) {
    Map<String, Group> byName = new HashMap<>();
    for (Node child : layers) {
      if (child instanceof Group g && g.getChild("vars") instanceof Group vars) {
        Attribute a = vars.getAttribute("name");
        if (a != null) {
          byName.put(String.valueOf(a.getData()), g);
        }
      }
    }
    for (Map.Entry<Layer, String> e : keys(model).entrySet()) {
      Layer layer = e.getKey();
      List<WeightSpec> specs = layer.weights();
      Group own = byName.get(layer.name());
      if (own == null && layers.getChild(e.getValue()) instanceof Group g) {
        own = g;
      }
      if (layer instanceof Model nested) {
        if (specs.isEmpty()) {
          continue;
        }
        if (own == null || !(own.getChild("layers") instanceof Group inner)) {
          throw new JerasException(
              source
                  + ": no weights for nested model "
                  + layer.describe()
                  + " (expected group "
                  + path
                  + e.getValue()
                  + "/layers)");
        }
        readLayers(nested, inner, path + e.getValue() + "/layers/", values, source);
        continue;
      }
      Group vars = own != null && own.getChild("vars") instanceof Group v ? v : null;
      if (specs.isEmpty()) {
        if (vars != null && countDatasets(vars) > 0) {
          throw tooMany(source, layer, vars, specs);
        }
        continue;
      }
      if (vars == null) {
        throw new JerasException(
            source
                + ": no weights for layer "
                + layer.describe()
                + " (expected group "
                + path
                + e.getValue()
                + "/vars)");
      }
      for (int i = 0; i < specs.size(); i++) {
        Node n = vars.getChild(Integer.toString(i));
        if (!(n instanceof Dataset d)) {
          throw new JerasException(
              source
                  + ": layer "
                  + layer.name()
                  + " has "
                  + countDatasets(vars)
                  + " weights in the file, the model expects "
                  + specs.size()
                  + " ("
                  + specs.stream().map(WeightSpec::name).toList()
                  + ")");
        }
        values.add(toFloatArray(d, specs.get(i), layer, source));
      }
      if (countDatasets(vars) > specs.size()) {
        throw tooMany(source, layer, vars, specs); // as Keras refuses it
      }
    }
  }

  private static long largestWeight(Model model) {
    long max = 1;
    for (Layer l : savedLayers(model)) {
      for (WeightSpec s : l.weights()) {
        max = Math.max(max, Arrays.stream(s.shape()).reduce(1, (a, b) -> a * b));
      }
    }
    return max;
  }

  /**
   * Reads {@code optimizer/vars}: the iteration count, the learning rate, then one slot per weight,
   * so no dataset may be larger than the model's largest weight (a damaged size is refused before
   * anything is allocated).
   */
  private static Map<String, Object> readOptimizer(Group opt, long maxSize, String source) {
    if (!(opt.getChild("vars") instanceof Group vars)) {
      return null;
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (int i = 0; vars.getChild(Integer.toString(i)) instanceof Dataset d; i++) {
      if (d.getSize() > maxSize) {
        throw new JerasException(
            source
                + ": optimizer/vars/"
                + i
                + " expected at most "
                + maxSize
                + " values (the model's largest weight), got "
                + d.getSize());
      }
      out.put(Integer.toString(i), d.isScalar() ? d.getData() : d.getDataFlat());
    }
    return out;
  }

  private static JerasException tooMany(
      String source, Layer layer, Group vars, List<WeightSpec> specs) {
    return new JerasException(
        source
            + ": layer "
            + layer.name()
            + " has "
            + countDatasets(vars)
            + " weights in the file, the model expects "
            + (specs.isEmpty()
                ? "none"
                : specs.size()
                    + " ("
                    + String.join(", ", specs.stream().map(WeightSpec::name).toList())
                    + ")"));
  }

  private static int countDatasets(Group g) {
    int n = 0;
    for (Node c : g) {
      if (c instanceof Dataset) {
        n++;
      }
    }
    return n;
  }

  /**
   * Legacy Keras 2 / {@code model.save("x.h5")} layout ({@code model_weights/<layer>}), or the same
   * layer groups at the root of a weights-only file ({@code save_weights("x.h5")}, the files Keras
   * applications publish). The model's layers with weights are matched to the file's layers with
   * weights ({@code layer_names}, in order) by name when every one of the model's names is in the
   * file, else by order when the counts agree, as Keras' legacy loader does; within a layer the
   * weights are in Keras' legacy order (trainable ones first: kernel, bias; gamma, beta,
   * moving_mean, moving_variance). Every value is read and checked before any is assigned.
   */
  static void readLegacy(Model model, HdfFile h5, String source) {
    Group root = group(h5, "model_weights");
    if (root == null && nameList(h5, "layer_names") != null) {
      root = h5;
    }
    if (root == null) {
      throw new JerasException(source + ": no 'model_weights' group");
    }
    String prefix = root == h5 ? "" : "model_weights/";
    List<Layer> layers =
        model.network().layers().stream().filter(l -> !l.weights().isEmpty()).toList();
    List<String> fileLayers = legacyLayerNames(root);
    List<String> matched = new ArrayList<>();
    Layer missing = null;
    for (Layer layer : layers) {
      if (fileLayers.contains(layer.name())) {
        matched.add(layer.name());
      } else if (missing == null) {
        missing = layer;
      }
    }
    if (missing != null) {
      if (fileLayers.size() != layers.size()) {
        throw new JerasException(
            source
                + ": cannot match the model's layers to the file's: layer "
                + missing.describe()
                + " is not in the file (expected group "
                + prefix
                + missing.name()
                + "), and the counts of layers with weights differ: expected "
                + layers.size()
                + " (the model's), found "
                + fileLayers.size()
                + " in the file");
      }
      LOG.info(
          "{}: layer {} is not in the file: matching the model's {} layers with weights to the"
              + " file's by order, as Keras does",
          source,
          missing.name(),
          layers.size());
      matched = fileLayers;
    }
    List<FloatArray> values = new ArrayList<>();
    for (int k = 0; k < layers.size(); k++) {
      readLegacyLayer(layers.get(k), root, matched.get(k), prefix, values, source);
    }
    model.setWeights(values);
  }

  /**
   * @return the names of the file's layers that hold weights, in the file's order ({@code
   *     layer_names}; without it, the groups that have {@code weight_names})
   */
  private static List<String> legacyLayerNames(Group root) {
    String[] names = nameList(root, "layer_names");
    List<String> all = new ArrayList<>();
    if (names != null) {
      all.addAll(Arrays.asList(names));
    } else {
      for (Node child : root) {
        all.add(child.getName());
      }
    }
    List<String> out = new ArrayList<>();
    for (String n : all) {
      if (root.getChild(n) instanceof Group g
          && nameList(g, "weight_names") != null
          && nameList(g, "weight_names").length > 0) {
        out.add(n);
      }
    }
    return out;
  }

  /** Reads one layer's weights from the file's group {@code fileName}, in the model's order. */
  private static void readLegacyLayer(
      Layer layer,
      Group root,
      String fileName,
      String prefix,
      List<FloatArray> values,
      String source) {
    String where =
        layer.describe() + (fileName.equals(layer.name()) ? "" : " (file layer " + fileName + ")");
    if (!(root.getChild(fileName) instanceof Group g)) {
      throw new JerasException(
          source
              + ": no weights for layer "
              + where
              + " (expected group "
              + prefix
              + fileName
              + ")");
    }
    String[] names = nameList(g, "weight_names");
    String[] weightNames = names == null ? new String[0] : names;
    List<WeightSpec> specs = layer.weights();
    if (weightNames.length != specs.size()) {
      throw new JerasException(
          source
              + ": layer "
              + where
              + " has "
              + weightNames.length
              + " weights in the file, the model expects "
              + specs.size()
              + " ("
              + String.join(", ", specs.stream().map(WeightSpec::name).toList())
              + ")");
    }
    // Keras writes a layer's trainable weights, then its non-trainable ones
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < specs.size(); i++) {
      if (specs.get(i).trainable()) {
        order.add(i);
      }
    }
    for (int i = 0; i < specs.size(); i++) {
      if (!specs.get(i).trainable()) {
        order.add(i);
      }
    }
    FloatArray[] layerValues = new FloatArray[specs.size()];
    for (int i = 0; i < specs.size(); i++) {
      int target = order.get(i);
      Node n;
      try {
        n = g.getByPath(weightNames[i]);
      } catch (RuntimeException e) {
        n = null; // jHDF throws for a path that is not there
      }
      if (!(n instanceof Dataset d)) {
        throw new JerasException(
            source + ": missing dataset " + prefix + fileName + "/" + weightNames[i]);
      }
      layerValues[target] = toFloatArray(d, specs.get(target), layer, source);
    }
    values.addAll(Arrays.asList(layerValues));
  }

  /**
   * @return a list of names Keras keeps in an attribute, or null when there is none: {@code name},
   *     or, when it would pass HDF5's 64 KB header limit, its chunks {@code name0}, {@code name1},
   *     ... (as Keras' save_attributes_to_hdf5_group splits them)
   */
  private static String[] nameList(Node node, String name) {
    Attribute a = node.getAttribute(name);
    if (a != null) {
      return strings(a.getData());
    }
    if (node.getAttribute(name + 0) == null) {
      return null;
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; node.getAttribute(name + i) != null; i++) {
      out.addAll(Arrays.asList(strings(node.getAttribute(name + i).getData())));
    }
    return out.toArray(new String[0]);
  }

  private static String[] strings(Object data) {
    if (data instanceof String[] s) {
      return s;
    }
    if (data instanceof String s) {
      return new String[] {s};
    }
    if (data instanceof Object[] a) {
      return Arrays.stream(a).map(String::valueOf).toArray(String[]::new);
    }
    return new String[0];
  }

  private static Group group(Group parent, String name) {
    return parent.getChild(name) instanceof Group g ? g : null;
  }

  private static FloatArray toFloatArray(Dataset d, WeightSpec spec, Layer layer, String source) {
    long[] dims = d.getDimensionsAsLong();
    if (!Arrays.equals(dims, spec.shape())) {
      throw new JerasException(
          source
              + ": layer "
              + layer.describe()
              + " weight "
              + spec.name()
              + " ("
              + d.getPath()
              + "): expected shape "
              + NumericArray.format(spec.shape())
              + ", got "
              + NumericArray.format(dims)
              + " in the file; nothing was loaded");
    }
    float[] flat = toFloats(d.getDataFlat(), source);
    return FloatArray.of(flat, spec.shape().length == 0 ? new long[] {1} : spec.shape());
  }

  /**
   * @return the values of a numeric dataset as floats (float16/32/64 and integers)
   */
  static float[] toFloats(Object data, String source) {
    if (data instanceof float[] f) {
      return f;
    }
    if (data instanceof Number n) {
      return new float[] {n.floatValue()};
    }
    if (data == null || !data.getClass().isArray()) {
      throw new JerasException(
          source
              + ": expected numeric weights, got "
              + (data == null ? "no data" : data.getClass().getSimpleName()));
    }
    int n = Array.getLength(data);
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      Object v = Array.get(data, i);
      if (!(v instanceof Number num)) {
        throw new JerasException(source + ": expected numeric weights, got " + v);
      }
      out[i] = num.floatValue();
    }
    return out;
  }

  /**
   * @return what jHDF writes as the weight's dataset: a scalar for a weight of shape (), int64 for
   *     an integer weight (as Keras keeps Normalization's count), else a nested float array
   */
  static Object dataset(float[] data, WeightSpec spec) {
    if (spec.integer()) {
      long[] longs = new long[data.length];
      for (int i = 0; i < data.length; i++) {
        longs[i] = Math.round((double) data[i]);
      }
      if (spec.shape().length == 0) {
        return longs[0];
      }
      if (spec.shape().length == 1) {
        return longs;
      }
      throw new JerasException(
          "integer weight " + spec.name() + " of rank " + spec.shape().length + " not supported");
    }
    return spec.shape().length == 0 ? data[0] : nested(data, spec.shape());
  }

  /**
   * @return a nested Java array of the given shape (jHDF writes datasets from those)
   */
  static Object nested(float[] flat, long[] shape) {
    if (shape.length <= 1) {
      return flat.clone();
    }
    int[] dims = Arrays.stream(shape).mapToInt(Math::toIntExact).toArray();
    Object arr = Array.newInstance(float.class, dims);
    fill(arr, flat, 0, dims, 0);
    return arr;
  }

  private static int fill(Object arr, float[] flat, int offset, int[] dims, int depth) {
    if (depth == dims.length - 1) {
      System.arraycopy(flat, offset, arr, 0, dims[depth]);
      return offset + dims[depth];
    }
    for (int i = 0; i < dims[depth]; i++) {
      offset = fill(Array.get(arr, i), flat, offset, dims, depth + 1);
    }
    return offset;
  }

  /** Logs what a read skipped. */
  static void note(String message) {
    LOG.warn(message);
  }
}

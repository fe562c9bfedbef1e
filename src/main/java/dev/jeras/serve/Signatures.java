package dev.jeras.serve;

import dev.jeras.layers.SymbolicTensor;
import dev.jeras.models.Model;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorShapeProto;

/**
 * The signatures of a served model as TensorFlow Serving reports them in its metadata: every {@code
 * signature_def} of a SavedModel's serve meta graph, or, for a Keras model file, one {@code
 * serving_default} made from its input and output layers.
 */
final class Signatures {
  /** The signature predict runs when the request names none. */
  static final String DEFAULT_KEY = "serving_default";

  /** The method name of prediction signatures. */
  static final String PREDICT_METHOD = "tensorflow/serving/predict";

  private Signatures() {}

  /**
   * One input or output.
   *
   * @param key its key in the signature
   * @param dtype TensorFlow's type name ({@code DT_FLOAT})
   * @param dims the dimensions (-1 unknown), or null for unknown rank
   * @param tensorName the graph tensor ({@code serving_default_x:0})
   */
  record TensorSpec(String key, String dtype, long[] dims, String tensorName) {
    boolean isFloat() {
      return dtype.equals("DT_FLOAT");
    }

    String shapeString() {
      return dims == null ? "(unknown rank)" : shape(dims);
    }
  }

  /**
   * One signature: inputs and outputs in key order.
   *
   * @param key the signature key
   * @param inputs the inputs, sorted by key
   * @param outputs the outputs, sorted by key
   * @param methodName e.g. {@code tensorflow/serving/predict}
   */
  record Signature(
      String key, List<TensorSpec> inputs, List<TensorSpec> outputs, String methodName) {
    List<String> inputKeys() {
      return inputs.stream().map(TensorSpec::key).toList();
    }

    List<String> outputKeys() {
      return outputs.stream().map(TensorSpec::key).toList();
    }

    /**
     * @return why jeras cannot run it (a non-float input or output), or null when it can
     */
    String unsupported() {
      for (TensorSpec t : inputs) {
        if (!t.isFloat()) {
          return "input " + t.key() + " is " + t.dtype();
        }
      }
      for (TensorSpec t : outputs) {
        if (!t.isFloat()) {
          return "output " + t.key() + " is " + t.dtype();
        }
      }
      return inputs.isEmpty() ? "it has no inputs" : null;
    }
  }

  /**
   * @param meta a SavedModel's meta graph
   * @return every signature by key, sorted by key
   */
  static Map<String, Signature> of(MetaGraphDef meta) {
    Map<String, Signature> out = new TreeMap<>();
    meta.getSignatureDefMap()
        .forEach(
            (key, def) ->
                out.put(
                    key,
                    new Signature(
                        key,
                        specs(def.getInputsMap()),
                        specs(def.getOutputsMap()),
                        def.getMethodName())));
    return out;
  }

  private static List<TensorSpec> specs(Map<String, TensorInfo> infos) {
    List<TensorSpec> out = new ArrayList<>();
    new TreeMap<>(infos)
        .forEach(
            (key, info) -> {
              TensorShapeProto s = info.getTensorShape();
              long[] dims =
                  s.getUnknownRank()
                      ? null
                      : s.getDimList().stream().mapToLong(TensorShapeProto.Dim::getSize).toArray();
              out.add(new TensorSpec(key, info.getDtype().name(), dims, info.getName()));
            });
    return out;
  }

  /**
   * @param model a jeras model loaded from a Keras file
   * @return its one signature, {@code serving_default}: inputs keyed by input layer name, outputs
   *     by output layer name, tensor names {@code <name>:0}
   */
  static Map<String, Signature> of(Model model) {
    List<TensorSpec> in = new ArrayList<>();
    List<String> inNames = model.inputNames();
    for (int i = 0; i < inNames.size(); i++) {
      in.add(float32(inNames.get(i), model.inputShapes().get(i).dims()));
    }
    List<TensorSpec> out = new ArrayList<>();
    List<String> outNames = model.outputNames();
    List<SymbolicTensor> outs = model.network().outputs();
    for (int i = 0; i < outNames.size(); i++) {
      out.add(float32(outNames.get(i), outs.get(i).shape().dims()));
    }
    Map<String, Signature> m = new LinkedHashMap<>();
    m.put(DEFAULT_KEY, new Signature(DEFAULT_KEY, in, out, PREDICT_METHOD));
    return m;
  }

  private static TensorSpec float32(String name, long[] dims) {
    long[] d = dims.clone();
    d[0] = -1;
    return new TensorSpec(name, "DT_FLOAT", d, name + ":0");
  }

  /**
   * @return {@code (-1, 28, 28, 1)}, the way saved_model_cli prints shapes
   */
  static String shape(long[] dims) {
    StringBuilder sb = new StringBuilder("(");
    for (int i = 0; i < dims.length; i++) {
      sb.append(i == 0 ? "" : ", ").append(dims[i]);
    }
    return sb.append(")").toString();
  }

  /**
   * @param expected the signature's dimensions (-1 unknown), or null for any
   * @param got the request's dimensions
   * @return whether they fit
   */
  static boolean fits(long[] expected, long[] got) {
    if (expected == null) {
      return true;
    }
    if (expected.length != got.length) {
      return false;
    }
    for (int i = 0; i < got.length; i++) {
      if (expected[i] >= 0 && expected[i] != got[i]) {
        return false;
      }
    }
    return true;
  }
}

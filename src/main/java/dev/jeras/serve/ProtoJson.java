package dev.jeras.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The status and metadata responses, in the layout of protobuf's JSON printer as TensorFlow Serving
 * calls it (whitespace on: one space a level, {@code "key": value}, a newline at the end; fields
 * with default values printed; 64-bit integers as strings; proto field names).
 */
final class ProtoJson {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private ProtoJson() {}

  /**
   * @param versions the versions to report, highest first
   * @return a {@code GetModelStatusResponse}
   */
  static String status(List<ModelManager.VersionStatus> versions) {
    ObjectNode root = NODES.objectNode();
    ArrayNode list = root.putArray("model_version_status");
    for (ModelManager.VersionStatus v : versions) {
      ObjectNode o = list.addObject();
      o.put("version", Long.toString(v.version()));
      o.put("state", v.state().name());
      ObjectNode s = o.putObject("status");
      s.put("error_code", v.code().name());
      s.put("error_message", v.message());
    }
    return write(root);
  }

  /**
   * @param model the model name
   * @param version the version reported
   * @param signatures its signatures by key
   * @return a {@code GetModelMetadataResponse} with the {@code signature_def} metadata, in the
   *     envelope TensorFlow Serving writes around its two printed parts
   */
  static String metadata(String model, long version, Map<String, Signatures.Signature> signatures) {
    ObjectNode spec = NODES.objectNode();
    spec.put("name", model);
    spec.put("signature_name", "");
    spec.put("version", Long.toString(version));
    ObjectNode map = NODES.objectNode();
    ObjectNode defs = map.putObject("signature_def");
    signatures.forEach(
        (key, sig) -> {
          ObjectNode d = defs.putObject(key);
          tensors(d.putObject("inputs"), sig.inputs());
          tensors(d.putObject("outputs"), sig.outputs());
          d.put("method_name", sig.methodName());
          d.putObject("defaults");
        });
    return "{\n\"model_spec\":"
        + write(spec)
        + ",\n\"metadata\": {\"signature_def\": "
        + write(map)
        + "}\n}\n";
  }

  private static void tensors(ObjectNode into, List<Signatures.TensorSpec> specs) {
    for (Signatures.TensorSpec t : specs) {
      ObjectNode info = into.putObject(t.key());
      info.put("dtype", t.dtype());
      ObjectNode shape = info.putObject("tensor_shape");
      ArrayNode dims = shape.putArray("dim");
      if (t.dims() != null) {
        for (long d : t.dims()) {
          ObjectNode dim = dims.addObject();
          dim.put("size", Long.toString(d));
          dim.put("name", "");
        }
      }
      shape.put("unknown_rank", t.dims() == null);
      info.put("name", t.tensorName());
    }
  }

  /**
   * @return the tree in protobuf's whitespace layout, with a final newline
   */
  static String write(JsonNode node) {
    StringBuilder sb = new StringBuilder();
    write(node, 0, sb);
    return sb.append('\n').toString();
  }

  private static void write(JsonNode n, int depth, StringBuilder sb) {
    if (n.isObject()) {
      if (n.isEmpty()) {
        sb.append("{}");
        return;
      }
      sb.append("{\n");
      Iterator<Map.Entry<String, JsonNode>> it = n.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        sb.append(" ".repeat(depth + 1));
        PrettyJson.quote(sb, e.getKey());
        sb.append(": ");
        write(e.getValue(), depth + 1, sb);
        sb.append(it.hasNext() ? ",\n" : "\n");
      }
      sb.append(" ".repeat(depth)).append('}');
    } else if (n.isArray()) {
      if (n.isEmpty()) {
        sb.append("[]");
        return;
      }
      sb.append("[\n");
      for (int i = 0; i < n.size(); i++) {
        sb.append(" ".repeat(depth + 1));
        write(n.get(i), depth + 1, sb);
        sb.append(i + 1 < n.size() ? ",\n" : "\n");
      }
      sb.append(" ".repeat(depth)).append(']');
    } else if (n.isTextual()) {
      PrettyJson.quote(sb, n.asText());
    } else {
      sb.append(n.toString());
    }
  }
}

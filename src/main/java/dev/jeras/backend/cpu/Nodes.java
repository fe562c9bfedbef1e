package dev.jeras.backend.cpu;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.Operation;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.types.family.TType;

/** Small helpers for node definitions and their attributes. */
final class Nodes {
  private Nodes() {}

  /** {@code ^name}, {@code name}, {@code name:1} -&gt; {@code name}. */
  static String nodeName(String tensor) {
    String s = tensor.startsWith("^") ? tensor.substring(1) : tensor;
    int colon = s.lastIndexOf(':');
    return colon < 0 ? s : s.substring(0, colon);
  }

  /**
   * @return {@code n}'s control inputs ({@code ^name}), in order
   */
  static List<String> controlInputs(NodeDef n) {
    return n.getInputList().stream().filter(i -> i.startsWith("^")).toList();
  }

  /** {@code name} -&gt; 0, {@code name:1} -&gt; 1. */
  static int outputIndex(String tensor) {
    int colon = tensor.lastIndexOf(':');
    return colon < 0 ? 0 : Integer.parseInt(tensor.substring(colon + 1));
  }

  static AttrValue string(String s) {
    return AttrValue.newBuilder().setS(ByteString.copyFromUtf8(s)).build();
  }

  static AttrValue bool(boolean b) {
    return AttrValue.newBuilder().setB(b).build();
  }

  static AttrValue floatType() {
    return AttrValue.newBuilder().setType(DataType.DT_FLOAT).build();
  }

  static AttrValue ints(List<Long> values) {
    AttrValue.ListValue.Builder l = AttrValue.ListValue.newBuilder();
    values.forEach(l::addI);
    return AttrValue.newBuilder().setList(l).build();
  }

  static AttrValue ints(long... values) {
    List<Long> l = new ArrayList<>();
    for (long v : values) {
      l.add(v);
    }
    return ints(l);
  }

  static AttrValue strings(String... values) {
    AttrValue.ListValue.Builder l = AttrValue.ListValue.newBuilder();
    for (String v : values) {
      l.addS(ByteString.copyFromUtf8(v));
    }
    return AttrValue.newBuilder().setList(l).build();
  }

  /** A string attribute, or {@code dflt} where absent. */
  static String string(NodeDef n, String attr, String dflt) {
    AttrValue v = n.getAttrOrDefault(attr, null);
    return v == null ? dflt : v.getS().toStringUtf8();
  }

  /** An int-list attribute, or null where absent. */
  static List<Long> ints(NodeDef n, String attr) {
    AttrValue v = n.getAttrOrDefault(attr, null);
    return v == null ? null : v.getList().getIList();
  }

  /** Whether the node is float (its T attribute, float where left out) and NHWC. */
  static boolean floatNhwc(NodeDef n) {
    AttrValue t = n.getAttrOrDefault("T", null);
    return (t == null || t.getType() == DataType.DT_FLOAT)
        && string(n, "data_format", "NHWC").equals("NHWC");
  }

  /** Whether every value is 1 (null counts as all ones: the attribute's default). */
  static boolean ones(List<Long> values) {
    return values == null || values.stream().allMatch(v -> v == 1);
  }

  /** The int32 values of a Const node, or null where it is not one. */
  static List<Long> int32Constant(NodeDef c) {
    AttrValue v =
        c == null || !c.getOp().equals("Const") ? null : c.getAttrOrDefault("value", null);
    if (v == null || v.getTensor().getDtype() != DataType.DT_INT32) {
      return null;
    }
    TensorProto t = v.getTensor();
    List<Long> out = new ArrayList<>();
    if (!t.getTensorContent().isEmpty()) {
      java.nio.ByteBuffer b =
          t.getTensorContent().asReadOnlyByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN);
      while (b.remaining() >= 4) {
        out.add((long) b.getInt());
      }
    } else {
      t.getIntValList().forEach(i -> out.add((long) i));
    }
    return out;
  }

  /**
   * @return a float scalar constant
   */
  static NodeDef floatConstant(String name, float value) {
    return NodeDef.newBuilder()
        .setName(name)
        .setOp("Const")
        .putAttr("dtype", AttrValue.newBuilder().setType(DataType.DT_FLOAT).build())
        .putAttr(
            "value",
            AttrValue.newBuilder()
                .setTensor(TensorProto.newBuilder().setDtype(DataType.DT_FLOAT).addFloatVal(value))
                .build())
        .build();
  }

  /**
   * A Reshape named {@code name} of a float tensor to {@code dims} (-1 for the batch), and the
   * shape constant it reads ({@code name/shape}): gives a custom op's output, whose registration
   * leaves its shape unknown, its static shape back.
   *
   * @return the constant, then the Reshape
   */
  static List<NodeDef> reshape(String name, String input, long... dims) {
    NodeDef shape = int64Constant(name + "/shape", dims);
    NodeDef reshape =
        NodeDef.newBuilder()
            .setName(name)
            .setOp("Reshape")
            .addInput(input)
            .addInput(shape.getName())
            .putAttr("T", floatType())
            .putAttr("Tshape", AttrValue.newBuilder().setType(DataType.DT_INT64).build())
            .build();
    return List.of(shape, reshape);
  }

  /** An int64 vector Const node. */
  static NodeDef int64Constant(String name, long... values) {
    TensorProto.Builder t =
        TensorProto.newBuilder()
            .setDtype(DataType.DT_INT64)
            .setTensorShape(
                org.tensorflow.proto.TensorShapeProto.newBuilder()
                    .addDim(
                        org.tensorflow.proto.TensorShapeProto.Dim.newBuilder()
                            .setSize(values.length)));
    for (long v : values) {
      t.addInt64Val(v);
    }
    return NodeDef.newBuilder()
        .setName(name)
        .setOp("Const")
        .putAttr("dtype", AttrValue.newBuilder().setType(DataType.DT_INT64).build())
        .putAttr("value", AttrValue.newBuilder().setTensor(t).build())
        .build();
  }

  @SuppressWarnings("unchecked")
  static <T extends TType> Operand<T> out(Operation op, int i) {
    return (Operand<T>) (Operand<?>) op.output(i);
  }
}

package dev.jeras.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.internal.Tensors;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.FunctionDefLibrary;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NameAttrList;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.OpDef;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;
import org.tensorflow.types.TFloat32;

/**
 * {@link FunctionInliner} on hand-made graphs: a call on the fetches' path is inlined (nested calls
 * too) and computes what the function does; a call off the path is left out even where it could not
 * be inlined (a function the library lacks), and declines the graph only when fetched.
 */
class FunctionInlinerTest {
  private static final AttrValue FLOAT = AttrValue.newBuilder().setType(DataType.DT_FLOAT).build();
  private static final AttrValue FLOATS =
      AttrValue.newBuilder()
          .setList(AttrValue.ListValue.newBuilder().addType(DataType.DT_FLOAT))
          .build();

  private static NodeDef call(String name, String input, String function) {
    return NodeDef.newBuilder()
        .setName(name)
        .setOp("PartitionedCall")
        .addInput(input)
        .putAttr("Tin", FLOATS)
        .putAttr("Tout", FLOATS)
        .putAttr(
            "f",
            AttrValue.newBuilder().setFunc(NameAttrList.newBuilder().setName(function)).build())
        .build();
  }

  private static OpDef.ArgDef arg(String name) {
    return OpDef.ArgDef.newBuilder().setName(name).setType(DataType.DT_FLOAT).build();
  }

  /** {@code times(x) = x * factor}, a constant and a multiply. */
  private static FunctionDef times(String name, float factor) {
    NodeDef c =
        NodeDef.newBuilder()
            .setName("c")
            .setOp("Const")
            .putAttr("dtype", FLOAT)
            .putAttr(
                "value",
                AttrValue.newBuilder()
                    .setTensor(
                        TensorProto.newBuilder()
                            .setDtype(DataType.DT_FLOAT)
                            .setTensorShape(TensorShapeProto.getDefaultInstance())
                            .addFloatVal(factor))
                    .build())
            .build();
    NodeDef m =
        NodeDef.newBuilder()
            .setName("m")
            .setOp("Mul")
            .addInput("x")
            .addInput("c:output:0")
            .putAttr("T", FLOAT)
            .build();
    return FunctionDef.newBuilder()
        .setSignature(OpDef.newBuilder().setName(name).addInputArg(arg("x")).addOutputArg(arg("y")))
        .addNodeDef(c)
        .addNodeDef(m)
        .putRet("y", "m:z:0")
        .build();
  }

  /** {@code quad(x) = double(double(x))}: calls inside a function. */
  private static FunctionDef quad() {
    return FunctionDef.newBuilder()
        .setSignature(
            OpDef.newBuilder().setName("quad").addInputArg(arg("x")).addOutputArg(arg("y")))
        .addNodeDef(call("d1", "x", "double"))
        .addNodeDef(call("d2", "d1:output:0", "double"))
        .putRet("y", "d2:output:0")
        .build();
  }

  /** x -> quad -> out, and x -> a call of a function the library lacks -> bad. */
  private static GraphDef graph() {
    GraphDef.Builder g = GraphDef.newBuilder();
    try (Graph empty = new Graph()) {
      g.setVersions(empty.toGraphDef().getVersions());
    }
    g.setLibrary(
        FunctionDefLibrary.newBuilder().addFunction(times("double", 2f)).addFunction(quad()));
    g.addNode(NodeDef.newBuilder().setName("x").setOp("Placeholder").putAttr("dtype", FLOAT));
    g.addNode(call("q", "x", "quad"));
    g.addNode(
        NodeDef.newBuilder().setName("out").setOp("Identity").addInput("q").putAttr("T", FLOAT));
    g.addNode(call("bad", "x", "missing"));
    return g.build();
  }

  @Test
  void inlinesTheCallsOnThePathOnly() {
    GraphDef inlined = FunctionInliner.inline(graph(), List.of("out"), Set.of("x"));
    assertNotNull(inlined);
    Map<String, String> ops = new HashMap<>();
    inlined.getNodeList().forEach(n -> ops.put(n.getName(), n.getOp()));
    assertEquals("IdentityN", ops.get("q"));
    assertEquals("IdentityN", ops.get("q/inlined/d1"));
    assertEquals("Mul", ops.get("q/inlined/d2/inlined/m"));
    assertFalse(ops.containsKey("bad"));
    assertFalse(ops.containsValue("PartitionedCall"));
    assertEquals(0, inlined.getLibrary().getFunctionCount());
    assertEquals(9, inlined.getNodeCount()); // x, out, q + (IdentityN, c, m) per double call
    try (Graph g = new Graph()) {
      g.importGraphDef(inlined);
      try (Session s = new Session(g);
          TFloat32 x = Tensors.floats(new float[] {1f, -2.5f, 3f}, 0, 3);
          Result r = s.runner().feed("x", x).fetch("out").run()) {
        assertArrayEquals(new float[] {4f, -10f, 12f}, Tensors.toFloats(r.get(0)), 0f);
      }
    }
  }

  @Test
  void aCallThatCannotBeInlinedDeclinesOnlyWhereFetched() {
    assertNull(FunctionInliner.inline(graph(), List.of("bad"), Set.of("x")));
    assertNull(FunctionInliner.inline(graph(), List.of("nowhere"), Set.of("x")));
    // fed: the walk stops at the call, which is kept as it is
    GraphDef fed = FunctionInliner.inline(graph(), List.of("out"), Set.of("q"));
    assertNotNull(fed);
    assertEquals(2, fed.getNodeCount());
    assertTrue(fed.getNodeList().stream().anyMatch(n -> n.getOp().equals("PartitionedCall")));
    assertEquals(2, fed.getLibrary().getFunctionCount()); // kept for the call
  }
}

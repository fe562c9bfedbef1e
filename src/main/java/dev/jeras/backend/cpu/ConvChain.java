package dev.jeras.backend.cpu;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.proto.NodeDef;

/**
 * The matcher of a float NHWC {@code Conv2D} (SAME or VALID, unit dilations, known input height,
 * width and channels and a known kernel) with the {@code BiasAdd} and {@code Relu} that alone
 * consume it, as the layers build a convolution.
 *
 * @param conv the convolution
 * @param bias its bias, or null
 * @param relu the ReLU after the bias, or null
 * @param geometry (h, w, c, kh, kw, f)
 * @param strides NHWC strides
 * @param padding SAME or VALID
 * @param inputIsFed whether the input is a placeholder (no gradient flows into it)
 */
record ConvChain(
    NodeDef conv,
    NodeDef bias,
    NodeDef relu,
    ConvGradients.Geometry geometry,
    List<Long> strides,
    String padding,
    boolean inputIsFed) {

  /**
   * @return the chain's convolution anchored at {@code conv}, or null
   */
  static ConvChain match(NodeGraph g, NodeDef conv) {
    if (!conv.getOp().equals("Conv2D") || !Nodes.floatNhwc(conv) || conv.getInputCount() < 2) {
      return null;
    }
    String padding = Nodes.string(conv, "padding", "");
    List<Long> strides = Nodes.ints(conv, "strides");
    if (!(padding.equals("SAME") || padding.equals("VALID"))
        || !Nodes.ones(Nodes.ints(conv, "dilations"))
        || strides == null
        || strides.size() != 4) {
      return null;
    }
    Shape x = g.shape(conv.getInput(0));
    Shape k = g.shape(conv.getInput(1));
    if (x.numDimensions() != 4
        || x.get(1) < 1
        || x.get(2) < 1
        || x.get(3) < 1
        || k.numDimensions() != 4
        || k.hasUnknownDimension()) {
      return null;
    }
    NodeDef bias = g.soleConsumer(conv);
    if (bias != null
        && !(bias.getOp().equals("BiasAdd")
            && bias.getInputCount() == 2
            && Nodes.nodeName(bias.getInput(0)).equals(conv.getName())
            && Nodes.floatNhwc(bias))) {
      bias = null;
    }
    NodeDef relu = bias == null ? null : g.soleConsumer(bias);
    if (relu != null && !(relu.getOp().equals("Relu") && relu.getInputCount() == 1)) {
      relu = null;
    }
    NodeDef producer = g.producer(conv.getInput(0));
    return new ConvChain(
        conv,
        bias,
        relu,
        new ConvGradients.Geometry(x.get(1), x.get(2), x.get(3), k.get(0), k.get(1), k.get(3)),
        strides,
        padding,
        producer != null && producer.getOp().equals("Placeholder"));
  }

  /**
   * @return the last node of the chain
   */
  NodeDef last() {
    return relu != null ? relu : bias != null ? bias : conv;
  }

  /**
   * @return the chain's nodes, in order
   */
  List<NodeDef> nodes() {
    List<NodeDef> l = new ArrayList<>(3);
    l.add(conv);
    if (bias != null) {
      l.add(bias);
    }
    if (relu != null) {
      l.add(relu);
    }
    return l;
  }

  /**
   * @return the chain's names
   */
  List<String> names() {
    return nodes().stream().map(NodeDef::getName).toList();
  }

  /**
   * @return whether the image patch (channels x kernel height x width) is short
   */
  boolean shortPatch() {
    return geometry.c() * geometry.kh() * geometry.kw() <= NativeKernels.MAX_PATCH;
  }

  /**
   * @return the key that decides its kernel: shapes, strides, padding, bias and ReLU
   */
  String key() {
    ConvGradients.Geometry g = geometry;
    return "x="
        + g.h()
        + "x"
        + g.w()
        + "x"
        + g.c()
        + " k="
        + g.kh()
        + "x"
        + g.kw()
        + "x"
        + g.c()
        + "x"
        + g.f()
        + " s="
        + strides.get(1)
        + "x"
        + strides.get(2)
        + " "
        + padding
        + (bias != null ? " bias" : "")
        + (relu != null ? " relu" : "")
        + (inputIsFed ? "" : " dx");
  }

  /**
   * The control inputs ({@code ^node}) of the chain's nodes and of {@code more}, for the node that
   * replaces them.
   */
  List<String> controlInputs(NodeDef... more) {
    List<String> c = new ArrayList<>();
    List<NodeDef> all = new ArrayList<>(nodes());
    all.addAll(List.of(more));
    for (NodeDef n : all) {
      for (String in : n.getInputList()) {
        if (in.startsWith("^")) {
          c.add(in);
        }
      }
    }
    return c;
  }
}

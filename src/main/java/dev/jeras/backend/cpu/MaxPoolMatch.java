package dev.jeras.backend.cpu;

import java.util.List;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.proto.NodeDef;

/**
 * The matcher of a float NHWC max pool ({@code MaxPool}, or {@code MaxPoolV2} with constant window
 * and strides) over an input of known height, width and channels.
 *
 * @param node the pool
 * @param h input height
 * @param w input width
 * @param c channels
 * @param ksize (height, width) of the window
 * @param strides (height, width) strides
 * @param padding SAME or VALID
 */
record MaxPoolMatch(
    NodeDef node, long h, long w, long c, long[] ksize, long[] strides, String padding) {

  /**
   * @return the pool at {@code n}, or null
   */
  static MaxPoolMatch match(NodeGraph g, NodeDef n) {
    if (!(n.getOp().equals("MaxPool") || n.getOp().equals("MaxPoolV2")) || !Nodes.floatNhwc(n)) {
      return null;
    }
    List<Long> k = parameter(g, n, "ksize", 1);
    List<Long> s = parameter(g, n, "strides", 2);
    String padding = Nodes.string(n, "padding", "");
    if (k == null
        || s == null
        || k.size() != 4
        || s.size() != 4
        || k.get(0) != 1
        || k.get(3) != 1
        || s.get(0) != 1
        || s.get(3) != 1
        || !(padding.equals("SAME") || padding.equals("VALID"))) {
      return null;
    }
    Shape x = g.shape(n.getInput(0));
    if (x.numDimensions() != 4 || x.get(1) < 1 || x.get(2) < 1 || x.get(3) < 1) {
      return null;
    }
    return new MaxPoolMatch(
        n,
        x.get(1),
        x.get(2),
        x.get(3),
        new long[] {k.get(1), k.get(2)},
        new long[] {s.get(1), s.get(2)},
        padding);
  }

  /** A pool's ksize or strides: its attribute (MaxPool) or the constant at an input (V2). */
  private static List<Long> parameter(NodeGraph g, NodeDef pool, String attr, int input) {
    if (pool.getOp().equals("MaxPool")) {
      return Nodes.ints(pool, attr);
    }
    if (pool.getInputCount() <= input) {
      return null;
    }
    return Nodes.int32Constant(g.producer(pool.getInput(input)));
  }

  /**
   * @return NHWC window
   */
  List<Long> ksize4() {
    return List.of(1L, ksize[0], ksize[1], 1L);
  }

  /**
   * @return NHWC strides
   */
  List<Long> strides4() {
    return List.of(1L, strides[0], strides[1], 1L);
  }

  /**
   * @return the pooled height and width
   */
  long[] pooled() {
    boolean same = padding.equals("SAME");
    return new long[] {
      same ? (h + strides[0] - 1) / strides[0] : (h - ksize[0]) / strides[0] + 1,
      same ? (w + strides[1] - 1) / strides[1] : (w - ksize[1]) / strides[1] + 1
    };
  }

  /**
   * @return the key that decides its kernel
   */
  String key() {
    return "p="
        + ksize[0]
        + "x"
        + ksize[1]
        + " ps="
        + strides[0]
        + "x"
        + strides[1]
        + " "
        + padding;
  }
}

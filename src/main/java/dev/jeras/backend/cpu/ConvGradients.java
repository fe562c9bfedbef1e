package dev.jeras.backend.cpu;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.TensorFlow;
import org.tensorflow.op.Ops;
import org.tensorflow.op.nn.Conv2d;
import org.tensorflow.op.nn.Conv2dBackpropFilter;
import org.tensorflow.op.nn.Conv2dBackpropInput;
import org.tensorflow.types.family.TNumber;

/**
 * Gradients of the convolution ops the CPU engine puts into training graphs: TensorFlow's fused
 * {@code _FusedConv2D} and generic {@code Conv} (which TensorFlow cannot differentiate), and
 * oneDNN's {@code _MklNativeFusedConv2D}.
 *
 * <p>oneDNN's op gets oneDNN's backprop kernels. The other two get jeras' forms where they apply:
 * for a stride-1 convolution, the input gradient as a forward convolution of the output gradient
 * with the flipped kernel, and the kernel gradient as one forward convolution over the images
 * stacked along the height; each form only where its shape makes it worth it (see {@link
 * #ownInputGradient} and {@link #ownKernelGradient}); TensorFlow's backprop kernels otherwise.
 * Shapes come from the node's {@value #GEOMETRY} attribute, written by the rewrite: a gradient
 * function runs under the graph's lock, where no shape can be read.
 */
final class ConvGradients {
  /** Node attribute: (h, w, c, kh, kw, f) of the convolution. */
  static final String GEOMETRY = "_jeras_geometry";

  private static final Registration REGISTRATION =
      new Registration(
          "convolution gradients",
          () ->
              TensorFlow.registerCustomGradient("Conv", ConvGradients::plainGradient)
                  && TensorFlow.registerCustomGradient("_FusedConv2D", ConvGradients::fused)
                  && TensorFlow.registerCustomGradient(
                      "_MklNativeFusedConv2D", ConvGradients::fused));

  private ConvGradients() {}

  /**
   * Registers the gradients once per JVM.
   *
   * @return whether they are registered
   */
  static boolean register() {
    return REGISTRATION.done();
  }

  /** Static sizes of a convolution. */
  record Geometry(long h, long w, long c, long kh, long kw, long f) {
    boolean known() {
      return h > 0 && w > 0 && c > 0 && kh > 0 && kw > 0 && f > 0;
    }

    long[] toArray() {
      return new long[] {h, w, c, kh, kw, f};
    }

    static Geometry of(long[] v) {
      return v == null || v.length != 6 ? null : new Geometry(v[0], v[1], v[2], v[3], v[4], v[5]);
    }
  }

  private record Pads(long top, long bottom, long left, long right) {
    boolean none() {
      return top == 0 && bottom == 0 && left == 0 && right == 0;
    }
  }

  /** Gradient of a fused convolution with BiasAdd, optionally followed by Relu. */
  private static List<Operand<?>> fused(Ops tf, GraphOperation op, List<Output<?>> grads) {
    List<String> fused = List.of(op.attributes().getAttrStringList("fused_ops"));
    if (!fused.equals(List.of("BiasAdd")) && !fused.equals(List.of("BiasAdd", "Relu"))) {
      throw new UnsupportedOperationException(
          "no gradient for " + op.type() + " with fused ops " + fused);
    }
    @SuppressWarnings("unchecked")
    Operand<TNumber> dy = (Operand<TNumber>) grads.get(0);
    if (fused.size() == 2) {
      Operand<TNumber> y = Nodes.out(op, 0);
      dy = tf.nn.reluGrad(dy, y); // y > 0 exactly where the pre-activation is
    }
    List<Operand<?>> g = new ArrayList<>(gradients(tf, op, dy, "NHWC"));
    g.add(tf.nn.biasAddGrad(dy));
    return g;
  }

  /** Gradient of {@code Conv}. */
  private static List<Operand<?>> plainGradient(Ops tf, GraphOperation op, List<Output<?>> grads) {
    var attrs = op.attributes();
    if (attrs.getAttrInt("batch_dims") != 1 || attrs.getAttrInt("groups") != 1) {
      throw new UnsupportedOperationException(
          "the gradient of Conv is defined here for one batch dimension and one group");
    }
    @SuppressWarnings("unchecked")
    Operand<TNumber> dy = (Operand<TNumber>) grads.get(0);
    return gradients(tf, op, dy, "CHANNELS_LAST");
  }

  /** Input and kernel gradients of a 2D convolution op given its output's gradient. */
  private static List<Operand<?>> gradients(
      Ops tf, GraphOperation op, Operand<TNumber> dy, String channelsLast) {
    var attrs = op.attributes();
    long[] strides = attrs.getAttrIntList("strides");
    long[] dilations = attrs.getAttrIntList("dilations");
    String padding = attrs.getAttrString("padding");
    long[] explicit = attrs.getAttrIntList("explicit_paddings");
    String format = attrs.getAttrString("data_format");
    if (strides.length != 4 || !format.equals(channelsLast)) {
      throw new UnsupportedOperationException(
          "the gradient of "
              + op.type()
              + " is defined here for 2D channels-last convolutions; got strides "
              + java.util.Arrays.toString(strides)
              + ", "
              + format);
    }
    Operand<TNumber> x = input(op, 0);
    Operand<TNumber> w = input(op, 1);
    List<Long> dil = dilations.length == 0 ? List.of(1L, 1L, 1L, 1L) : boxed(dilations);
    boolean unitDilation = dil.get(1) == 1 && dil.get(2) == 1;
    boolean oneDnn =
        op.type().startsWith("_MklNative")
            && unitDilation
            && (padding.equals("SAME") || padding.equals("VALID"));
    Geometry geo = Geometry.of(geometry(op));
    boolean own =
        !oneDnn && strides[1] == 1 && strides[2] == 1 && unitDilation && geo != null && geo.known();
    Pads p = own ? pads(geo, padding, explicit) : null;
    Operand<TNumber> dx =
        oneDnn
            ? OneDnnKernels.conv2dBackpropInput(tf, tf.shape(x), w, dy, strides, padding)
            : own && ownInputGradient(geo)
                ? inputGradient(tf, w, dy, geo, p)
                : tf.nn.conv2dBackpropInput(
                    tf.shape(x),
                    w,
                    dy,
                    boxed(strides),
                    padding,
                    Conv2dBackpropInput.explicitPaddings(boxed(explicit)),
                    Conv2dBackpropInput.dilations(dil));
    Operand<TNumber> dw =
        oneDnn
            ? OneDnnKernels.conv2dBackpropFilter(tf, x, tf.shape(w), dy, strides, padding)
            : own && ownKernelGradient(geo)
                ? kernelGradient(tf, x, dy, geo, p)
                : tf.nn.conv2dBackpropFilter(
                    x,
                    tf.shape(w),
                    dy,
                    boxed(strides),
                    padding,
                    Conv2dBackpropFilter.explicitPaddings(boxed(explicit)),
                    Conv2dBackpropFilter.dilations(dil));
    return List.of(dx, dw);
  }

  @SuppressWarnings("unchecked")
  private static Operand<TNumber> input(GraphOperation op, int i) {
    return (Operand<TNumber>) op.input(i);
  }

  /** The node's {@value #GEOMETRY} attribute, or null. */
  private static long[] geometry(GraphOperation op) {
    try {
      return op.attributes().getAttrIntList(GEOMETRY);
    } catch (RuntimeException e) {
      return null; // no such attribute: a convolution the rewrite did not make
    }
  }

  /**
   * Whether the input gradient as a forward convolution is worth it: that convolution makes c
   * output channels from f input channels, and it loses where it makes fewer outputs than inputs.
   */
  private static boolean ownInputGradient(Geometry g) {
    return g.c() >= g.f();
  }

  /**
   * Whether the stacked kernel gradient is worth it: as many or more input channels than filters,
   * or a short image patch.
   */
  private static boolean ownKernelGradient(Geometry g) {
    return g.c() >= g.f() || g.c() * g.kh() * g.kw() <= NativeKernels.MAX_PATCH;
  }

  private static Pads pads(Geometry g, String padding, long[] explicit) {
    return switch (padding) {
      case "VALID" -> new Pads(0, 0, 0, 0);
      case "SAME" ->
          new Pads(
              (g.kh() - 1) / 2,
              g.kh() - 1 - (g.kh() - 1) / 2,
              (g.kw() - 1) / 2,
              g.kw() - 1 - (g.kw() - 1) / 2);
      default -> new Pads(explicit[2], explicit[3], explicit[4], explicit[5]);
    };
  }

  /** The input gradient: dy convolved with rot180(w), in/out channels swapped. */
  private static Operand<TNumber> inputGradient(
      Ops tf, Operand<TNumber> w, Operand<TNumber> dy, Geometry g, Pads p) {
    Operand<TNumber> wr =
        tf.linalg.transpose(
            tf.reverse(w, tf.constant(new int[] {0, 1})), tf.constant(new int[] {0, 1, 3, 2}));
    return conv(
        tf,
        dy,
        wr,
        new Pads(
            g.kh() - 1 - p.top(),
            g.kh() - 1 - p.bottom(),
            g.kw() - 1 - p.left(),
            g.kw() - 1 - p.right()));
  }

  /**
   * The kernel gradient as one forward convolution. The images are stacked along the height, each
   * padded as the layer pads it (hp rows of wp): the input is {@code (c, n * hp, wp, 1)}, a pad and
   * one 2D transpose of x away. The kernel is the output gradient, each image given kh - 1 zero
   * rows below and stacked the same way, {@code (n * hp - kh + 1, ow, 1, f)}. Sliding it over the
   * input gives {@code (c, kh, kw, f)}: each kernel row offset meets rows of one image only, as the
   * zero rows cancel what would cross into the next.
   */
  private static Operand<TNumber> kernelGradient(
      Ops tf, Operand<TNumber> x, Operand<TNumber> dy, Geometry g, Pads p) {
    long wp = g.w() + p.left() + p.right();
    long ow = wp - g.kw() + 1;
    Operand<TNumber> rows = x;
    if (!p.none()) {
      rows =
          tf.pad(
              rows,
              tf.constant(
                  new long[][] {{0, 0}, {p.top(), p.bottom()}, {p.left(), p.right()}, {0, 0}}),
              zero(tf, x));
    }
    Operand<TNumber> xt =
        tf.linalg.transpose(
            tf.reshape(rows, tf.constant(new long[] {-1, g.c()})), tf.constant(new int[] {1, 0}));
    Operand<TNumber> in = tf.reshape(xt, tf.constant(new long[] {g.c(), -1, wp, 1}));
    Operand<TNumber> k = dy;
    if (g.kh() > 1) {
      k =
          tf.pad(
              k, tf.constant(new long[][] {{0, 0}, {0, g.kh() - 1}, {0, 0}, {0, 0}}), zero(tf, x));
    }
    k = tf.reshape(k, tf.constant(new long[] {-1, ow, 1, g.f()}));
    if (g.kh() > 1) { // the last image's zero rows would reach past the input
      k =
          tf.stridedSlice(
              k,
              tf.constant(new long[] {0}),
              tf.constant(new long[] {1 - g.kh()}),
              tf.constant(new long[] {1}));
    }
    Operand<TNumber> dwt = conv(tf, in, k, new Pads(0, 0, 0, 0)); // (c, kh, kw, f)
    return tf.linalg.transpose(dwt, tf.constant(new int[] {1, 2, 0, 3}));
  }

  private static Operand<TNumber> zero(Ops tf, Operand<TNumber> like) {
    return tf.zeros(tf.constant(new long[0]), like.type());
  }

  private static Operand<TNumber> conv(Ops tf, Operand<TNumber> in, Operand<TNumber> k, Pads p) {
    List<Long> one = List.of(1L, 1L, 1L, 1L);
    if (p.none()) {
      return tf.nn.conv2d(in, k, one, "VALID", Conv2d.dataFormat("NHWC"));
    }
    return tf.nn.conv2d(
        in,
        k,
        one,
        "EXPLICIT",
        Conv2d.dataFormat("NHWC"),
        Conv2d.explicitPaddings(List.of(0L, 0L, p.top(), p.bottom(), p.left(), p.right(), 0L, 0L)));
  }

  private static List<Long> boxed(long[] values) {
    List<Long> l = new ArrayList<>(values.length);
    for (long v : values) {
      l.add(v);
    }
    return l;
  }
}

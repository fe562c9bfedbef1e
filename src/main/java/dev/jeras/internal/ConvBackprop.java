package dev.jeras.internal;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.OperationBuilder;
import org.tensorflow.Output;
import org.tensorflow.TensorFlow;
import org.tensorflow.op.Ops;
import org.tensorflow.op.nn.Conv;
import org.tensorflow.op.nn.Conv2d;
import org.tensorflow.op.nn.Conv2dBackpropFilter;
import org.tensorflow.op.nn.Conv2dBackpropInput;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TNumber;

/**
 * A faster gradient for 2D convolutions on TensorFlow's own (Eigen) CPU kernels.
 *
 * <p>TensorFlow differentiates {@code Conv2D} with {@code Conv2DBackpropInput} and {@code
 * Conv2DBackpropFilter}. On the CPU without oneDNN those two kernels run well below the forward
 * convolution's speed (for the CIFAR-10 model's layers, batch 64: 1.3x and 1.5x its time for the
 * same multiply-adds). For stride 1 both gradients are themselves forward convolutions:
 *
 * <ul>
 *   <li>input gradient: the output gradient convolved with the kernel turned by 180 degrees, its
 *       input and output channels swapped, padded by {@code k - 1 - p} on each side;
 *   <li>kernel gradient: the input's images stacked along the height, padded as the layer pads
 *       them, with the channels as the batch {@code (c, n * hp, wp, 1)}, convolved with the output
 *       gradient stacked the same way as the kernel {@code (n * hp - kh + 1, ow, 1, f)}, giving
 *       {@code (c, kh, kw, f)} (see {@code kernelGradient}).
 * </ul>
 *
 * <p>The training graph therefore builds each convolution as an op TensorFlow has no gradient for,
 * and registers this one: {@code _FusedConv2D} (its fused CPU kernel for convolution, bias and
 * optionally ReLU, the op its graph optimizer would make of {@code Conv2D + BiasAdd}) or, without a
 * bias, the generic {@code Conv}. Strides or dilations above 1 fall back to TensorFlow's backprop
 * kernels inside this gradient, and so does each of the two gradients for the layer shapes where it
 * measured slower than TensorFlow's (see {@code ownInputGradient}, {@code ownKernelGradient}).
 * Inference and exported graphs keep {@code Conv2D}. Used on the CPU without oneDNN (whose own
 * backprop kernels are fast) and without a GPU (cuDNN's are).
 *
 * <p>Measured on the CIFAR-10 model's layers (batch 64, 2 cores, AVX2): kernel gradients 1.5-2x
 * faster, input gradients 1.3x, the whole training step 1.2-1.25x. Results agree with TensorFlow's
 * gradient to float rounding ({@code ConvGradientTest}).
 *
 * <p>Where {@link OneDnn}'s kernels are enabled (the default on the same CPUs) both gradients of
 * stride-1 and strided SAME/VALID convolutions are oneDNN's backprop kernels instead, faster still,
 * and the forward op is oneDNN's fused convolution for short patches; the forms above then serve
 * with {@code -Djeras.oneDnnKernels=off}.
 */
public final class ConvBackprop {
  /** System property choosing the gradient: {@code auto} (default), {@code tensorflow}. */
  public static final String PROPERTY = "jeras.convGradient";

  private static final OwnGradients.Registration REGISTRATION =
      new OwnGradients.Registration(
          "convolution gradient",
          () ->
              TensorFlow.registerCustomGradient("Conv", ConvBackprop::gradient)
                  && TensorFlow.registerCustomGradient(
                      "_FusedConv2D", ConvBackprop::fusedGradient));

  /**
   * Static sizes of a convolution: input height, width, channels; kernel height, width; filters.
   */
  private record Geometry(long h, long w, long c, long kh, long kw, long f) {
    boolean known() {
      return h > 0 && w > 0 && c > 0 && kh > 0 && kw > 0 && f > 0;
    }
  }

  /**
   * What the gradient of an op built by {@link #conv2d} may use: its geometry, jeras' forms ({@code
   * own}), oneDNN's kernels ({@code oneDnn}).
   */
  private record Built(Geometry geo, boolean own, boolean oneDnn) {}

  /** The note on each op built by {@link #conv2d}. */
  private static final OwnGradients.Notes<Built> BUILT = new OwnGradients.Notes<>();

  private ConvBackprop() {}

  /**
   * @return whether training graphs should build convolutions with this gradient: on the CPU
   *     without oneDNN, unless {@value #PROPERTY}{@code =tensorflow}; registers it on first use
   */
  public static boolean enabled() {
    return OwnGradients.wanted(PROPERTY) && register();
  }

  /**
   * Registers the gradients of TensorFlow's {@code Conv} and {@code _FusedConv2D} ops with
   * TensorFlow, once per JVM.
   *
   * @return whether they are registered (false where TensorFlow Java cannot register gradients)
   */
  public static boolean register() {
    return REGISTRATION.done();
  }

  /**
   * Builds a training-graph convolution, with its bias and ReLU, whose gradient is this class's.
   * With a bias it is one {@code _FusedConv2D} op (TensorFlow's fused CPU kernel, the op its graph
   * optimizer makes of {@code Conv2D + BiasAdd [+ Relu]}), else a {@code Conv} op.
   *
   * @param tf the op factory
   * @param x the NHWC input
   * @param kernel the (kh, kw, in, out) kernel, with a known height and width
   * @param bias the (out) bias, or null
   * @param relu whether a ReLU follows
   * @param strides NHWC strides
   * @param padding SAME or VALID
   * @return the output, bias and ReLU applied
   */
  public static Operand<TFloat32> conv2d(
      Ops tf,
      Operand<TFloat32> x,
      Operand<TFloat32> kernel,
      Operand<TFloat32> bias,
      boolean relu,
      List<Long> strides,
      String padding) {
    return conv2d(tf, x, kernel, bias, relu, strides, padding, true, false);
  }

  /**
   * As {@link #conv2d(Ops, Operand, Operand, Operand, boolean, List, String)}, choosing what its
   * gradient may use.
   *
   * @param own whether jeras' gradient forms may be used
   * @param oneDnn whether oneDNN's kernels may be used
   */
  static Operand<TFloat32> conv2d(
      Ops tf,
      Operand<TFloat32> x,
      Operand<TFloat32> kernel,
      Operand<TFloat32> bias,
      boolean relu,
      List<Long> strides,
      String padding,
      boolean own,
      boolean oneDnn) {
    Geometry geo = geometry(x, kernel);
    Built note = new Built(geo, own, oneDnn);
    if (bias == null) {
      Conv<TFloat32> conv =
          tf.nn.conv(x, kernel, strides, padding, Conv.dataFormat("CHANNELS_LAST"));
      BUILT.put(conv.op(), note);
      return relu ? tf.nn.relu(conv) : conv;
    }
    long[] s = strides.stream().mapToLong(Long::longValue).toArray();
    GraphOperation op =
        oneDnn && OneDnn.forward(geo.c(), geo.kh(), geo.kw())
            ? OneDnn.fusedConv2dOp(tf, x, kernel, bias, relu, s, padding)
            : (GraphOperation)
                fusedConv2d(tf, "_FusedConv2D", x, kernel, bias, relu, s, padding).build();
    BUILT.put(op, note);
    @SuppressWarnings("unchecked")
    Operand<TFloat32> out = (Operand<TFloat32>) (Operand<?>) op.output(0);
    return out;
  }

  /**
   * A fused convolution + bias [+ ReLU] op of the given type ({@code _FusedConv2D} or oneDNN's
   * {@code _MklNativeFusedConv2D}, which take the same inputs and attributes), not yet built.
   */
  static OperationBuilder fusedConv2d(
      Ops tf,
      String type,
      Operand<TFloat32> x,
      Operand<TFloat32> kernel,
      Operand<TFloat32> bias,
      boolean relu,
      long[] strides,
      String padding) {
    return tf.scope()
        .opBuilder(type, "FusedConv2D")
        .addInput(x.asOutput())
        .addInput(kernel.asOutput())
        .addInputList(new Output<?>[] {bias.asOutput()})
        .addInputList(new Output<?>[0])
        .setAttr("num_args", 1)
        .setAttr("strides", strides)
        .setAttr("padding", padding)
        .setAttr("data_format", "NHWC")
        .setAttr("fused_ops", relu ? new String[] {"BiasAdd", "Relu"} : new String[] {"BiasAdd"});
  }

  /**
   * The training graph's convolution, bias and optional ReLU: {@link #conv2d} where this gradient
   * is {@link #enabled}, else TensorFlow's {@code Conv2D}, {@code BiasAdd} and {@code Relu}.
   *
   * @param tf the op factory
   * @param x the NHWC input
   * @param kernel the (kh, kw, in, out) kernel
   * @param bias the (out) bias, or null
   * @param relu whether a ReLU follows
   * @param strides NHWC strides
   * @param padding SAME or VALID
   * @return the output, bias and ReLU applied
   */
  public static Operand<TFloat32> trainingConv2d(
      Ops tf,
      Operand<TFloat32> x,
      Operand<TFloat32> kernel,
      Operand<TFloat32> bias,
      boolean relu,
      List<Long> strides,
      String padding) {
    boolean own = enabled();
    boolean oneDnn = OneDnn.enabled();
    if (own || oneDnn) {
      return conv2d(tf, x, kernel, bias, relu, strides, padding, own, oneDnn);
    }
    Operand<TFloat32> y = tf.nn.conv2d(x, kernel, strides, padding, Conv2d.dataFormat("NHWC"));
    if (bias != null) {
      y = tf.nn.biasAdd(y, bias);
    }
    return relu ? tf.nn.relu(y) : y;
  }

  private static Geometry geometry(Operand<?> x, Operand<?> kernel) {
    long[] in = x.shape().asArray();
    long[] k = kernel.shape().asArray();
    return in.length == 4 && k.length == 4
        ? new Geometry(in[1], in[2], in[3], k[0], k[1], k[3])
        : new Geometry(-1, -1, -1, -1, -1, -1);
  }

  /** Pads (top, bottom, left, right) of a convolution, from its attributes. */
  private record Pads(long top, long bottom, long left, long right) {
    boolean none() {
      return top == 0 && bottom == 0 && left == 0 && right == 0;
    }
  }

  /**
   * Gradient of {@code _FusedConv2D} (or oneDNN's {@code _MklNativeFusedConv2D}, which has the same
   * inputs and attributes) with BiasAdd, optionally followed by Relu.
   */
  static List<Operand<?>> fusedGradient(Ops tf, GraphOperation op, List<Output<?>> grads) {
    List<String> fused = List.of(op.attributes().getAttrStringList("fused_ops"));
    if (!fused.equals(List.of("BiasAdd")) && !fused.equals(List.of("BiasAdd", "Relu"))) {
      throw new UnsupportedOperationException(
          "no gradient for _FusedConv2D with fused ops " + fused);
    }
    @SuppressWarnings("unchecked")
    Operand<TNumber> dy = (Operand<TNumber>) grads.get(0);
    if (fused.size() == 2) {
      @SuppressWarnings("unchecked")
      Operand<TNumber> y = (Operand<TNumber>) (Operand<?>) op.output(0);
      dy = tf.nn.reluGrad(dy, y); // y > 0 exactly where the pre-activation is
    }
    List<Operand<?>> g = new ArrayList<>(convGradients(tf, op, dy, "NHWC"));
    g.add(tf.nn.biasAddGrad(dy));
    return g;
  }

  /** Gradient of {@code Conv}. */
  private static List<Operand<?>> gradient(Ops tf, GraphOperation op, List<Output<?>> grads) {
    var attrs = op.attributes();
    if (attrs.getAttrInt("batch_dims") != 1 || attrs.getAttrInt("groups") != 1) {
      throw new UnsupportedOperationException(
          "the gradient of Conv is defined here for one batch dimension and one group");
    }
    @SuppressWarnings("unchecked")
    Operand<TNumber> dy = (Operand<TNumber>) grads.get(0);
    return convGradients(tf, op, dy, "CHANNELS_LAST");
  }

  /** Input and kernel gradients of a 2D convolution op given its output's gradient. */
  private static List<Operand<?>> convGradients(
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
              + " is defined here for 2D channels-last convolutions;"
              + " got strides "
              + java.util.Arrays.toString(strides)
              + ", "
              + format);
    }
    @SuppressWarnings("unchecked")
    Operand<TNumber> x = (Operand<TNumber>) op.input(0);
    @SuppressWarnings("unchecked")
    Operand<TNumber> w = (Operand<TNumber>) op.input(1);
    List<Long> dil = dilations.length == 0 ? List.of(1L, 1L, 1L, 1L) : boxed(dilations);
    Built built = BUILT.get(op);
    Geometry geo = built == null ? null : built.geo();
    boolean unitDilation = dil.get(1) == 1 && dil.get(2) == 1;
    boolean unit = strides[1] == 1 && strides[2] == 1 && unitDilation;
    boolean known = unit && geo != null && geo.known() && built.own();
    boolean oneDnn =
        built != null
            && built.oneDnn()
            && unitDilation
            && (padding.equals("SAME") || padding.equals("VALID"));
    Pads p = known ? pads(geo, padding, explicit) : null;
    Operand<TNumber> dx =
        oneDnn
            ? OneDnn.conv2dBackpropInput(tf, tf.shape(x), w, dy, strides, padding)
            : known && ownInputGradient(geo)
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
            ? OneDnn.conv2dBackpropFilter(tf, x, tf.shape(w), dy, strides, padding)
            : known && ownKernelGradient(geo)
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

  /**
   * Whether the input gradient as a forward convolution beats TensorFlow's: that convolution makes
   * c output channels from f input channels, and fewer outputs than inputs is where it loses
   * (measured, batch 64: 32-&gt;32 and 64-&gt;64 channels 1.7x faster; 32-&gt;64 no faster;
   * 3-&gt;32 and MNIST's 13x13 32-&gt;64 slower).
   */
  private static boolean ownInputGradient(Geometry g) {
    return g.c() >= g.f();
  }

  /**
   * Whether the stacked kernel gradient beats TensorFlow's: measured faster for as many or more
   * input channels than filters (32-&gt;32 1.5x, 64-&gt;64 1.1x) and for short image patches (c *
   * kh * kw up to 32: 1-&gt;32 and 3-&gt;32 channels, 1.3-1.4x); slower for MNIST's 13x13
   * 32-&gt;64.
   */
  private static boolean ownKernelGradient(Geometry g) {
    return g.c() >= g.f() || g.c() * g.kh() * g.kw() <= 32;
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
   * rows below and stacked the same way, {@code (n * hp - kh + 1, ow, 1, f)}: a row pad and a
   * reshape away. Sliding it over the input gives {@code (c, kh, kw, f)}: each kernel row offset
   * meets rows of one image only, as the zero rows cancel what would cross into the next.
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

package dev.jeras.backend.cpu;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.OperationBuilder;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.TensorFlow;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TNumber;

/**
 * oneDNN's CPU kernels, as the CPU engine puts them into a graph op by op.
 *
 * <p>TensorFlow's CPU build holds oneDNN's kernels whether or not it turns oneDNN on for a process
 * ({@code TF_ENABLE_ONEDNN_OPTS}): they are registered as the "native format" ops {@code
 * _MklNative*} under the kernel label {@value #LABEL}. The rewrite rules give a node one of those
 * types and the label; this class checks once per JVM that they run, builds their gradients
 * (oneDNN's own backprop kernels) and the node definitions the rules use.
 */
final class OneDnnKernels {
  private static final Logger LOG = LoggerFactory.getLogger(OneDnnKernels.class);

  /** The kernel label TensorFlow registers oneDNN's native-format kernels under. */
  static final String LABEL = "MklNameChangeOp";

  private static final Registration RUNS = new Registration("oneDNN kernels", OneDnnKernels::runs);

  private static final Registration GRADIENTS =
      new Registration(
          "oneDNN kernel gradients",
          () ->
              RUNS.done()
                  && TensorFlow.registerCustomGradient(
                      "_MklNativeMaxPool", OneDnnKernels::maxPoolGradient)
                  && TensorFlow.registerCustomGradient(
                      "_MklNativeFusedBatchNormV3", OneDnnKernels::batchNormGradient)
                  && ConvGradients.register());

  private OneDnnKernels() {}

  /**
   * @return whether this TensorFlow runs oneDNN's native-format kernels (checked once per JVM)
   */
  static boolean available() {
    return RUNS.done();
  }

  /**
   * @return whether their gradients are registered too (for training graphs)
   */
  static boolean trainable() {
    return GRADIENTS.done();
  }

  /** Runs one oneDNN convolution and checks its value. */
  private static boolean runs() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = tf.fill(tf.constant(new long[] {1, 3, 3, 1}), tf.constant(1f));
      Operand<TFloat32> k = tf.fill(tf.constant(new long[] {3, 3, 1, 1}), tf.constant(0.5f));
      GraphOperation op =
          (GraphOperation)
              label(
                      tf.scope()
                          .opBuilder("_MklNativeFusedConv2D", "check")
                          .addInput(x.asOutput())
                          .addInput(k.asOutput())
                          .addInputList(new Output<?>[] {tf.constant(new float[] {1f}).asOutput()})
                          .addInputList(new Output<?>[0])
                          .setAttr("num_args", 1)
                          .setAttr("strides", new long[] {1, 1, 1, 1})
                          .setAttr("padding", "VALID")
                          .setAttr("data_format", "NHWC")
                          .setAttr("fused_ops", new String[] {"BiasAdd", "Relu"}))
                  .build();
      try (Session s = new Session(g);
          Result r = s.runner().fetch(op.output(0)).run()) {
        float v = ((TFloat32) r.get(0)).getFloat(0, 0, 0, 0);
        if (v != 5.5f) {
          LOG.debug("oneDNN's convolution gave {} for 5.5: not used", v);
          return false;
        }
        return true;
      }
    } catch (RuntimeException e) {
      LOG.debug("oneDNN's kernels are not available ({})", e.getMessage());
      return false;
    }
  }

  /**
   * @param n a node of TensorFlow's op
   * @param type the oneDNN op type replacing it
   * @return n as that op, on oneDNN's kernel
   */
  static NodeDef.Builder retype(NodeDef n, String type) {
    return n.toBuilder().setOp(type).putAttr("_kernel", Nodes.string(LABEL));
  }

  /** A builder's op on oneDNN's kernel. */
  static OperationBuilder label(OperationBuilder b) {
    return b.setAttr("_kernel", LABEL);
  }

  /**
   * oneDNN's max pool with attributes (MaxPool's form), keeping each maximum's position.
   *
   * @param name the node's name
   * @param input its input
   * @param ksize NHWC window
   * @param strides NHWC strides
   * @param padding SAME or VALID
   * @return the node
   */
  static NodeDef maxPool(
      String name, String input, List<Long> ksize, List<Long> strides, String padding) {
    return NodeDef.newBuilder()
        .setName(name)
        .setOp("_MklNativeMaxPool")
        .addInput(input)
        .putAttr("T", Nodes.floatType())
        .putAttr("ksize", Nodes.ints(ksize))
        .putAttr("strides", Nodes.ints(strides))
        .putAttr("padding", Nodes.string(padding))
        .putAttr("data_format", Nodes.string("NHWC"))
        .putAttr("workspace_enabled", AttrValue.newBuilder().setB(true).build())
        .putAttr("_kernel", Nodes.string(LABEL))
        .build();
  }

  /** oneDNN's convolution input gradient ({@code _MklNativeConv2DBackpropInput}). */
  static <T extends TNumber> Operand<T> conv2dBackpropInput(
      Ops tf, Operand<?> inputSizes, Operand<T> kernel, Operand<T> dy, long[] strides, String pad) {
    return backprop(tf, "Conv2DBackpropInput", inputSizes, kernel, dy, strides, pad);
  }

  /** oneDNN's convolution kernel gradient ({@code _MklNativeConv2DBackpropFilter}). */
  static <T extends TNumber> Operand<T> conv2dBackpropFilter(
      Ops tf, Operand<T> x, Operand<?> kernelSizes, Operand<T> dy, long[] strides, String pad) {
    return backprop(tf, "Conv2DBackpropFilter", x, kernelSizes, dy, strides, pad);
  }

  private static <T extends TNumber> Operand<T> backprop(
      Ops tf,
      String name,
      Operand<?> a,
      Operand<?> b,
      Operand<T> dy,
      long[] strides,
      String padding) {
    return Nodes.out(
        label(
                tf.scope()
                    .opBuilder("_MklNative" + name, name)
                    .addInput(a.asOutput())
                    .addInput(b.asOutput())
                    .addInput(dy.asOutput())
                    .setAttr("strides", strides)
                    .setAttr("padding", padding)
                    .setAttr("data_format", "NHWC"))
            .build(),
        0);
  }

  /** Gradient of {@code _MklNativeMaxPool}: oneDNN's, from the workspace. */
  private static List<Operand<?>> maxPoolGradient(
      Ops tf, GraphOperation op, List<Output<?>> grads) {
    var attrs = op.attributes();
    GraphOperation g =
        (GraphOperation)
            label(
                    tf.scope()
                        .opBuilder("_MklNativeMaxPoolGrad", "MaxPoolGrad")
                        .addInput(op.input(0))
                        .addInput(op.output(0))
                        .addInput(grads.get(0))
                        .addInput(op.output(1))
                        .setAttr("ksize", attrs.getAttrIntList("ksize"))
                        .setAttr("strides", attrs.getAttrIntList("strides"))
                        .setAttr("padding", attrs.getAttrString("padding"))
                        .setAttr("data_format", "NHWC")
                        .setAttr("workspace_enabled", true))
                .build();
    return List.of(g.output(0));
  }

  /** Gradient of {@code _MklNativeFusedBatchNormV3} in training: oneDNN's. */
  private static List<Operand<?>> batchNormGradient(
      Ops tf, GraphOperation op, List<Output<?>> grads) {
    var attrs = op.attributes();
    if (!attrs.getAttrBool("is_training")) {
      throw new UnsupportedOperationException(
          "the gradient of _MklNativeFusedBatchNormV3 is defined here for training only");
    }
    GraphOperation g =
        (GraphOperation)
            label(
                    tf.scope()
                        .opBuilder("_MklNativeFusedBatchNormGradV3", "FusedBatchNormGradV3")
                        .addInput(grads.get(0))
                        .addInput(op.input(0))
                        .addInput(op.input(1))
                        .addInput(op.output(3))
                        .addInput(op.output(4))
                        .addInput(op.output(5))
                        .setAttr("epsilon", attrs.getAttrFloat("epsilon"))
                        .setAttr("data_format", attrs.getAttrString("data_format"))
                        .setAttr("is_training", true))
                .build();
    // the mean and variance inputs are empty in training: no gradient flows into them
    return List.of(
        g.output(0),
        g.output(1),
        g.output(2),
        tf.zerosLike(op.input(3)),
        tf.zerosLike(op.input(4)));
  }
}

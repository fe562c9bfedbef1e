package dev.jeras.backend.cpu;

import dev.jeras.backend.Devices;
import dev.jeras.backend.NativeIsa;
import dev.jeras.internal.TensorFlowLogging;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.OperationAttributeInspector;
import org.tensorflow.OperationBuilder;
import org.tensorflow.Output;
import org.tensorflow.TensorFlow;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.OpDef;
import org.tensorflow.proto.OpList;

/**
 * jeras' own TensorFlow kernels ({@code src/main/native}), built into the jar for Linux x86-64 and
 * registered with TensorFlow on first use: a stride-1 convolution + bias [+ ReLU] + max pool in one
 * pass, which never writes the full-size convolution output ({@value #CONV_MAX_POOL}), its training
 * form that also records each maximum's window position ({@value #WITH_ARGMAX}), and that form's
 * gradients; a training batch normalization + max pool in one pass ({@value #BATCH_NORM_POOL}) and
 * its gradient. Each op's {@code isa} attribute picks the copy of the loops that runs.
 */
final class NativeKernels {
  private static final Logger LOG = LoggerFactory.getLogger(NativeKernels.class);

  /** The fused convolution + bias [+ ReLU] + max-pool op. */
  static final String CONV_MAX_POOL = "JerasConvMaxPool";

  /** The training form: also outputs each maximum's window position. */
  static final String WITH_ARGMAX = "JerasConvMaxPoolWithArgmax";

  /** Filter and bias gradients of {@value #WITH_ARGMAX}. */
  static final String BACKPROP_FILTER = "JerasConvMaxPoolBackpropFilter";

  /** Input gradient of {@value #WITH_ARGMAX}. */
  static final String BACKPROP_INPUT = "JerasConvMaxPoolBackpropInput";

  /**
   * Training batch normalization + max pool: outputs the pooled values, the batch mean, the
   * unbiased batch variance (FusedBatchNormV3's outputs 0-2), 1 / sqrt(variance + epsilon) and each
   * maximum's window position.
   */
  static final String BATCH_NORM_POOL = "JerasBatchNormMaxPool";

  /** Input, scale and offset gradients of {@value #BATCH_NORM_POOL}. */
  static final String BATCH_NORM_POOL_GRAD = "JerasBatchNormMaxPoolGrad";

  /** Most positions in a training pool window (the kernel records them in a byte; 255 is taken). */
  static final long MAX_TRAINING_WINDOW = 254;

  /**
   * Longest image patch (channels x kernel height x width) of the short-patch loops. Longer patches
   * go to register-blocked loops: for inference any channel count, for training whole vectors of
   * input channels (a multiple of 8), which the input gradient's loops take.
   */
  static final long MAX_PATCH = 32;

  private static final String RESOURCE = "/dev/jeras/native/linux-x86_64/libjeras_ops.so";

  private static final Registration GRADIENT =
      new Registration(
          "native fused convolution + max-pool and batch normalization + max-pool gradients",
          () ->
              TensorFlow.registerCustomGradient(WITH_ARGMAX, NativeKernels::gradient)
                  && TensorFlow.registerCustomGradient(
                      BATCH_NORM_POOL, NativeKernels::batchNormPoolGradient));

  /** Why the library is not registered with TensorFlow, or null where it is. */
  private static final String NOT_LOADED = load();

  private NativeKernels() {}

  /**
   * @return whether the kernels are registered with TensorFlow
   */
  static boolean loaded() {
    return NOT_LOADED == null;
  }

  /**
   * @return why they are not, or null
   */
  static String notLoadedReason() {
    return NOT_LOADED;
  }

  /**
   * @param isa a copy of the loops
   * @return whether that copy runs on this CPU (auto always does)
   */
  static boolean runs(NativeIsa isa) {
    Set<String> flags = Devices.cpuFlagsOnce();
    return loaded()
        && switch (isa) {
          case AUTO, BASELINE -> true;
          case AVX2 -> flags.contains("avx2") && flags.contains("fma");
          case AVX512 ->
              flags.contains("avx2")
                  && flags.contains("fma")
                  && flags.contains("avx512f")
                  && flags.contains("avx512vl")
                  && flags.contains("avx512bw");
        };
  }

  /**
   * @return whether the training form's gradient is registered
   */
  static boolean trainable() {
    return loaded() && GRADIENT.done();
  }

  /**
   * Whether the fused kernel computes a convolution of this kernel shape: a multiple of 8 filters
   * (its vector width) and, for the training forms of long patches, a multiple of 8 channels.
   */
  static boolean convolutionFits(long kh, long kw, long channels, long filters, boolean training) {
    return kh > 0
        && kw > 0
        && channels > 0
        && (!training || channels * kh * kw <= MAX_PATCH || channels % 8 == 0)
        && filters > 0
        && filters % 8 == 0;
  }

  /** Whether a pool's windows do not overlap, SAME or VALID, so each pixel is computed once. */
  static boolean poolFits(long ph, long pw, long sh, long sw, String padding) {
    return (padding.equals("SAME") || padding.equals("VALID"))
        && ph >= 1
        && pw >= 1
        && sh >= ph
        && sw >= pw
        && sh <= Integer.MAX_VALUE
        && sw <= Integer.MAX_VALUE;
  }

  /**
   * The fused op's node.
   *
   * @param name its name
   * @param type {@value #CONV_MAX_POOL} or {@value #WITH_ARGMAX}
   * @param input the convolution's input
   * @param kernel its kernel
   * @param bias its bias
   * @param convSame whether the convolution pads SAME
   * @param relu whether a ReLU follows the bias
   * @param ksize the pool's (height, width)
   * @param strides the pool's (height, width) strides
   * @param poolSame whether the pool pads SAME
   * @param isa the copy of the loops to run
   * @param threads parts a call may be split into (0: every CPU the process may use)
   * @return the node
   */
  static NodeDef fused(
      String name,
      String type,
      String input,
      String kernel,
      String bias,
      boolean convSame,
      boolean relu,
      long[] ksize,
      long[] strides,
      boolean poolSame,
      NativeIsa isa,
      int threads) {
    return NodeDef.newBuilder()
        .setName(name)
        .setOp(type)
        .addInput(input)
        .addInput(kernel)
        .addInput(bias)
        .putAttr("conv_same", Nodes.bool(convSame))
        .putAttr("relu", Nodes.bool(relu))
        .putAttr("ksize", Nodes.ints(ksize))
        .putAttr("strides", Nodes.ints(strides))
        .putAttr("pool_same", Nodes.bool(poolSame))
        .putAttr("isa", Nodes.string(isa.id()))
        .putAttr("threads", AttrValue.newBuilder().setI(threads).build())
        .build();
  }

  /**
   * The native candidates for a site this CPU and these options run them at: {@code native} and, on
   * an AVX-512 CPU with the widest copy asked for, {@code native_avx2} too (wider is not faster on
   * every CPU).
   */
  static List<String> candidates(CpuEnvironment env) {
    return env.isa() == NativeIsa.AUTO && runs(NativeIsa.AVX512)
        ? List.of("native", "native_avx2")
        : List.of("native");
  }

  /**
   * The fused op replacing a chain, and a Reshape under the chain's last name that gives its output
   * the static shape the op's registration does not.
   *
   * @param c the convolution chain (with a bias)
   * @param name the name the output keeps
   * @param kernel {@code native} or {@code native_avx2}
   * @param training whether the form records each maximum's position for the gradient
   * @param ksize the pool's (height, width): (1, 1) with strides (1, 1) for no pool
   * @param strides the pool's strides
   * @param poolSame whether the pool pads SAME
   * @param outShape the output's height and width
   * @param env the options (copy of the loops, threads)
   * @param controlFrom the nodes whose control inputs the fused op takes over
   * @return the nodes to add
   */
  static List<NodeDef> replacement(
      ConvChain c,
      String name,
      String kernel,
      boolean training,
      long[] ksize,
      long[] strides,
      boolean poolSame,
      long[] outShape,
      CpuEnvironment env,
      NodeDef... controlFrom) {
    NodeDef.Builder fused =
        fused(
            name + "/fused",
            training ? WITH_ARGMAX : CONV_MAX_POOL,
            c.conv().getInput(0),
            c.conv().getInput(1),
            c.bias().getInput(1),
            c.padding().equals("SAME"),
            c.relu() != null,
            ksize,
            strides,
            poolSame,
            kernel.equals("native_avx2") ? NativeIsa.AVX2 : env.isa(),
            env.options().intraOpThreads())
            .toBuilder();
    c.controlInputs(controlFrom).forEach(fused::addInput);
    List<NodeDef> l = new ArrayList<>(List.of(fused.build()));
    l.addAll(Nodes.reshape(name, name + "/fused", -1, outShape[0], outShape[1], c.geometry().f()));
    return l;
  }

  /** Gradient of {@value #WITH_ARGMAX}: input, filter and bias gradients from the pooled one. */
  private static List<Operand<?>> gradient(Ops tf, GraphOperation op, List<Output<?>> grads) {
    Output<?> dy = grads.isEmpty() ? null : grads.get(0);
    if (dy == null) {
      return List.of(
          tf.zerosLike(op.input(0)), tf.zerosLike(op.input(1)), tf.zerosLike(op.input(2)));
    }
    GraphOperation filter = backprop(tf, BACKPROP_FILTER, op, dy);
    GraphOperation input = backprop(tf, BACKPROP_INPUT, op, dy);
    return List.of(input.output(0), filter.output(0), filter.output(1));
  }

  private static GraphOperation backprop(Ops tf, String type, GraphOperation op, Output<?> dy) {
    var a = op.attributes();
    OperationBuilder b =
        tf.scope()
            .opBuilder(type, type.substring("Jeras".length()))
            .addInput(op.input(0))
            .addInput(op.input(1))
            .addInput(op.output(1))
            .addInput(dy)
            .setAttr("conv_same", a.getAttrBool("conv_same"))
            .setAttr("relu", a.getAttrBool("relu"));
    return (GraphOperation) poolAttributes(b, a).build();
  }

  /**
   * The attributes every native op has (pool window, strides, SAME, copy of the loops, threads).
   */
  private static OperationBuilder poolAttributes(
      OperationBuilder b, OperationAttributeInspector a) {
    return b.setAttr("ksize", a.getAttrIntList("ksize"))
        .setAttr("strides", a.getAttrIntList("strides"))
        .setAttr("pool_same", a.getAttrBool("pool_same"))
        .setAttr("isa", a.getAttrString("isa"))
        .setAttr("threads", a.getAttrInt("threads"));
  }

  /**
   * The batch normalization + max pool op replacing a training normalization and the pool after it.
   *
   * @param name its name: the normalization's, whose batch mean and variance it gives at the same
   *     outputs
   * @param bn the normalization ({@code FusedBatchNormV3}, training)
   * @param pool the pool
   * @param isa the copy of the loops to run
   * @param threads parts a call may be split into (0: every CPU the process may use)
   * @return the node, without control inputs
   */
  static NodeDef.Builder batchNormPool(
      String name, NodeDef bn, MaxPoolMatch pool, NativeIsa isa, int threads) {
    return NodeDef.newBuilder()
        .setName(name)
        .setOp(BATCH_NORM_POOL)
        .addInput(bn.getInput(0))
        .addInput(bn.getInput(1))
        .addInput(bn.getInput(2))
        .putAttr("epsilon", bn.getAttrOrThrow("epsilon"))
        .putAttr("ksize", Nodes.ints(pool.ksize()))
        .putAttr("strides", Nodes.ints(pool.strides()))
        .putAttr("pool_same", Nodes.bool(pool.padding().equals("SAME")))
        .putAttr("isa", Nodes.string(isa.id()))
        .putAttr("threads", AttrValue.newBuilder().setI(threads).build());
  }

  /**
   * Gradient of {@value #BATCH_NORM_POOL}: input, scale and offset gradients from the pooled one.
   * Its batch statistics feed the moving averages only (TensorFlow hands their outputs zeros), as
   * with FusedBatchNormV3's gradient.
   */
  private static List<Operand<?>> batchNormPoolGradient(
      Ops tf, GraphOperation op, List<Output<?>> grads) {
    Output<?> dy = grads.isEmpty() ? null : grads.get(0);
    if (dy == null) {
      return List.of(
          tf.zerosLike(op.input(0)), tf.zerosLike(op.input(1)), tf.zerosLike(op.input(2)));
    }
    var a = op.attributes();
    OperationBuilder b =
        tf.scope()
            .opBuilder(BATCH_NORM_POOL_GRAD, "BatchNormMaxPoolGrad")
            .addInput(op.input(0))
            .addInput(op.input(1))
            .addInput(op.output(1))
            .addInput(op.output(3))
            .addInput(op.output(4))
            .addInput(dy)
            .setAttr("epsilon", a.getAttrFloat("epsilon"));
    GraphOperation g = (GraphOperation) poolAttributes(b, a).build();
    return List.of(g.output(0), g.output(1), g.output(2));
  }

  /** Registers the library once per process; returns null on success, else the reason. */
  private static String load() {
    TensorFlowLogging.apply(); // may be jeras' first use of TensorFlow
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "");
    if (!os.startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
      return "built for Linux x86-64 only (this is " + os + " " + arch + ")";
    }
    try {
      if (registered()) {
        return null; // another class loader of this process loaded it
      }
      Path file;
      try (InputStream in = NativeKernels.class.getResourceAsStream(RESOURCE)) {
        if (in == null) {
          LOG.warn(
              "jeras' native kernels are not in this build (no {}: built without a C compiler?);"
                  + " TensorFlow's kernels run instead, slower",
              RESOURCE);
          return "the jar has no " + RESOURCE;
        }
        file = Files.createTempFile("jeras-ops", ".so");
        Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
      }
      try {
        OpList ops = TensorFlow.loadLibrary(file.toString());
        boolean found =
            ops.getOpList().stream().map(OpDef::getName).anyMatch(CONV_MAX_POOL::equals);
        if (!found && !registered()) {
          return "TensorFlow loaded " + RESOURCE + " but did not register " + CONV_MAX_POOL;
        }
      } finally {
        Files.deleteIfExists(file); // the loaded library stays mapped
      }
      LOG.debug("jeras' native kernels loaded ({})", CONV_MAX_POOL);
      return null;
    } catch (IOException | RuntimeException | LinkageError e) {
      LOG.warn(
          "jeras' native kernels could not be loaded ({}); TensorFlow's kernels run instead",
          e.toString());
      return e.toString();
    }
  }

  private static boolean registered() {
    return TensorFlow.registeredOpList().getOpList().stream()
        .map(OpDef::getName)
        .anyMatch(CONV_MAX_POOL::equals);
  }
}

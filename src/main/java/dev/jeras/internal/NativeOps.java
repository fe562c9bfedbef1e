package dev.jeras.internal;

import dev.jeras.layers.Padding;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.TensorFlow;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.OpDef;
import org.tensorflow.proto.OpList;
import org.tensorflow.types.TFloat32;

/**
 * jeras' own TensorFlow kernels ({@code src/main/native}), built into the jar for Linux x86-64 and
 * registered with TensorFlow on first use.
 *
 * <p>{@value #CONV_MAX_POOL}: a stride-1 convolution + bias [+ ReLU] + max pool in one pass over
 * the input, for convolutions with short patches (few input channels), where TensorFlow's and
 * oneDNN's separate ops are bound by writing the full-size convolution output and reading it back
 * (22 MB for MNIST's first layer at batch 256). The convolution is computed once per pooled value
 * (four pixels per 2x2 window, weights loaded once for the four), so no intermediate tensor exists.
 * A model's own inference graph uses it ({@link #inferenceConvMaxPool}), so does the inference copy
 * of a loaded SavedModel ({@link CpuInferenceGraph}); exported graphs never contain it. Training
 * graphs use {@value #WITH_ARGMAX} and jeras' gradient ops ({@link #trainingConvMaxPool}).
 *
 * <p>Set {@value #PROPERTY}{@code =off} to run TensorFlow's ops instead (the default is {@code
 * auto}).
 */
public final class NativeOps {
  private static final Logger LOG = LoggerFactory.getLogger(NativeOps.class);

  /** System property: {@code off} keeps jeras' own kernels out of every graph; {@code auto}. */
  public static final String PROPERTY = "jeras.nativeKernels";

  /** The fused convolution + bias [+ ReLU] + max-pool op. */
  public static final String CONV_MAX_POOL = "JerasConvMaxPool";

  /** The training form of {@value #CONV_MAX_POOL}: also outputs each maximum's window position. */
  public static final String WITH_ARGMAX = "JerasConvMaxPoolWithArgmax";

  /** Filter and bias gradients of {@value #WITH_ARGMAX}. */
  public static final String BACKPROP_FILTER = "JerasConvMaxPoolBackpropFilter";

  /** Input gradient of {@value #WITH_ARGMAX}. */
  public static final String BACKPROP_INPUT = "JerasConvMaxPoolBackpropInput";

  /** Most positions in a training pool window (the kernel records them in a byte; 255 is taken). */
  static final long MAX_TRAINING_WINDOW = 254;

  private static final OwnGradients.Registration GRADIENT =
      new OwnGradients.Registration(
          "fused convolution + max-pool gradient",
          () -> TensorFlow.registerCustomGradient(WITH_ARGMAX, NativeOps::gradient));

  private static final String RESOURCE = "/dev/jeras/native/linux-x86_64/libjeras_ops.so";

  private static final String NOT_LOADED = load();

  /** Why the graphs do not use the kernels though they are loaded; null where they do. */
  private static final String NOT_USED = NOT_LOADED != null ? NOT_LOADED : cpuLacksAvx2();

  private NativeOps() {}

  /**
   * @return whether graphs use jeras' kernels: they are registered with TensorFlow, the CPU has
   *     AVX2 and FMA (the kernels' other copy, for older CPUs, is slower than TensorFlow's ops), no
   *     GPU would run the graph, and {@value #PROPERTY} is {@code auto} (the default)
   * @throws IllegalArgumentException where {@value #PROPERTY} is neither auto nor off
   */
  public static boolean available() {
    String choice = System.getProperty(PROPERTY, "auto").toLowerCase(Locale.ROOT);
    if (!choice.equals("auto") && !choice.equals("off")) {
      throw new IllegalArgumentException(PROPERTY + " must be auto or off, got '" + choice + "'");
    }
    return choice.equals("auto") && NOT_USED == null && !Devices.gpuUsable();
  }

  /**
   * @return whether jeras' kernels are registered with TensorFlow (usable in any graph)
   */
  public static boolean loaded() {
    return NOT_LOADED == null;
  }

  /**
   * @return why graphs do not use the kernels (other than the property), null where they do
   */
  public static String unavailableReason() {
    return NOT_USED;
  }

  /** Null where /proc/cpuinfo lists avx2 and fma, else the reason. */
  private static String cpuLacksAvx2() {
    Set<String> flags = Devices.cpuFlagsOnce();
    if (flags.contains("avx2") && flags.contains("fma")) {
      return null;
    }
    LOG.debug("the CPU lacks AVX2 or FMA: TensorFlow's ops run instead of jeras' kernels");
    return "the CPU lacks AVX2 or FMA (/proc/cpuinfo)";
  }

  /**
   * Whether the fused kernel is worth using for a convolution of this kernel shape: a short patch
   * (as for oneDNN's convolution, {@link OneDnn#forward}) and a multiple of 8 filters (its vector
   * width).
   */
  static boolean convolutionFits(long kh, long kw, long channels, long filters) {
    return OneDnn.forward(channels, kh, kw) && filters > 0 && filters % 8 == 0;
  }

  /**
   * Whether the pool's windows do not overlap (strides at least the window), so that the fused
   * kernel computes each convolution pixel once; SAME or VALID padding.
   */
  static boolean poolFits(long ph, long pw, long sh, long sw, String padding) {
    return (padding.equals("SAME") || padding.equals("VALID"))
        && ph >= 1
        && pw >= 1
        && sh >= ph
        && sw >= pw
        && sh <= Integer.MAX_VALUE
        && sw <= Integer.MAX_VALUE;
  }

  /** A convolution + bias [+ ReLU] found in a graph, and the pool after it. */
  private record ConvPool(
      Output<?> input,
      Output<?> kernel,
      Output<?> bias,
      boolean relu,
      String convPadding,
      long[] pooled) {}

  /**
   * The stride-1 convolution + bias [+ ReLU] that made {@code x} (Conv2D + BiasAdd [+ Relu], or a
   * fused convolution: TensorFlow's or oneDNN's, as jeras' graphs build them), where the fused
   * kernel fits it and the pool; else null.
   */
  private static ConvPool match(Operand<TFloat32> x, int[] pool, int[] strides, String padding) {
    if (!available()
        || !poolFits(pool[0], pool[1], strides[0], strides[1], padding)
        || !(x.op() instanceof GraphOperation op)
        || x.asOutput().index() != 0) {
      return null;
    }
    GraphOperation conv;
    Output<?> bias;
    boolean relu;
    if ((op.type().equals("_MklNativeFusedConv2D") || op.type().equals("_FusedConv2D"))
        && op.numInputs() == 3) {
      List<String> fused = List.of(op.attributes().getAttrStringList("fused_ops"));
      relu = fused.equals(List.of("BiasAdd", "Relu"));
      if (!relu && !fused.equals(List.of("BiasAdd"))) {
        return null;
      }
      conv = op;
      bias = op.input(2);
    } else {
      relu = op.type().equals("Relu");
      GraphOperation add = relu ? producer(op.input(0)) : op;
      if (add == null || !add.type().equals("BiasAdd") || !nhwc(add)) {
        return null;
      }
      conv = producer(add.input(0));
      if (conv == null || !conv.type().equals("Conv2D")) {
        return null;
      }
      bias = add.input(1);
    }
    String convPadding = conv.attributes().getAttrString("padding");
    Shape k = conv.input(1).shape();
    Shape in = x.shape();
    if (conv.attributes().getAttrType("T") != DataType.DT_FLOAT
        || !nhwc(conv)
        || !ones(conv.attributes().getAttrIntList("strides"))
        || !ones(conv.attributes().getAttrIntList("dilations"))
        || !(convPadding.equals("SAME") || convPadding.equals("VALID"))
        || k.numDimensions() != 4
        || k.hasUnknownDimension()
        || !convolutionFits(k.get(0), k.get(1), k.get(2), k.get(3))
        || in.numDimensions() != 4
        || in.get(1) < 1
        || in.get(2) < 1) {
      return null;
    }
    Padding p = Padding.of(padding);
    long ph = p.outputLength(in.get(1), pool[0], strides[0]);
    long pw = p.outputLength(in.get(2), pool[1], strides[1]);
    if (ph < 1 || pw < 1) {
      return null;
    }
    return new ConvPool(
        conv.input(0), conv.input(1), bias, relu, convPadding, new long[] {-1, ph, pw, k.get(3)});
  }

  /** The fused op on a match's inputs, with the pool's attributes. */
  private static GraphOperation build(
      Ops tf, String type, ConvPool m, int[] pool, int[] strides, String padding) {
    return (GraphOperation)
        tf.scope()
            .opBuilder(type, type.substring("Jeras".length()))
            .addInput(m.input())
            .addInput(m.kernel())
            .addInput(m.bias())
            .setAttr("conv_same", m.convPadding().equals("SAME"))
            .setAttr("relu", m.relu())
            .setAttr("ksize", new long[] {pool[0], pool[1]})
            .setAttr("strides", new long[] {strides[0], strides[1]})
            .setAttr("pool_same", padding.equals("SAME"))
            .build();
  }

  /**
   * The op's output 0 with its static shape: the registration gives none (TensorFlow's C API lets a
   * shape function read no attributes), and the layers after it need it. A reshape to the pooled
   * shape costs no copy, checks the size each call and has a gradient.
   */
  private static Operand<TFloat32> shaped(Ops tf, GraphOperation op, ConvPool m) {
    return tf.reshape(op.<TFloat32>output(0), tf.constant(m.pooled()));
  }

  /**
   * For a model's own inference graph (never an exported one): the max pool of {@code x} computed
   * by {@value #CONV_MAX_POOL} straight from the input of the convolution that made {@code x} (a
   * Conv2D + BiasAdd [+ Relu], or a fused convolution), where that fits; else null. The
   * convolution's ops stay in the graph and run only if something else reads them.
   *
   * @param tf the op factory
   * @param x the pool's NHWC input
   * @param pool window height and width
   * @param strides stride height and width
   * @param padding the pool's padding, SAME or VALID
   * @return the pooled output, or null where TensorFlow's MaxPool should be built
   */
  public static Operand<TFloat32> inferenceConvMaxPool(
      Ops tf, Operand<TFloat32> x, int[] pool, int[] strides, String padding) {
    ConvPool m = match(x, pool, strides, padding);
    return m == null ? null : shaped(tf, build(tf, CONV_MAX_POOL, m, pool, strides, padding), m);
  }

  /**
   * For a training graph: as {@link #inferenceConvMaxPool}, with {@value #WITH_ARGMAX}, which also
   * records each pooled value's window position for the gradient, jeras' own: the pooled gradient
   * goes to that convolution pixel (nowhere where the ReLU was 0, TensorFlow's ReluGrad rule), then
   * to the filter, bias and input ({@value #BACKPROP_FILTER}, {@value #BACKPROP_INPUT}). The same
   * gradient as TensorFlow's ops, but for ties between window positions (TensorFlow's MaxPoolGrad
   * gives the first maximum in row-major order, so does this) and float rounding.
   *
   * @return the pooled output, or null where the training graph should be built as before
   */
  public static Operand<TFloat32> trainingConvMaxPool(
      Ops tf, Operand<TFloat32> x, int[] pool, int[] strides, String padding) {
    ConvPool m = match(x, pool, strides, padding);
    if (m == null || (long) pool[0] * pool[1] > MAX_TRAINING_WINDOW || !registerGradient()) {
      return null;
    }
    return shaped(tf, build(tf, WITH_ARGMAX, m, pool, strides, padding), m);
  }

  /**
   * Registers the gradient of {@value #WITH_ARGMAX} with TensorFlow, once per JVM.
   *
   * @return whether it is registered
   */
  static boolean registerGradient() {
    return GRADIENT.done();
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
    return (GraphOperation)
        tf.scope()
            .opBuilder(type, type.substring("Jeras".length()))
            .addInput(op.input(0))
            .addInput(op.input(1))
            .addInput(op.output(1))
            .addInput(dy)
            .setAttr("conv_same", a.getAttrBool("conv_same"))
            .setAttr("relu", a.getAttrBool("relu"))
            .setAttr("ksize", a.getAttrIntList("ksize"))
            .setAttr("strides", a.getAttrIntList("strides"))
            .setAttr("pool_same", a.getAttrBool("pool_same"))
            .build();
  }

  /** The op that computes {@code o} as its first output, else null. */
  private static GraphOperation producer(Output<?> o) {
    return o.index() == 0 && o.op() instanceof GraphOperation g ? g : null;
  }

  private static boolean nhwc(GraphOperation op) {
    try {
      return op.attributes().getAttrString("data_format").equals("NHWC");
    } catch (RuntimeException e) {
      return true; // no such attribute: NHWC
    }
  }

  private static boolean ones(long[] values) {
    for (long v : values) {
      if (v != 1) {
        return false;
      }
    }
    return true;
  }

  /** Registers the library once per process; returns null on success, else the reason. */
  private static String load() {
    TensorFlowLogging.apply(); // may be jeras' first use of TensorFlow
    try {
      if (registered()) {
        return null; // another class loader of this process loaded it
      }
      String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
      String arch = System.getProperty("os.arch", "");
      if (!os.startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
        return "built for Linux x86-64 only (this is " + os + " " + arch + ")";
      }
      Path file;
      try (InputStream in = NativeOps.class.getResourceAsStream(RESOURCE)) {
        if (in == null) {
          LOG.warn(
              "jeras' native kernels are missing (no {} in the jar: built without a C compiler?);"
                  + " TensorFlow's ops run instead (slower)",
              RESOURCE);
          return "the jar has no " + RESOURCE + " (built without a C compiler?)";
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
          "jeras' native kernels could not be loaded ({}); TensorFlow's ops run instead",
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

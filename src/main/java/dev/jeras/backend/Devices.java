package dev.jeras.backend;

import dev.jeras.JerasException;
import dev.jeras.internal.TensorFlowLogging;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.DeviceSpec;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GPUOptions;
import org.tensorflow.types.TFloat32;

/**
 * Device choice for sessions: {@code cpu} hides GPUs from TensorFlow, {@code gpu} requires one (a
 * clear error names what is missing otherwise), {@code auto} uses a GPU when one is usable.
 *
 * <p>TensorFlow Java 1.1.0 has no API that lists devices: a GPU is detected by running one op
 * pinned to {@code /device:GPU:0} without soft placement.
 */
public final class Devices {
  static {
    TensorFlowLogging.apply(); // before jeras' first session: TF's start-up lines stay quiet
  }

  private static final Logger LOG = LoggerFactory.getLogger(Devices.class);

  /** CUDA 12 / cuDNN 9 libraries the TF 2.18 GPU runtime opens. */
  static final List<String> CUDA_LIBRARIES =
      List.of(
          "libcudart.so.12",
          "libcublas.so.12",
          "libcublasLt.so.12",
          "libcufft.so.11",
          "libcusparse.so.12",
          "libcusolver.so.11",
          "libcudnn.so.9");

  /** TensorFlow's switch for its oneDNN CPU kernels, read once when the runtime starts. */
  public static final String ONEDNN_VARIABLE = "TF_ENABLE_ONEDNN_OPTS";

  private static volatile Boolean gpu;
  private static volatile String gpuProblem;

  private Devices() {}

  /**
   * The session configuration for a model's options, resolving the device (logged once per device).
   *
   * @param options the model's options
   * @return the configuration
   * @throws JerasException when a GPU is required and none is usable, naming the reason
   */
  public static ConfigProto configure(EngineOptions options) {
    ConfigProto.Builder b = ConfigProto.newBuilder();
    boolean useGpu = usesGpu(options.device());
    if (options.logDevicePlacement()) {
      b.setLogDevicePlacement(true); // TensorFlow prints each op's device to stderr
    }
    if (options.intraOpThreads() > 0) {
      b.setIntraOpParallelismThreads(options.intraOpThreads());
    }
    if (options.interOpThreads() > 0) {
      b.setInterOpParallelismThreads(options.interOpThreads());
    }
    if (useGpu) {
      b.setGpuOptions(GPUOptions.newBuilder().setAllowGrowth(true)).setAllowSoftPlacement(true);
      logOnce("GPU", "Device: GPU:0 (TensorFlow {})", org.tensorflow.TensorFlow.version(), "");
    } else {
      b.putDeviceCount("GPU", 0);
      logOnce(
          "CPU",
          "Device: CPU, {} cores (TensorFlow {}){}",
          org.tensorflow.TensorFlow.version(),
          options.device() == DeviceChoice.AUTO && isGpuBuild()
              ? " - GPU not usable: " + gpuProblem
              : "");
    }
    return b.build();
  }

  /**
   * @param device the user's choice
   * @return whether graphs run on a GPU
   * @throws JerasException when a GPU is required and none is usable
   */
  public static boolean usesGpu(DeviceChoice device) {
    return switch (device) {
      case CPU -> false;
      case GPU -> {
        if (!gpuUsable()) {
          throw new JerasException("--device gpu: no usable GPU: " + gpuProblem);
        }
        yield true;
      }
      case AUTO -> gpuUsable();
    };
  }

  private static final Set<String> LOGGED = java.util.concurrent.ConcurrentHashMap.newKeySet();

  private static void logOnce(String device, String format, Object version, String suffix) {
    if (LOGGED.add(device)) {
      if (device.equals("GPU")) {
        LOG.info(format, version);
      } else {
        LOG.info(format, Runtime.getRuntime().availableProcessors(), version, suffix);
      }
    }
  }

  /** /proc/cpuinfo flags for which TensorFlow turns oneDNN on by default on Linux. */
  static final List<String> ONEDNN_DEFAULT_FLAGS =
      List.of("avx512_vnni", "avx512_bf16", "avx_vnni", "amx_tile", "amx_int8", "amx_bf16");

  /**
   * Whether TensorFlow runs its oneDNN CPU kernels in this process, by its own rule: {@value
   * #ONEDNN_VARIABLE} when set to 0, 1, false or true, else on for Linux CPUs with AVX-512 VNNI or
   * BF16, AVX-VNNI or AMX (read from /proc/cpuinfo; elsewhere, off).
   *
   * @return whether oneDNN is on
   */
  public static boolean oneDnnOn() {
    return oneDnnOn(System.getenv(ONEDNN_VARIABLE), CpuFlags.FLAGS);
  }

  /** The CPU's flags and model name, read once. */
  private static final class CpuFlags {
    static final Set<String> FLAGS = cpuFlags();
    static final String MODEL = cpuInfo("model name");
  }

  /**
   * @return the first processor's flags in /proc/cpuinfo, read once; empty where there is none
   */
  public static Set<String> cpuFlagsOnce() {
    return CpuFlags.FLAGS;
  }

  /**
   * @return the first processor's model name in /proc/cpuinfo, or the JVM's os.arch where none
   */
  public static String cpuModelOnce() {
    return CpuFlags.MODEL != null ? CpuFlags.MODEL : System.getProperty("os.arch", "unknown");
  }

  static boolean oneDnnOn(String variable, Set<String> cpuFlags) {
    if (variable != null) {
      String v = variable.strip().toLowerCase(Locale.ROOT);
      if (v.equals("1") || v.equals("true")) {
        return true;
      }
      if (v.equals("0") || v.equals("false")) {
        return false;
      }
    }
    return ONEDNN_DEFAULT_FLAGS.stream().anyMatch(cpuFlags::contains);
  }

  /**
   * @return the first processor's flags in /proc/cpuinfo, empty where there is none
   */
  static Set<String> cpuFlags() {
    String values = cpuInfo("flags");
    return values == null ? Set.of() : new HashSet<>(List.of(values.split("\\s+")));
  }

  /** The first value of a /proc/cpuinfo field, or null. */
  private static String cpuInfo(String field) {
    try {
      for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/cpuinfo"))) {
        if (line.startsWith(field) && line.indexOf(':') > 0) {
          return line.substring(line.indexOf(':') + 1).strip();
        }
      }
    } catch (java.io.IOException | RuntimeException e) {
      LOG.debug("no {} in /proc/cpuinfo: {}", field, e.toString());
    }
    return null;
  }

  /**
   * @return whether this process has TensorFlow's CUDA build on its class path
   */
  public static boolean isGpuBuild() {
    return System.getProperty("java.class.path", "").contains("linux-x86_64-gpu");
  }

  /**
   * @return whether a GPU runs ops here (probed once)
   */
  public static synchronized boolean gpuUsable() {
    if (gpu == null) {
      if (!isGpuBuild()) {
        gpu = false;
        gpuProblem =
            "this build uses TensorFlow's CPU runtime; build with the gpu profile"
                + " (mvn -Pgpu, see docs/gpu.md)"
                + missingCudaSuffix();
      } else {
        gpu = probe();
      }
    }
    return gpu;
  }

  /**
   * @return why no GPU is usable, or null
   */
  public static String gpuProblem() {
    gpuUsable();
    return gpuProblem;
  }

  private static boolean probe() {
    try (Graph g = new Graph()) {
      Ops tf =
          Ops.create(g)
              .withDevice(
                  DeviceSpec.newBuilder()
                      .deviceType(DeviceSpec.DeviceType.GPU)
                      .deviceIndex(0)
                      .build());
      var y = tf.math.add(tf.constant(1f), tf.constant(1f));
      ConfigProto strict =
          ConfigProto.newBuilder()
              .setAllowSoftPlacement(false)
              .setGpuOptions(GPUOptions.newBuilder().setAllowGrowth(true))
              .build();
      try (Session s = new Session(g, strict);
          Result r = s.runner().fetch(y).run()) {
        return ((TFloat32) r.get(0)).getFloat() == 2f;
      }
    } catch (RuntimeException e) {
      String msg = e.getMessage() == null ? e.toString() : e.getMessage().split("\n")[0];
      gpuProblem = "TensorFlow found no GPU device (" + msg + ")" + missingCudaSuffix();
      return false;
    }
  }

  private static String missingCudaSuffix() {
    List<String> missing = missingCudaLibraries();
    return missing.isEmpty()
        ? ""
        : "; CUDA libraries not found by ldconfig: "
            + String.join(", ", missing)
            + " (TF 2.18 needs CUDA 12.5 and cuDNN 9.3)";
  }

  /**
   * @return the CUDA 12 / cuDNN 9 libraries {@code ldconfig -p} does not list (Linux)
   */
  public static List<String> missingCudaLibraries() {
    List<String> missing = new ArrayList<>();
    String ld = ldconfigListing();
    if (ld == null) {
      return missing; // no ldconfig: nothing to report
    }
    Set<String> listed = listedLibraries(ld);
    String[] extraDirs = System.getenv().getOrDefault("LD_LIBRARY_PATH", "").split(":");
    for (String lib : CUDA_LIBRARIES) {
      boolean found = listed.contains(lib);
      for (String dir : extraDirs) {
        found |= !dir.isEmpty() && java.nio.file.Files.exists(java.nio.file.Path.of(dir, lib));
      }
      if (!found) {
        missing.add(lib);
      }
    }
    return missing;
  }

  /**
   * The library names {@code ldconfig -p} lists: the first word of each entry line, so that a name
   * seen only inside another library's path (…/libcudart.so.12.5 for libcudart.so.12) does not
   * count, the same exact match {@code scripts/gpu-check} makes.
   *
   * @param listing the output of {@code ldconfig -p}
   * @return the names, such as {@code libcudart.so.12}
   */
  static Set<String> listedLibraries(String listing) {
    Set<String> names = new HashSet<>();
    for (String line : listing.split("\n")) {
      String t = line.strip();
      int space = t.indexOf(' ');
      if (space > 0 && t.contains("=>")) {
        names.add(t.substring(0, space));
      }
    }
    return names;
  }

  /**
   * @return {@code ldconfig -p}'s output, looked up on the PATH and in /sbin, or null without one
   */
  private static String ldconfigListing() {
    for (String cmd : new String[] {"ldconfig", "/sbin/ldconfig", "/usr/sbin/ldconfig"}) {
      try {
        Process p = new ProcessBuilder(cmd, "-p").redirectErrorStream(true).start();
        StringBuilder listing = new StringBuilder();
        try (BufferedReader r =
            new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
          r.lines().forEach(l -> listing.append(l).append('\n'));
        }
        if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0) {
          return listing.toString();
        }
      } catch (java.io.IOException e) {
        // not at this path: try the next
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
    return null;
  }
}

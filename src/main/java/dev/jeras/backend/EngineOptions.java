package dev.jeras.backend;

import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Properties;

/**
 * How a model's graphs are built and run: the device, how the CPU engine picks kernels, the native
 * kernels' instruction set, where kernel choices are cached, TensorFlow's thread pools. One value
 * per model (set with {@code model.engineOptions(...)} or given to a loader), not a JVM-wide
 * switch: two models in one JVM may differ.
 *
 * <p>{@link #defaults()} reads the {@code jeras.*} system properties once (docs/configuration.md
 * lists them); everything else is fixed in code with the withers.
 *
 * <pre>{@code
 * EngineOptions o = EngineOptions.defaults().withKernels(KernelPolicy.FIXED);
 * model.engineOptions(o.withKernel(KernelSite.TRAIN_CONV, "own"));
 * }</pre>
 *
 * @param device where graphs run (default auto)
 * @param kernels how the CPU engine picks kernels (default tuned)
 * @param pinned kernels fixed per site whatever the policy (default none)
 * @param nativeIsa the native kernels' instruction set (default auto)
 * @param kernelCache the file tuned choices are kept in, or null to keep them in memory only
 *     (default {@code ~/.jeras/kernels.json})
 * @param intraOpThreads threads per TensorFlow kernel, 0 for TensorFlow's default
 * @param interOpThreads threads running independent ops, 0 for TensorFlow's default
 * @param logDevicePlacement whether TensorFlow logs each op's device (stderr)
 */
public record EngineOptions(
    DeviceChoice device,
    KernelPolicy kernels,
    Map<KernelSite, String> pinned,
    NativeIsa nativeIsa,
    Path kernelCache,
    int intraOpThreads,
    int interOpThreads,
    boolean logDevicePlacement) {

  /** System property prefix of every option. */
  public static final String PREFIX = "jeras.";

  /** Checks the values and freezes the map of pinned kernels. */
  public EngineOptions {
    if (device == null || kernels == null || nativeIsa == null || pinned == null) {
      throw new IllegalArgumentException("engine options need a device, a kernel policy and ISA");
    }
    if (intraOpThreads < 0 || interOpThreads < 0) {
      throw new IllegalArgumentException(
          "thread counts must be 0 (TensorFlow's default) or positive, got "
              + intraOpThreads
              + " and "
              + interOpThreads);
    }
    Map<KernelSite, String> copy = new EnumMap<>(KernelSite.class);
    pinned.forEach((site, kernel) -> copy.put(site, site.check(kernel)));
    pinned = Collections.unmodifiableMap(copy);
  }

  /**
   * @return the options given by the {@code jeras.*} system properties (read once per JVM), else
   *     the defaults
   */
  public static EngineOptions defaults() {
    return Defaults.OPTIONS;
  }

  /**
   * @return the built-in defaults, ignoring system properties
   */
  public static EngineOptions builtIn() {
    return new EngineOptions(
        DeviceChoice.AUTO,
        KernelPolicy.TUNED,
        Map.of(),
        NativeIsa.AUTO,
        defaultCacheFile(),
        0,
        0,
        false);
  }

  /**
   * Parses options from properties (the {@code jeras.*} keys; others are ignored).
   *
   * @param props the properties
   * @return the options
   * @throws IllegalArgumentException naming the property and its allowed values
   */
  public static EngineOptions parse(Properties props) {
    EngineOptions o = builtIn();
    for (String key : props.stringPropertyNames()) {
      if (!key.startsWith(PREFIX)) {
        continue;
      }
      String value = props.getProperty(key);
      String name = key.substring(PREFIX.length());
      try {
        o = o.with(name, value);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("-D" + key + ": " + e.getMessage(), e);
      }
    }
    return o;
  }

  /** One option by its property name (without the prefix); unknown jeras.* keys are ignored. */
  private EngineOptions with(String name, String value) {
    if (name.startsWith("kernel.")) {
      return withKernel(KernelSite.of(name.substring("kernel.".length())), value);
    }
    return switch (name) {
      case "device" -> withDevice(DeviceChoice.of(value));
      case "kernels" -> withKernels(KernelPolicy.of(value));
      case "nativeIsa" -> withNativeIsa(NativeIsa.of(value));
      case "kernelCache" ->
          withKernelCache(value.isBlank() || value.equals("none") ? null : Path.of(value));
      case "intraOpThreads" -> withThreads(count(value), interOpThreads);
      case "interOpThreads" -> withThreads(intraOpThreads, count(value));
      case "logDevicePlacement" -> withLogDevicePlacement(bool(value));
      default -> this; // other jeras.* properties belong to other parts (fuzz budgets, tests)
    };
  }

  private static int count(String v) {
    try {
      return Integer.parseInt(v.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("expected a thread count, got '" + v + "'", e);
    }
  }

  private static boolean bool(String v) {
    return switch (v.strip().toLowerCase(java.util.Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException("must be true or false, got '" + v + "'");
    };
  }

  /**
   * @return {@code ~/.jeras/kernels.json}
   */
  public static Path defaultCacheFile() {
    return Path.of(System.getProperty("user.home"), ".jeras", "kernels.json");
  }

  /**
   * @param d the device
   * @return a copy with that device
   */
  public EngineOptions withDevice(DeviceChoice d) {
    return new EngineOptions(
        d,
        kernels,
        pinned,
        nativeIsa,
        kernelCache,
        intraOpThreads,
        interOpThreads,
        logDevicePlacement);
  }

  /**
   * @param k the kernel policy
   * @return a copy with that policy
   */
  public EngineOptions withKernels(KernelPolicy k) {
    return new EngineOptions(
        device,
        k,
        pinned,
        nativeIsa,
        kernelCache,
        intraOpThreads,
        interOpThreads,
        logDevicePlacement);
  }

  /**
   * @param site a kind of place in a graph
   * @param kernel one of the site's candidates
   * @return a copy that always uses that kernel there (where it applies)
   */
  public EngineOptions withKernel(KernelSite site, String kernel) {
    Map<KernelSite, String> p = new EnumMap<>(KernelSite.class);
    p.putAll(pinned);
    p.put(site, site.check(kernel));
    return new EngineOptions(
        device,
        kernels,
        p,
        nativeIsa,
        kernelCache,
        intraOpThreads,
        interOpThreads,
        logDevicePlacement);
  }

  /**
   * @param isa the native kernels' instruction set
   * @return a copy with that choice
   */
  public EngineOptions withNativeIsa(NativeIsa isa) {
    return new EngineOptions(
        device,
        kernels,
        pinned,
        isa,
        kernelCache,
        intraOpThreads,
        interOpThreads,
        logDevicePlacement);
  }

  /**
   * @param file where tuned kernel choices are kept, or null for memory only
   * @return a copy with that cache
   */
  public EngineOptions withKernelCache(Path file) {
    return new EngineOptions(
        device,
        kernels,
        pinned,
        nativeIsa,
        file,
        intraOpThreads,
        interOpThreads,
        logDevicePlacement);
  }

  /**
   * @param intraOp threads per kernel (0: TensorFlow's default)
   * @param interOp threads for independent ops (0: TensorFlow's default)
   * @return a copy with those thread counts
   */
  public EngineOptions withThreads(int intraOp, int interOp) {
    return new EngineOptions(
        device, kernels, pinned, nativeIsa, kernelCache, intraOp, interOp, logDevicePlacement);
  }

  /**
   * @param log whether TensorFlow logs each op's device
   * @return a copy with that setting
   */
  public EngineOptions withLogDevicePlacement(boolean log) {
    return new EngineOptions(
        device, kernels, pinned, nativeIsa, kernelCache, intraOpThreads, interOpThreads, log);
  }

  /** The system properties' options, parsed on first use. */
  private static final class Defaults {
    static final EngineOptions OPTIONS = parse(System.getProperties());
  }
}

package dev.jeras.internal;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Graph;
import org.tensorflow.Operation;

/**
 * What jeras' own gradients ({@link ConvBackprop}, {@link PoolBackprop}) and its choice of oneDNN
 * kernels ({@link OneDnn}) share: the choice between them and TensorFlow's, registration with
 * TensorFlow once per JVM, and facts about the ops they build, noted at build time because a
 * gradient function runs under the graph's lock, where no shape can be read.
 */
final class OwnGradients {
  private static final Logger LOG = LoggerFactory.getLogger(OwnGradients.class);

  private OwnGradients() {}

  /**
   * Whether a jeras gradient chosen by {@code property} ({@code auto}, the default, or {@code
   * tensorflow}) should replace TensorFlow's: with {@code auto}, on the CPU without oneDNN and
   * without a GPU, where TensorFlow's own backprop kernels are the slow ones.
   *
   * @param property the system property naming the choice
   * @return whether to build the jeras gradient's ops
   */
  static boolean wanted(String property) {
    return wanted(property, "tensorflow");
  }

  /**
   * As {@link #wanted(String)}, with another word than {@code tensorflow} for the alternative.
   *
   * @param property the system property naming the choice
   * @param off the value that keeps TensorFlow's kernels
   * @return whether to build jeras' choice of ops
   */
  static boolean wanted(String property, String off) {
    String choice = System.getProperty(property, "auto").toLowerCase(Locale.ROOT);
    if (choice.equals(off)) {
      return false;
    }
    if (!choice.equals("auto")) {
      throw new IllegalArgumentException(
          property + " must be auto or " + off + ", got '" + choice + "'");
    }
    return !Devices.gpuUsable() && !Devices.oneDnnOn();
  }

  /** A registration run once per JVM; its outcome is kept. */
  static final class Registration {
    private final String what;
    private final BooleanSupplier register;
    private Boolean registered;

    /**
     * @param what the gradient, for the log line when it cannot be registered
     * @param register registers it with TensorFlow, false when TensorFlow refuses
     */
    Registration(String what, BooleanSupplier register) {
      this.what = what;
      this.register = register;
    }

    /**
     * @return whether the gradient is registered (false where TensorFlow Java cannot)
     */
    synchronized boolean done() {
      if (registered == null) {
        boolean ok;
        try {
          ok = register.getAsBoolean();
        } catch (UnsupportedOperationException e) {
          ok = false;
        }
        if (!ok) {
          LOG.debug("{} not registered: training uses TensorFlow's", what);
        }
        registered = ok;
      }
      return registered;
    }
  }

  /**
   * A value per op, by graph and op name, for the graph's lifetime.
   *
   * @param <V> the value noted
   */
  static final class Notes<V> {
    private final Map<Graph, Map<String, V>> byGraph = new WeakHashMap<>();

    synchronized void put(Operation op, V value) {
      byGraph.computeIfAbsent((Graph) op.env(), unused -> new HashMap<>()).put(op.name(), value);
    }

    /**
     * @return the value noted for op, or null
     */
    synchronized V get(Operation op) {
      Map<String, V> m = byGraph.get(op.env());
      return m == null ? null : m.get(op.name());
    }
  }
}

package dev.jeras.backend.cpu;

import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Something done with TensorFlow once per JVM (registering a gradient, checking that a kernel
 * runs), whose outcome is kept: TensorFlow Java refuses a second registration of a gradient.
 */
final class Registration {
  private static final Logger LOG = LoggerFactory.getLogger(Registration.class);

  private final String what;
  private final BooleanSupplier action;
  private Boolean done;

  /**
   * @param what what is registered, for the log line when it cannot be
   * @param action does it, false where TensorFlow refuses
   */
  Registration(String what, BooleanSupplier action) {
    this.what = what;
    this.action = action;
  }

  /**
   * @return whether it is done (false where TensorFlow Java cannot do it here)
   */
  synchronized boolean done() {
    if (done == null) {
      boolean ok;
      try {
        ok = action.getAsBoolean();
      } catch (UnsupportedOperationException | LinkageError e) {
        ok = false;
      }
      if (!ok) {
        LOG.debug("{}: not available; TensorFlow's kernels are used instead", what);
      }
      done = ok;
    }
    return done;
  }
}

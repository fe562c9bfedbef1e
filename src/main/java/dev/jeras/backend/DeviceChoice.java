package dev.jeras.backend;

import java.util.Locale;

/**
 * Where a model's graph runs: {@code cpu} hides GPUs from TensorFlow, {@code gpu} requires one (an
 * error names what is missing otherwise), {@code auto} uses a GPU when one is usable.
 */
public enum DeviceChoice {
  /** CPU only. */
  CPU,
  /** A GPU, or an error. */
  GPU,
  /** A GPU when usable, else the CPU (the default). */
  AUTO;

  /**
   * @param name cpu, gpu or auto (any case)
   * @return the choice
   */
  public static DeviceChoice of(String name) {
    return Options.parseEnum(DeviceChoice.class, "device", name);
  }

  /**
   * @return the lower-case name
   */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }
}

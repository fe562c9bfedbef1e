package dev.jeras.applications;

import dev.jeras.JerasException;
import dev.jeras.models.Model;

/** Keras' EfficientNetB0, layer for layer (being written). */
final class EfficientNetB0 {
  private EfficientNetB0() {}

  static Model build(ApplicationOptions options) {
    throw new JerasException("EfficientNetB0: not built yet");
  }
}

package dev.jeras.applications;

import dev.jeras.JerasException;
import dev.jeras.models.Model;

/** Keras' MobileNetV2, layer for layer (being written). */
final class MobileNetV2 {
  private MobileNetV2() {}

  static Model build(ApplicationOptions options) {
    throw new JerasException("MobileNetV2: not built yet");
  }
}

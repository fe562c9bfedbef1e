package dev.jeras.applications;

import dev.jeras.JerasException;
import dev.jeras.models.Model;

/** Keras' ResNet50, layer for layer (being written). */
final class ResNet50 {
  private ResNet50() {}

  static Model build(ApplicationOptions options) {
    throw new JerasException("ResNet50: not built yet");
  }
}

package dev.jeras.applications;

import dev.jeras.JerasException;
import dev.jeras.models.Model;

/** Keras' DenseNet121, layer for layer (being written). */
final class DenseNet121 {
  private DenseNet121() {}

  static Model build(ApplicationOptions options) {
    throw new JerasException("DenseNet121: not built yet");
  }
}

package dev.jeras.applications;

import dev.jeras.JerasException;
import dev.jeras.models.Model;

/** Keras' Vgg16, layer for layer (being written). */
final class Vgg16 {
  private Vgg16() {}

  static Model build(ApplicationOptions options) {
    throw new JerasException("Vgg16: not built yet");
  }
}

/**
 * jeras: a Keras-style DSL for convolutional networks that builds real TensorFlow graphs.
 *
 * <p>Sub-packages: {@code layers} (one class per Keras layer), {@code models} (Sequential,
 * functional Model, summary), {@code training} (compile/fit loop, losses, metrics, optimizers),
 * {@code saving} (Keras JSON, SavedModel), {@code data} (dataset loaders and arrays), {@code cli}
 * (the command line).
 */
package dev.jeras;

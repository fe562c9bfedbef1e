/**
 * The Keras-style face of jeras: {@link dev.jeras.models.Sequential} and the functional {@link
 * dev.jeras.models.Model} with {@code compile}, {@code fit}, {@code evaluate}, {@code predict} and
 * {@code summary}; {@link dev.jeras.models.Predictor}, anything that predicts (a model or a loaded
 * SavedModel); and the reference models by name ({@link dev.jeras.models.Builtins}). A model only
 * delegates: the training loop lives in {@code training}, the file formats in {@code saving}.
 */
package dev.jeras.models;

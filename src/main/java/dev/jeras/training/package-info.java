/**
 * Training: a model's graph and session ({@link dev.jeras.training.Engine}), the compiled training
 * step and the fit and evaluate loops ({@link dev.jeras.training.Trainer}), losses, metrics and
 * optimizers with Keras' names and defaults, {@link dev.jeras.training.FitOptions}, the {@link
 * dev.jeras.training.Callback} interface with {@link dev.jeras.training.FitState}, checkpoints with
 * exact resume, {@link dev.jeras.training.History} and the progress reporter. The ready-made Keras
 * callbacks are in {@code training.callbacks}.
 */
package dev.jeras.training;

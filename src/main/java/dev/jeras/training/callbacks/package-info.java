/**
 * Keras' ready-made training callbacks, each seeing training only through {@link
 * dev.jeras.training.Callback} (nothing here knows the command line). Among them, those that write
 * files to look at: {@link dev.jeras.training.callbacks.TensorBoard} (TensorBoard event files laid
 * out as Keras lays them out, written by the small TFRecord writer {@link
 * dev.jeras.training.callbacks.EventFileWriter}) and {@link
 * dev.jeras.training.callbacks.PlotCurves} (loss and accuracy curves to a PNG, headless).
 */
package dev.jeras.training.callbacks;

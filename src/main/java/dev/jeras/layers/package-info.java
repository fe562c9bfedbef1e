/**
 * One class per Keras layer, with Keras' names and defaults ({@link dev.jeras.layers.Conv2D},
 * {@link dev.jeras.layers.MaxPooling2D}, {@link dev.jeras.layers.BatchNormalization}, {@link
 * dev.jeras.layers.Dense}, ...), and what building a model needs: {@link dev.jeras.layers.Input},
 * symbolic tensors and layer calls ({@link dev.jeras.layers.SymbolicTensor}, {@link
 * dev.jeras.layers.Node}), shapes, activations, initializers, padding, the graph topology ({@link
 * dev.jeras.layers.Network}) and the reading of a layer's Keras config ({@link
 * dev.jeras.layers.LayerConfig}).
 *
 * <p>A layer infers its output shape, declares its weights and wires TensorFlow ops; it knows no
 * fit loop and no file format.
 *
 * <pre>{@code
 * SymbolicTensor in = Input.shape(28, 28, 1);
 * SymbolicTensor h = new Conv2D(32, 3).activation("relu").apply(in);   // (None, 26, 26, 32)
 * }</pre>
 */
package dev.jeras.layers;

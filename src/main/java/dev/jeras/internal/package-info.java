/**
 * Helpers the other packages share and users need not see: the one place that decides layer and
 * variable names ({@link dev.jeras.internal.Naming}), bulk copies between Java arrays and tensors
 * ({@link dev.jeras.internal.Tensors}), a graph's variables with their assign ops ({@link
 * dev.jeras.internal.VariableStore}), and device selection. Not a stable API.
 */
package dev.jeras.internal;

/**
 * Model files, both ways: Keras 3 model JSON ({@link dev.jeras.saving.KerasJson}) through the
 * explicit list of supported layer classes ({@link dev.jeras.saving.LayerRegistry}), {@code .keras}
 * archives with compile config and optimizer state ({@link dev.jeras.saving.KerasFile}), HDF5
 * weights, legacy {@code .h5} models (read), SavedModel export and loading ({@link
 * dev.jeras.saving.SavedModels}, {@link dev.jeras.saving.LoadedSavedModel}), NumPy {@code .npy}
 * arrays and atomic writes. {@link dev.jeras.saving.ModelFiles} chooses the format from the path.
 */
package dev.jeras.saving;

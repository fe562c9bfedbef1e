/**
 * Keras applications built in Java with Keras' own layer names, so that a Keras weights file of the
 * same architecture ({@code .weights.h5}, {@code .keras}, or the legacy {@code .h5} files Keras
 * applications publish) loads into them: {@link dev.jeras.applications.Applications}.
 */
package dev.jeras.applications;

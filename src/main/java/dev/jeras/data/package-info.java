/**
 * Datasets and their files: the MNIST, Fashion-MNIST and CIFAR-10 loaders ({@link
 * dev.jeras.data.Datasets}), the IDX and CIFAR-10 binary readers, the data directory, fetching with
 * checksum verification, and the in-memory arrays ({@link dev.jeras.data.FloatArray}, {@link
 * dev.jeras.data.IntArray}) that training consumes. Knows nothing of models.
 */
package dev.jeras.data;

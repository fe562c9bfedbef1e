/**
 * Datasets and their files: the MNIST, Fashion-MNIST and CIFAR-10 loaders ({@link
 * dev.jeras.data.Datasets}), the IDX and CIFAR-10 binary readers, the data directory, fetching with
 * checksum verification, the in-memory arrays ({@link dev.jeras.data.FloatArray}, {@link
 * dev.jeras.data.IntArray}) that training consumes, and datasets streamed from disk ({@link
 * dev.jeras.data.StreamingDataset}): folders of images ({@link dev.jeras.data.ImageFolder}) decoded
 * by TensorFlow's ops on background threads and prefetched. Knows nothing of models.
 */
package dev.jeras.data;

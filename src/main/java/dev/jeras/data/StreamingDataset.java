package dev.jeras.data;

import java.util.List;

/**
 * A dataset read from storage batch by batch, each pass afresh, instead of held in memory: what
 * {@code fit}, {@code evaluate} and {@code predict} take next to arrays, as Keras takes a {@code
 * tf.data.Dataset}. Memory is bounded by the batches a pass decodes ahead, not by the dataset.
 * {@link ImageFolder} is one.
 *
 * <pre>{@code
 * ImageFolder.Split data = Datasets.imageFolder(Path.of("photos"), new ImageFolderOptions());
 * try (BatchIterator it = data.train().batches()) {
 *   for (Batch next = it.next(); next != null; next = it.next()) {
 *     try (Batch b = next) { ... b.features() ... }
 *   }
 * }
 * }</pre>
 */
public interface StreamingDataset {
  /**
   * @return where the data comes from, for messages ("photos training")
   */
  String name();

  /**
   * @return the number of samples in one pass
   */
  int size();

  /**
   * @return the samples in each batch (the last one may hold fewer)
   */
  int batchSize();

  /**
   * @return the number of batches in one pass
   */
  default int batchCount() {
    return (size() + batchSize() - 1) / batchSize();
  }

  /**
   * @return the shape of one sample's features, (height, width, channels) for images
   */
  long[] featureShape();

  /**
   * @return the shape of one sample's target: () for class indices, (classes) for one-hot, (1) for
   *     binary labels; {@code null} when the dataset has no targets
   */
  long[] targetShape();

  /**
   * @return whether targets are int32 class indices (for the sparse losses) rather than float32
   */
  boolean intTargets();

  /**
   * @return the class names by label index (empty when unknown)
   */
  List<String> classNames();

  /**
   * @return whether {@code fit} should visit the samples in a new order every epoch
   */
  boolean shuffle();

  /**
   * Starts a pass. Batches are prepared ahead in the background and come back in order: the same
   * order gives the same batches, whatever the number of threads.
   *
   * @param order the sample positions to visit, a permutation of {@code 0..size()-1}, or {@code
   *     null} for the natural order
   * @param firstBatch the batch to start at (to resume a pass), 0 for the first
   * @return the batches; close it (it stops the background work and frees what it holds)
   */
  BatchIterator batches(int[] order, int firstBatch);

  /**
   * @return the batches of one pass in the natural order
   */
  default BatchIterator batches() {
    return batches(null, 0);
  }
}

package dev.jeras.data;

/**
 * The batches of one pass over a {@link StreamingDataset}, in order. Close it, also when stopping
 * early: it ends the background decoding and frees the batches prepared ahead.
 */
public interface BatchIterator extends AutoCloseable {
  /**
   * Waits for the next batch.
   *
   * @return the next batch (the caller closes it), or {@code null} after the last one
   * @throws dev.jeras.JerasException when a sample cannot be read (its file named)
   */
  Batch next();

  @Override
  void close();
}

package dev.jeras.serve;

/**
 * Server-side batching ({@code --enable_batching}): requests to the same model version and
 * signature, from any client, are joined into one run of the model (TensorFlow Serving's {@code
 * BatchingParameters}).
 *
 * @param maxBatchSize the most rows (instances) in one run; a larger request is refused (default
 *     1000, TensorFlow Serving's)
 * @param batchTimeoutMicros how long a queued request may wait for others to fill its batch (0: run
 *     as soon as a batch thread is free; the default)
 * @param numBatchThreads how many batches run at once (default: the number of CPUs)
 * @param maxEnqueuedBatches how many full batches may wait; beyond that a request is refused with
 *     503 (default 10)
 */
public record BatchingOptions(
    int maxBatchSize, long batchTimeoutMicros, int numBatchThreads, int maxEnqueuedBatches) {
  /** Validates. */
  public BatchingOptions {
    if (maxBatchSize < 1) {
      throw new IllegalArgumentException("max_batch_size must be at least 1, got " + maxBatchSize);
    }
    if (batchTimeoutMicros < 0) {
      throw new IllegalArgumentException(
          "batch_timeout_micros must not be negative, got " + batchTimeoutMicros);
    }
    if (numBatchThreads < 1) {
      throw new IllegalArgumentException(
          "num_batch_threads must be at least 1, got " + numBatchThreads);
    }
    if (maxEnqueuedBatches < 1) {
      throw new IllegalArgumentException(
          "max_enqueued_batches must be at least 1, got " + maxEnqueuedBatches);
    }
  }

  /**
   * @return TensorFlow Serving's defaults: 1000 rows, no timeout, one thread per CPU, 10 batches
   */
  public static BatchingOptions defaults() {
    return new BatchingOptions(1000, 0, Runtime.getRuntime().availableProcessors(), 10);
  }
}

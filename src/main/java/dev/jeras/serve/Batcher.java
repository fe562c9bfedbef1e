package dev.jeras.serve;

import dev.jeras.data.FloatArray;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Server-side batching: requests for the same model version and signature whose samples have the
 * same shape wait in one queue; a batch thread takes up to {@code max_batch_size} rows from the
 * first queue that is full or whose oldest request has waited {@code batch_timeout_micros} (at once
 * when that is 0), runs them as one batch, and hands each request its rows of the outputs. The
 * queues together hold at most {@code max_batch_size * max_enqueued_batches} rows; beyond that a
 * request is refused (UNAVAILABLE, 503), and a request larger than one batch is refused too
 * (INVALID_ARGUMENT), as TensorFlow Serving does.
 */
final class Batcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Batcher.class);

  private final BatchingOptions options;
  private final Metrics metrics;
  private final long timeoutNanos;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final Map<Key, Queue> queues = new LinkedHashMap<>();
  private final List<Thread> threads = new ArrayList<>();
  private long queuedRows;
  private boolean stopping;

  /** What may share a batch: the same loaded version, signature and sample shapes. */
  private record Key(Servable servable, String signature, String sampleShapes) {}

  private static final class Queue {
    final ArrayDeque<Task> tasks = new ArrayDeque<>();
    long rows;
  }

  /** One request waiting for its rows of a batch. */
  static final class Task {
    final Servable servable;
    final Signatures.Signature signature;
    final List<FloatArray> inputs;
    final int rows;
    final long enqueued = System.nanoTime();
    final CompletableFuture<List<FloatArray>> result = new CompletableFuture<>();
    volatile boolean abandoned;

    Task(Servable servable, Signatures.Signature signature, List<FloatArray> inputs) {
      this.servable = servable;
      this.signature = signature;
      this.inputs = inputs;
      this.rows = (int) inputs.get(0).shape()[0];
    }

    /**
     * @return the outputs, in signature order
     */
    CompletableFuture<List<FloatArray>> result() {
      return result;
    }

    /** Marks the task given up on (its deadline passed): a batch thread skips it. */
    void abandon() {
      abandoned = true;
    }
  }

  Batcher(BatchingOptions options, Metrics metrics) {
    this.options = options;
    this.metrics = metrics;
    this.timeoutNanos = TimeUnit.MICROSECONDS.toNanos(options.batchTimeoutMicros());
    for (int i = 0; i < options.numBatchThreads(); i++) {
      Thread t = new Thread(this::work, "jeras-batch-" + i);
      t.setDaemon(true);
      t.start();
      threads.add(t);
    }
  }

  /**
   * Queues a request; the caller holds a reference to the servable, and the queued task takes one
   * more, released once its batch has run.
   *
   * @param s the version to run
   * @param sig the signature
   * @param inputs the request's inputs, batch dimension first
   * @return the task, whose result completes with the outputs
   */
  Task submit(Servable s, Signatures.Signature sig, List<FloatArray> inputs) {
    Task task = new Task(s, sig, inputs);
    if (task.rows > options.maxBatchSize()) {
      throw ServeException.invalid(
          "Task size "
              + task.rows
              + " is larger than maximum input batch size "
              + options.maxBatchSize());
    }
    StringBuilder shapes = new StringBuilder();
    for (FloatArray x : inputs) {
      long[] d = x.shape();
      shapes.append(Arrays.toString(Arrays.copyOfRange(d, 1, d.length)));
    }
    Key key = new Key(s, sig.key(), shapes.toString());
    lock.lock();
    try {
      if (stopping) {
        throw new ServeException(Status.UNAVAILABLE, "the server is shutting down");
      }
      if (queuedRows + task.rows > (long) options.maxBatchSize() * options.maxEnqueuedBatches()) {
        throw new ServeException(
            Status.UNAVAILABLE,
            "The batch scheduling queue to which this task was submitted is full");
      }
      // the task's own reference (the caller holds one, so this succeeds): a request that gives
      // up on its deadline releases its reference while a batch thread may still be running it
      if (!s.tryAcquire()) {
        throw new ServeException(Status.UNAVAILABLE, "the model version is being unloaded");
      }
      Queue q = queues.computeIfAbsent(key, k -> new Queue());
      q.tasks.add(task);
      q.rows += task.rows;
      queuedRows += task.rows;
      changed.signal();
    } finally {
      lock.unlock();
    }
    return task;
  }

  /**
   * @return the rows waiting in the queues
   */
  long queuedRows() {
    lock.lock();
    try {
      return queuedRows;
    } finally {
      lock.unlock();
    }
  }

  private void work() {
    while (true) {
      List<Task> batch;
      try {
        batch = next();
      } catch (InterruptedException e) {
        return;
      }
      if (batch == null) {
        return;
      }
      run(batch);
    }
  }

  /**
   * @return the next batch, waiting for one to be ready; null when stopping with empty queues
   */
  private List<Task> next() throws InterruptedException {
    lock.lock();
    try {
      while (true) {
        long now = System.nanoTime();
        long wait = Long.MAX_VALUE;
        Iterator<Map.Entry<Key, Queue>> it = queues.entrySet().iterator();
        Key ready = null;
        while (it.hasNext()) {
          Map.Entry<Key, Queue> e = it.next();
          Queue q = e.getValue();
          if (q.tasks.isEmpty()) {
            it.remove();
            continue;
          }
          long waited = now - q.tasks.peek().enqueued;
          if (stopping || q.rows >= options.maxBatchSize() || waited >= timeoutNanos) {
            ready = e.getKey();
            break;
          }
          wait = Math.min(wait, timeoutNanos - waited);
        }
        if (ready != null) {
          Queue q = queues.remove(ready);
          List<Task> batch = new ArrayList<>();
          long rows = 0;
          while (!q.tasks.isEmpty() && rows + q.tasks.peek().rows <= options.maxBatchSize()) {
            Task t = q.tasks.poll();
            rows += t.rows;
            batch.add(t);
          }
          q.rows -= rows;
          queuedRows -= rows;
          if (!q.tasks.isEmpty()) {
            queues.put(ready, q); // to the back: other queues go first next time
            changed.signal();
          }
          return batch;
        }
        if (stopping) {
          return null;
        }
        if (wait == Long.MAX_VALUE) {
          changed.await();
        } else {
          changed.awaitNanos(wait);
        }
      }
    } finally {
      lock.unlock();
    }
  }

  private void run(List<Task> all) {
    try {
      runLive(all.stream().filter(t -> !t.abandoned).toList());
    } finally {
      all.forEach(t -> t.servable.release());
    }
  }

  private void runLive(List<Task> batch) {
    if (batch.isEmpty()) {
      return;
    }
    Task first = batch.get(0);
    int rows = batch.stream().mapToInt(t -> t.rows).sum();
    try {
      List<FloatArray> inputs = new ArrayList<>();
      for (int i = 0; i < first.inputs.size(); i++) {
        inputs.add(concat(batch, i, rows));
      }
      List<FloatArray> outputs = first.servable.run(first.signature, inputs);
      metrics.batch(first.servable.model(), rows);
      int from = 0;
      for (Task t : batch) {
        List<FloatArray> mine = new ArrayList<>();
        for (int o = 0; o < outputs.size(); o++) {
          FloatArray out = outputs.get(o);
          if (out.shape().length == 0 || out.shape()[0] != rows) {
            throw new ServeException(
                Status.INTERNAL,
                "output "
                    + first.signature.outputKeys().get(o)
                    + " has shape "
                    + Signatures.shape(out.shape())
                    + " for a batch of "
                    + rows
                    + " rows: it cannot be split between the batched requests");
          }
          mine.add(out.slice(from, from + t.rows));
        }
        from += t.rows;
        t.result.complete(mine);
      }
    } catch (RuntimeException e) {
      if (!(e instanceof ServeException)) {
        LOG.debug("batch of {} rows failed", rows, e);
      }
      batch.forEach(t -> t.result.completeExceptionally(e));
    } catch (Error e) {
      batch.forEach(t -> t.result.completeExceptionally(e));
      throw e;
    }
  }

  private static FloatArray concat(List<Task> batch, int input, int rows) {
    if (batch.size() == 1) {
      return batch.get(0).inputs.get(input);
    }
    long[] shape = batch.get(0).inputs.get(input).shape().clone();
    shape[0] = rows;
    int per = batch.get(0).inputs.get(input).data().length / batch.get(0).rows;
    float[] data = new float[rows * per];
    int at = 0;
    for (Task t : batch) {
      float[] d = t.inputs.get(input).data();
      System.arraycopy(d, 0, data, at, t.rows * per);
      at += t.rows * per;
    }
    return FloatArray.of(data, shape);
  }

  /** Runs what is queued, then stops the batch threads. */
  @Override
  public void close() {
    lock.lock();
    try {
      stopping = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    for (Thread t : threads) {
      try {
        t.join(30_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}

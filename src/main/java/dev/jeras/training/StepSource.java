package dev.jeras.training;

import dev.jeras.data.Batch;
import dev.jeras.data.BatchIterator;
import dev.jeras.data.FloatArray;
import dev.jeras.data.NumericArray;
import dev.jeras.data.StreamingDataset;
import dev.jeras.internal.Prefetcher;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Tensor;

/**
 * Where one pass of {@code fit} or {@code evaluate} draws its batches from: arrays in memory
 * ({@link #arrays}, each batch assembled on a thread of its own while the step before it runs) or a
 * {@link StreamingDataset} ({@link #stream}, batches prepared ahead on its own threads). The loops
 * are the same for both.
 */
abstract class StepSource {
  /**
   * One step's tensors.
   *
   * @param size the samples in it
   * @param x one tensor per model input
   * @param y one tensor per model output
   * @param owner frees the tensors
   */
  record Feed(int size, List<Tensor> x, List<Tensor> y, AutoCloseable owner)
      implements AutoCloseable {
    @Override
    public void close() {
      try {
        owner.close();
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** The steps of one pass, in order. */
  interface Pass extends AutoCloseable {
    /**
     * @return the next step (the caller closes it), or null after the last
     */
    Feed next();

    @Override
    void close();
  }

  /**
   * @return the samples in one pass
   */
  abstract int samples();

  /**
   * @return the steps in one pass
   */
  abstract int steps();

  /**
   * @return whether fit visits the samples in a new order every epoch
   */
  abstract boolean shuffle();

  /**
   * @param order a permutation of the samples, or null for their natural order
   * @param firstStep the step to start at
   * @return the pass; close it
   */
  abstract Pass pass(int[] order, int firstStep);

  /**
   * @param xs one array per input
   * @param ys one array per output
   * @param batchSize the batch size
   * @param sparse per output, whether its targets become int32 class indices
   * @param shuffle whether fit reshuffles every epoch
   * @return batches of the arrays
   */
  static StepSource arrays(
      List<FloatArray> xs,
      List<NumericArray> ys,
      int batchSize,
      boolean[] sparse,
      boolean shuffle) {
    return arrays(xs, ys, batchSize, sparse, shuffle, 0, 1);
  }

  /**
   * Batches of which this process feeds one part: of every batch of {@code b} samples, part {@code
   * r} of {@code n} is rows {@code [b r / n, b (r + 1) / n)}. A step's {@link Feed#size} is the
   * whole batch's (the loss and sums a cluster's step returns are the whole batch's); its tensors
   * hold the part, which may be empty when the last batch is smaller than {@code n}.
   *
   * @param xs one array per input
   * @param ys one array per output
   * @param batchSize the (global) batch size
   * @param sparse per output, whether its targets become int32 class indices
   * @param shuffle whether fit reshuffles every epoch
   * @param part this process' part, from 0
   * @param parts the number of parts
   * @return batches of the arrays
   */
  static StepSource arrays(
      List<FloatArray> xs,
      List<NumericArray> ys,
      int batchSize,
      boolean[] sparse,
      boolean shuffle,
      int part,
      int parts) {
    return new StepSource() {
      @Override
      int samples() {
        return xs.get(0).count();
      }

      @Override
      int steps() {
        return (samples() + batchSize - 1) / batchSize;
      }

      @Override
      boolean shuffle() {
        return shuffle;
      }

      @Override
      Pass pass(int[] order, int firstStep) {
        Batches batches = new Batches();
        // each step's batch is assembled on a thread of its own while the step before it runs:
        // gathering shuffled rows into tensors then no longer delays the training step
        Prefetcher<Feed> ahead =
            new Prefetcher<>(
                Math.max(0, steps() - firstStep),
                1,
                1,
                i -> feed(batches, order, firstStep + i),
                "jeras-batches");
        return new Pass() {
          @Override
          public Feed next() {
            return ahead.next();
          }

          @Override
          public void close() {
            ahead.close();
          }
        };
      }

      /** The batch of one step (batches' buffers are reused: one thread calls this at a time). */
      private Feed feed(Batches batches, int[] order, int step) {
        int from = step * batchSize;
        int to = Math.min(samples(), from + batchSize);
        int size = to - from;
        if (parts > 1) {
          long b = size;
          int start = from;
          from = start + (int) (b * part / parts);
          to = start + (int) (b * (part + 1) / parts);
        }
        List<Tensor> bx = new ArrayList<>(xs.size());
        List<Tensor> by = new ArrayList<>(ys.size());
        AutoCloseable owner =
            () -> {
              bx.forEach(Tensor::close);
              by.forEach(Tensor::close);
            };
        try {
          for (FloatArray x : xs) {
            bx.add(batches.batch(x, order, from, to, false));
          }
          for (int i = 0; i < ys.size(); i++) {
            by.add(batches.batch(ys.get(i), order, from, to, sparse[i]));
          }
        } catch (RuntimeException e) {
          bx.forEach(Tensor::close);
          by.forEach(Tensor::close);
          throw e;
        }
        return new Feed(size, bx, by, owner);
      }
    };
  }

  /**
   * @param data a streaming dataset with targets (single input, single output)
   * @return its batches
   */
  static StepSource stream(StreamingDataset data) {
    return new StepSource() {
      @Override
      int samples() {
        return data.size();
      }

      @Override
      int steps() {
        return data.batchCount();
      }

      @Override
      boolean shuffle() {
        return data.shuffle();
      }

      @Override
      Pass pass(int[] order, int firstStep) {
        BatchIterator it = data.batches(order, firstStep);
        return new Pass() {
          @Override
          public Feed next() {
            Batch b = it.next();
            if (b == null) {
              return null;
            }
            List<Tensor> y = b.targets() == null ? List.of() : List.of(b.targets());
            return new Feed(b.size(), List.of(b.features()), y, b);
          }

          @Override
          public void close() {
            it.close();
          }
        };
      }
    };
  }
}

package dev.jeras.training;

import dev.jeras.data.Batch;
import dev.jeras.data.BatchIterator;
import dev.jeras.data.FloatArray;
import dev.jeras.data.NumericArray;
import dev.jeras.data.StreamingDataset;
import dev.jeras.internal.Prefetcher;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.tensorflow.Tensor;

/**
 * Where one pass of {@code fit} or {@code evaluate} draws its batches from: arrays in memory
 * ({@link #arrays}, each batch assembled on a thread of its own while the step before it runs) or a
 * {@link StreamingDataset} ({@link #stream}, batches prepared ahead on its own threads). The loops
 * are the same for both.
 */
abstract class StepSource {
  /** Batches of arrays prepared ahead: at most this many, and at most about this many bytes. */
  private static final int MAX_AHEAD = 8;

  private static final long AHEAD_BYTES = 16L << 20;

  /**
   * One step's tensors.
   *
   * @param size the samples in it
   * @param x one tensor per model input
   * @param y one tensor per model output
   * @param owner frees the tensors (or hands a slot's back)
   * @param slot the pass' reused tensors these are, or null for tensors of this step alone
   */
  record Feed(int size, List<Tensor> x, List<Tensor> y, AutoCloseable owner, Slot slot)
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

  /**
   * Tensors that a pass over arrays refills step after step instead of allocating new ones, and
   * what the trainer prepared for them: feeding the same tensors lets it run the same prepared
   * session call every time.
   */
  static final class Slot {
    final List<Tensor> x;
    final List<Tensor> y;

    /** Set while a step's batch is in these tensors, from its gathering to the step's end. */
    final AtomicBoolean busy = new AtomicBoolean();

    /** The trainer's prepared call for these tensors, or null; see {@link Trainer#trainStep}. */
    Object prepared;

    Slot(List<Tensor> x, List<Tensor> y) {
      this.x = x;
      this.y = y;
    }

    void close() {
      x.forEach(Tensor::close);
      y.forEach(Tensor::close);
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
        int steps = Math.max(0, steps() - firstStep);
        // each step's batch is assembled on a thread of its own while the steps before it run:
        // gathering shuffled rows into tensors then no longer delays the training step. Full
        // batches go to tensors reused round-robin (depth + 1 of them: the one a step feeds and
        // those prepared ahead), handed to the thread in bursts of depth / 2
        int depth = (int) Math.max(1, Math.min(MAX_AHEAD, AHEAD_BYTES / Math.max(1, batchBytes())));
        Slot[] slots = new Slot[depth + 1];
        Prefetcher<Feed> ahead =
            new Prefetcher<>(
                steps,
                1,
                depth,
                depth / 2,
                i -> feed(batches, order, firstStep + i, slots, i % slots.length),
                "jeras-batches");
        return new Pass() {
          @Override
          public Feed next() {
            return ahead.next();
          }

          @Override
          public void close() {
            ahead.close();
            for (Slot s : slots) {
              if (s != null) {
                s.close();
              }
            }
          }
        };
      }

      /** The bytes of one full batch's tensors (floats and int32 labels alike: 4 a value). */
      private long batchBytes() {
        long values = 0;
        for (FloatArray x : xs) {
          values += x.sampleSize();
        }
        for (NumericArray y : ys) {
          values += y.sampleSize();
        }
        return values * 4 * batchSize;
      }

      /** Rows {@code [from, to)} of the step's batch that this process feeds. */
      private int[] rows(int step) {
        int from = step * batchSize;
        int to = Math.min(samples(), from + batchSize);
        if (parts > 1) {
          long b = to - from;
          int start = from;
          from = start + (int) (b * part / parts);
          to = start + (int) (b * (part + 1) / parts);
        }
        return new int[] {from, to};
      }

      /**
       * The batch of one step (batches' buffers are reused: one thread calls this at a time): into
       * slot {@code s}'s tensors when the batch is full and the slot free, else new tensors.
       */
      private Feed feed(Batches batches, int[] order, int step, Slot[] slots, int s) {
        int size = Math.min(samples(), (step + 1) * batchSize) - step * batchSize;
        int[] r = rows(step);
        int from = r[0];
        int to = r[1];
        if (size == batchSize) {
          if (slots[s] == null) {
            slots[s] = slot(to - from);
          }
          Slot slot = slots[s];
          if (slot.busy.compareAndSet(false, true)) {
            try {
              fill(batches, order, from, to, slot.x, slot.y);
            } catch (RuntimeException e) {
              slot.busy.set(false);
              throw e;
            }
            return new Feed(size, slot.x, slot.y, () -> slot.busy.set(false), slot);
          }
        }
        Slot own = slot(to - from); // this step's alone: freed when the step ends
        try {
          fill(batches, order, from, to, own.x, own.y);
        } catch (RuntimeException e) {
          own.close();
          throw e;
        }
        return new Feed(size, own.x, own.y, own::close, null);
      }

      private Slot slot(int rows) {
        List<Tensor> bx = new ArrayList<>(xs.size());
        List<Tensor> by = new ArrayList<>(ys.size());
        try {
          for (FloatArray x : xs) {
            bx.add(Batches.allocate(x, rows, false));
          }
          for (int i = 0; i < ys.size(); i++) {
            by.add(Batches.allocate(ys.get(i), rows, sparse[i]));
          }
        } catch (RuntimeException e) {
          bx.forEach(Tensor::close);
          by.forEach(Tensor::close);
          throw e;
        }
        return new Slot(bx, by);
      }

      private void fill(
          Batches batches, int[] order, int from, int to, List<Tensor> bx, List<Tensor> by) {
        for (int i = 0; i < xs.size(); i++) {
          batches.fill(xs.get(i), order, from, to, false, bx.get(i));
        }
        for (int i = 0; i < ys.size(); i++) {
          batches.fill(ys.get(i), order, from, to, sparse[i], by.get(i));
        }
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
            return new Feed(b.size(), List.of(b.features()), y, b, null);
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

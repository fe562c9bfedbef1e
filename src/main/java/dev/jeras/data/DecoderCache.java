package dev.jeras.data;

import java.lang.ref.Cleaner;

/**
 * The decoding graph shared by the subsets of one image folder, built on the first pass and kept
 * for the next ones (building it and running it the first time takes a few hundred milliseconds,
 * which every epoch would otherwise wait for). Passes lease it; {@link #close} frees it once no
 * pass uses it, and a later pass builds it again. When the folder's subsets are no longer
 * reachable, a cleaner frees it too.
 */
final class DecoderCache {
  private static final Cleaner CLEANER = Cleaner.create();

  private final State state;

  /** What the cleaner may touch: never the objects that own the cache. */
  private static final class State implements Runnable {
    private final ImageDecoder.Config config;
    private final int batchSize;
    private ImageDecoder decoder;
    private int leases;
    private boolean closeWhenIdle;

    State(ImageDecoder.Config config, int batchSize) {
      this.config = config;
      this.batchSize = batchSize;
    }

    @Override
    public synchronized void run() {
      if (decoder == null) {
        return;
      }
      if (leases == 0) {
        decoder.close();
        decoder = null;
      } else {
        closeWhenIdle = true;
      }
    }
  }

  /**
   * @param config what images become
   * @param batchSize the batch size (the decoder is built for it and for single images)
   * @param owner frees the decoder when it becomes unreachable
   */
  DecoderCache(ImageDecoder.Config config, int batchSize, Object owner) {
    this.state = new State(config, batchSize);
    CLEANER.register(owner, state);
  }

  /**
   * @return the decoder, built if needed; give it back with {@link #release()}
   */
  ImageDecoder acquire() {
    synchronized (state) {
      if (state.decoder == null) {
        state.decoder = new ImageDecoder(state.config, state.batchSize, 1);
      }
      state.closeWhenIdle = false;
      state.leases++;
      return state.decoder;
    }
  }

  /** Ends a lease. */
  void release() {
    synchronized (state) {
      state.leases--;
      if (state.leases == 0 && state.closeWhenIdle) {
        state.decoder.close();
        state.decoder = null;
        state.closeWhenIdle = false;
      }
    }
  }

  /** Frees the decoder now, or when the passes using it end. */
  void close() {
    state.run();
  }
}

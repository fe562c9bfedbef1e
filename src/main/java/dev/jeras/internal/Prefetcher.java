package dev.jeras.internal;

import dev.jeras.JerasException;
import java.util.ArrayDeque;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * Runs numbered tasks on background threads, at most {@code depth} ahead of the consumer, and hands
 * their results back in task order: the order of results never depends on the number of threads or
 * on which finishes first, and memory holds at most {@code depth} results at a time.
 *
 * @param <T> the results, closed here when the consumer will not receive them
 */
public final class Prefetcher<T extends AutoCloseable> implements AutoCloseable {
  private static final AtomicInteger POOLS = new AtomicInteger();

  private final ExecutorService pool;
  private final ArrayDeque<Future<T>> window = new ArrayDeque<>();
  private final IntFunction<T> task;
  private final int tasks;
  private final int ahead;
  private final int refillAt;
  private int submitted;
  private boolean closed;

  /**
   * A prefetcher that tops its window up at every {@link #next}.
   *
   * @param tasks the number of tasks, numbered 0..tasks-1
   * @param threads the background threads
   * @param depth the most results prepared ahead (at least the threads, to keep them busy)
   * @param task computes result i
   * @param name names the threads ("jeras-decode")
   */
  public Prefetcher(int tasks, int threads, int depth, IntFunction<T> task, String name) {
    this(tasks, threads, depth, Integer.MAX_VALUE, task, name);
  }

  /**
   * @param tasks the number of tasks, numbered 0..tasks-1
   * @param threads the background threads
   * @param depth the most results prepared ahead (at least the threads, to keep them busy)
   * @param refillAt the window is topped up only once it holds at most this many tasks: handing
   *     tasks over in bursts wakes a parked worker once per burst instead of once per result (each
   *     wake-up costs tens of microseconds on some virtual machines, a tiny training step's batch
   *     gather far less)
   * @param task computes result i
   * @param name names the threads ("jeras-decode")
   */
  public Prefetcher(
      int tasks, int threads, int depth, int refillAt, IntFunction<T> task, String name) {
    this.tasks = tasks;
    this.task = task;
    int pool = POOLS.incrementAndGet();
    AtomicInteger count = new AtomicInteger();
    ThreadFactory factory =
        r -> {
          Thread t = new Thread(r, name + "-" + pool + "-" + count.incrementAndGet());
          t.setDaemon(true);
          return t;
        };
    this.pool = Executors.newFixedThreadPool(Math.max(1, Math.min(threads, tasks)), factory);
    this.ahead = Math.max(depth, threads);
    this.refillAt = Math.min(refillAt, ahead - 1);
    fill();
  }

  private void fill() {
    while (submitted < tasks && window.size() < ahead) {
      submit();
    }
  }

  private void submit() {
    final int i = submitted++;
    window.add(pool.submit(() -> task.apply(i)));
  }

  /**
   * Waits for the next result in order.
   *
   * @return the result of the next task, or {@code null} after the last
   * @throws RuntimeException what the task threw
   */
  public T next() {
    if (closed) {
      throw new IllegalStateException("the pass was closed");
    }
    Future<T> f = window.poll();
    if (f == null) {
      return null;
    }
    if (window.size() <= refillAt) {
      fill();
    }
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new JerasException("interrupted while waiting for data", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new JerasException("preparing data failed: " + cause, cause);
    }
  }

  /**
   * Stops the threads: tasks not started are dropped, results not handed out are closed. Waits for
   * running tasks (they may use resources the caller frees next), even when interrupted.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Future<T> f : window) {
      f.cancel(false);
    }
    boolean interrupted = false;
    for (Future<T> f : window) {
      while (true) {
        try {
          T t = f.get();
          if (t != null) {
            t.close();
          }
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (CancellationException | ExecutionException ignored) {
          break; // not started, or failed: nothing to free
        } catch (Exception ignored) {
          break; // a failing close of a result nobody uses
        }
      }
    }
    window.clear();
    pool.shutdown();
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}

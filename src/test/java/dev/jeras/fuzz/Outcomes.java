package dev.jeras.fuzz;

import dev.jeras.JerasException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs one parse under a time limit and sorts its outcome: a value, a documented {@link
 * JerasException}, or a property failure ({@link AssertionError}) for anything else: another
 * exception, an {@link Error} such as {@code OutOfMemoryError}, or no answer within the limit (a
 * hang; the stuck thread is abandoned as a daemon).
 */
final class Outcomes {
  /** Limit for a byte parser (IDX, CIFAR, .npy, JSON): they take milliseconds. */
  static final Duration FAST = Duration.ofSeconds(20);

  /** Limit for a parse that opens TensorFlow (weights, .keras, SavedModel). */
  static final Duration SLOW = Duration.ofSeconds(90);

  private static ExecutorService worker = newWorker();

  private Outcomes() {}

  private static ExecutorService newWorker() {
    return Executors.newSingleThreadExecutor(
        r -> {
          Thread t = new Thread(r, "fuzz-parse");
          t.setDaemon(true);
          return t;
        });
  }

  /**
   * @param limit how long the parse may take
   * @param parse the parse
   * @return its value
   * @throws JerasException what the parser threw, when it is one
   * @throws AssertionError for any other throwable, or when the limit passed
   */
  static synchronized <T> T within(Duration limit, Callable<T> parse) {
    Future<T> f = worker.submit(parse);
    try {
      return f.get(limit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      worker.shutdownNow();
      worker = newWorker();
      throw new AssertionError("no result after " + limit.toSeconds() + " s: the parser hangs");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof JerasException j) {
        throw j;
      }
      throw new AssertionError(
          "undocumented " + cause.getClass().getName() + ": " + cause.getMessage(), cause);
    }
  }

  /** Counts an accepted input in the property's statistics. */
  static void accepted() {
    net.jqwik.api.statistics.Statistics.collect("accepted");
  }

  /**
   * @return the exception's type for the statistics; with {@code -Djeras.fuzz.detail=true} also the
   *     gist of its message (digits and paths masked), to see which checks the inputs reach
   */
  private static String category(JerasException e) {
    if (!Boolean.getBoolean("jeras.fuzz.detail")) {
      return e.getClass().getSimpleName();
    }
    String m = String.valueOf(e.getMessage()).replaceAll("\\S*/\\S*|[0-9]+", "#");
    int colon = m.indexOf(": ");
    String gist = colon < 0 ? m : m.substring(colon + 2);
    gist = gist.length() > 60 ? gist.substring(0, 60) : gist;
    return e.getClass().getSimpleName() + ": " + gist;
  }

  /**
   * Asserts that a parser's exception is of a documented type and names where the input came from.
   *
   * @param e the exception
   * @param documented the types the parser documents
   * @param names one of them must appear in the message (a file name, a source name)
   */
  @SafeVarargs
  static void assertDocumented(
      JerasException e, String[] names, Class<? extends JerasException>... documented) {
    boolean typed = documented.length == 0;
    StringBuilder expected = new StringBuilder();
    for (Class<? extends JerasException> c : documented) {
      typed |= c.isInstance(e);
      expected.append(expected.length() == 0 ? "" : ", ").append(c.getSimpleName());
    }
    if (!typed) {
      throw new AssertionError(
          "expected one of " + expected + ", got " + e.getClass().getName() + ": " + e.getMessage(),
          e);
    }
    String m = e.getMessage();
    net.jqwik.api.statistics.Statistics.collect(category(e));
    if (m == null || Arrays.stream(names).noneMatch(m::contains)) {
      throw new AssertionError("the message names none of " + Arrays.toString(names) + ": " + m, e);
    }
    if (m.length() > 4000) {
      throw new AssertionError(
          "message of "
              + m.length()
              + " characters (unreadable on one line): "
              + m.substring(0, 300)
              + "...",
          e);
    }
  }
}

package dev.jeras.training.callbacks;

import dev.jeras.training.Callback;
import dev.jeras.training.FitState;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * A callback assembled from lambdas, as Keras' {@code LambdaCallback}.
 *
 * <pre>{@code
 * LambdaCallback.onEpochEnd((epoch, logs) -> System.out.println(epoch + " " + logs))
 * new LambdaCallback().epochEnd((e, l) -> ...).trainEnd(h -> ...)
 * }</pre>
 */
public final class LambdaCallback implements Callback {
  private Consumer<FitState> trainBegin = s -> {};
  private BiConsumer<Integer, Map<String, Double>> epochEnd = (e, l) -> {};
  private BiConsumer<Integer, Map<String, Double>> batchEnd = (b, l) -> {};
  private Consumer<dev.jeras.training.History> trainEnd = h -> {};

  /**
   * @return a callback that runs {@code f(epoch, logs)} after each epoch
   */
  public static LambdaCallback onEpochEnd(BiConsumer<Integer, Map<String, Double>> f) {
    return new LambdaCallback().epochEnd(f);
  }

  /**
   * @return this, running {@code f(state)} before training
   */
  public LambdaCallback trainBegin(Consumer<FitState> f) {
    trainBegin = f;
    return this;
  }

  /**
   * @return this, running {@code f(epoch, logs)} after each epoch
   */
  public LambdaCallback epochEnd(BiConsumer<Integer, Map<String, Double>> f) {
    epochEnd = f;
    return this;
  }

  /**
   * @return this, running {@code f(step, logs)} after each batch
   */
  public LambdaCallback batchEnd(BiConsumer<Integer, Map<String, Double>> f) {
    batchEnd = f;
    return this;
  }

  /**
   * @return this, running {@code f(history)} after training
   */
  public LambdaCallback trainEnd(Consumer<dev.jeras.training.History> f) {
    trainEnd = f;
    return this;
  }

  @Override
  public void onTrainBegin(FitState state) {
    trainBegin.accept(state);
  }

  @Override
  public void onBatchEnd(int step, Map<String, Double> logs, FitState state) {
    batchEnd.accept(step, logs);
  }

  @Override
  public void onEpochEnd(int epoch, Map<String, Double> logs, FitState state) {
    epochEnd.accept(epoch, logs);
  }

  @Override
  public void onTrainEnd(dev.jeras.training.History history, FitState state) {
    trainEnd.accept(history);
  }
}

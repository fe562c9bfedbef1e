package dev.jeras.data;

import java.util.List;

/**
 * Features and targets of one split of a dataset, with a name used in error messages.
 *
 * @param name where the data came from, for messages ("mnist train")
 * @param x features, first axis = samples
 * @param y targets (labels or arrays), same number of samples as {@code x}
 */
public record Dataset(String name, FloatArray x, NumericArray y) {
  /** Checks that x and y hold the same number of samples. */
  public Dataset {
    if (x.count() != y.count()) {
      throw new IllegalArgumentException(
          name + ": x has " + x.count() + " samples but y has " + y.count());
    }
  }

  /**
   * @return the number of samples
   */
  public int size() {
    return x.count();
  }

  /**
   * @return the first {@code n} samples (or all, if fewer)
   */
  public Dataset limit(int n) {
    int k = Math.min(n, size());
    return new Dataset(name, x.slice(0, k), y.slice(0, k));
  }

  /**
   * A train split and a test split with the names of the classes.
   *
   * @param train the training split
   * @param test the test split
   * @param classNames class names by label index (empty when unknown)
   */
  public record Split(Dataset train, Dataset test, List<String> classNames) {}
}

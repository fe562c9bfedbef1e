package dev.jeras.cli;

import dev.jeras.data.Dataset;
import dev.jeras.data.Datasets;
import dev.jeras.data.ImageFolder;
import dev.jeras.data.ImageFolderOptions;
import dev.jeras.models.Model;
import dev.jeras.training.FitOptions;
import dev.jeras.training.History;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code jeras train} trains and tests on: a built-in dataset held in memory, or a folder of
 * images streamed from disk ({@code train/} + {@code test/}, or class folders directly).
 */
abstract class TrainingData implements AutoCloseable {
  /**
   * @return one line saying what the data is and where it comes from
   */
  abstract String describe();

  /**
   * @return the number of training samples
   */
  abstract int trainSize();

  /**
   * @return whether fit reports validation metrics
   */
  abstract boolean hasValidation();

  /**
   * @return trains the model
   */
  abstract History fit(Model m, FitOptions fit);

  /**
   * @return the test split's loss and accuracy, or null without a test split
   */
  abstract Map<String, Double> test(Model m);

  /**
   * @return the number of images skipped as unreadable (0 for built-in datasets)
   */
  int skipped() {
    return 0;
  }

  @Override
  public void close() {}

  /** A built-in dataset: Keras' validation split of arrays (the last fraction). */
  static TrainingData builtin(String name, Path dir, Integer limit, double validationSplit) {
    Dataset.Split split = Datasets.load(name, dir);
    Dataset train = limit == null ? split.train() : split.train().limit(limit);
    return new TrainingData() {
      @Override
      String describe() {
        return String.format(
            Locale.ROOT,
            "Data %s: %,d training and %,d test samples, from %s",
            name,
            train.size(),
            split.test().size(),
            dir);
      }

      @Override
      int trainSize() {
        return train.size();
      }

      @Override
      boolean hasValidation() {
        return validationSplit > 0;
      }

      @Override
      History fit(Model m, FitOptions fit) {
        return m.fit(train.x(), train.y(), fit.validationSplit(validationSplit));
      }

      @Override
      Map<String, Double> test(Model m) {
        return m.evaluate(split.test().x(), split.test().y(), 256);
      }
    };
  }

  /** An image folder: validation from the split (Keras' files) or {@code validation/}. */
  static TrainingData folder(Path dir, ImageFolderOptions options, Integer limit) {
    ImageFolder.Split split = Datasets.imageFolder(dir, options);
    ImageFolder train = limit == null ? split.train() : split.train().limit(limit);
    return new TrainingData() {
      @Override
      String describe() {
        long[] s = train.featureShape();
        return String.format(
            Locale.ROOT,
            "Data %s: %,d training, %,d validation and %,d test images of %d classes %s,"
                + " decoded to %dx%dx%d",
            dir,
            train.size(),
            split.validation() == null ? 0 : split.validation().size(),
            split.test() == null ? 0 : split.test().size(),
            split.classNames().size(),
            split.classNames(),
            s[0],
            s[1],
            s[2]);
      }

      @Override
      int trainSize() {
        return train.size();
      }

      @Override
      boolean hasValidation() {
        return split.validation() != null;
      }

      @Override
      History fit(Model m, FitOptions fit) {
        return m.fit(train, fit.validationData(split.validation()));
      }

      @Override
      Map<String, Double> test(Model m) {
        return split.test() == null ? null : m.evaluate(split.test());
      }

      @Override
      int skipped() {
        return train.skippedFiles().size();
      }

      @Override
      public void close() {
        split.close();
      }
    };
  }
}

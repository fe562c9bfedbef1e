package dev.jeras.data;

import dev.jeras.JerasException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An MNIST-like dataset of four IDX files in {@code <root>/<folder>/}: finds them (raw or gzipped),
 * fetches them when absent, and reads both splits.
 */
final class IdxDataset {
  private static final Logger LOG = LoggerFactory.getLogger(IdxDataset.class);
  static final String TRAIN_IMAGES = "train-images-idx3-ubyte";
  static final String TRAIN_LABELS = "train-labels-idx1-ubyte";
  static final String TEST_IMAGES = "t10k-images-idx3-ubyte";
  static final String TEST_LABELS = "t10k-labels-idx1-ubyte";
  static final List<String> FILES = List.of(TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS);

  private final String name;
  private final List<String> classNames;
  private final Fetcher fetcher;

  /**
   * @param name the dataset's name and folder ("mnist", "fashion-mnist")
   * @param classNames class names by label
   * @param fetcher gets the files when they are absent
   */
  IdxDataset(String name, List<String> classNames, Fetcher fetcher) {
    this.name = name;
    this.classNames = List.copyOf(classNames);
    this.fetcher = fetcher;
  }

  /**
   * Reads {@code <root>/<name>/}, or {@code root} itself when it directly holds the four files;
   * otherwise fetches them into {@code <root>/<name>/} first.
   */
  Dataset.Split load(Path root) {
    Path dir = DataDirectory.datasetDir(root, name);
    if (!fetcher.missing(dir).isEmpty() && fetcher.missing(root).isEmpty()) {
      LOG.info("{}: using the IDX files directly in {}", name, root);
      dir = root;
    } else {
      fetcher.ensure(dir);
    }
    return read(dir, name, classNames);
  }

  /**
   * @param dir a directory holding the four IDX files, each raw or gzipped
   * @param name the dataset's name for messages
   * @param classNames class names by label; labels must be below their count (unless empty)
   * @return train and test split
   */
  static Dataset.Split read(Path dir, String name, List<String> classNames) {
    List<Path> paths = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    for (String f : FILES) {
      Path p = find(dir, f);
      paths.add(p);
      if (p == null) {
        missing.add(f + "[.gz]");
      }
    }
    if (!missing.isEmpty()) {
      throw new JerasException(
          dir + ": expected the IDX files " + FILES + " (each raw or .gz), missing " + missing);
    }
    long t0 = System.nanoTime();
    Dataset train = Idx.readDataset(name + " train", paths.get(0), paths.get(1), classNames.size());
    Dataset test = Idx.readDataset(name + " test", paths.get(2), paths.get(3), classNames.size());
    long[] a = train.x().sampleShape();
    long[] b = test.x().sampleShape();
    if (!Arrays.equals(a, b)) {
      throw new CorruptFileException(
          paths.get(2),
          "image shape",
          NumericArray.format(a) + " as in " + paths.get(0).getFileName(),
          NumericArray.format(b));
    }
    LOG.info(
        "{}: {} train and {} test images {} from {} in {} ms",
        name,
        train.size(),
        test.size(),
        NumericArray.format(a),
        dir,
        (System.nanoTime() - t0) / 1_000_000);
    return new Dataset.Split(train, test, classNames);
  }

  private static Path find(Path dir, String name) {
    for (String n : List.of(name, name + ".gz")) {
      Path p = dir.resolve(n);
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    return null;
  }
}

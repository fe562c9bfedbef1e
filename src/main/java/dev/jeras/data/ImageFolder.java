package dev.jeras.data;

import dev.jeras.JerasException;
import dev.jeras.internal.Prefetcher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A folder of images, one subfolder per class, streamed in batches: Keras' {@code
 * image_dataset_from_directory} as a {@link StreamingDataset}. Made by {@link
 * Datasets#imageFolder}, which also picks up {@code train/}, {@code validation/} and {@code test/}
 * subfolders and Keras' {@code validation_split}.
 *
 * <p>Each pass reads and decodes its images on {@link ImageFolderOptions#threads} background
 * threads, with TensorFlow's own decoding and resizing ops (Keras' pixels), at most {@link
 * ImageFolderOptions#prefetch} batches ahead of the consumer: memory does not grow with the folder.
 * Before decoding, each file's header is read and an image declaring more than {@link
 * ImageFolderOptions#maxImagePixels} pixels is refused. A file that cannot be read or decoded stops
 * the pass with an error naming it, or, with {@code onBadImage("skip")}, is left out with one
 * warning and listed by {@link #skippedFiles()}.
 *
 * <pre>{@code
 * ImageFolder.Split data = Datasets.imageFolder(Path.of("flowers"),
 *     new ImageFolderOptions().imageSize(180, 180).validationSplit(0.2).seed(1337));
 * data.classNames();           // [daisy, dandelion, roses, sunflowers, tulips]
 * model.fit(data.train(), new FitOptions().epochs(10).validationData(data.validation()));
 * }</pre>
 */
public final class ImageFolder implements StreamingDataset, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ImageFolder.class);

  /**
   * The subsets of an image folder.
   *
   * @param train the training images (all of them, less the validation split)
   * @param validation the validation images (the split, or {@code validation/}), or null
   * @param test the images of {@code test/}, or null
   * @param classNames the class names by label
   */
  public record Split(
      ImageFolder train, ImageFolder validation, ImageFolder test, List<String> classNames)
      implements AutoCloseable {
    /** Frees the decoding graph the subsets share (a later pass builds it again). */
    @Override
    public void close() {
      train.close();
    }
  }

  private final String name;
  private final List<Path> files;
  private final int[] labels;
  private final List<String> classNames;
  private final ImageFolderOptions options;
  private final boolean shuffle;
  private final Shared shared;

  /**
   * What the subsets of one folder share: the files skipped so far and the decoding graph, freed
   * when no subset references this any more.
   */
  private static final class Shared {
    final Map<Path, String> skipped = new ConcurrentHashMap<>();
    final DecoderCache decoders;

    Shared(ImageFolderOptions o) {
      decoders = new DecoderCache(o.decoderConfig(), o.batchSize, this);
    }
  }

  private ImageFolder(
      String name,
      List<Path> files,
      int[] labels,
      List<String> classNames,
      ImageFolderOptions options,
      boolean shuffle,
      Shared shared) {
    this.name = name;
    this.files = List.copyOf(files);
    this.labels = labels;
    this.classNames = List.copyOf(classNames);
    this.options = options;
    this.shuffle = shuffle;
    this.shared = shared;
  }

  /**
   * Whether a folder holds images in one of the layouts {@link #open} reads: {@code train/} with
   * class subfolders, or class subfolders directly, at least one of which holds images directly.
   *
   * @param dir a folder
   * @return true for an image folder
   */
  public static boolean looksLikeImageFolder(Path dir) {
    if (dir == null || !Files.isDirectory(dir)) {
      return false;
    }
    Path top = hasSplits(dir) ? dir.resolve("train") : dir;
    for (String c : ImageFolderIndex.classFolders(top)) {
      if (ImageFolderIndex.holdsImages(top.resolve(c))) {
        return true;
      }
    }
    return false;
  }

  /**
   * @param fileName a file name
   * @return whether an image folder reads such a file: .bmp, .gif, .jpeg, .jpg or .png, any case
   */
  public static boolean isImageName(String fileName) {
    return ImageFolderIndex.isImageName(fileName);
  }

  private static boolean hasSplits(Path dir) {
    return Files.isDirectory(dir.resolve("train"))
        && (Files.isDirectory(dir.resolve("test")) || Files.isDirectory(dir.resolve("validation")))
        && !ImageFolderIndex.classFolders(dir.resolve("train")).isEmpty();
  }

  /**
   * Indexes a folder (see {@link Datasets#imageFolder}).
   *
   * @param dir the folder
   * @param options the options (copied)
   * @return its subsets
   */
  static Split open(Path dir, ImageFolderOptions options) {
    ImageFolderOptions o = options.clone();
    if (!Files.isDirectory(dir)) {
      throw new JerasException(dir + ": expected a folder of images, got " + describe(dir));
    }
    if (o.cropToAspectRatio && o.padToAspectRatio) {
      throw new IllegalArgumentException(
          "only one of cropToAspectRatio and padToAspectRatio can be set");
    }
    boolean labelled = !o.labelMode.equals("none");
    // without labels, every image under the folder (as Keras' labels=None)
    boolean splits = labelled && hasSplits(dir);
    Path trainDir = splits ? dir.resolve("train") : dir;
    Path valDir =
        splits && Files.isDirectory(dir.resolve("validation")) ? dir.resolve("validation") : null;
    Path testDir = splits && Files.isDirectory(dir.resolve("test")) ? dir.resolve("test") : null;
    if (valDir != null && o.validationSplit > 0) {
      throw new JerasException(
          dir
              + ": holds a validation/ folder; a validation split of the training images as well"
              + " is ambiguous (leave the split at 0)");
    }
    if (o.shuffle && o.validationSplit > 0 && o.seed == null) {
      throw new IllegalArgumentException(
          "a validation split of shuffled images needs a seed: it decides which images are held"
              + " out, and must be the same for training and validation");
    }
    List<String> classes = labelled ? classes(trainDir, o) : List.of();
    ImageFolderIndex.Listing all =
        labelled
            ? ImageFolderIndex.labelled(trainDir, classes, o.followLinks)
            : new ImageFolderIndex.Listing(ImageFolderIndex.images(trainDir, o.followLinks), null);
    int n = all.files().size();
    if (n == 0) {
      throw new JerasException(
          trainDir
              + ": expected images ("
              + String.join(", ", ImageFolderIndex.EXTENSIONS)
              + "), found none");
    }
    long seed = o.seed != null ? o.seed : new SecureRandom().nextLong() & 0xFFFFFFFFL;
    List<Path> files = all.files();
    int[] labels = all.labels();
    if (o.shuffle) {
      // Keras shuffles the whole list once with NumPy's legacy generator, then splits it
      int[] p = LegacyShuffle.permutation(n, seed);
      List<Path> f = new ArrayList<>(n);
      int[] l = labels == null ? null : new int[n];
      for (int i = 0; i < n; i++) {
        f.add(files.get(p[i]));
        if (l != null) {
          l[i] = labels[p[i]];
        }
      }
      files = f;
      labels = l;
    }
    Shared shared = new Shared(o);
    Path abs = dir.toAbsolutePath().normalize();
    String base = abs.getFileName() == null ? abs.toString() : abs.getFileName().toString();
    int nVal = (int) (o.validationSplit * n);
    if (o.validationSplit > 0 && nVal == 0) {
      throw new JerasException(
          trainDir
              + ": a validation split of "
              + o.validationSplit
              + " of "
              + n
              + " images holds out no image");
    }
    ImageFolder train =
        new ImageFolder(
            base + " training",
            files.subList(0, n - nVal),
            labels == null ? null : Arrays.copyOfRange(labels, 0, n - nVal),
            classes,
            o,
            o.shuffle,
            shared);
    ImageFolder val = null;
    if (nVal > 0) {
      val =
          new ImageFolder(
              base + " validation",
              files.subList(n - nVal, n),
              labels == null ? null : Arrays.copyOfRange(labels, n - nVal, n),
              classes,
              o,
              false,
              shared);
    } else if (valDir != null) {
      val = subset(valDir, base + " validation", classes, o, shared);
    }
    ImageFolder test = testDir == null ? null : subset(testDir, base + " test", classes, o, shared);
    return new Split(train, val, test, classes);
  }

  /** A validation/ or test/ folder: the training classes, files in sorted order. */
  private static ImageFolder subset(
      Path dir, String name, List<String> classes, ImageFolderOptions o, Shared shared) {
    ImageFolderIndex.Listing l;
    if (classes.isEmpty()) {
      l = new ImageFolderIndex.Listing(ImageFolderIndex.images(dir, o.followLinks), null);
    } else {
      Set<String> extra = new HashSet<>(ImageFolderIndex.classFolders(dir));
      extra.removeAll(classes);
      if (!extra.isEmpty()) {
        throw new JerasException(
            dir
                + ": class folders expected among the training classes "
                + classes
                + ", got "
                + extra.stream().sorted(ImageFolderIndex.ORDER).toList()
                + " as well");
      }
      l = ImageFolderIndex.labelled(dir, classes, o.followLinks);
    }
    return new ImageFolder(name, l.files(), l.labels(), classes, o, false, shared);
  }

  private static List<String> classes(Path dir, ImageFolderOptions o) {
    List<String> found = ImageFolderIndex.classFolders(dir);
    List<String> classes = found;
    if (o.classNames != null) {
      if (!found.containsAll(o.classNames)) {
        List<String> missing = new ArrayList<>(o.classNames);
        missing.removeAll(found);
        throw new JerasException(
            dir + ": class names expected among the subfolders " + found + ", got " + missing);
      }
      classes = o.classNames;
    }
    if (classes.isEmpty()) {
      throw new JerasException(
          dir
              + ": expected one subfolder per class holding its images, got "
              + (ImageFolderIndex.holdsImages(dir) ? "images but no class subfolder" : "none"));
    }
    if (classes.size() == 1) {
      throw new JerasException(
          dir
              + ": expected at least 2 class folders, got 1 ("
              + classes.get(0)
              + "); a classifier needs images of two classes or more");
    }
    if (o.labelMode.equals("binary") && classes.size() != 2) {
      throw new JerasException(
          dir
              + ": label mode binary expected exactly 2 classes, got "
              + classes.size()
              + " "
              + classes);
    }
    return classes;
  }

  private static String describe(Path p) {
    return Files.exists(p) ? "a file" : "nothing (no such folder)";
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int size() {
    return files.size();
  }

  @Override
  public int batchSize() {
    return options.batchSize;
  }

  @Override
  public long[] featureShape() {
    return new long[] {options.height, options.width, options.channels()};
  }

  @Override
  public long[] targetShape() {
    return switch (options.labelMode) {
      case "int" -> new long[0];
      case "categorical" -> new long[] {classNames.size()};
      case "binary" -> new long[] {1};
      default -> null;
    };
  }

  @Override
  public boolean intTargets() {
    return options.labelMode.equals("int");
  }

  @Override
  public List<String> classNames() {
    return classNames;
  }

  @Override
  public boolean shuffle() {
    return shuffle;
  }

  /**
   * @return the image files, in this subset's natural order (Keras' order)
   */
  public List<Path> files() {
    return files;
  }

  /**
   * @return each file's class index (a copy), or null without labels
   */
  public int[] labels() {
    return labels == null ? null : labels.clone();
  }

  /**
   * @return the files left out so far because they could not be read or decoded (with {@code
   *     onBadImage("skip")}), with why, across every subset of the folder
   */
  public Map<Path, String> skippedFiles() {
    return Map.copyOf(shared.skipped);
  }

  /**
   * @param n the most images to keep
   * @return this subset's first {@code n} images
   */
  public ImageFolder limit(int n) {
    if (n <= 0) {
      throw new IllegalArgumentException("limit must be positive, got " + n);
    }
    int k = Math.min(n, files.size());
    return new ImageFolder(
        name,
        files.subList(0, k),
        labels == null ? null : Arrays.copyOf(labels, k),
        classNames,
        options,
        shuffle,
        shared);
  }

  @Override
  public BatchIterator batches(int[] order, int firstBatch) {
    int n = size();
    if (order != null && order.length != n) {
      throw new IllegalArgumentException(
          name + ": an order of " + order.length + " positions for " + n + " images");
    }
    int b = options.batchSize;
    int count = Math.max(0, batchCount() - firstBatch);
    ImageDecoder decoder = shared.decoders.acquire();
    Prefetcher<ImageBatch> prefetcher;
    try {
      prefetcher =
          new Prefetcher<>(
              count,
              options.threads,
              options.prefetchOrDefault(),
              k -> {
                int from = (firstBatch + k) * b;
                int to = Math.min(n, from + b);
                int[] positions = new int[to - from];
                for (int i = 0; i < positions.length; i++) {
                  positions[i] = order == null ? from + i : order[from + i];
                }
                return decodeBatch(decoder, positions);
              },
              "jeras-decode");
    } catch (RuntimeException e) {
      shared.decoders.release();
      throw e;
    }
    return new BatchIterator() {
      private boolean closed;

      @Override
      public Batch next() {
        return prefetcher.next();
      }

      @Override
      public void close() {
        if (closed) {
          return;
        }
        closed = true;
        try {
          prefetcher.close();
        } finally {
          shared.decoders.release();
        }
      }
    };
  }

  /**
   * Frees the decoding graph this folder's subsets share, now or when the passes using it end; a
   * later pass builds it again. Unclosed, it is freed once the subsets are unreachable.
   */
  @Override
  public void close() {
    shared.decoders.close();
  }

  /**
   * Reads, checks and decodes the images at these positions into one batch. A short last batch is
   * padded to the batch size (the graph is built for that size), the padding dropped after.
   */
  private ImageBatch decodeBatch(ImageDecoder decoder, int[] positions) {
    int n = positions.length;
    int slots = Math.max(n, options.batchSize);
    byte[][] encoded = new byte[slots][];
    boolean[] bad = new boolean[slots];
    for (int i = 0; i < slots; i++) {
      if (i >= n) {
        bad[i] = true;
        continue;
      }
      Path file = files.get(positions[i]);
      if (shared.skipped.containsKey(file)) {
        bad[i] = true;
        continue;
      }
      try {
        encoded[i] = decoder.prepare(file, options.maxImagePixels);
      } catch (JerasException e) {
        bad(file, e.getMessage(), e);
        bad[i] = true;
      }
    }
    org.tensorflow.Result result = decodeAll(decoder, positions, encoded, bad);
    try {
      return ImageBatch.of(result, positions, bad, labels, targetShape(), options.labelMode);
    } catch (RuntimeException e) {
      result.close();
      throw e;
    }
  }

  /**
   * Decodes the batch; when TensorFlow refuses it, finds the images it refuses one by one (an error
   * naming each, or skipped) and decodes the others.
   */
  private org.tensorflow.Result decodeAll(
      ImageDecoder decoder, int[] positions, byte[][] encoded, boolean[] bad) {
    byte[][] feed = encoded.clone();
    for (int i = 0; i < feed.length; i++) {
      if (bad[i]) {
        feed[i] = decoder.stub();
      }
    }
    try {
      return decoder.decode(feed);
    } catch (RuntimeException batchFailure) {
      for (int i = 0; i < feed.length; i++) {
        if (bad[i]) {
          continue;
        }
        try {
          decoder.decode(new byte[][] {feed[i]}).close(); // decodes alone: not the one
        } catch (RuntimeException e) {
          Path file = files.get(positions[i]);
          bad(
              file,
              file + ": cannot decode the image: " + ImageDecoder.firstLine(e.getMessage()),
              e);
          bad[i] = true;
          feed[i] = decoder.stub();
        }
      }
      return decoder.decode(feed);
    }
  }

  /** A file that cannot be used: fails the pass, or is skipped with one warning per file. */
  private void bad(Path file, String message, RuntimeException cause) {
    if (!options.skipBadImages) {
      throw cause instanceof JerasException je && message.equals(je.getMessage())
          ? je
          : new JerasException(message, cause);
    }
    if (shared.skipped.putIfAbsent(file, message) == null) {
      LOG.warn("skipped: {}", message);
    }
  }

  @Override
  public String toString() {
    return "ImageFolder[" + name + ", " + size() + " images, " + classNames.size() + " classes]";
  }
}

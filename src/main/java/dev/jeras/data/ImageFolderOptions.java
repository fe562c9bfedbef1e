package dev.jeras.data;

import java.util.List;
import java.util.Locale;

/**
 * Options of {@link Datasets#imageFolder}, with Keras' {@code image_dataset_from_directory} names
 * and defaults: image size 256x256, {@code rgb}, labels {@code int}, batch size 32, shuffled, no
 * validation split, bilinear resizing without cropping or padding, pixels as 0..255 floats (scale
 * 1). jeras adds the decoding threads, the prefetch depth, a pixel limit and what to do with an
 * image that cannot be decoded.
 *
 * <pre>{@code
 * new ImageFolderOptions().imageSize(180, 180).validationSplit(0.2).seed(1337).scale(1 / 255.0)
 * }</pre>
 */
public final class ImageFolderOptions implements Cloneable {
  /** PIL's default limit (Image.MAX_IMAGE_PIXELS): a 1 GB RGB image at 12 bytes a pixel. */
  public static final long DEFAULT_MAX_IMAGE_PIXELS = 89_478_485L;

  int height = 256;
  int width = 256;
  String colorMode = "rgb";
  String labelMode = "int";
  List<String> classNames;
  int batchSize = 32;
  boolean shuffle = true;
  Long seed;
  double validationSplit;
  String interpolation = "bilinear";
  boolean cropToAspectRatio;
  boolean padToAspectRatio;
  boolean followLinks;
  double scale = 1;
  int threads = Runtime.getRuntime().availableProcessors();
  int prefetch;
  long maxImagePixels = DEFAULT_MAX_IMAGE_PIXELS;
  boolean skipBadImages;

  /**
   * @return this, resizing every image to height x width (Keras' image_size; default 256x256)
   */
  public ImageFolderOptions imageSize(int height, int width) {
    if (height <= 0 || width <= 0) {
      throw new IllegalArgumentException(
          "image size must be positive, got " + height + "x" + width);
    }
    this.height = height;
    this.width = width;
    return this;
  }

  /**
   * @param mode {@code rgb} (3 channels, default), {@code grayscale} (1) or {@code rgba} (4)
   * @return this
   */
  public ImageFolderOptions colorMode(String mode) {
    String m = lower(mode);
    if (!List.of("rgb", "grayscale", "rgba").contains(m)) {
      throw new IllegalArgumentException(
          "color mode expected rgb, grayscale or rgba, got '" + mode + "'");
    }
    this.colorMode = m;
    return this;
  }

  /**
   * @param mode {@code int} (class indices, default, for sparse categorical cross-entropy), {@code
   *     categorical} (one-hot), {@code binary} (0 or 1 as floats, for two classes) or {@code none}
   *     (no labels)
   * @return this
   */
  public ImageFolderOptions labelMode(String mode) {
    String m = mode == null ? "none" : lower(mode);
    if (!List.of("int", "categorical", "binary", "none").contains(m)) {
      throw new IllegalArgumentException(
          "label mode expected int, categorical, binary or none, got '" + mode + "'");
    }
    this.labelMode = m;
    return this;
  }

  /**
   * @param names the class subfolders to use, in this order (default: all, alphanumeric order)
   * @return this
   */
  public ImageFolderOptions classNames(List<String> names) {
    this.classNames = names == null ? null : List.copyOf(names);
    return this;
  }

  /**
   * @return this, with that batch size (default 32)
   */
  public ImageFolderOptions batchSize(int batchSize) {
    if (batchSize <= 0) {
      throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
    }
    this.batchSize = batchSize;
    return this;
  }

  /**
   * Shuffles the file list once with the seed (as Keras does, which decides the validation split)
   * and training's order again every epoch (default on); off, files stay in alphanumeric order.
   *
   * @param shuffle whether to shuffle
   * @return this
   */
  public ImageFolderOptions shuffle(boolean shuffle) {
    this.shuffle = shuffle;
    return this;
  }

  /**
   * @param seed the seed of the shuffle, as Keras' {@code seed} (0..2^32-1 give Keras' order)
   * @return this
   */
  public ImageFolderOptions seed(long seed) {
    this.seed = seed;
    return this;
  }

  /**
   * Holds out the last fraction of the (shuffled) file list for validation, as Keras' {@code
   * validation_split}: the same files as Keras for the same seed. Shuffling needs a seed then.
   *
   * @param fraction in [0, 1)
   * @return this
   */
  public ImageFolderOptions validationSplit(double fraction) {
    if (!(fraction >= 0 && fraction < 1)) {
      throw new IllegalArgumentException("validation split must be in [0, 1), got " + fraction);
    }
    this.validationSplit = fraction;
    return this;
  }

  /**
   * @param interpolation {@code bilinear} (default), {@code nearest}, {@code bicubic} or {@code
   *     area}
   * @return this
   */
  public ImageFolderOptions interpolation(String interpolation) {
    String i = lower(interpolation);
    if (!List.of("bilinear", "nearest", "bicubic", "area").contains(i)) {
      throw new IllegalArgumentException(
          "interpolation expected bilinear, nearest, bicubic or area, got '" + interpolation + "'");
    }
    this.interpolation = i;
    return this;
  }

  /**
   * @return this, cropping the largest centred window of the target aspect ratio before resizing
   *     (Keras' crop_to_aspect_ratio; default off)
   */
  public ImageFolderOptions cropToAspectRatio(boolean crop) {
    this.cropToAspectRatio = crop;
    return this;
  }

  /**
   * @return this, resizing to fit inside the target and padding with zeros (Keras'
   *     pad_to_aspect_ratio; default off)
   */
  public ImageFolderOptions padToAspectRatio(boolean pad) {
    this.padToAspectRatio = pad;
    return this;
  }

  /**
   * @return this, following symbolic links to folders inside class folders (default off)
   */
  public ImageFolderOptions followLinks(boolean follow) {
    this.followLinks = follow;
    return this;
  }

  /**
   * @param scale what pixels (0..255) are multiplied by: 1 (default) keeps Keras' values, 1/255
   *     gives the [0, 1] range of jeras' built-in datasets and models
   * @return this
   */
  public ImageFolderOptions scale(double scale) {
    if (!(scale > 0) || Double.isInfinite(scale)) {
      throw new IllegalArgumentException("scale must be positive and finite, got " + scale);
    }
    this.scale = scale;
    return this;
  }

  /**
   * @param threads threads that read and decode images (default: the number of processors)
   * @return this
   */
  public ImageFolderOptions threads(int threads) {
    if (threads <= 0) {
      throw new IllegalArgumentException("decoding threads must be positive, got " + threads);
    }
    this.threads = threads;
    return this;
  }

  /**
   * @param batches batches decoded ahead of the one being used (default: twice the threads); the
   *     pipeline's memory is bounded by these batches, not by the dataset
   * @return this
   */
  public ImageFolderOptions prefetch(int batches) {
    if (batches <= 0) {
      throw new IllegalArgumentException("prefetch must be positive, got " + batches);
    }
    this.prefetch = batches;
    return this;
  }

  /**
   * @param pixels the largest width x height an image may declare (default {@value
   *     #DEFAULT_MAX_IMAGE_PIXELS}, PIL's); larger images are refused from their header, before any
   *     decoding
   * @return this
   */
  public ImageFolderOptions maxImagePixels(long pixels) {
    if (pixels <= 0) {
      throw new IllegalArgumentException("max image pixels must be positive, got " + pixels);
    }
    this.maxImagePixels = pixels;
    return this;
  }

  /**
   * @param policy {@code fail} (default: a file that cannot be read or decoded stops the pass with
   *     its name) or {@code skip} (it is left out, with one warning per file; see {@link
   *     ImageFolder#skippedFiles()})
   * @return this
   */
  public ImageFolderOptions onBadImage(String policy) {
    String p = lower(policy);
    if (!p.equals("fail") && !p.equals("skip")) {
      throw new IllegalArgumentException("bad-image policy expected fail or skip, got " + policy);
    }
    this.skipBadImages = p.equals("skip");
    return this;
  }

  /**
   * @return the number of channels of the color mode: 1, 3 or 4
   */
  public int channels() {
    return switch (colorMode) {
      case "grayscale" -> 1;
      case "rgba" -> 4;
      default -> 3;
    };
  }

  /**
   * @return the batch size
   */
  public int batchSize() {
    return batchSize;
  }

  /**
   * @return the label mode (int, categorical, binary or none)
   */
  public String labelMode() {
    return labelMode;
  }

  int prefetchOrDefault() {
    return prefetch > 0 ? prefetch : 2 * threads;
  }

  ImageDecoder.Config decoderConfig() {
    return new ImageDecoder.Config(
        height,
        width,
        channels(),
        interpolation,
        cropToAspectRatio,
        padToAspectRatio,
        (float) scale);
  }

  @Override
  public ImageFolderOptions clone() {
    try {
      return (ImageFolderOptions) super.clone();
    } catch (CloneNotSupportedException e) {
      throw new AssertionError(e);
    }
  }

  private static String lower(String s) {
    if (s == null) {
      throw new IllegalArgumentException("expected a value, got null");
    }
    return s.strip().toLowerCase(Locale.ROOT);
  }
}

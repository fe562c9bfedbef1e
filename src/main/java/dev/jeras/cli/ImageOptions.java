package dev.jeras.cli;

import dev.jeras.data.ImageFolderOptions;
import dev.jeras.layers.TensorShape;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * The options of image folders ({@code --data-dir DIR} holding class subfolders), shared by train,
 * evaluate and predict. The model's input shape decides the image size and the colour mode; these
 * options may only agree with it, or set what it leaves open.
 */
final class ImageOptions {
  @Option(
      names = "--image-size",
      paramLabel = "H,W",
      description = "image folders: resize images to H x W (default: the model's input size)")
  String imageSize;

  @Option(
      names = "--color-mode",
      paramLabel = "rgb|grayscale|rgba",
      description = "image folders: colour mode (default: from the model's input channels)")
  String colorMode;

  @Option(
      names = "--scale",
      paramLabel = "F",
      defaultValue = "0.00392156862745098",
      description =
          "image folders: pixels (0..255) are multiplied by F (default 1/255, the scaling of the"
              + " built-in models and datasets; 1 keeps Keras' raw pixels)")
  double scale;

  @Option(
      names = "--max-image-pixels",
      paramLabel = "N",
      defaultValue = "" + ImageFolderOptions.DEFAULT_MAX_IMAGE_PIXELS,
      description =
          "refuse images whose header declares more than N pixels, before decoding"
              + " (default: ${DEFAULT-VALUE})")
  long maxImagePixels;

  @Option(
      names = "--on-bad-image",
      paramLabel = "fail|skip",
      defaultValue = "fail",
      description =
          "image folders: an image that cannot be read or decoded stops the run (fail, default)"
              + " or is skipped with one warning (skip)")
  String onBadImage;

  @Option(
      names = "--data-threads",
      paramLabel = "N",
      description = "image folders: threads decoding images (default: the number of processors)")
  Integer threads;

  /**
   * Image folder options for a model's input.
   *
   * @param input the model's input shape (batch first), e.g. (None, 32, 32, 3)
   * @param batchSize the batch size
   * @return the options (no seed, split or label mode set yet)
   * @throws IllegalArgumentException when an option contradicts the model's input
   */
  ImageFolderOptions forModel(TensorShape input, int batchSize) {
    if (input.rank() != 4) {
      throw new IllegalArgumentException(
          "image folders feed models whose input is (batch, height, width, channels); the"
              + " model's input is "
              + input);
    }
    long h = input.dim(1);
    long w = input.dim(2);
    long c = input.dim(3);
    ImageFolderOptions o =
        new ImageFolderOptions()
            .batchSize(batchSize)
            .scale(scale)
            .maxImagePixels(maxImagePixels)
            .onBadImage(onBadImage);
    if (threads != null) {
      o.threads(threads);
    }
    int[] size = imageSize == null ? null : parseSize(imageSize);
    if (size != null && ((h > 0 && size[0] != h) || (w > 0 && size[1] != w))) {
      throw new IllegalArgumentException(
          "--image-size "
              + imageSize
              + " does not fit the model, whose input is "
              + input
              + " (leave --image-size out to use the model's size)");
    }
    if (size == null && (h <= 0 || w <= 0)) {
      throw new IllegalArgumentException(
          "the model's input " + input + " leaves the image size open: give --image-size H,W");
    }
    o.imageSize(size != null ? size[0] : (int) h, size != null ? size[1] : (int) w);
    String fromModel =
        switch ((int) c) {
          case 1 -> "grayscale";
          case 3 -> "rgb";
          case 4 -> "rgba";
          default -> null;
        };
    if (c > 0 && fromModel == null) {
      throw new IllegalArgumentException(
          "the model's input " + input + " has " + c + " channels; images give 1, 3 or 4");
    }
    if (colorMode != null) {
      String m = colorMode.strip().toLowerCase(Locale.ROOT);
      if (fromModel != null && !fromModel.equals(m)) {
        throw new IllegalArgumentException(
            "--color-mode "
                + colorMode
                + " does not fit the model's "
                + c
                + " input channels ("
                + fromModel
                + ")");
      }
      o.colorMode(m);
    } else {
      o.colorMode(fromModel != null ? fromModel : "rgb");
    }
    return o;
  }

  /**
   * @return {height, width} from "H,W" (or "HxW")
   */
  static int[] parseSize(String s) {
    String[] parts = s.strip().split("\\s*[,xX]\\s*");
    try {
      if (parts.length == 2) {
        int h = Integer.parseInt(parts[0]);
        int w = Integer.parseInt(parts[1]);
        if (h > 0 && w > 0) {
          return new int[] {h, w};
        }
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new IllegalArgumentException(
        "--image-size expected H,W (two positive integers, e.g. 180,180), got '" + s + "'");
  }
}

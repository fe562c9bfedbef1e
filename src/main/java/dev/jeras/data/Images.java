package dev.jeras.data;

import dev.jeras.JerasException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.tensorflow.Result;

/**
 * Turns an image file (JPEG, PNG, BMP, GIF) into a model input with the same decoding as {@link
 * ImageFolder}, that is Keras' {@code image_dataset_from_directory}: TensorFlow's decoders
 * (grayscale, RGB or RGBA as the model wants; EXIF orientation ignored; alpha never composited), a
 * bilinear resize to the model's height and width (half-pixel centers, no antialiasing), scaled to
 * [0, 1]; optionally inverted for models trained on light-on-dark digits (MNIST) fed dark-on-light
 * scans. Images declaring more than {@link ImageFolderOptions#DEFAULT_MAX_IMAGE_PIXELS} pixels are
 * refused before decoding.
 *
 * <pre>{@code
 * FloatArray x = Images.load(Path.of("digit.png"), 28, 28, 1, false);   // shape (1, 28, 28, 1)
 * }</pre>
 */
public final class Images {
  private Images() {}

  /**
   * @param file the image
   * @param height the model's input height
   * @param width the model's input width
   * @param channels 1 (grayscale), 3 (RGB) or 4 (RGBA)
   * @param invert whether to use 1 - value (dark digits on white paper for an MNIST model)
   * @return one sample, shape (1, height, width, channels), values in [0, 1]
   */
  public static FloatArray load(Path file, int height, int width, int channels, boolean invert) {
    return load(file, height, width, channels, invert, ImageFolderOptions.DEFAULT_MAX_IMAGE_PIXELS);
  }

  /**
   * @param file the image
   * @param height the model's input height
   * @param width the model's input width
   * @param channels 1 (grayscale), 3 (RGB) or 4 (RGBA)
   * @param invert whether to use 1 - value
   * @param maxPixels the largest width x height accepted
   * @return one sample, shape (1, height, width, channels), values in [0, 1]
   */
  public static FloatArray load(
      Path file, int height, int width, int channels, boolean invert, long maxPixels) {
    return load(List.of(file), height, width, channels, invert, maxPixels);
  }

  /**
   * Loads several images with one decoder (building it takes a moment: cheaper than one call per
   * image).
   *
   * @param files the images
   * @param height the model's input height
   * @param width the model's input width
   * @param channels 1 (grayscale), 3 (RGB) or 4 (RGBA)
   * @param invert whether to use 1 - value
   * @param maxPixels the largest width x height accepted
   * @return the samples in order, shape (files, height, width, channels), values in [0, 1]
   */
  public static FloatArray load(
      List<Path> files, int height, int width, int channels, boolean invert, long maxPixels) {
    if (channels != 1 && channels != 3 && channels != 4) {
      throw new JerasException(
          (files.isEmpty() ? "images" : files.get(0).toString())
              + ": the model expects "
              + channels
              + " channels; images can feed models with 1 (grayscale), 3 (RGB) or 4 (RGBA)");
    }
    for (Path file : files) {
      if (!Files.isRegularFile(file)) {
        throw new JerasException(file + ": no such image file");
      }
    }
    ImageDecoder.Config config =
        new ImageDecoder.Config(height, width, channels, "bilinear", false, false, 1f / 255);
    int per = height * width * channels;
    float[] out = new float[Math.multiplyExact(files.size(), per)];
    try (ImageDecoder decoder = new ImageDecoder(config, 1)) {
      for (int i = 0; i < files.size(); i++) {
        Path file = files.get(i);
        byte[] bytes = decoder.prepare(file, maxPixels);
        try (Result r = decoder.decode(new byte[][] {bytes})) {
          dev.jeras.internal.Tensors.readFloats(r.get(0), out, i * per);
        } catch (RuntimeException e) {
          throw new JerasException(
              file + ": cannot decode the image: " + ImageDecoder.firstLine(e.getMessage()), e);
        }
      }
    }
    if (invert) {
      for (int i = 0; i < out.length; i++) {
        out[i] = 1 - out[i];
      }
    }
    return FloatArray.of(out, files.size(), height, width, channels);
  }
}

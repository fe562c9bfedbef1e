package dev.jeras.data;

import dev.jeras.JerasException;
import dev.jeras.internal.Tensors;
import java.nio.file.Path;
import org.tensorflow.Result;

/**
 * Decodes images held in memory (the bytes of a JPEG, PNG, BMP or GIF file: a Spark {@code
 * binaryFile} row, a request body) exactly as {@link ImageFolder} and {@link Images} decode files:
 * the header checked and the pixel limit applied before any decoding, the conversions TensorFlow's
 * decoders lack, TensorFlow's decode and bilinear resize (half-pixel centers, no antialiasing),
 * then the scale. One image per call; calls from several threads run at once. Owns a TensorFlow
 * graph and session: close it.
 *
 * <pre>{@code
 * try (ImageBytesDecoder d = new ImageBytesDecoder(28, 28, 1, 1f / 255, 89_478_485)) {
 *   float[] x = new float[784];
 *   d.decode(bytes, "upload.png", x, 0);
 * }
 * }</pre>
 */
public final class ImageBytesDecoder implements AutoCloseable {
  private final ImageDecoder decoder;
  private final long maxPixels;
  private final int size;

  /**
   * @param height the output height
   * @param width the output width
   * @param channels 1 (grayscale), 3 (RGB) or 4 (RGBA)
   * @param scale the factor pixels (0..255) are multiplied by
   * @param maxPixels images declaring more than this many pixels are refused before decoding
   * @throws JerasException when a size, the channels or the limit is out of range
   */
  public ImageBytesDecoder(int height, int width, int channels, float scale, long maxPixels) {
    if (height <= 0 || width <= 0) {
      throw new JerasException(
          "the image size must be positive, got " + height + "x" + width + " (height x width)");
    }
    if (channels != 1 && channels != 3 && channels != 4) {
      throw new JerasException(
          "images decode to 1 (grayscale), 3 (RGB) or 4 (RGBA) channels, got " + channels);
    }
    if (maxPixels <= 0) {
      throw new JerasException("the image pixel limit must be positive, got " + maxPixels);
    }
    this.decoder =
        new ImageDecoder(
            new ImageDecoder.Config(height, width, channels, "bilinear", false, false, scale), 1);
    this.maxPixels = maxPixels;
    this.size = Math.multiplyExact(Math.multiplyExact(height, width), channels);
  }

  /**
   * Decodes one image into {@code dst}.
   *
   * @param encoded the file's bytes
   * @param name what an error names the image by (a file, a column)
   * @param dst receives height x width x channels values
   * @param offset where in {@code dst}
   * @throws JerasException naming {@code name}: no supported image, above the pixel limit, or
   *     undecodable
   */
  public void decode(byte[] encoded, String name, float[] dst, int offset) {
    if (offset < 0 || offset > dst.length - size) {
      throw new IllegalArgumentException(
          "no room for " + size + " values at " + offset + " in " + dst.length);
    }
    byte[] bytes = decoder.prepare(encoded, Path.of(name), maxPixels);
    try (Result r = decoder.decode(new byte[][] {bytes})) {
      Tensors.readFloats(r.get(0), dst, offset);
    } catch (RuntimeException e) {
      throw new JerasException(
          name + ": cannot decode the image: " + ImageDecoder.firstLine(e.getMessage()), e);
    }
  }

  @Override
  public void close() {
    decoder.close();
  }
}

package dev.jeras.data;

import dev.jeras.JerasException;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Turns an image file (PNG, JPEG, BMP, GIF) into a model input: decoded, resized to the model's
 * height and width (bilinear), converted to grayscale (ITU-R BT.601 luma) or RGB, scaled to [0, 1];
 * optionally inverted for models trained on light-on-dark digits (MNIST) fed dark-on-light scans.
 *
 * <pre>{@code
 * FloatArray x = Images.load(Path.of("digit.png"), 28, 28, 1, false);   // shape (1, 28, 28, 1)
 * }</pre>
 */
public final class Images {
  static {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  private Images() {}

  /**
   * @param file the image
   * @param height the model's input height
   * @param width the model's input width
   * @param channels 1 (grayscale) or 3 (RGB)
   * @param invert whether to use 1 - value (dark digits on white paper for an MNIST model)
   * @return one sample, shape (1, height, width, channels), values in [0, 1]
   */
  public static FloatArray load(Path file, int height, int width, int channels, boolean invert) {
    if (channels != 1 && channels != 3) {
      throw new JerasException(
          file
              + ": the model expects "
              + channels
              + " channels; images can feed models with 1 (grayscale) or 3 (RGB) channels");
    }
    BufferedImage src;
    try {
      if (!Files.isRegularFile(file)) {
        throw new JerasException(file + ": no such image file");
      }
      src = ImageIO.read(file.toFile());
    } catch (IOException | RuntimeException e) {
      if (e instanceof JerasException je) {
        throw je;
      }
      throw new JerasException(file + ": cannot decode the image: " + e.getMessage(), e);
    }
    if (src == null) {
      throw new JerasException(file + ": not a readable image (expected PNG, JPEG, BMP or GIF)");
    }
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      g.setRenderingHint(
          RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
      g.drawImage(src, 0, 0, width, height, java.awt.Color.WHITE, null);
    } finally {
      g.dispose();
    }
    float[] out = new float[height * width * channels];
    int i = 0;
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int rgb = img.getRGB(x, y);
        float r = ((rgb >> 16) & 0xff) / 255f;
        float gr = ((rgb >> 8) & 0xff) / 255f;
        float b = (rgb & 0xff) / 255f;
        if (channels == 1) {
          float v = 0.299f * r + 0.587f * gr + 0.114f * b;
          out[i++] = invert ? 1 - v : v;
        } else {
          out[i++] = invert ? 1 - r : r;
          out[i++] = invert ? 1 - gr : gr;
          out[i++] = invert ? 1 - b : b;
        }
      }
    }
    return FloatArray.of(out, 1, height, width, channels);
  }
}

package dev.jeras.applications;

import dev.jeras.layers.SymbolicTensor;
import dev.jeras.layers.ZeroPadding2D;

/**
 * The zero padding Keras applications put before a stride-2 convolution with "valid" padding
 * (Keras' {@code imagenet_utils.correct_pad}): half the kernel on the bottom and right, and one row
 * or column less on the top and left where the side is even, so the output is ceil(size / 2) as
 * with "same" padding but with the extra zeros where TensorFlow's reference models had them.
 */
final class ImageNetPadding {
  private ImageNetPadding() {}

  /**
   * @param x a (batch, height, width, channels) feature map
   * @param kernel the square kernel size of the convolution that follows
   * @return the padding layer (not yet named or applied)
   */
  static ZeroPadding2D before(SymbolicTensor x, int kernel) {
    long height = x.shape().dim(1);
    long width = x.shape().dim(2);
    int half = kernel / 2;
    // an unknown size pads as if it were even, as Keras does
    int top = height < 0 || height % 2 == 0 ? half - 1 : half;
    int left = width < 0 || width % 2 == 0 ? half - 1 : half;
    return new ZeroPadding2D(top, half, left, half);
  }
}

package dev.jeras.layers;

import java.util.List;

/** Shared checks of layers that merge several inputs ({@link Add}, {@link Concatenate}, ...). */
abstract sealed class Merge extends Layer permits Add, Concatenate, ElementwiseMerge {
  /**
   * @return the inputs, after checking there are at least two
   */
  final List<TensorShape> atLeastTwo(List<TensorShape> inputShapes) {
    if (inputShapes.size() < 2) {
      throw new IllegalArgumentException(
          describe() + ": expected at least 2 inputs, got " + inputShapes.size());
    }
    return inputShapes;
  }
}

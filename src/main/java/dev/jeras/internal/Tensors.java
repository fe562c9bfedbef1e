package dev.jeras.internal;

import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * Bulk copies between Java arrays and native tensors. Every tensor returned here is owned by the
 * caller, who must close it (try-with-resources).
 */
public final class Tensors {
  private Tensors() {}

  /**
   * @param graph a graph
   * @param name the name of a node whose output 0 is a float tensor
   * @return that output
   * @throws IllegalStateException where the graph has no such node
   */
  @SuppressWarnings("unchecked")
  public static Operand<TFloat32> floatOutput(Graph graph, String name) {
    GraphOperation op = graph.operation(name);
    if (op == null) {
      throw new IllegalStateException("the graph has no node " + name);
    }
    return (Operand<TFloat32>) (Operand<?>) op.output(0);
  }

  /**
   * @param data source values
   * @param offset first value to copy
   * @param shape the tensor's shape; its size values are copied
   * @return a new tensor
   */
  public static TFloat32 floats(float[] data, int offset, long... shape) {
    return filled(
        TFloat32.tensorOf(Shape.of(shape)),
        t -> t.asRawTensor().data().asFloats().write(data, offset, (int) t.shape().size()));
  }

  /**
   * @param data source values
   * @param offset first value to copy
   * @param shape the tensor's shape
   * @return a new tensor
   */
  public static TInt32 ints(int[] data, int offset, long... shape) {
    return filled(
        TInt32.tensorOf(Shape.of(shape)),
        t -> t.asRawTensor().data().asInts().write(data, offset, (int) t.shape().size()));
  }

  /**
   * Hands a new tensor to the caller once {@code write} has filled it; if the write fails (a source
   * shorter than the shape), the tensor's native buffer is freed before the failure goes on.
   */
  private static <T extends Tensor> T filled(T t, java.util.function.Consumer<T> write) {
    try {
      write.accept(t);
      return t;
    } catch (RuntimeException e) {
      t.close();
      throw e;
    }
  }

  /**
   * @param t a float tensor
   * @return its values in row-major order
   */
  public static float[] toFloats(Tensor t) {
    float[] out = new float[Math.toIntExact(t.shape().size())];
    t.asRawTensor().data().asFloats().read(out);
    return out;
  }

  /**
   * @param t a float tensor
   * @param dst where to copy its values
   * @param offset the first position written in {@code dst}
   */
  public static void readFloats(Tensor t, float[] dst, int offset) {
    t.asRawTensor().data().asFloats().read(dst, offset, Math.toIntExact(t.shape().size()));
  }

  /**
   * @return the scalar value of a float tensor
   */
  public static float scalar(Tensor t) {
    return ((TFloat32) t).getFloat();
  }

  /**
   * @return the scalar value of an int64 tensor
   */
  public static long scalarLong(Tensor t) {
    return ((TInt64) t).getLong();
  }
}

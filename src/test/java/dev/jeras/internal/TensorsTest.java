package dev.jeras.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

class TensorsTest {

  @Test
  void copiesFromTheOffsetInRowMajorOrder() {
    float[] src = {9f, 1f, 2f, 3f, 4f, 5f, 6f};
    try (TFloat32 t = Tensors.floats(src, 1, 2, 3)) {
      assertEquals(2, t.shape().get(0));
      assertEquals(3, t.shape().get(1));
      assertArrayEquals(new float[] {1f, 2f, 3f, 4f, 5f, 6f}, Tensors.toFloats(t), 0f);
      assertEquals(4f, t.getFloat(1, 0), 0f);
    }
    try (TInt32 t = Tensors.ints(new int[] {7, 8, 9}, 1, 2)) {
      assertEquals(8, t.getInt(0));
      assertEquals(9, t.getInt(1));
    }
  }

  @Test
  void aSourceShorterThanTheShapeFails() {
    // 5 values from offset 1 cannot fill 2 x 3: the call fails (and frees the tensor it allocated)
    assertThrows(RuntimeException.class, () -> Tensors.floats(new float[6], 1, 2, 3));
    assertThrows(RuntimeException.class, () -> Tensors.ints(new int[2], 0, 3));
  }
}

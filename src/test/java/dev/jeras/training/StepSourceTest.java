package dev.jeras.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.data.FloatArray;
import dev.jeras.data.IntArray;
import dev.jeras.internal.Tensors;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.tensorflow.Tensor;

/** A pass over arrays: its batches' contents, and the tensors it reuses from step to step. */
class StepSourceTest {
  private static final int B = 4;
  private static final int N = 25 * B + 3; // 25 full batches, then one of 3

  private static StepSource source() {
    float[] d = new float[N * 2];
    int[] l = new int[N];
    for (int i = 0; i < N; i++) {
      d[2 * i] = i;
      d[2 * i + 1] = -i;
      l[i] = i;
    }
    return StepSource.arrays(
        List.of(FloatArray.of(d, N, 2)), List.of(IntArray.of(l)), B, new boolean[] {true}, true);
  }

  /** The samples of step {@code step} under {@code order}, checked against the feed's tensors. */
  private static void assertRows(int[] order, int step, StepSource.Feed f) {
    int rows = Math.min(B, N - step * B);
    assertEquals(rows, f.size());
    float[] x = Tensors.toFloats(f.x().get(0));
    int[] y = new int[rows];
    f.y().get(0).asRawTensor().data().asInts().read(y);
    assertEquals(2 * rows, x.length);
    for (int r = 0; r < rows; r++) {
      int sample = order[step * B + r];
      assertArrayEquals(new float[] {sample, -sample}, new float[] {x[2 * r], x[2 * r + 1]});
      assertEquals(sample, y[r], "step " + step + ", row " + r);
    }
  }

  @Test
  void fullBatches_refillReusedTensors_withTheShuffledRows_theLastBatchGetsItsOwn() {
    int[] order = Trainer.permutation(N, new SplittableRandom(7));
    Set<Tensor> used = Collections.newSetFromMap(new IdentityHashMap<>());
    try (StepSource.Pass pass = source().pass(order, 0)) {
      for (int step = 0; step < 26; step++) {
        try (StepSource.Feed f = pass.next()) {
          assertNotNull(f, "step " + step);
          assertRows(order, step, f);
          assertEquals(step < 25, f.slot() != null, "step " + step);
          if (f.slot() != null) {
            used.add(f.x().get(0));
          }
        }
      }
      assertNull(pass.next());
    }
    assertTrue(used.size() < 25, "25 full steps in " + used.size() + " tensors: none reused");
  }

  @Test
  void feedsHeldOpen_keepTheirRows_whileLaterOnesTakeOtherTensors() {
    int[] order = Trainer.permutation(N, new SplittableRandom(8));
    List<StepSource.Feed> held = new ArrayList<>();
    try (StepSource.Pass pass = source().pass(order, 0)) {
      for (StepSource.Feed f = pass.next(); f != null; f = pass.next()) {
        held.add(f);
      }
      assertEquals(26, held.size());
      for (int step = 0; step < held.size(); step++) {
        assertRows(order, step, held.get(step));
      }
      held.forEach(StepSource.Feed::close);
    }
  }

  @Test
  void resumedPass_startsAtItsStep() {
    int[] order = Trainer.permutation(N, new SplittableRandom(9));
    try (StepSource.Pass pass = source().pass(order, 20)) {
      for (int step = 20; step < 26; step++) {
        try (StepSource.Feed f = pass.next()) {
          assertRows(order, step, f);
        }
      }
      assertNull(pass.next());
    }
  }
}

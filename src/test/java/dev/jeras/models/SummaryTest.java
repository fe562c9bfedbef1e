package dev.jeras.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.layers.Add;
import dev.jeras.layers.Concatenate;
import dev.jeras.layers.Dense;
import dev.jeras.layers.Input;
import dev.jeras.layers.SymbolicTensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class SummaryTest {
  /** Keras 3.15.1's model.summary() for the tutorial's MNIST CNN, verbatim. */
  private static final String KERAS_MNIST =
      """
      Model: "sequential"
      ┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
      ┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
      ┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
      │ conv2d (Conv2D)                 │ (None, 26, 26, 32)     │           320 │
      ├─────────────────────────────────┼────────────────────────┼───────────────┤
      │ max_pooling2d (MaxPooling2D)    │ (None, 13, 13, 32)     │             0 │
      ├─────────────────────────────────┼────────────────────────┼───────────────┤
      │ conv2d_1 (Conv2D)               │ (None, 11, 11, 64)     │        18,496 │
      ├─────────────────────────────────┼────────────────────────┼───────────────┤
      │ max_pooling2d_1 (MaxPooling2D)  │ (None, 5, 5, 64)       │             0 │
      ├─────────────────────────────────┼────────────────────────┼───────────────┤
      │ flatten (Flatten)               │ (None, 1600)           │             0 │
      ├─────────────────────────────────┼────────────────────────┼───────────────┤
      │ dense (Dense)                   │ (None, 10)             │        16,010 │
      └─────────────────────────────────┴────────────────────────┴───────────────┘
       Total params: 34,826 (136.04 KB)
       Trainable params: 34,826 (136.04 KB)
       Non-trainable params: 0 (0.00 B)
      """;

  @Test
  void mnistBasic_summaryEqualsKerasVerbatim() {
    try (Model m = Builtins.mnistBasic()) {
      assertEquals(KERAS_MNIST, m.summary());
    }
  }

  @Test
  void functional_listsInboundLayersAsKeras() {
    SymbolicTensor in = Input.shape(8);
    Dense shared = new Dense(4);
    SymbolicTensor a = shared.apply(in);
    SymbolicTensor b = new Dense(4).apply(in);
    SymbolicTensor sum = new Add().apply(a, b);
    SymbolicTensor cat = new Concatenate().apply(a, b);
    try (Model m = new Model(List.of(in), List.of(sum, cat))) {
      String s = m.summary();
      assertTrue(s.contains("┃ Connected to      ┃"), s);
      assertTrue(s.contains("│ input_layer         │ (None, 8)         │          0 │ -  "), s);
      assertTrue(
          s.contains(
              "│ add (Add)           │ (None, 4)         │          0 │ dense[0][0],      │"),
          s);
      assertTrue(
          s.contains(
              "│                     │                   │            │ dense_1[0][0]     │"),
          s);
      assertTrue(s.contains(" Total params: 72 (288.00 B)"), s);
    }
  }

  @Test
  void bytes_followKerasUnits() {
    assertEquals("0.00 B", Summary.bytes(0));
    assertEquals("136.04 KB", Summary.bytes(34_826 * 4.0));
    assertEquals("8.28 MB", Summary.bytes(2_171_178 * 4.0));
  }
}

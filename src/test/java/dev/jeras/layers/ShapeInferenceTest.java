package dev.jeras.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Output shapes inferred when layers are applied to symbolic inputs (no TensorFlow session), the
 * errors for inputs that do not fit (naming the layer and the shapes), and option validation.
 */
class ShapeInferenceTest {

  private static TensorShape shapeOf(Layer layer, long... sampleShape) {
    return layer.apply(Input.shape(sampleShape)).shape();
  }

  private static void assertShape(String keras, TensorShape shape) {
    assertEquals(keras, shape.toString());
  }

  /** Asserts an IllegalArgumentException whose message contains every fragment. */
  private static IllegalArgumentException assertRefused(Executable call, String... fragments) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
    for (String f : fragments) {
      assertTrue(
          e.getMessage() != null && e.getMessage().contains(f),
          "message should contain '" + f + "': " + e.getMessage());
    }
    return e;
  }

  // shapes -------------------------------------------------------------------------------------

  @Test
  void conv2d_valid3x3_on28_gives26() {
    assertShape("(None, 26, 26, 32)", shapeOf(new Conv2D(32, 3), 28, 28, 1));
  }

  @Test
  void conv2d_sameStride2_on32_gives16() {
    assertShape(
        "(None, 16, 16, 8)", shapeOf(new Conv2D(8, 3).padding("same").strides(2, 2), 32, 32, 3));
  }

  @Test
  void conv2d_valid3x3Stride2_on7_gives3() {
    assertShape("(None, 3, 3, 4)", shapeOf(new Conv2D(4, 3).strides(2, 2), 7, 7, 2));
  }

  @Test
  void conv2d_same_stride1KeepsSize_stride2RoundsUpOddSizes() {
    assertShape("(None, 9, 7, 4)", shapeOf(new Conv2D(4, 3).padding("same"), 9, 7, 2));
    assertShape(
        "(None, 4, 3, 4)", shapeOf(new Conv2D(4, 3).padding("same").strides(2, 3), 7, 7, 2));
  }

  @Test
  void conv2d_nonSquareKernel_shrinksEachAxisByItsOwnSize() {
    assertShape("(None, 9, 6, 5)", shapeOf(new Conv2D(5, 2, 5), 10, 10, 1));
  }

  @Test
  void pooling_oddSize5_validGives2_sameGives3() {
    assertShape("(None, 2, 2, 3)", shapeOf(new MaxPooling2D(), 5, 5, 3));
    assertShape("(None, 3, 3, 3)", shapeOf(new MaxPooling2D().padding("same"), 5, 5, 3));
    assertShape("(None, 2, 2, 3)", shapeOf(new AveragePooling2D(), 5, 5, 3));
    assertShape("(None, 3, 3, 3)", shapeOf(new AveragePooling2D().padding("same"), 5, 5, 3));
  }

  @Test
  void pooling_3x3Stride2_on7_gives3_andStride1Overlaps() {
    assertShape("(None, 3, 3, 2)", shapeOf(new MaxPooling2D(3, 3).strides(2, 2), 7, 7, 2));
    assertShape("(None, 5, 5, 2)", shapeOf(new AveragePooling2D(3, 3).strides(1, 1), 7, 7, 2));
  }

  @Test
  void globalAveragePool_dropsOrKeepsSpatialAxes() {
    assertShape("(None, 16)", shapeOf(new GlobalAveragePooling2D(), 7, 5, 16));
    assertShape("(None, 1, 1, 16)", shapeOf(new GlobalAveragePooling2D().keepDims(true), 7, 5, 16));
  }

  @Test
  void flatten_multipliesSampleDims() {
    assertShape("(None, 400)", shapeOf(new Flatten(), 5, 5, 16));
    assertShape("(None, 12)", shapeOf(new Flatten(), 12));
  }

  @Test
  void dense_rank3_replacesLastAxisOnly() {
    assertShape("(None, 10, 4)", shapeOf(new Dense(4), 10, 8));
    assertShape("(None, 10)", shapeOf(new Dense(10), 400));
  }

  @Test
  void shapePreservingLayers_keepTheInputShape() {
    assertShape("(None, 4, 4, 3)", shapeOf(new BatchNormalization(), 4, 4, 3));
    assertShape("(None, 6)", shapeOf(new BatchNormalization(), 6));
    assertShape("(None, 4, 4, 3)", shapeOf(new Dropout(0.3), 4, 4, 3));
    assertShape("(None, 4, 4, 3)", shapeOf(new Activation("relu"), 4, 4, 3));
  }

  @Test
  void concatenate_sumsTheJoinedAxis() {
    SymbolicTensor a = Input.shape(4, 4, 3);
    SymbolicTensor b = Input.shape(4, 4, 5);
    assertShape("(None, 4, 4, 8)", new Concatenate().apply(a, b).shape());
    SymbolicTensor c = Input.shape(2, 4, 3);
    assertShape("(None, 6, 4, 3)", new Concatenate(1).apply(Input.shape(4, 4, 3), c).shape());
    assertShape(
        "(None, 9)",
        new Concatenate().apply(Input.shape(2), Input.shape(3), Input.shape(4)).shape());
  }

  @Test
  void add_keepsTheCommonShape() {
    assertShape(
        "(None, 4, 4, 3)",
        new Add().apply(Input.shape(4, 4, 3), Input.shape(4, 4, 3), Input.shape(4, 4, 3)).shape());
  }

  @Test
  void tensorShape_printsKerasNotation() {
    assertEquals("(None, 26, 26, 32)", TensorShape.batchOf(26, 26, 32).toString());
    assertEquals("(None,)", TensorShape.of(-1).toString());
    assertEquals(4, TensorShape.batchOf(26, 26, 32).rank());
    assertEquals(32, TensorShape.batchOf(26, 26, 32).dims()[3]);
  }

  @Test
  void countParams_conv_dense_bn() {
    Conv2D conv = new Conv2D(32, 3);
    shapeOf(conv, 28, 28, 1);
    assertEquals(3 * 3 * 1 * 32 + 32, conv.countParams());
    Dense dense = new Dense(10);
    shapeOf(dense, 400);
    assertEquals(4010, dense.countParams());
    BatchNormalization bn = new BatchNormalization();
    shapeOf(bn, 8, 8, 16);
    assertEquals(4 * 16, bn.countParams());
    Conv2D noBias = new Conv2D(8, 3).useBias(false);
    shapeOf(noBias, 5, 5, 2);
    assertEquals(3 * 3 * 2 * 8, noBias.countParams());
  }

  // errors -------------------------------------------------------------------------------------

  @Test
  void conv2d_onRank2Input_messageNamesLayerAndShape() {
    assertRefused(() -> shapeOf(new Conv2D(8, 3), 784), "conv2d", "(None, 784)");
    Conv2D named = new Conv2D(8, 3);
    named.named("stem_conv");
    assertRefused(() -> shapeOf(named, 784), "stem_conv", "(None, 784)");
  }

  @Test
  void pooling_onRank2Input_messageNamesLayerAndShape() {
    assertRefused(() -> shapeOf(new MaxPooling2D(), 10), "max_pooling2d", "(None, 10)");
    assertRefused(
        () -> shapeOf(new GlobalAveragePooling2D(), 10), "global_average_pooling2d", "(None, 10)");
  }

  @Test
  void dense_unknownLastDim_messageNamesLayerAndShape() {
    assertRefused(
        () -> new Dense(3).computeOutputShape(List.of(TensorShape.of(-1, -1))),
        "dense",
        "(None, None)");
  }

  @Test
  void add_differentShapes_messageNamesBothShapes() {
    assertRefused(
        () -> new Add().apply(Input.shape(4), Input.shape(8)), "add", "(None, 4)", "(None, 8)");
  }

  @Test
  void mergeLayers_withOneInput_areRefused() {
    assertRefused(() -> new Add().apply(Input.shape(4)), "add", "2");
    assertRefused(() -> new Concatenate().apply(Input.shape(4)), "concatenate", "2");
  }

  @Test
  void concatenate_mismatchOffTheAxis_messageNamesBothShapes() {
    assertRefused(
        () -> new Concatenate().apply(Input.shape(4, 4, 3), Input.shape(5, 4, 3)),
        "concatenate",
        "(None, 4, 4, 3)",
        "(None, 5, 4, 3)");
  }

  @Test
  void concatenate_batchAxis_isRefused() {
    assertRefused(
        () -> new Concatenate(0).apply(Input.shape(4), Input.shape(4)), "concatenate", "axis 0");
  }

  @Test
  void conv2d_kernelBiggerThanInput_messageNamesKernelAndInput() {
    assertRefused(() -> shapeOf(new Conv2D(1, 5), 3, 3, 1), "conv2d", "5x5", "(None, 3, 3, 1)");
  }

  @Test
  void conv2d_kernelBiggerThanInput_withStride2_isRefused() {
    // valid: floor((2 - 3) / 2) + 1 = 0 output rows; truncating division would say 1
    assertRefused(
        () -> shapeOf(new Conv2D(1, 3).strides(2, 2), 2, 2, 1), "conv2d", "(None, 2, 2, 1)");
  }

  @Test
  void pooling_windowBiggerThanInput_isRefused() {
    // valid: floor((2 - 3) / 3) + 1 = 0 output rows; TensorFlow refuses the op later with
    // "Negative dimension size caused by subtracting 3 from 2"
    assertRefused(
        () -> shapeOf(new MaxPooling2D(3, 3), 2, 2, 1), "max_pooling2d", "(None, 2, 2, 1)");
    assertRefused(
        () -> shapeOf(new AveragePooling2D(4, 4).strides(1, 1), 3, 3, 1),
        "average_pooling2d",
        "(None, 3, 3, 1)");
  }

  @Test
  void sharedDense_builtFor4_calledOn8_messageNamesBothShapes() {
    Dense shared = new Dense(2);
    shapeOf(shared, 4);
    assertRefused(() -> shapeOf(shared, 8), "dense", "(None, 4)", "(None, 8)");
  }

  @Test
  void sharedDense_builtOnRank2_acceptsRank3WithTheSameLastDim() {
    // Keras: Dense.build sets input_spec = InputSpec(min_ndim=2, axes={-1: input_dim}); a shared
    // Dense may be called on any rank >= 2 whose last axis matches its kernel.
    Dense shared = new Dense(2);
    shapeOf(shared, 4);
    assertShape("(None, 3, 2)", shapeOf(shared, 3, 4));
  }

  @Test
  void sharedConv2D_acceptsAnotherImageSize_withTheSameChannels() {
    // Keras: Conv2D's input_spec fixes only the rank and the channel axis, so one set of weights
    // can be applied to images of several sizes.
    Conv2D shared = new Conv2D(4, 3);
    shapeOf(shared, 28, 28, 1);
    assertShape("(None, 30, 30, 4)", shapeOf(shared, 32, 32, 1));
  }

  @Test
  void sharedConv2D_otherChannelCount_isRefused() {
    Conv2D shared = new Conv2D(4, 3);
    shapeOf(shared, 8, 8, 1);
    assertRefused(() -> shapeOf(shared, 8, 8, 3), "conv2d", "(None, 8, 8, 1)", "(None, 8, 8, 3)");
  }

  // options ------------------------------------------------------------------------------------

  @Test
  void conv2d_zeroFilters_kerasMessage() {
    IllegalArgumentException e = assertRefused(() -> new Conv2D(0, 3));
    assertEquals("filters must be positive, got 0", e.getMessage());
    assertRefused(() -> new Conv2D(4, 0), "kernel_size", "0");
    assertRefused(() -> new Conv2D(4, 3, -2), "kernel_size", "-2");
  }

  @Test
  void dense_zeroUnits_isRefused() {
    assertRefused(() -> new Dense(0), "units must be positive, got 0");
  }

  @Test
  void dropout_rateOutsideZeroToOne_isRefused() {
    assertRefused(() -> new Dropout(1.0), "rate", "1.0");
    assertRefused(() -> new Dropout(-0.1), "rate", "-0.1");
    assertRefused(() -> new Dropout(Double.NaN), "rate");
  }

  @Test
  void negativeOrZeroStrides_areRefused() {
    assertRefused(() -> new Conv2D(4, 3).strides(-1, 1), "strides", "-1");
    assertRefused(() -> new MaxPooling2D().strides(0, 2), "strides", "0");
    assertRefused(() -> new AveragePooling2D().strides(2, -2), "strides", "-2");
    assertRefused(() -> new MaxPooling2D(0, 2), "pool_size", "0");
  }

  @Test
  void unknownPadding_isRefused_listingValidAndSame() {
    assertRefused(() -> new Conv2D(4, 3).padding("full"), "full", "valid", "same");
  }

  @Test
  void batchNormalization_invalidMomentumOrEpsilon_isRefused() {
    assertRefused(() -> new BatchNormalization().momentum(1.5), "momentum", "1.5");
    assertRefused(() -> new BatchNormalization().epsilon(0), "epsilon");
  }

  @Test
  void batchNormalization_batchAxisOrOutOfRange_isRefused() {
    assertRefused(
        () -> shapeOf(new BatchNormalization().axis(0), 5, 4), "batch_normalization", "axis 0");
    assertRefused(() -> shapeOf(new BatchNormalization().axis(3), 5, 4), "axis 3", "(None, 5, 4)");
    assertRefused(() -> shapeOf(new BatchNormalization().axis(-3), 5, 4), "axis -3");
  }

  @Test
  void options_afterTheFirstCall_areRefused() {
    Conv2D conv = new Conv2D(4, 3);
    shapeOf(conv, 8, 8, 1);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> conv.strides(2, 2));
    assertTrue(e.getMessage().contains("conv2d"), e.getMessage());
  }
}

package dev.jeras.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jeras.models.Model;
import dev.jeras.saving.KerasJson;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every layer, with non-default options, survives a round trip through Keras model JSON: the
 * restored layer reports the same Keras config. No TensorFlow session.
 */
class ConfigRoundTripTest {

  @Test
  void everyLayer_nonDefaultOptions_sameConfigAfterKerasJsonRoundTrip() {
    SymbolicTensor in = Input.shape(16, 16, 3);
    SymbolicTensor x =
        new Conv2D(8, 3, 5)
            .strides(2, 1)
            .padding("same")
            .activation("relu")
            .useBias(false)
            .kernelInitializer(Initializer.heNormal())
            .apply(in);
    x =
        new BatchNormalization()
            .momentum(0.9)
            .epsilon(1e-5)
            .center(false)
            .initializers(
                Initializer.zeros(),
                Initializer.constant(0.5f),
                Initializer.zeros(),
                Initializer.ones())
            .apply(x);
    x = new MaxPooling2D(3, 3).strides(1, 1).padding("same").apply(x);
    SymbolicTensor a = new Activation("elu").apply(x);
    SymbolicTensor s = new Add().apply(x, a);
    SymbolicTensor c = new Concatenate(3).apply(x, s);
    SymbolicTensor p = new AveragePooling2D(2, 2).padding("same").apply(c);
    SymbolicTensor g = new GlobalAveragePooling2D().keepDims(true).apply(p);
    SymbolicTensor f = new Flatten().apply(g);
    SymbolicTensor d = new Dropout(0.3).apply(f);
    SymbolicTensor out =
        new Dense(5)
            .activation("softmax")
            .useBias(false)
            .kernelInitializer(Initializer.heUniform())
            .apply(d);
    try (Model original = new Model(in, out)) {
      String json = KerasJson.toJson(original);
      try (Model restored = KerasJson.fromJson(json, "round trip")) {
        List<Layer> layers = original.layers();
        assertEquals(layers.size(), restored.layers().size(), "layer count");
        for (Layer l : layers) {
          Layer r = restored.getLayer(l.name());
          assertEquals(l.className(), r.className(), l.name());
          assertEquals(l.getConfig(), r.getConfig(), "config of " + l.name());
        }
      }
    }
  }
}

package dev.jeras.models;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jeras.layers.BatchNormalization;
import dev.jeras.layers.Layer;
import org.junit.jupiter.api.Test;

class ReferenceModelsTest {
  @Test
  void mnistBasic_hasKerasParameterCount34826() {
    try (Model m = Builtins.create("mnist-basic")) {
      assertEquals(34_826, m.countParams());
      assertEquals(34_826, m.countTrainableParams());
      assertEquals(6, m.layers().size());
      assertEquals("(None, 10)", m.network().outputs().get(0).shape().toString());
    }
  }

  @Test
  void cifar10Bn_hasKerasCounts_2171178_total_1408_nonTrainable() {
    try (Model m = Builtins.create("cifar10-bn")) {
      assertEquals(2_171_178, m.countParams());
      assertEquals(2_169_770, m.countTrainableParams());
      assertEquals(1_408, m.countParams() - m.countTrainableParams());
      assertEquals(5, m.layers().stream().filter(l -> l instanceof BatchNormalization).count());
    }
  }

  @Test
  void cifar10Functional_equalsSequentialLayerByLayer() {
    try (Model seq = Builtins.create("cifar10-bn");
        Model fun = Builtins.create("cifar10-functional")) {
      assertEquals(seq.countParams(), fun.countParams());
      assertEquals(seq.countTrainableParams(), fun.countTrainableParams());
      var a = seq.layers();
      var b =
          fun.layers().stream().filter(l -> !(l instanceof dev.jeras.layers.InputLayer)).toList();
      assertEquals(a.size(), b.size());
      for (int i = 0; i < a.size(); i++) {
        Layer x = a.get(i);
        Layer y = b.get(i);
        assertEquals(x.className(), y.className());
        assertEquals(x.name(), y.name());
        assertEquals(x.countParams(), y.countParams(), x.name());
        assertEquals(x.nodes().get(0).output().shape(), y.nodes().get(0).output().shape());
      }
    }
  }

  @Test
  void unknownBuiltin_listsKnownNames() {
    var e =
        org.junit.jupiter.api.Assertions.assertThrows(
            dev.jeras.JerasException.class, () -> Builtins.create("resnet"));
    assertEquals(
        "unknown model 'resnet'; built-in models: [cifar10-bn, cifar10-functional, mnist-basic]",
        e.getMessage());
  }
}

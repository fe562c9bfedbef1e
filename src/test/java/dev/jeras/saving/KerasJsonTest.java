package dev.jeras.saving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.JerasException;
import dev.jeras.layers.Layer;
import dev.jeras.models.Builtins;
import dev.jeras.models.Model;
import dev.jeras.models.Sequential;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KerasJsonTest {
  /** model-defs/ holds Keras' own JSON (made by scripts/make_model_defs.py with Keras 3.15.1). */
  @ParameterizedTest
  @ValueSource(strings = {"mnist-basic", "cifar10-bn", "cifar10-functional"})
  void modelDefs_readAsTheBuiltinModels(String name) {
    try (Model fromJson = KerasJson.read(Path.of("model-defs", name + ".json"));
        Model builtin = Builtins.create(name)) {
      assertEquals(builtin.countParams(), fromJson.countParams());
      assertEquals(builtin.countTrainableParams(), fromJson.countTrainableParams());
      assertEquals(builtin instanceof Sequential, fromJson instanceof Sequential);
      List<Layer> a = builtin.network().layers();
      List<Layer> b = fromJson.network().layers();
      assertEquals(a.size(), b.size());
      for (int i = 0; i < a.size(); i++) {
        assertEquals(a.get(i).className(), b.get(i).className());
        assertEquals(a.get(i).name(), b.get(i).name());
        assertEquals(a.get(i).getConfig().toString(), b.get(i).getConfig().toString());
      }
      assertEquals(builtin.summary(), fromJson.summary());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"mnist-basic", "cifar10-bn", "cifar10-functional"})
  void toJson_thenFromJson_roundTrips(String name) {
    try (Model m = Builtins.create(name)) {
      String json = KerasJson.toJson(m);
      try (Model back = KerasJson.fromJson(json, "round trip")) {
        assertEquals(m.summary(), back.summary());
        assertEquals(json, KerasJson.toJson(back));
      }
    }
  }

  @Test
  void unsupportedLayerClass_namesTheLayerAndTheSupportedSet() {
    String json =
        """
        {"class_name": "Sequential", "config": {"name": "s", "layers": [
          {"class_name": "InputLayer", "config": {"batch_shape": [null, 8], "name": "in"}},
          {"class_name": "LSTM", "config": {"name": "lstm", "units": 4}}]}}\
        """;
    var e = assertThrows(JerasException.class, () -> KerasJson.fromJson(json, "m.json"));
    assertTrue(
        e.getMessage()
            .startsWith(
                "m.json: layer lstm has unsupported class LSTM;"
                    + " supported layer classes: InputLayer, Conv2D,"),
        e.getMessage());
  }

  @Test
  void unsupportedOption_namesLayerOptionValueAndSupported() {
    String json =
        """
        {"class_name": "Sequential", "config": {"name": "s", "layers": [
          {"class_name": "InputLayer", "config": {"batch_shape": [null, 8, 8, 1]}},
          {"class_name": "Conv2D", "config": {"name": "c", "filters": 2, "kernel_size": [3, 3],
           "groups": 2}}]}}\
        """;
    var e = assertThrows(JerasException.class, () -> KerasJson.fromJson(json, "m.json"));
    assertEquals(
        "m.json: layer c (Conv2D): unsupported groups=2; jeras supports groups: 1", e.getMessage());
    String reg =
        json.replace(
            "\"groups\": 2", "\"kernel_regularizer\": {\"class_name\": \"OrthogonalRegularizer\"}");
    var e2 = assertThrows(JerasException.class, () -> KerasJson.fromJson(reg, "m.json"));
    assertTrue(
        e2.getMessage()
            .startsWith(
                "m.json: layer c (Conv2D): unsupported kernel_regularizer={class_name="
                    + "OrthogonalRegularizer}; jeras supports kernel_regularizer: null, l1, l2,"),
        e2.getMessage());
  }

  @Test
  void unknownOptionWithAValue_isRefused_nullIsAccepted() {
    String base =
        """
        {"class_name": "Sequential", "config": {"name": "s", "layers": [
          {"class_name": "InputLayer", "config": {"batch_shape": [null, 8]}},
          {"class_name": "Dense", "config": {"name": "d", "units": 2, "OPTION}}]}}\
        """;
    try (Model m = KerasJson.fromJson(base.replace("\"OPTION", "\"future_flag\": null"), "ok")) {
      assertEquals(18, m.countParams());
    }
    var e =
        assertThrows(
            JerasException.class,
            () -> KerasJson.fromJson(base.replace("\"OPTION", "\"future_flag\": 3"), "m.json"));
    assertTrue(e.getMessage().contains("unsupported option(s) [future_flag=3]"), e.getMessage());
  }

  @Test
  void brokenJson_saysWhere() {
    var e =
        assertThrows(
            JerasException.class,
            () -> KerasJson.fromJson("{\"class_name\": \"Sequential\", ", "broken.json"));
    assertTrue(e.getMessage().startsWith("broken.json: not valid JSON:"), e.getMessage());
    assertTrue(e.getMessage().contains("line 1"), e.getMessage());
  }

  @Test
  void shapeError_inJson_namesFileAndLayer() {
    String json =
        """
        {"class_name": "Sequential", "config": {"name": "s", "layers": [
          {"class_name": "InputLayer", "config": {"batch_shape": [null, 784]}},
          {"class_name": "Conv2D", "config": {"name": "c", "filters": 2, "kernel_size": 3}}]}}\
        """;
    var e = assertThrows(JerasException.class, () -> KerasJson.fromJson(json, "m.json"));
    assertEquals(
        "m.json: c (Conv2D): expected input of rank 4 (batch, height, width, channels),"
            + " got (None, 784)",
        e.getMessage());
  }

  @Test
  void batchNormalizationOnAnotherAxis_readsWithThatAxisStatistics_batchAxisRefused() {
    String json =
        """
        {"class_name": "Sequential", "config": {"name": "s", "layers": [
          {"class_name": "InputLayer", "config": {"batch_shape": [null, 8, 6, 3]}},
          {"class_name": "BatchNormalization", "config": {"name": "bn", "axis": 1}}]}}\
        """;
    try (Model m = KerasJson.fromJson(json, "m.json")) {
      assertEquals(4 * 8, m.countParams());
    }
    var e =
        assertThrows(
            JerasException.class,
            () -> KerasJson.fromJson(json.replace("\"axis\": 1", "\"axis\": 0"), "m.json"));
    assertTrue(
        e.getMessage().contains("bn (BatchNormalization): axis 0 is out of range for input"),
        e.getMessage());
  }
}

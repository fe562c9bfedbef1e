package dev.jeras.training;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jeras.saving.KerasJson;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HistoryTest {
  private static History sample() {
    History h = new History();
    Map<String, Double> e0 = new LinkedHashMap<>();
    e0.put("loss", 0.5);
    e0.put("accuracy", 0.8);
    h.add(e0, 1.25);
    Map<String, Double> e1 = new LinkedHashMap<>();
    e1.put("loss", Double.NaN);
    e1.put("accuracy", 0.9);
    h.add(e1, 2.0);
    h.stop("non-finite \"loss\"");
    return h;
  }

  @Test
  void toCsv_hasHeaderAndRows() {
    assertEquals(
        "epoch,loss,accuracy,seconds\n0,0.500000,0.800000,1.250\n1,NaN,0.900000,2.000\n",
        sample().toCsv());
  }

  @Test
  void toJson_isValidJson_withNullForNonFinite() throws Exception {
    JsonNode j = KerasJson.MAPPER.readTree(sample().toJson());
    assertEquals(2, j.get("epochs").size());
    assertEquals(0.5, j.get("epochs").get(0).get("loss").asDouble());
    assertEquals(1.25, j.get("epochs").get(0).get("seconds").asDouble());
    assertEquals(true, j.get("epochs").get(1).get("loss").isNull());
    assertEquals("non-finite \"loss\"", j.get("stop_reason").asText());
    assertEquals(List.of(0.5, Double.NaN), sample().get("loss"));
  }
}

package dev.jeras.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.jeras.data.FloatArray;
import dev.jeras.models.Model;
import dev.jeras.saving.LoadedSavedModel;
import dev.jeras.saving.ModelFiles;
import dev.jeras.saving.Npy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * TensorFlow Serving's REST API against one in-process server on a loopback port: the examples of
 * its documentation (row, columnar, several named inputs, several outputs) against jeras' own
 * predict, status and metadata against saved_model_cli's report, and each kind of bad request.
 */
class RestApiTest {
  static final Path SERVING = Path.of("testdata/serving");
  static final Path REFERENCE = Path.of("testdata/reference");
  static final ObjectMapper JSON =
      JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

  private static ModelServer server;
  private static int port;

  @BeforeAll
  static void start() {
    server =
        ModelServer.start(
            new ServerOptions()
                .host("127.0.0.1")
                .port(0)
                .fileSystemPollWaitSeconds(0)
                .maxRequestBytes(1 << 20)
                .model(ModelConfig.of("half_plus_three", SERVING.resolve("half_plus_three")))
                .model(
                    new ModelConfig(
                        "two_io",
                        SERVING.resolve("two_io"),
                        VersionPolicy.all(),
                        Map.of("stable", 1L, "canary", 2L)))
                .model(ModelConfig.of("mnist", REFERENCE.resolve("mnist-basic_savedmodel")))
                .model(ModelConfig.of("mnist_keras", REFERENCE.resolve("mnist-basic.keras"))));
    port = server.port();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static Http.Reply post(String path, String body) {
    return Http.post(port, path, body);
  }

  static Http.Reply get(String path) {
    return Http.get(port, path);
  }

  static String error(String message) {
    return "{\n    \"error\": \"" + message + "\"\n}";
  }

  static void assertClose(float[] expected, float[] got) {
    assertEquals(expected.length, got.length, "value count");
    for (int i = 0; i < got.length; i++) {
      assertTrue(
          Math.abs(got[i] - expected[i]) <= 1e-6 + 1e-6 * Math.abs(expected[i]),
          "value " + i + ": expected " + expected[i] + ", got " + got[i]);
    }
  }

  /** Flattens a JSON number tree in order. */
  static float[] numbers(JsonNode n) {
    List<Float> out = new ArrayList<>();
    collect(n, out);
    float[] f = new float[out.size()];
    for (int i = 0; i < f.length; i++) {
      f[i] = out.get(i);
    }
    return f;
  }

  private static void collect(JsonNode n, List<Float> out) {
    if (n.isArray()) {
      n.forEach(c -> collect(c, out));
    } else {
      out.add((float) n.asDouble());
    }
  }

  // ---- predict: TensorFlow Serving's documented examples ----

  @Test
  void docExample_rowFormat_answersTheDocumentedNumbersInTensorFlowServingsLayout() {
    Http.Reply r = post("/v1/models/half_plus_three:predict", "{\"instances\": [1.0,2.0,5.0]}");
    assertEquals(200, r.status());
    assertEquals("{\n    \"predictions\": [3.5, 4.0, 5.5\n    ]\n}", r.body());
  }

  @Test
  void docExample_columnarFormat_answersOutputsOnePerLine() {
    Http.Reply r =
        post(
            "/v1/models/half_plus_three/versions/123:predict",
            "{\"signature_name\": \"serving_default\", \"inputs\": [3.0, 4.0]}");
    assertEquals(200, r.status());
    assertEquals("{\n    \"outputs\": [\n        4.5,\n        5.0\n    ]\n}", r.body());
  }

  @Test
  void rowFormat_imageModel_matchesJerasPredict() throws IOException {
    FloatArray x = Npy.readFloats(REFERENCE.resolve("mnist-basic_x.npy")).slice(0, 3);
    float[] expected;
    try (LoadedSavedModel m = LoadedSavedModel.load(REFERENCE.resolve("mnist-basic_savedmodel"))) {
      expected = m.predict(x, 3).data();
    }
    String body = "{\"instances\": " + nested(x) + "}";
    Http.Reply r = post("/v1/models/mnist:predict", body);
    assertEquals(200, r.status(), r.body());
    JsonNode p = JSON.readTree(r.body()).get("predictions");
    assertEquals(3, p.size());
    assertEquals(10, p.get(0).size());
    assertClose(expected, numbers(p));
    // each instance's list on one line, as TensorFlow Serving writes them
    assertTrue(r.body().startsWith("{\n    \"predictions\": [["), r.body());
  }

  @Test
  void kerasFile_servedLikeItsSavedModel_matchesModelPredict() throws IOException {
    FloatArray x = Npy.readFloats(REFERENCE.resolve("mnist-basic_x.npy")).slice(0, 2);
    float[] expected;
    try (Model m = ModelFiles.load(REFERENCE.resolve("mnist-basic.keras"))) {
      expected = m.predict(x, 2).data();
    }
    Http.Reply r = post("/v1/models/mnist_keras:predict", "{\"inputs\": " + nested(x) + "}");
    assertEquals(200, r.status(), r.body());
    assertClose(expected, numbers(JSON.readTree(r.body()).get("outputs")));
  }

  @Test
  void multiInputMultiOutput_rowFormat_answersAListOfObjects() {
    Http.Reply r =
        post(
            "/v1/models/two_io:predict",
            "{\"instances\": [{\"a\": [1, 2, 3], \"b\": [1, 1]}, {\"a\": [4, 5, 6], \"b\": [2,"
                + " 2]}]}");
    assertEquals(200, r.status(), r.body());
    // version 2 (the latest): scaled = a * [10, 20, 30], total = sum(a) + sum(b) + 100
    assertEquals(
        "{\n    \"predictions\": [\n"
            + "        {\n            \"scaled\": [10.0, 40.0, 90.0],\n"
            + "            \"total\": [108.0]\n        },\n"
            + "        {\n            \"scaled\": [40.0, 100.0, 180.0],\n"
            + "            \"total\": [119.0]\n        }\n    ]\n}",
        r.body());
  }

  @Test
  void multiInputMultiOutput_columnarFormat_matchesJerasPredict() throws IOException {
    FloatArray a = FloatArray.of(new float[][] {{0.5f, -1f, 2f}, {3f, 0.25f, -4f}, {1, 1, 1}});
    FloatArray b = FloatArray.of(new float[][] {{1f, 2f}, {-3f, 0.125f}, {0, 0}});
    List<FloatArray> expected;
    try (LoadedSavedModel m = LoadedSavedModel.load(SERVING.resolve("two_io/1"))) {
      assertEquals(List.of("a", "b"), m.inputNames());
      expected = m.predict(List.of(a, b), 3);
    }
    Http.Reply r =
        post(
            "/v1/models/two_io/versions/1:predict",
            "{\"inputs\": {\"b\": " + nested(b) + ", \"a\": " + nested(a) + "}}");
    assertEquals(200, r.status(), r.body());
    JsonNode out = JSON.readTree(r.body()).get("outputs");
    assertEquals(List.of("scaled", "total"), names(out));
    assertClose(expected.get(0).data(), numbers(out.get("scaled")));
    assertClose(expected.get(1).data(), numbers(out.get("total")));
    assertTrue(
        r.body().startsWith("{\n    \"outputs\": {\n        \"scaled\": [\n            [\n"));
  }

  @Test
  void versionLabel_andSecondSignature_runWhatTheyName() {
    Http.Reply stable =
        post(
            "/v1/models/two_io/labels/stable:predict",
            "{\"instances\": [{\"a\": [1, 1, 1], \"b\": [1, 1]}]}");
    assertEquals(200, stable.status(), stable.body());
    assertTrue(stable.body().contains("\"total\": [5.0]"), stable.body());
    Http.Reply canary =
        post(
            "/v1/models/two_io/labels/canary:predict",
            "{\"instances\": [{\"a\": [1, 1, 1], \"b\": [1, 1]}]}");
    assertTrue(canary.body().contains("\"total\": [105.0]"), canary.body());
    Http.Reply onlyA =
        post(
            "/v1/models/two_io:predict",
            "{\"signature_name\": \"only_a\", \"instances\": [[1, 2, 3]]}");
    assertEquals(200, onlyA.status(), onlyA.body());
    assertEquals("{\n    \"predictions\": [[2.0, 4.0, 6.0]\n    ]\n}", onlyA.body());
  }

  @Test
  void nanAndInfinity_areAcceptedAndWrittenAsTokens() {
    Http.Reply r =
        post(
            "/v1/models/half_plus_three:predict",
            "{\"instances\": [NaN, Infinity, -Infinity, 1e-3]}");
    assertEquals(200, r.status(), r.body());
    assertEquals("{\n    \"predictions\": [NaN, Infinity, -Infinity, 3.0005\n    ]\n}", r.body());
  }

  @Test
  void largeBatch_withinTheRequestLimit_isAnsweredWhole_streamedInChunks() throws IOException {
    int n = 70_000; // an answer over 1 MB: sent in chunks as it is written
    StringBuilder sb = new StringBuilder("{\"instances\": [");
    StringBuilder expected = new StringBuilder("{\n    \"predictions\": [");
    for (int i = 0; i < n; i++) {
      sb.append(i == 0 ? "" : ",").append(i);
      expected.append(i == 0 ? "" : ", ").append(FloatFormat.format(0.5f * i + 3));
    }
    Http.Reply r = post("/v1/models/half_plus_three:predict", sb.append("]}").toString());
    assertEquals(200, r.status());
    assertEquals(expected.append("\n    ]\n}").toString(), r.body());
  }

  // ---- status and metadata ----

  @Test
  void status_isTensorFlowServingsJson() {
    Http.Reply r = get("/v1/models/half_plus_three");
    assertEquals(200, r.status());
    assertEquals(
        "{\n \"model_version_status\": [\n  {\n   \"version\": \"123\",\n   \"state\":"
            + " \"AVAILABLE\",\n   \"status\": {\n    \"error_code\": \"OK\",\n"
            + "    \"error_message\": \"\"\n   }\n  }\n ]\n}\n",
        r.body());
  }

  @Test
  void status_ofSeveralVersions_listsHighestFirst_andFiltersByVersionOrLabel() throws IOException {
    JsonNode all = JSON.readTree(get("/v1/models/two_io").body()).get("model_version_status");
    assertEquals("2", all.get(0).get("version").asText());
    assertEquals("1", all.get(1).get("version").asText());
    JsonNode one =
        JSON.readTree(get("/v1/models/two_io/versions/1").body()).get("model_version_status");
    assertEquals(1, one.size());
    JsonNode label =
        JSON.readTree(get("/v1/models/two_io/labels/canary").body()).get("model_version_status");
    assertEquals("2", label.get(0).get("version").asText());
  }

  @Test
  void metadata_layoutIsTensorFlowServings() {
    Http.Reply r = get("/v1/models/half_plus_three/metadata");
    assertEquals(200, r.status());
    assertTrue(
        r.body()
            .startsWith(
                "{\n\"model_spec\":{\n \"name\": \"half_plus_three\",\n \"signature_name\": \"\",\n"
                    + " \"version\": \"123\"\n}\n,\n\"metadata\": {\"signature_def\": {\n"
                    + " \"signature_def\": {\n  \"__saved_model_init_op\": {\n"),
        r.body());
    assertTrue(r.body().endsWith("   \"defaults\": {}\n  }\n }\n}\n}\n}\n"), r.body());
  }

  @Test
  void metadata_reportsWhatSavedModelCliShows() throws IOException {
    for (String[] c :
        new String[][] {
          {"half_plus_three", "half_plus_three"},
          {"two_io/versions/1", "two_io"},
          {"mnist", "mnist-basic"}
        }) {
      Http.Reply r = get("/v1/models/" + c[0] + "/metadata");
      assertEquals(200, r.status(), r.body());
      Map<String, String> fromServer = fromMetadata(JSON.readTree(r.body()));
      Map<String, String> fromCli =
          SavedModelCli.signatures(SERVING.resolve(c[1] + ".saved_model_cli.txt"));
      assertEquals(fromCli, fromServer, c[0]);
    }
  }

  /** The metadata's signatures, flattened the way {@link SavedModelCli} flattens its report. */
  private static Map<String, String> fromMetadata(JsonNode root) {
    Map<String, String> out = new TreeMap<>();
    JsonNode defs = root.get("metadata").get("signature_def").get("signature_def");
    for (Iterator<Map.Entry<String, JsonNode>> it = defs.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String sig = e.getKey();
      out.put(sig + " method", e.getValue().get("method_name").asText());
      for (String side : List.of("inputs", "outputs")) {
        e.getValue()
            .get(side)
            .fields()
            .forEachRemaining(
                t -> {
                  JsonNode info = t.getValue();
                  JsonNode shape = info.get("tensor_shape");
                  String s;
                  if (shape.get("unknown_rank").asBoolean()) {
                    s = "unknown_rank";
                  } else {
                    List<String> dims = new ArrayList<>();
                    shape.get("dim").forEach(d -> dims.add(d.get("size").asText()));
                    s = "(" + String.join(", ", dims) + ")";
                  }
                  out.put(
                      sig + " " + side + " " + t.getKey(),
                      info.get("dtype").asText() + " " + s + " " + info.get("name").asText());
                });
      }
    }
    return out;
  }

  // ---- bad requests ----

  @Test
  void unknownModel_is404WithTensorFlowServingsMessage() {
    Http.Reply r = post("/v1/models/half:predict", "{\"instances\": [1.0,5.0]}");
    assertEquals(404, r.status());
    assertEquals(error("Servable not found for request: Latest(half)"), r.body());
    assertEquals(
        error("Servable not found for request: Specific(half_plus_three, 7)"),
        post("/v1/models/half_plus_three/versions/7:predict", "{\"instances\": [1]}").body());
    assertEquals(404, get("/v1/models/half/metadata").status());
    Http.Reply status = get("/v1/models/nope");
    assertEquals(404, status.status());
    assertEquals(error("Could not find any versions of model nope"), status.body());
    assertEquals(
        error("Could not find version 9 of model half_plus_three"),
        get("/v1/models/half_plus_three/versions/9").body());
  }

  @Test
  void unknownLabelOrSignature_is400() {
    Http.Reply r = post("/v1/models/two_io/labels/nope:predict", "{\"instances\": [1]}");
    assertEquals(400, r.status());
    assertEquals(error("Unrecognized servable version label: nope"), r.body());
    Http.Reply s =
        post(
            "/v1/models/half_plus_three:predict",
            "{\"signature_name\": \"x\", \"instances\": [1]}");
    assertEquals(400, s.status());
    assertEquals(error("Serving signature name: \\\"x\\\" not found in signature def"), s.body());
    Http.Reply init =
        post(
            "/v1/models/half_plus_three:predict",
            "{\"signature_name\": \"__saved_model_init_op\", \"instances\": [1]}");
    assertEquals(501, init.status(), init.body());
  }

  @Test
  void malformedJson_is400WithTheParseError() {
    Http.Reply r = post("/v1/models/half_plus_three:predict", "instances = [1, 2]");
    assertEquals(400, r.status());
    assertTrue(r.body().contains("\"error\": \"JSON Parse error: "), r.body());
    assertEquals(
        error("JSON Parse error: The document is empty"),
        post("/v1/models/half_plus_three:predict", "").body());
    Http.Reply truncated = post("/v1/models/half_plus_three:predict", "{\"instances\": [1, 2");
    assertEquals(400, truncated.status());
    assertTrue(truncated.body().contains("JSON Parse error"), truncated.body());
    Http.Reply notObject = post("/v1/models/half_plus_three:predict", "[1, 2]");
    assertEquals(400, notObject.status());
    assertTrue(notObject.body().contains("Is not object"), notObject.body());
  }

  @Test
  void wrongTypesAndShapes_are400NamingTheInput() {
    assertError(
        400,
        "Failed to process element: 0 of 'instances' list. Error: JSON Value: \\\"x\\\" Type:"
            + " String is not of expected type: float",
        "/v1/models/half_plus_three:predict",
        "{\"instances\": [\"x\", \"y\"]}");
    assertError(
        400,
        "Failed to process element: 1 of 'instances' list. Error: Encountered list at unexpected"
            + " size: 2 at level: 1 expected size: 3",
        "/v1/models/two_io:predict",
        "{\"signature_name\": \"only_a\", \"instances\": [[1, 2, 3], [4, 5]]}");
    assertError(
        400,
        "input a expects shape (-1, 3), got (1, 4)",
        "/v1/models/two_io:predict",
        "{\"signature_name\": \"only_a\", \"instances\": [[1, 2, 3, 4]]}");
    assertError(
        400,
        "input keras_tensor expects shape (-1, 28, 28, 1), got (2, 3)",
        "/v1/models/mnist:predict",
        "{\"instances\": [[1, 2, 3], [4, 5, 6]]}");
    assertError(
        400,
        "inputs a and b disagree on the batch size (first dimension): 1 and 2",
        "/v1/models/two_io:predict",
        "{\"inputs\": {\"a\": [[1, 2, 3]], \"b\": [[1, 2], [3, 4]]}}");
  }

  @Test
  void inputsNotMatchingTheSignature_are400() {
    assertError(
        400,
        "Missing named input: b in 'inputs' object.",
        "/v1/models/two_io:predict",
        "{\"inputs\": {\"a\": [[1, 2, 3]]}}");
    assertError(
        400,
        "JSON object: does not have named input: c",
        "/v1/models/two_io:predict",
        "{\"instances\": [{\"a\": [1, 2, 3], \"b\": [1, 2], \"c\": [1]}]}");
    assertError(
        400,
        "instances is a plain list, but expecting list of objects as multiple input tensors"
            + " required as per tensorinfo_map (a,b)",
        "/v1/models/two_io:predict",
        "{\"instances\": [[1, 2, 3]]}");
    assertError(
        400,
        "Not formatted correctly expecting only one of 'inputs' or 'instances' keys to exist",
        "/v1/models/half_plus_three:predict",
        "{\"instances\": [1], \"inputs\": [1]}");
    assertError(
        400,
        "Missing 'inputs' or 'instances' key",
        "/v1/models/half_plus_three:predict",
        "{\"signature_name\": \"serving_default\"}");
    assertError(
        400,
        "No values in 'instances' array",
        "/v1/models/half_plus_three:predict",
        "{\"instances\": []}");
    assertError(
        400,
        "JSON Value: not formatted correctly. 'signature_name' key must be a string value.",
        "/v1/models/half_plus_three:predict",
        "{\"signature_name\": 100, \"instances\": [1]}");
  }

  @Test
  void requestOverTheSizeLimit_is413() {
    String big = "{\"instances\": [" + "1.0,".repeat(300_000) + "1.0]}";
    Http.Reply r = post("/v1/models/half_plus_three:predict", big);
    assertEquals(413, r.status());
    assertTrue(r.body().contains("exceeds the limit of 1048576 bytes"), r.body());
    // the server still answers afterwards
    assertEquals(200, post("/v1/models/half_plus_three:predict", "{\"instances\": [1]}").status());
  }

  @Test
  void wrongMethodsAndPaths_areRefusedClearly() {
    assertEquals(
        error("Malformed request: GET /v1/models/half_plus_three:predict"),
        get("/v1/models/half_plus_three:predict").body());
    assertEquals(400, post("/v1/models/half_plus_three/metadata", "{}").status());
    assertEquals(404, get("/nope").status());
    assertEquals(error("Missing model name in request."), get("/v1/models").body());
    Http.Reply classify =
        post("/v1/models/half_plus_three:classify", "{\"examples\": [{\"x\": 1.0}]}");
    assertEquals(501, classify.status());
    assertTrue(classify.body().contains("does not implement :classify"), classify.body());
  }

  private static void assertError(int status, String message, String path, String body) {
    Http.Reply r = post(path, body);
    assertEquals(status, r.status(), r.body());
    assertEquals(error(message), r.body());
  }

  // ---- metrics and health ----

  @Test
  void metricsAndHealth_areServed() {
    post("/v1/models/half_plus_three:predict", "{\"instances\": [1]}");
    post("/v1/models/half:predict", "{\"instances\": [1]}");
    Http.Reply m = get("/monitoring/prometheus/metrics");
    assertEquals(200, m.status());
    assertTrue(m.body().contains("# TYPE :tensorflow:serving:request_count counter\n"), m.body());
    assertTrue(
        m.body()
            .matches(
                "(?s).*\n:tensorflow:serving:request_count\\{model_name=\"half_plus_three\","
                    + "status=\"OK\"} [1-9][0-9]*\n.*"),
        m.body());
    assertTrue(
        m.body()
            .contains(
                ":tensorflow:serving:request_count{model_name=\"half\",status=\"NOT_FOUND\"}"),
        m.body());
    assertTrue(
        m.body()
            .contains(
                ":tensorflow:serving:request_latency_bucket{model_name=\"half_plus_three\","
                    + "API=\"predict\",entrypoint=\"REST\",le=\"10\"}"),
        m.body());
    assertTrue(m.body().contains(":jeras:serving:versions_available{model_name=\"two_io\"} 2"));
    assertEquals(200, get("/healthz").status());
    assertEquals(200, get("/readyz").status());
  }

  /** The JSON nested-list text of an array. */
  static String nested(FloatArray x) {
    StringBuilder sb = new StringBuilder();
    nested(x.data(), x.shape(), 0, new int[] {0}, sb);
    return sb.toString();
  }

  private static void nested(float[] d, long[] shape, int dim, int[] at, StringBuilder sb) {
    if (dim == shape.length) {
      sb.append(Float.toString(d[at[0]++]));
      return;
    }
    sb.append('[');
    for (long i = 0; i < shape[dim]; i++) {
      if (i > 0) {
        sb.append(',');
      }
      nested(d, shape, dim + 1, at, sb);
    }
    sb.append(']');
  }

  private static List<String> names(JsonNode n) {
    List<String> out = new ArrayList<>();
    n.fieldNames().forEachRemaining(out::add);
    return out;
  }

  static boolean exists(Path p) {
    return Files.exists(p);
  }
}

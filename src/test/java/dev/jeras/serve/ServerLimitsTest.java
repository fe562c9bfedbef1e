package dev.jeras.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The server under pressure: a full request queue (429), a full batch queue (503), a deadline
 * (504), slow clients, requests larger than a batch, and a draining shutdown.
 */
class ServerLimitsTest {
  private static final Path HALF = Path.of("testdata/serving/half_plus_three");
  private static final Path TWO_IO = Path.of("testdata/serving/two_io");
  private static final String PREDICT = "/v1/models/m:predict";

  private static ServerOptions options(Path model) {
    return new ServerOptions()
        .host("127.0.0.1")
        .port(0)
        .fileSystemPollWaitSeconds(0)
        .model(ModelConfig.of("m", model));
  }

  @Test
  void fullRequestQueue_answers429_andServesAgainOnceFree() throws Exception {
    try (ModelServer s =
            ModelServer.start(options(HALF).restApiNumThreads(1).maxQueuedRequests(0));
        Http.SlowRequest slow =
            new Http.SlowRequest(s.port(), PREDICT, "{\"instances\": [1.0, 2.0]}", 5)) {
      waitFor(() -> running(s) == 1);
      Http.Reply r = Http.post(s.port(), PREDICT, "{\"instances\": [1.0]}");
      assertEquals(429, r.status());
      assertEquals(
          RestApiTest.error("Too many requests: 1 running and 0 queued; retry later"), r.body());
      Http.Reply done = slow.finish();
      assertEquals(200, done.status(), done.body());
      assertEquals("{\n    \"predictions\": [3.5, 4.0\n    ]\n}", done.body());
      assertEquals(200, Http.post(s.port(), PREDICT, "{\"instances\": [1.0]}").status());
    }
  }

  @Test
  void slowClient_doesNotHoldUpTheOthers() throws Exception {
    try (ModelServer s = ModelServer.start(options(HALF).restApiNumThreads(2));
        Http.SlowRequest slow =
            new Http.SlowRequest(s.port(), PREDICT, "{\"instances\": [1.0]}", 3)) {
      waitFor(() -> running(s) == 1);
      for (int i = 0; i < 20; i++) {
        assertEquals(200, Http.post(s.port(), PREDICT, "{\"instances\": [2.0]}").status());
      }
      assertEquals(200, slow.finish().status());
    }
  }

  @Test
  void batching_joinsRequests_andRefusesOneLargerThanABatch() throws Exception {
    ServerOptions o =
        options(HALF).restApiNumThreads(8).batching(new BatchingOptions(4, 200_000, 1, 10));
    try (ModelServer s = ModelServer.start(o)) {
      assertError(
          Http.post(s.port(), PREDICT, "{\"instances\": [1, 2, 3, 4, 5]}"),
          400,
          "Task size 5 is larger than maximum input batch size 4");
      // four one-row requests within the 200 ms window run as one batch of 4
      CompletableFuture<?>[] fs = new CompletableFuture<?>[4];
      for (int i = 0; i < 4; i++) {
        float x = i;
        fs[i] =
            CompletableFuture.supplyAsync(
                () -> Http.post(s.port(), PREDICT, "{\"instances\": [" + x + "]}"));
      }
      for (int i = 0; i < 4; i++) {
        Http.Reply r = (Http.Reply) fs[i].get(30, TimeUnit.SECONDS);
        assertEquals(200, r.status());
        assertEquals(
            "{\n    \"predictions\": [" + FloatFormat.format(0.5f * i + 3) + "\n    ]\n}",
            r.body());
      }
      String metrics = Http.get(s.port(), "/monitoring/prometheus/metrics").body();
      assertTrue(
          metrics.contains(
              ":tensorflow:serving:batching_session:processed_batch_size_bucket"
                  + "{model_name=\"m\",le=\"4\"} 1"),
          metrics);
    }
  }

  @Test
  void fullBatchQueue_answers503_andDeadline_answers504() throws Exception {
    // batches of up to 2 rows; 2 rows may wait; a lone request waits 2 s for company
    ServerOptions o =
        options(TWO_IO)
            .restApiNumThreads(8)
            .restApiTimeoutMs(10_000)
            .batching(new BatchingOptions(2, 2_000_000, 1, 1));
    try (ModelServer s = ModelServer.start(o)) {
      CompletableFuture<Http.Reply> first =
          CompletableFuture.supplyAsync(
              () ->
                  Http.post(
                      s.port(),
                      PREDICT,
                      "{\"signature_name\": \"only_a\", \"instances\": [[1, 2, 3]]}"));
      CompletableFuture<Http.Reply> second =
          CompletableFuture.supplyAsync(
              () ->
                  Http.post(
                      s.port(), PREDICT, "{\"instances\": [{\"a\": [1, 2, 3], \"b\": [0, 0]}]}"));
      waitFor(() -> gauge(s, ":jeras:serving:batch_queue_rows") == 2);
      assertError(
          Http.post(s.port(), PREDICT, "{\"instances\": [{\"a\": [1, 2, 3], \"b\": [0, 0]}]}"),
          503,
          "The batch scheduling queue to which this task was submitted is full");
      assertEquals(200, first.get(30, TimeUnit.SECONDS).status());
      assertEquals(200, second.get(30, TimeUnit.SECONDS).status());
    }
    ServerOptions tight =
        options(HALF).restApiTimeoutMs(300).batching(new BatchingOptions(8, 5_000_000, 1, 10));
    try (ModelServer s = ModelServer.start(tight)) {
      assertError(
          Http.post(s.port(), PREDICT, "{\"instances\": [1]}"),
          504,
          "Deadline exceeded: no answer within --rest_api_timeout_in_ms=300");
    }
  }

  @Test
  void close_drainsAcceptedRequests_andRefusesNewOnes() throws Exception {
    ModelServer s = ModelServer.start(options(HALF).restApiNumThreads(2));
    try (Http.SlowRequest slow =
        new Http.SlowRequest(s.port(), PREDICT, "{\"instances\": [1.0, 2.0]}", 4)) {
      waitFor(() -> running(s) == 1);
      CompletableFuture<Void> closing = CompletableFuture.runAsync(s::close);
      waitFor(() -> Http.get(s.port(), "/readyz").status() == 503);
      Http.Reply refused = Http.post(s.port(), PREDICT, "{\"instances\": [1.0]}");
      assertEquals(503, refused.status());
      assertEquals(RestApiTest.error("the server is shutting down"), refused.body());
      Http.Reply done = slow.finish();
      assertEquals(200, done.status(), done.body());
      assertEquals("{\n    \"predictions\": [3.5, 4.0\n    ]\n}", done.body());
      closing.get(30, TimeUnit.SECONDS);
    } finally {
      s.close();
    }
  }

  private static void assertError(Http.Reply r, int status, String message) {
    assertEquals(status, r.status(), r.body());
    assertEquals(RestApiTest.error(message), r.body());
  }

  private static long running(ModelServer s) {
    return gauge(s, ":jeras:serving:requests_running");
  }

  private static long gauge(ModelServer s, String name) {
    for (String line : Http.get(s.port(), "/monitoring/prometheus/metrics").body().split("\n")) {
      if (line.startsWith(name + " ")) {
        return Long.parseLong(line.substring(name.length() + 1));
      }
    }
    throw new AssertionError("no metric " + name);
  }

  static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not reached in 30 s");
      }
      Thread.sleep(20);
    }
  }
}

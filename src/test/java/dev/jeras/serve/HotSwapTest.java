package dev.jeras.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * New versions swapped in while clients keep predicting: no request fails; a broken version, a
 * deleted directory and a deleted base path leave the loaded version serving.
 */
class HotSwapTest {
  private static final Path TWO_IO = Path.of("testdata/serving/two_io");
  private static final String PREDICT = "/v1/models/m:predict";
  private static final String BODY = "{\"instances\": [{\"a\": [1, 1, 1], \"b\": [1, 1]}]}";

  @TempDir Path tmp;

  /** Publishes a version the safe way: copied under a temporary name, then renamed. */
  private void publish(Path base, int from, long as) throws IOException {
    Path staging = base.resolve(".staging-" + as);
    copyTree(TWO_IO.resolve(Integer.toString(from)), staging);
    Files.move(staging, base.resolve(Long.toString(as)), StandardCopyOption.ATOMIC_MOVE);
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t);
        }
      }
    }
  }

  private static void deleteTree(Path p) throws IOException {
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(q);
      }
    }
  }

  @Test
  void newVersionUnderLoad_swapsWithZeroFailedRequests() throws Exception {
    swapUnderLoad(null);
  }

  @Test
  void newVersionUnderLoad_withBatching_swapsWithZeroFailedRequests() throws Exception {
    swapUnderLoad(new BatchingOptions(8, 1_000, 1, 10));
  }

  private void swapUnderLoad(BatchingOptions batching) throws Exception {
    Path base = tmp.resolve("m");
    Files.createDirectories(base);
    publish(base, 1, 1);
    ServerOptions o =
        new ServerOptions()
            .host("127.0.0.1")
            .port(0)
            .restApiNumThreads(4)
            .fileSystemPollWaitSeconds(1)
            .batching(batching)
            .model(ModelConfig.of("m", base));
    try (ModelServer s = ModelServer.start(o)) {
      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger ok = new AtomicInteger();
      ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
      ConcurrentHashMap<String, AtomicInteger> seen = new ConcurrentHashMap<>();
      List<Thread> clients = new ArrayList<>();
      for (int c = 0; c < 4; c++) {
        Thread t =
            new Thread(
                () -> {
                  while (!stop.get()) {
                    try {
                      Http.Reply r = Http.post(s.port(), PREDICT, BODY);
                      if (r.status() != 200) {
                        failures.add(r.status() + " " + r.body());
                        continue;
                      }
                      // total = 5 in version 1, 105 in version 2
                      String total =
                          RestApiTest.JSON.readTree(r.body()).at("/predictions/0/total/0").asText();
                      seen.computeIfAbsent(total, k -> new AtomicInteger()).incrementAndGet();
                      ok.incrementAndGet();
                    } catch (IOException | AssertionError e) {
                      failures.add(e.toString());
                    }
                  }
                });
        t.start();
        clients.add(t);
      }
      ServerLimitsTest.waitFor(() -> ok.get() > 50);
      publish(base, 2, 2);
      ServerLimitsTest.waitFor(() -> seen.containsKey("105.0") && seen.get("105.0").get() > 50);
      stop.set(true);
      for (Thread t : clients) {
        t.join(30_000);
      }
      assertEquals(List.of(), new ArrayList<>(failures), "failed requests during the swap");
      assertTrue(seen.get("5.0").get() > 0, "version 1 answered before the swap: " + seen);
      assertEquals(2, seen.size(), "only the two versions' answers: " + seen);
      ServerLimitsTest.waitFor(() -> state(s, 1).equals("END"));
      assertEquals("AVAILABLE", state(s, 2));
      System.out.printf(
          "hot swap under load (batching %s): %d requests, 0 failed; answers by version total %s%n",
          batching == null ? "off" : "on", ok.get(), seen);
    }
  }

  @Test
  void brokenNewVersion_keepsTheLoadedOne_andRetriesWhenFixed() throws Exception {
    Path base = tmp.resolve("m");
    Files.createDirectories(base);
    publish(base, 1, 1);
    ServerOptions o =
        new ServerOptions()
            .host("127.0.0.1")
            .port(0)
            .fileSystemPollWaitSeconds(0)
            .model(ModelConfig.of("m", base));
    try (ModelServer s = ModelServer.start(o)) {
      Path broken = base.resolve("2");
      Files.createDirectories(broken);
      Files.writeString(broken.resolve("saved_model.pb"), "not a protocol buffer");
      s.pollNow();
      JsonNode v2 = version(s, 2);
      assertEquals("END", v2.get("state").asText());
      assertEquals("UNKNOWN", v2.at("/status/error_code").asText());
      assertTrue(v2.at("/status/error_message").asText().contains("saved_model.pb"), v2.toString());
      assertTotal(s, "5.0");
      // fixed in place: retried on the next poll
      deleteTree(broken);
      publish(base, 2, 2);
      s.pollNow();
      assertEquals("AVAILABLE", state(s, 2));
      assertTotal(s, "105.0");
      assertEquals("END", state(s, 1));
    }
  }

  @Test
  void deletedDirectories_keepTheLoadedVersionServing() throws Exception {
    Path base = tmp.resolve("m");
    Files.createDirectories(base);
    publish(base, 2, 7);
    ServerOptions o =
        new ServerOptions()
            .host("127.0.0.1")
            .port(0)
            .fileSystemPollWaitSeconds(0)
            .model(ModelConfig.of("m", base));
    try (ModelServer s = ModelServer.start(o)) {
      deleteTree(base.resolve("7"));
      s.pollNow();
      assertEquals("AVAILABLE", state(s, 7));
      assertTotal(s, "105.0");
      deleteTree(base);
      s.pollNow();
      assertEquals("AVAILABLE", state(s, 7));
      assertTotal(s, "105.0");
      assertEquals(200, Http.get(s.port(), "/readyz").status());
    }
  }

  @Test
  void specificPolicy_servesTheListedVersions_andLabelsPointAtThem() throws Exception {
    Path base = tmp.resolve("m");
    Files.createDirectories(base);
    publish(base, 1, 42);
    publish(base, 2, 43);
    publish(base, 2, 44);
    ServerOptions o =
        new ServerOptions()
            .host("127.0.0.1")
            .port(0)
            .fileSystemPollWaitSeconds(0)
            .model(
                new ModelConfig(
                    "m",
                    base,
                    VersionPolicy.specific(java.util.Set.of(42L, 43L)),
                    java.util.Map.of("stable", 42L, "canary", 43L)));
    try (ModelServer s = ModelServer.start(o)) {
      assertEquals(404, Http.get(s.port(), "/v1/models/m/versions/44").status());
      Http.Reply latest = Http.post(s.port(), PREDICT, BODY);
      assertTrue(latest.body().contains("105.0"), "latest of the specific ones is 43");
      Http.Reply stable = Http.post(s.port(), "/v1/models/m/labels/stable:predict", BODY);
      assertTrue(stable.body().contains("\"total\": [5.0]"), stable.body());
      Http.Reply v42 = Http.post(s.port(), "/v1/models/m/versions/42:predict", BODY);
      assertTrue(v42.body().contains("\"total\": [5.0]"), v42.body());
    }
  }

  private static void assertTotal(ModelServer s, String total) throws IOException {
    Http.Reply r = Http.post(s.port(), PREDICT, BODY);
    assertEquals(200, r.status(), r.body());
    assertEquals(total, RestApiTest.JSON.readTree(r.body()).at("/predictions/0/total/0").asText());
  }

  private static String state(ModelServer s, long v) {
    try {
      return version(s, v).get("state").asText();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static JsonNode version(ModelServer s, long v) throws IOException {
    Http.Reply r = Http.get(s.port(), "/v1/models/m/versions/" + v);
    assertEquals(200, r.status(), r.body());
    return RestApiTest.JSON.readTree(r.body()).get("model_version_status").get(0);
  }
}

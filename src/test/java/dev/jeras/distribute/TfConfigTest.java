package dev.jeras.distribute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.JerasException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TF_CONFIG documents as launchers write them, and the errors for the ones jeras cannot run. */
class TfConfigTest {
  @TempDir Path tmp;

  @Test
  void chiefAndWorkers_trainInRankOrder_chiefFirst() {
    TfConfig c =
        TfConfig.parse(
            "{\"cluster\": {\"worker\": [\"h1:2222\", \"h2:2222\"], \"chief\": [\"h0:2222\"]},"
                + " \"task\": {\"type\": \"worker\", \"index\": 1}}",
            "TF_CONFIG",
            null);
    assertEquals(new TaskId("worker", 1), c.task());
    assertEquals(
        List.of(new TaskId("chief", 0), new TaskId("worker", 0), new TaskId("worker", 1)),
        c.trainingTasks());
    assertEquals(new TaskId("chief", 0), c.chief());
    assertEquals("h2:2222", c.address(c.task()));
    assertEquals("{\"chief\":[\"h0:2222\"],\"worker\":[\"h1:2222\",\"h2:2222\"]}", c.clusterJson());
  }

  @Test
  void workersWithoutChief_workerZeroLeads_andTaskOptionOverridesTheDocument() {
    TfConfig c =
        TfConfig.parse(
            "{\"cluster\": {\"worker\": [\"[::1]:2222\", \"localhost:2223\"]},"
                + " \"task\": {\"type\": \"worker\", \"index\": 0}}",
            "f.json",
            TaskId.parse("worker:1"));
    assertEquals(new TaskId("worker", 1), c.task());
    assertEquals(new TaskId("worker", 0), c.chief());
  }

  @Test
  void clusterFile_isReadAndNamedInErrors() throws Exception {
    Path f = tmp.resolve("c.json");
    Files.writeString(f, "{\"cluster\": {\"worker\": [\"a:1\"]}}");
    assertEquals(new TaskId("worker", 0), TfConfig.read(f, TaskId.parse("worker:0")).task());
    JerasException e = assertThrows(JerasException.class, () -> TfConfig.read(f, null));
    assertEquals(
        f
            + ": no \"task\" ({\"type\": \"worker\", \"index\": 0}); give it there or with"
            + " --task TYPE:INDEX",
        e.getMessage());
    JerasException missing =
        assertThrows(JerasException.class, () -> TfConfig.read(tmp.resolve("none.json"), null));
    assertTrue(missing.getMessage().startsWith(tmp.resolve("none.json") + ": cannot read"));
  }

  @Test
  void badDocuments_areRefused_namingTheSourceAndWhatIsExpected() {
    assertError("{\"cluster\": ", "TF_CONFIG: not valid JSON: ");
    assertError("[]", "TF_CONFIG: expected a JSON object with \"cluster\" and \"task\"");
    assertError("{\"cluster\": {}}", "TF_CONFIG: \"cluster\" must be an object of jobs");
    assertError(
        "{\"cluster\": {\"worker\": [\"a:1\"], \"ps\": [\"b:1\"]}, \"task\": {\"type\":"
            + " \"worker\"}}",
        "TF_CONFIG: the cluster has ps tasks; jeras averages gradients with an all-reduce");
    assertError(
        "{\"cluster\": {\"worker\": [\"a:1\"], \"evaluator\": [\"b:1\"]}}",
        "TF_CONFIG: evaluator tasks are not supported");
    assertError(
        "{\"cluster\": {\"trainer\": [\"a:1\"]}}",
        "TF_CONFIG: unknown job \"trainer\" in the cluster; jeras knows chief and worker");
    assertError(
        "{\"cluster\": {\"worker\": [\"a:99999\"]}}",
        "TF_CONFIG: cluster.worker[0]: expected an address host:port with a port in 1..65535,"
            + " got \"a:99999\"");
    assertError(
        "{\"cluster\": {\"worker\": [\"a:1\", \"a:1\"]}}",
        "TF_CONFIG: cluster.worker[1]: address a:1 is already task worker:0's");
    assertError(
        "{\"cluster\": {\"chief\": [\"a:1\", \"b:1\"]}}",
        "TF_CONFIG: cluster.chief must list exactly one address, got [a:1, b:1]");
    assertError(
        "{\"cluster\": {\"worker\": [\"a:1\"]}, \"task\": {\"type\": \"worker\", \"index\": 1}}",
        "TF_CONFIG: task worker:1 is out of range: cluster.worker lists 1 task(s), indexes 0..0");
    assertError(
        "{\"cluster\": {\"worker\": [\"a:1\"]}, \"task\": {\"type\": \"chief\", \"index\": 0}}",
        "TF_CONFIG: task chief:0 is of a job the cluster does not list [worker]");
    assertError(
        "{\"cluster\": {\"worker\": [\"a:1\"]}, \"rpc_layer\": \"grpc+verbs\"}",
        "TF_CONFIG: rpc_layer \"grpc+verbs\" is not supported; jeras speaks grpc");
  }

  @Test
  void badTaskOption_namesTheExpectedForm() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> TaskId.parse("worker"));
    assertEquals(
        "--task must be TYPE:INDEX such as worker:0 or chief:0, got \"worker\"", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> TaskId.parse("worker:x"));
    assertThrows(IllegalArgumentException.class, () -> TaskId.parse("worker:-1"));
  }

  private static void assertError(String json, String start) {
    JerasException e =
        assertThrows(JerasException.class, () -> TfConfig.parse(json, "TF_CONFIG", null));
    assertTrue(
        e.getMessage().startsWith(start),
        "expected a message starting with\n" + start + "\ngot\n" + e.getMessage());
  }
}

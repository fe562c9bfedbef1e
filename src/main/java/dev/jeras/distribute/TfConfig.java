package dev.jeras.distribute;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jeras.JerasException;
import dev.jeras.internal.IoErrors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A cluster description in TensorFlow's {@code TF_CONFIG} format, the one Kubernetes' TFJob
 * operator and other launchers write:
 *
 * <pre>{@code
 * {"cluster": {"chief": ["host0:2222"], "worker": ["host1:2222", "host2:2222"]},
 *  "task": {"type": "worker", "index": 0}}
 * }</pre>
 *
 * <p>jeras trains with an all-reduce between every training task: the chief (or, in a cluster
 * without one, worker 0, as {@code tf.distribute} does) and the workers. {@code ps} and {@code
 * evaluator} tasks are refused with the reason; so are unknown jobs, malformed or repeated
 * addresses, and a task the cluster does not list.
 */
public final class TfConfig {
  /** The environment variable launchers set. */
  public static final String VARIABLE = "TF_CONFIG";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<String, List<String>> jobs;
  private final TaskId task;
  private final String source;

  private TfConfig(Map<String, List<String>> jobs, TaskId task, String source) {
    this.jobs = jobs;
    this.task = task;
    this.source = source;
  }

  /**
   * Reads a {@code TF_CONFIG} document.
   *
   * @param json the document
   * @param source where it came from, for messages ({@code TF_CONFIG}, a file name)
   * @param task the task, overriding the document's {@code "task"}; null to take the document's
   * @return the checked configuration
   * @throws JerasException naming the source and what is wrong
   */
  public static TfConfig parse(String json, String source, TaskId task) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new JerasException(
          source + ": not valid JSON: " + e.getOriginalMessage() + " (expected TF_CONFIG's form)");
    }
    if (root == null || !root.isObject()) {
      throw new JerasException(source + ": expected a JSON object with \"cluster\" and \"task\"");
    }
    JsonNode cluster = root.get("cluster");
    if (cluster == null || !cluster.isObject() || cluster.isEmpty()) {
      throw new JerasException(
          source
              + ": \"cluster\" must be an object of jobs, e.g. {\"chief\": [\"host:port\"],"
              + " \"worker\": [\"host:port\", ...]}");
    }
    JsonNode rpc = root.get("rpc_layer");
    if (rpc != null && !"grpc".equals(rpc.asText())) {
      throw new JerasException(
          source + ": rpc_layer \"" + rpc.asText() + "\" is not supported; jeras speaks grpc");
    }
    Map<String, List<String>> jobs = new LinkedHashMap<>();
    Map<String, String> seen = new HashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = cluster.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> job = it.next();
      String name = job.getKey();
      refuseJob(name, source);
      if (!job.getValue().isArray() || job.getValue().isEmpty()) {
        throw new JerasException(
            source + ": cluster." + name + " must be a non-empty list of \"host:port\" addresses");
      }
      List<String> addresses = new ArrayList<>();
      for (JsonNode a : job.getValue()) {
        String address = a.isTextual() ? a.asText() : a.toString();
        String where = source + ": cluster." + name + "[" + addresses.size() + "]";
        checkAddress(address, where);
        String other = seen.put(address, name + ":" + addresses.size());
        if (other != null) {
          throw new JerasException(
              where + ": address " + address + " is already task " + other + "'s");
        }
        addresses.add(address);
      }
      jobs.put(name, List.copyOf(addresses));
    }
    if (jobs.containsKey(TaskId.CHIEF) && jobs.get(TaskId.CHIEF).size() != 1) {
      throw new JerasException(
          source + ": cluster.chief must list exactly one address, got " + jobs.get("chief"));
    }
    TaskId t = task != null ? task : readTask(root.get("task"), source);
    List<String> addresses = jobs.get(t.type());
    if (addresses == null) {
      throw new JerasException(
          source + ": task " + t + " is of a job the cluster does not list " + jobs.keySet());
    }
    if (t.index() >= addresses.size()) {
      throw new JerasException(
          source
              + ": task "
              + t
              + " is out of range: cluster."
              + t.type()
              + " lists "
              + addresses.size()
              + " task(s), indexes 0.."
              + (addresses.size() - 1));
    }
    return new TfConfig(Map.copyOf(jobs), t, source);
  }

  /**
   * Reads the {@code TF_CONFIG} environment variable.
   *
   * @param task the task, overriding the variable's; null to take the variable's
   * @return the configuration, or null when the variable is unset or empty
   */
  public static TfConfig fromEnvironment(TaskId task) {
    String v = System.getenv(VARIABLE);
    return v == null || v.isBlank() ? null : parse(v, VARIABLE, task);
  }

  /**
   * Reads a file holding a {@code TF_CONFIG} document.
   *
   * @param file the file
   * @param task the task, overriding the file's; null to take the file's
   * @return the configuration
   */
  public static TfConfig read(Path file, TaskId task) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new JerasException(file + ": cannot read the cluster file: " + IoErrors.describe(e), e);
    }
    return parse(text, file.toString(), task);
  }

  private static void refuseJob(String name, String source) {
    switch (name) {
      case TaskId.CHIEF, TaskId.WORKER -> {}
      case "ps" ->
          throw new JerasException(
              source
                  + ": the cluster has ps tasks; jeras averages gradients with an all-reduce"
                  + " between the chief and the workers and uses no parameter servers: remove"
                  + " \"ps\" (docs/distributed.md says why)");
      case "evaluator" ->
          throw new JerasException(
              source
                  + ": evaluator tasks are not supported; the chief evaluates and exports after"
                  + " training: remove \"evaluator\"");
      default ->
          throw new JerasException(
              source
                  + ": unknown job \""
                  + name
                  + "\" in the cluster; jeras knows chief and worker");
    }
  }

  private static TaskId readTask(JsonNode task, String source) {
    if (task == null || !task.isObject()) {
      throw new JerasException(
          source
              + ": no \"task\" ({\"type\": \"worker\", \"index\": 0}); give it there or with"
              + " --task TYPE:INDEX");
    }
    JsonNode type = task.get("type");
    JsonNode index = task.get("index");
    if (type == null || !type.isTextual()) {
      throw new JerasException(source + ": task.type must be a job name such as \"worker\"");
    }
    if (index != null && !index.canConvertToInt()) {
      throw new JerasException(source + ": task.index must be an integer, got " + index);
    }
    int i = index == null ? 0 : index.asInt();
    if (i < 0) {
      throw new JerasException(source + ": task.index must be >= 0, got " + i);
    }
    return new TaskId(type.asText(), i);
  }

  /** Checks {@code host:port} (IPv6 hosts in brackets) with a port in 1..65535. */
  private static void checkAddress(String address, String where) {
    int colon = address.lastIndexOf(':');
    String host = colon < 0 ? "" : address.substring(0, colon);
    String port = colon < 0 ? "" : address.substring(colon + 1);
    if (host.startsWith("[") != host.endsWith("]")) {
      host = "";
    }
    int p = -1;
    try {
      p = Integer.parseInt(port);
    } catch (NumberFormatException e) {
      // reported below
    }
    if (host.isEmpty() || p < 1 || p > 65535 || host.contains("/")) {
      throw new JerasException(
          where
              + ": expected an address host:port with a port in 1..65535, got \""
              + address
              + "\"");
    }
  }

  /**
   * @return the tasks that train, in rank order: the chief, then the workers by index
   */
  public List<TaskId> trainingTasks() {
    List<TaskId> tasks = new ArrayList<>();
    if (jobs.containsKey(TaskId.CHIEF)) {
      tasks.add(new TaskId(TaskId.CHIEF, 0));
    }
    List<String> workers = jobs.getOrDefault(TaskId.WORKER, List.of());
    for (int i = 0; i < workers.size(); i++) {
      tasks.add(new TaskId(TaskId.WORKER, i));
    }
    return tasks;
  }

  /**
   * @return the task that leads: writes checkpoints, exports, and whose state the others take
   */
  public TaskId chief() {
    return trainingTasks().get(0);
  }

  /**
   * @return this process' task
   */
  public TaskId task() {
    return task;
  }

  /**
   * @param t a task of the cluster
   * @return its {@code host:port}
   */
  public String address(TaskId t) {
    return jobs.get(t.type()).get(t.index());
  }

  /**
   * @return the jobs and their addresses
   */
  public Map<String, List<String>> jobs() {
    return jobs;
  }

  /**
   * @return where the configuration came from
   */
  public String source() {
    return source;
  }

  /**
   * @return the cluster in {@code TF_CONFIG}'s form, jobs in a fixed order, with this task
   */
  public String toJson() {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("cluster", cluster());
    root.put("task", Map.of("type", task.type(), "index", task.index()));
    try {
      return JSON.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * @return the cluster's jobs in a fixed order (chief, worker), as {@code TF_CONFIG}'s JSON
   */
  public String clusterJson() {
    try {
      return JSON.writeValueAsString(cluster());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private Map<String, List<String>> cluster() {
    Map<String, List<String>> cluster = new LinkedHashMap<>();
    for (String job : List.of(TaskId.CHIEF, TaskId.WORKER)) {
      if (jobs.containsKey(job)) {
        cluster.put(job, jobs.get(job));
      }
    }
    return cluster;
  }

  @Override
  public String toString() {
    return "TfConfig[" + toJson() + " from " + source + "]";
  }
}

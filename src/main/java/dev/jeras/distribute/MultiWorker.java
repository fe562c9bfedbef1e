package dev.jeras.distribute;

import dev.jeras.JerasException;
import dev.jeras.internal.Tensors;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Server;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.ClusterDef;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.JobDef;
import org.tensorflow.proto.RunOptions;
import org.tensorflow.proto.ServerDef;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TNumber;

/**
 * This process' place in a cluster that trains one model on TensorFlow's distributed runtime:
 * synchronous data parallelism, every task (the chief and the workers) training on its part of each
 * global batch, gradients summed across tasks by TensorFlow's collective all-reduce ({@code
 * CollectiveReduceV2} over gRPC), so every task applies the same update.
 *
 * <p>{@link #start} serves this task (a TensorFlow gRPC server with the whole cluster's
 * description, the chief as the collectives' group leader), waits until every other task accepts
 * connections, and opens a small control session used for agreement at start-up (settings compared
 * across tasks, the chief's state handed to all). Models train on it through {@code
 * FitOptions.distribute(multiWorker)}.
 *
 * <p>Time limits: a step waits at most {@link Options#stepTimeout} for the other tasks (a task that
 * died is noticed at once, by a refused connection; one that hangs after that long); start-up and
 * the points where tasks wait on the chief (its checkpoints, validation) wait at most {@link
 * Options#startupTimeout}. A watchdog thread reports any wait that outlives its limit by {@link
 * #GRACE} (TensorFlow should have ended it) and runs {@link Options#onHang}.
 *
 * <p>One task per process, for the life of the process: TensorFlow's gRPC server cannot be shut
 * down ("clean shutdown is not implemented"), so it is never stopped and a second {@code start} in
 * the same process is refused.
 *
 * <pre>{@code
 * TfConfig config = TfConfig.fromEnvironment(null);   // TF_CONFIG, as a launcher sets it
 * MultiWorker cluster = MultiWorker.start(config, new MultiWorker.Options());
 * model.fit(x, y, new FitOptions().epochs(5).batchSize(256).distribute(cluster));
 * if (cluster.isChief()) { SavedModels.export(model, dir); }
 * }</pre>
 */
public final class MultiWorker {
  private static final Logger LOG = LoggerFactory.getLogger(MultiWorker.class);

  /** How much longer than a limit the watchdog waits before it reports a hang. */
  public static final Duration GRACE = Duration.ofSeconds(15);

  /** The collective group of all training tasks. */
  static final int GROUP_KEY = 1;

  /** Instance keys of the control session's calls start here; model graphs use smaller ones. */
  static final int CONTROL_KEYS = 1 << 24;

  /**
   * The collective graph keys of the training step's runs and of the control session's: a run with
   * a key takes its step id from a sequence the tasks share through the group leader, which is how
   * the tasks' collectives find each other (a run without one gets no collective executor).
   */
  static final long STEP_GRAPH_KEY = 1;

  static final long CONTROL_GRAPH_KEY = 2;

  /** Slots of the settings compared at start-up. */
  static final int SETTINGS = 32;

  private static MultiWorker current;

  /** Time limits and hooks. */
  public static final class Options {
    Duration stepTimeout = Duration.ofSeconds(60);
    Duration startupTimeout = Duration.ofSeconds(300);
    ConfigProto sessionConfig = ConfigProto.getDefaultInstance();
    Runnable onHang = () -> {};

    /**
     * @param timeout how long a training step waits for the other tasks (default 60 s)
     * @return this
     */
    public Options stepTimeout(Duration timeout) {
      this.stepTimeout = positive(timeout, "step timeout");
      return this;
    }

    /**
     * @param timeout how long start-up waits for the other tasks, and how long the tasks wait on
     *     the chief between epochs (default 300 s)
     * @return this
     */
    public Options startupTimeout(Duration timeout) {
      this.startupTimeout = positive(timeout, "start-up timeout");
      return this;
    }

    /**
     * @param config the base session configuration (threads); the cluster's settings are added
     * @return this
     */
    public Options sessionConfig(ConfigProto config) {
      this.sessionConfig = Objects.requireNonNull(config);
      return this;
    }

    /**
     * @param action what the watchdog does after reporting a hang (the command line exits); the
     *     default only reports
     * @return this
     */
    public Options onHang(Runnable action) {
      this.onHang = Objects.requireNonNull(action);
      return this;
    }

    /**
     * @return the step timeout
     */
    public Duration stepTimeout() {
      return stepTimeout;
    }

    /**
     * @return the start-up timeout
     */
    public Duration startupTimeout() {
      return startupTimeout;
    }

    private static Duration positive(Duration d, String what) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive, got " + d);
      }
      return d;
    }
  }

  /**
   * A setting every task must agree on.
   *
   * @param name what it is, for the message ("the batch size")
   * @param value its value, or a hash of it
   * @param hashed whether {@code value} is a hash (the message then names no values)
   */
  public record Setting(String name, long value, boolean hashed) {}

  private final TfConfig config;
  private final Options options;
  // built once: every training step runs with them
  private final RunOptions stepOptions;
  private final List<TaskId> tasks;
  private final int rank;
  private final ConfigProto sessionConfig;
  private final String target;
  private final ScheduledExecutorService watchdog;
  private final Graph control;
  private final Session controlSession;
  private final Placeholder<TFloat32> floatsIn;
  private final Placeholder<TInt64> longsIn;
  private final Placeholder<TInt32> keyIn;
  private final Output<TFloat32> floatsSum;
  private final Output<TInt64> longsSum;
  private int nextKey = CONTROL_KEYS;
  private ScheduledFuture<?> armed;

  private MultiWorker(TfConfig config, Options options) {
    this.config = config;
    this.options = options;
    this.stepOptions = runOptions(options.stepTimeout, STEP_GRAPH_KEY);
    this.tasks = config.trainingTasks();
    this.rank = tasks.indexOf(config.task());
    TaskId leader = config.chief();
    this.sessionConfig =
        options.sessionConfig.toBuilder()
            .setExperimental(
                options.sessionConfig.getExperimental().toBuilder()
                    .setCollectiveGroupLeader("/job:" + leader.type() + "/replica:0/task:0"))
            .clearDeviceFilters()
            // this task's devices only: ops run here; peers are reached by the collectives
            .addDeviceFilters("/job:" + config.task().type() + "/task:" + config.task().index())
            .setIsolateSessionState(true)
            .build();
    startServer();
    this.target = "grpc://localhost:" + port(config.address(config.task()));
    this.watchdog =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "jeras-cluster-watchdog");
              t.setDaemon(true);
              return t;
            });
    awaitPeers();
    this.control = new Graph();
    Ops tf = Ops.create(control);
    floatsIn = tf.withName("floats").placeholder(TFloat32.class);
    longsIn = tf.withName("longs").placeholder(TInt64.class);
    keyIn = tf.withName("key").placeholder(TInt32.class);
    float limit = options.startupTimeout.toMillis() / 1000f;
    floatsSum = collective(tf, floatsIn, keyIn, limit, "floats_sum").asOutput();
    longsSum = collective(tf, longsIn, keyIn, limit, "longs_sum").asOutput();
    this.controlSession = RemoteSessions.open(control, target, sessionConfig);
    LOG.info(
        "task {} of {} ({} at {}): the cluster answers",
        config.task(),
        tasks.size(),
        isChief() ? "chief" : "worker",
        config.address(config.task()));
  }

  /**
   * Serves this task and connects to the cluster: returns once every task accepts connections.
   *
   * @param config the cluster and this task
   * @param options time limits and the session configuration
   * @return this process' task
   * @throws JerasException naming the task and address that cannot be served or reached
   */
  public static synchronized MultiWorker start(TfConfig config, Options options) {
    if (current != null) {
      throw new JerasException(
          "this process already serves task "
              + current.task()
              + " of a cluster; TensorFlow's server cannot be stopped, so a process serves one"
              + " task for its life");
    }
    current = new MultiWorker(config, options);
    return current;
  }

  private void startServer() {
    ClusterDef.Builder cluster = ClusterDef.newBuilder();
    config
        .jobs()
        .forEach(
            (job, addresses) -> {
              JobDef.Builder j = JobDef.newBuilder().setName(job);
              for (int i = 0; i < addresses.size(); i++) {
                j.putTasks(i, addresses.get(i));
              }
              cluster.addJob(j);
            });
    ServerDef def =
        ServerDef.newBuilder()
            .setCluster(cluster)
            .setJobName(config.task().type())
            .setTaskIndex(config.task().index())
            .setProtocol("grpc")
            .setDefaultSessionConfig(sessionConfig)
            .build();
    // never closed: see the class comment; JavaCPP frees nothing of it behind our back (TF_Server
    // has no deallocator)
    try {
      new Server(def).start();
    } catch (RuntimeException e) {
      throw new JerasException(
          "cannot serve task "
              + config.task()
              + " at "
              + config.address(config.task())
              + ": "
              + firstLine(e.getMessage())
              + " (is the port taken, or the address not this machine's?)",
          e);
    }
  }

  /**
   * Waits until every other training task accepts TCP connections, or names the first that did not.
   */
  private void awaitPeers() {
    long deadline = System.nanoTime() + options.startupTimeout.toNanos();
    for (TaskId t : tasks) {
      if (t.equals(config.task())) {
        continue;
      }
      String address = config.address(t);
      String lastError = "";
      int attempts = 0;
      while (true) {
        attempts++;
        try (Socket s = new Socket()) {
          s.connect(socketAddress(address), 1000);
          break;
        } catch (UnknownHostException e) {
          lastError = "unknown host";
        } catch (IOException e) {
          lastError = e.getMessage() == null ? e.toString() : e.getMessage();
        }
        if (System.nanoTime() > deadline) {
          throw new JerasException(
              "cannot reach task "
                  + t
                  + " at "
                  + address
                  + " (from "
                  + config.source()
                  + "): "
                  + lastError
                  + " after "
                  + attempts
                  + " attempts in "
                  + options.startupTimeout.toSeconds()
                  + " s; is that task started and the address right?");
        }
        if (attempts == 1 || attempts % 30 == 0) {
          LOG.info("waiting for task {} at {} ({})", t, address, lastError);
        }
        sleep(500);
      }
    }
  }

  private static InetSocketAddress socketAddress(String address) {
    int colon = address.lastIndexOf(':');
    String host = address.substring(0, colon);
    if (host.startsWith("[")) {
      host = host.substring(1, host.length() - 1);
    }
    return new InetSocketAddress(host, port(address));
  }

  private static int port(String address) {
    return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new JerasException("interrupted while waiting for the cluster");
    }
  }

  /**
   * Sums a tensor across every training task (each task runs the same op in its own graph), in the
   * graph of {@code tf}. For the training step's gradients.
   *
   * @param tf the graph's op factory
   * @param x this task's part (same shape on every task)
   * @param instanceKey the same on every task for this op, and different for any other collective
   *     that may run at the same time; below {@link #CONTROL_KEYS}
   * @return the sum, the same on every task
   */
  public Operand<TFloat32> allReduceSum(Ops tf, Operand<TFloat32> x, int instanceKey) {
    if (instanceKey <= 0 || instanceKey >= CONTROL_KEYS) {
      throw new IllegalArgumentException("instance key must be in 1.." + (CONTROL_KEYS - 1));
    }
    return collective(
        tf, x, tf.constant(instanceKey), options.stepTimeout.toMillis() / 1000f, "gradients");
  }

  private <T extends TNumber> Operand<T> collective(
      Ops tf, Operand<T> x, Operand<TInt32> key, float timeoutSeconds, String name) {
    return tf.scope()
        .opBuilder("CollectiveReduceV2", name)
        .addInput(x.asOutput())
        .addInput(tf.constant(tasks.size()).asOutput())
        .addInput(tf.constant(GROUP_KEY).asOutput())
        .addInput(key.asOutput())
        .addInputList(new Output<?>[0])
        .setAttr("merge_op", "Add")
        .setAttr("final_op", "Id")
        .setAttr("timeout_seconds", timeoutSeconds)
        .build()
        .<T>output(0);
  }

  /**
   * Opens a session on this task's server for a model's graph.
   *
   * @param graph the graph
   * @param base the model's session configuration (threads); the cluster's settings are added
   * @return the session; close it
   */
  public Session session(Graph graph, ConfigProto base) {
    ConfigProto merged =
        base.toBuilder()
            .mergeFrom(sessionConfig)
            .clearDeviceFilters()
            .addAllDeviceFilters(sessionConfig.getDeviceFiltersList())
            .build();
    return RemoteSessions.open(graph, target, merged);
  }

  /**
   * The options of every run that takes part in {@link #allReduceSum} (the training step): the step
   * timeout, and the collective graph key that pairs the tasks' runs.
   *
   * @return the run options
   */
  public RunOptions stepOptions() {
    return stepOptions;
  }

  private static RunOptions runOptions(Duration limit, long graphKey) {
    return RunOptions.newBuilder()
        .setTimeoutInMs(limit.toMillis())
        .setExperimental(RunOptions.Experimental.newBuilder().setCollectiveGraphKey(graphKey))
        .build();
  }

  /**
   * Exchanges a vector with every task.
   *
   * @param mine this task's values (the same length on every task)
   * @param what what the tasks are doing, for messages
   * @param limit how long to wait for the other tasks
   * @return every task's values, by rank
   */
  public long[][] gather(long[] mine, String what, Duration limit) {
    int n = tasks.size();
    long[] slots = new long[n * mine.length];
    System.arraycopy(mine, 0, slots, rank * mine.length, mine.length);
    long[] sum = new long[slots.length];
    try (TInt64 in = TInt64.vectorOf(slots)) {
      controlRun(
          what,
          limit,
          longsIn,
          in,
          longsSum,
          t -> {
            for (int i = 0; i < sum.length; i++) {
              sum[i] = ((TInt64) t).getLong(i);
            }
          });
    }
    long[][] all = new long[n][];
    for (int t = 0; t < n; t++) {
      all[t] = Arrays.copyOfRange(sum, t * mine.length, (t + 1) * mine.length);
    }
    return all;
  }

  /**
   * Hands the chief's values to every task.
   *
   * @param values the chief's values; on other tasks an array of the same length (ignored)
   * @param what what the tasks are doing, for messages
   * @param limit how long to wait for the other tasks
   * @return the chief's values
   */
  public float[] broadcast(float[] values, String what, Duration limit) {
    float[] result = new float[values.length];
    try (TFloat32 in = Tensors.floats(isChief() ? values : result, 0, values.length)) {
      controlRun(what, limit, floatsIn, in, floatsSum, t -> Tensors.readFloats(t, result, 0));
    }
    return result;
  }

  /**
   * Hands the chief's values to every task.
   *
   * @param values the chief's values; on other tasks an array of the same length (ignored)
   * @param what what the tasks are doing, for messages
   * @param limit how long to wait for the other tasks
   * @return the chief's values
   */
  public long[] broadcast(long[] values, String what, Duration limit) {
    return gather(isChief() ? values : new long[values.length], what, limit)[0];
  }

  /**
   * One control-session run: a fresh instance key (every task counts its calls alike), a time
   * limit, the watchdog armed.
   */
  private synchronized void controlRun(
      String what,
      Duration limit,
      Placeholder<?> in,
      Tensor value,
      Output<?> out,
      Consumer<Tensor> read) {
    arm(what, limit);
    try (TInt32 key = TInt32.scalarOf(nextKey++);
        Result r =
            controlSession
                .runner()
                .feed(in, value)
                .feed(keyIn, key)
                .fetch(out)
                .setOptions(runOptions(limit, CONTROL_GRAPH_KEY))
                .run()) {
      read.accept(r.get(0));
    } catch (RuntimeException e) {
      throw failure(e, what, limit);
    } finally {
      disarm();
    }
  }

  /**
   * Arms the watchdog for a wait on the cluster.
   *
   * @param what what this task waits for, for the report
   * @param limit the wait's own limit; the watchdog fires {@link #GRACE} later
   */
  public synchronized void arm(String what, Duration limit) {
    disarm();
    long ms = limit.plus(GRACE).toMillis();
    armed =
        watchdog.schedule(
            () -> {
              LOG.error(
                  "task {}: no answer from the cluster for {} s while {}; stopping",
                  config.task(),
                  ms / 1000,
                  what);
              options.onHang.run();
            },
            ms,
            TimeUnit.MILLISECONDS);
  }

  /** Disarms the watchdog after a wait returned. */
  public synchronized void disarm() {
    if (armed != null) {
      armed.cancel(false);
      armed = null;
    }
  }

  /**
   * Compares settings across tasks.
   *
   * @param settings at most {@link #SETTINGS}, in the same order on every task
   * @throws JerasException on every task, naming the first setting the tasks disagree on and the
   *     tasks that differ from the chief
   */
  public void checkAgreement(List<Setting> settings) {
    if (settings.size() >= SETTINGS) {
      throw new IllegalArgumentException("at most " + (SETTINGS - 1) + " settings");
    }
    long[] mine = new long[SETTINGS];
    mine[0] = settings.size();
    for (int i = 0; i < settings.size(); i++) {
      mine[i + 1] = settings.get(i).value();
    }
    long[][] all =
        gather(mine, "comparing the tasks' settings at start-up", options.startupTimeout);
    for (int i = 0; i < SETTINGS; i++) {
      List<String> differ = new ArrayList<>();
      for (int t = 1; t < all.length; t++) {
        if (all[t][i] != all[0][i]) {
          differ.add(tasks.get(t).toString());
        }
      }
      if (differ.isEmpty()) {
        continue;
      }
      if (i == 0) {
        throw new JerasException(
            "the tasks run different jeras versions (they compare "
                + all[0][0]
                + " settings on "
                + tasks.get(0)
                + " but not on "
                + differ
                + ")");
      }
      Setting s = settings.get(i - 1);
      StringBuilder b = new StringBuilder("the tasks disagree on " + s.name() + ": ");
      if (s.hashed()) {
        b.append(String.join(", ", differ))
            .append(differ.size() == 1 ? "'s differs" : "'s differ")
            .append(" from ")
            .append(tasks.get(0))
            .append("'s");
      } else {
        b.append(tasks.get(0)).append(" has ").append(all[0][i]);
        for (int t = 1; t < all.length; t++) {
          if (all[t][i] != all[0][i]) {
            b.append(", ").append(tasks.get(t)).append(" has ").append(all[t][i]);
          }
        }
      }
      throw new JerasException(b + " (every task must run the same command apart from --task)");
    }
  }

  private static final Pattern REMOTE = Pattern.compile("/job:(\\w+)/replica:0/task:(\\d+)");

  /**
   * Turns TensorFlow's report of a failed collective into one clear message.
   *
   * @param e what a session run threw
   * @param what what this task was doing
   * @param limit how long it would wait for the other tasks
   * @return the exception to throw
   */
  public JerasException failure(RuntimeException e, String what, Duration limit) {
    if (e instanceof JerasException j) {
      return j;
    }
    String m = e.getMessage() == null ? e.toString() : e.getMessage();
    String reason;
    if (m.contains("timed out") || m.contains("DEADLINE_EXCEEDED") || m.contains("Deadline")) {
      reason =
          "no answer from the other tasks within "
              + seconds(limit)
              + " (a task hangs, or is slower than that limit allows)";
    } else if (m.contains("Connection reset")
        || m.contains("Connection refused")
        || m.contains("failed to connect")
        || m.contains("Socket closed")
        || m.contains("UNAVAILABLE")
        || m.contains("unavailable")
        || m.contains("aborted")) {
      reason = "a task left the cluster";
    } else {
      reason = firstLine(m);
    }
    String lost = "";
    int at = m.indexOf("remote target");
    Matcher peer = REMOTE.matcher(at < 0 ? "" : m.substring(at));
    if (peer.find()) {
      TaskId t = new TaskId(peer.group(1), Integer.parseInt(peer.group(2)));
      if (tasks.contains(t) && !t.equals(config.task())) {
        lost = " (lost " + t + " at " + config.address(t) + ")";
      }
    }
    return new JerasException(
        String.format(Locale.ROOT, "task %s, %s: %s%s", config.task(), what, reason, lost), e);
  }

  private static String seconds(Duration d) {
    return String.format(Locale.ROOT, "%.0f s", d.toMillis() / 1000.0);
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return (nl < 0 ? s : s.substring(0, nl)).trim();
  }

  /**
   * @return the number of training tasks
   */
  public int size() {
    return tasks.size();
  }

  /**
   * @return this task's rank: 0 for the chief, then the workers in order
   */
  public int rank() {
    return rank;
  }

  /**
   * @return whether this task is the chief (it writes checkpoints and exports)
   */
  public boolean isChief() {
    return rank == 0;
  }

  /**
   * @return this task
   */
  public TaskId task() {
    return config.task();
  }

  /**
   * @return the training tasks in rank order
   */
  public List<TaskId> tasks() {
    return tasks;
  }

  /**
   * @return the cluster description
   */
  public TfConfig config() {
    return config;
  }

  /**
   * @return the time limits
   */
  public Options options() {
    return options;
  }

  @Override
  public String toString() {
    return "MultiWorker[" + config.task() + " of " + tasks + "]";
  }
}

package dev.jeras.cli;

import dev.jeras.backend.Devices;
import dev.jeras.backend.EngineOptions;
import dev.jeras.distribute.MultiWorker;
import dev.jeras.distribute.TaskId;
import dev.jeras.distribute.TfConfig;
import dev.jeras.training.FitState;
import dev.jeras.training.ProgressReporter;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * {@code train}'s cluster options: a {@code TF_CONFIG} cluster from {@code --cluster FILE} or the
 * {@code TF_CONFIG} variable, the task from {@code --task} or the description, and the time limits.
 */
final class ClusterOptions {
  @Option(
      names = "--cluster",
      paramLabel = "FILE",
      description =
          "train on a cluster described in TF_CONFIG's JSON form (default: the TF_CONFIG"
              + " environment variable when set); --batch-size is then the global batch")
  Path cluster;

  @Option(
      names = "--task",
      paramLabel = "TYPE:INDEX",
      description =
          "this process' task in the cluster, e.g. chief:0 or worker:1 (default: TF_CONFIG's)")
  String task;

  @Option(
      names = "--worker-timeout",
      paramLabel = "S",
      defaultValue = "60",
      description =
          "stop when another task does not answer within S seconds during a step"
              + " (default: ${DEFAULT-VALUE}; a task that exits is noticed at once)")
  double workerTimeout;

  @Option(
      names = "--startup-timeout",
      paramLabel = "S",
      defaultValue = "300",
      description =
          "how long to wait for the other tasks to start, and between epochs for the chief"
              + " (default: ${DEFAULT-VALUE})")
  double startupTimeout;

  /** Refuses bad values before anything starts. */
  void check() {
    if (!(workerTimeout > 0) || Double.isInfinite(workerTimeout)) {
      throw new IllegalArgumentException("--worker-timeout must be positive, got " + workerTimeout);
    }
    if (!(startupTimeout > 0) || Double.isInfinite(startupTimeout)) {
      throw new IllegalArgumentException(
          "--startup-timeout must be positive, got " + startupTimeout);
    }
    if (task != null) {
      TaskId.parse(task);
      if (cluster == null && System.getenv(TfConfig.VARIABLE) == null) {
        throw new IllegalArgumentException(
            "--task needs a cluster: --cluster FILE or the TF_CONFIG variable");
      }
    }
  }

  /**
   * @return the cluster description, or null to train in this process alone
   */
  TfConfig config() {
    TaskId t = task == null ? null : TaskId.parse(task);
    return cluster != null ? TfConfig.read(cluster, t) : TfConfig.fromEnvironment(t);
  }

  /**
   * Serves this task and waits for the others. A hang the runtime does not end is reported on
   * stderr and ends the process (exit 1).
   *
   * @param config the cluster
   * @param engine the model's engine options (threads)
   * @param err where the hang report goes
   * @return this process' task
   */
  MultiWorker start(TfConfig config, EngineOptions engine, PrintStream err) {
    MultiWorker.Options o =
        new MultiWorker.Options()
            .stepTimeout(Duration.ofMillis((long) (workerTimeout * 1000)))
            .startupTimeout(Duration.ofMillis((long) (startupTimeout * 1000)))
            .sessionConfig(Devices.configure(engine))
            .onHang(
                () -> {
                  err.println(
                      "jeras: error: task "
                          + config.task()
                          + ": the cluster stopped answering and TensorFlow did not end the wait;"
                          + " exiting");
                  err.flush();
                  Runtime.getRuntime().halt(Main.USER_ERROR);
                });
    return MultiWorker.start(config, o);
  }

  /** A worker's progress: one line per epoch, prefixed with the task. */
  static ProgressReporter workerProgress(PrintStream out, TaskId task) {
    return new ProgressReporter(out) {
      private long start;

      @Override
      public void onEpochBegin(int epoch, FitState state) {
        start = System.nanoTime();
      }

      @Override
      public void onEpochEnd(int epoch, Map<String, Double> logs, FitState state) {
        emit(
            String.format(
                Locale.ROOT,
                "%s: epoch %d/%d - %.1fs - %s",
                task,
                epoch + 1,
                state.epochs(),
                (System.nanoTime() - start) / 1e9,
                format(logs)));
      }
    };
  }
}

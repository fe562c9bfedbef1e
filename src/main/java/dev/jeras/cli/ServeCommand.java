package dev.jeras.cli;

import dev.jeras.serve.BatchingOptions;
import dev.jeras.serve.ConfigFiles;
import dev.jeras.serve.ModelConfig;
import dev.jeras.serve.ModelServer;
import dev.jeras.serve.ServerOptions;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code jeras serve}: a model server that speaks TensorFlow Serving's REST API, with TensorFlow
 * Serving's flag names ({@code --rest_api_port=8501 --model_name=mnist
 * --model_base_path=/models/mnist}). Runs until SIGTERM or Ctrl-C, then drains its requests.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description =
        "Serve models over TensorFlow Serving's REST API (predict, status, metadata), with its"
            + " flags, version directories, labels and batching.")
final class ServeCommand implements Callable<Integer> {
  @Option(
      names = "--rest_api_port",
      defaultValue = "8501",
      paramLabel = "PORT",
      description = "port of the REST API (default: ${DEFAULT-VALUE}; 0 picks a free one)")
  int port;

  @Option(
      names = "--rest_api_host",
      defaultValue = "0.0.0.0",
      paramLabel = "ADDRESS",
      description =
          "address to listen on (default: ${DEFAULT-VALUE}, every interface; 127.0.0.1 for this"
              + " machine only)")
  String host;

  @Option(
      names = "--model_name",
      defaultValue = "default",
      paramLabel = "NAME",
      description =
          "name of the model in URLs (default: ${DEFAULT-VALUE}); ignored with"
              + " --model_config_file")
  String modelName;

  @Option(
      names = "--model_base_path",
      paramLabel = "DIR",
      description =
          "directory of numbered version subdirectories (each a SavedModel or one .keras/.h5"
              + " file); a SavedModel directory or a model file is served as version 1")
  Path modelBasePath;

  @Option(
      names = "--model_config_file",
      paramLabel = "FILE",
      description =
          "several models: TensorFlow Serving's ModelServerConfig in protobuf text format"
              + " (model_config_list { config { name, base_path, model_version_policy,"
              + " version_labels } })")
  Path modelConfigFile;

  @Option(
      names = "--file_system_poll_wait_seconds",
      defaultValue = "1",
      paramLabel = "N",
      description = "seconds between scans for new versions (default: ${DEFAULT-VALUE}; 0: once)")
  int pollSeconds;

  @Option(
      names = "--enable_batching",
      arity = "0..1",
      paramLabel = "BOOL",
      description = "batch requests from different clients together")
  boolean enableBatching;

  @Option(
      names = "--batching_parameters_file",
      paramLabel = "FILE",
      description =
          "BatchingParameters in protobuf text format (max_batch_size { value: 128 } ...)")
  Path batchingParametersFile;

  @Option(
      names = "--max_batch_size",
      paramLabel = "N",
      description = "rows per batch (default 1000; overrides the parameters file)")
  Integer maxBatchSize;

  @Option(
      names = "--batch_timeout_micros",
      paramLabel = "US",
      description = "how long a request waits for a fuller batch (default 0)")
  Long batchTimeoutMicros;

  @Option(
      names = "--num_batch_threads",
      paramLabel = "N",
      description = "batches run at once (default: the number of CPUs)")
  Integer numBatchThreads;

  @Option(
      names = "--max_enqueued_batches",
      paramLabel = "N",
      description = "full batches that may wait before requests get 503 (default 10)")
  Integer maxEnqueuedBatches;

  @Option(
      names = "--rest_api_num_threads",
      paramLabel = "N",
      description = "requests handled at once (default: 4 per CPU)")
  Integer numThreads;

  @Option(
      names = "--rest_api_timeout_in_ms",
      defaultValue = "30000",
      paramLabel = "MS",
      description = "answer 504 to a request not done in this time (default: ${DEFAULT-VALUE})")
  int timeoutMs;

  @Option(
      names = "--rest_api_max_request_bytes",
      defaultValue = "33554432",
      paramLabel = "BYTES",
      description = "larger request bodies get 413 (default: ${DEFAULT-VALUE}, 32 MiB)")
  long maxRequestBytes;

  @Option(
      names = "--rest_api_max_queued_requests",
      defaultValue = "1024",
      paramLabel = "N",
      description = "requests waiting for a thread before more get 429 (default: ${DEFAULT-VALUE})")
  int maxQueued;

  @Option(
      names = "--monitoring_config_file",
      paramLabel = "FILE",
      description =
          "MonitoringConfig in protobuf text format (prometheus_config { enable: true, path:"
              + " ... }); default: metrics on at /monitoring/prometheus/metrics")
  Path monitoringConfigFile;

  @picocli.CommandLine.Mixin CommonOptions.Verbose verbose;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    verbose.apply();
    ServerOptions o =
        new ServerOptions()
            .host(host)
            .port(port)
            .restApiTimeoutMs(timeoutMs)
            .maxRequestBytes(maxRequestBytes)
            .maxQueuedRequests(maxQueued)
            .fileSystemPollWaitSeconds(pollSeconds);
    if (numThreads != null) {
      o.restApiNumThreads(numThreads);
    }
    if (modelConfigFile != null) {
      ConfigFiles.readModelServerConfig(modelConfigFile).forEach(o::model);
    } else if (modelBasePath != null) {
      o.model(ModelConfig.of(modelName, modelBasePath));
    } else {
      throw new ParameterException(
          spec.commandLine(), "give --model_base_path DIR or --model_config_file FILE");
    }
    if (enableBatching) {
      BatchingOptions b = BatchingOptions.defaults();
      if (batchingParametersFile != null) {
        b = ConfigFiles.readBatchingParameters(batchingParametersFile, b);
      }
      o.batching(
          new BatchingOptions(
              maxBatchSize != null ? maxBatchSize : b.maxBatchSize(),
              batchTimeoutMicros != null ? batchTimeoutMicros : b.batchTimeoutMicros(),
              numBatchThreads != null ? numBatchThreads : b.numBatchThreads(),
              maxEnqueuedBatches != null ? maxEnqueuedBatches : b.maxEnqueuedBatches()));
    } else if (batchingParametersFile != null
        || maxBatchSize != null
        || batchTimeoutMicros != null
        || numBatchThreads != null
        || maxEnqueuedBatches != null) {
      throw new ParameterException(
          spec.commandLine(), "batching parameters given without --enable_batching");
    }
    if (monitoringConfigFile != null) {
      o.prometheusPath(ConfigFiles.readMonitoringConfig(monitoringConfigFile));
    }
    ModelServer server = ModelServer.start(o);
    Thread hook = new Thread(server::close, "jeras-serve-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    System.out.printf(
        "jeras: serving %s on http://%s:%d (SIGTERM or Ctrl-C drains and stops)%n",
        server.models(), host, server.port());
    System.out.flush();
    server.awaitTermination();
    return 0;
  }
}

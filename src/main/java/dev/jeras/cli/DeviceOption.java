package dev.jeras.cli;

import dev.jeras.backend.DeviceChoice;
import dev.jeras.backend.EngineOptions;
import dev.jeras.backend.KernelPolicy;
import picocli.CommandLine.Option;

/**
 * The engine options shared by train, evaluate and predict: {@code --device}, {@code --kernels}.
 */
final class DeviceOption {
  @Option(
      names = "--device",
      paramLabel = "cpu|gpu|auto",
      description =
          "where TensorFlow runs: cpu, gpu (an error names what is missing when no GPU"
              + " is usable) or auto (default: auto, or -Djeras.device)")
  String device;

  @Option(
      names = "--kernels",
      paramLabel = "tuned|fixed|tensorflow",
      description =
          "how the CPU engine picks kernels: tuned (measured on this CPU once, cached in"
              + " ~/.jeras/kernels.json), fixed (a built-in choice) or tensorflow (TensorFlow's"
              + " ops only) (default: tuned, or -Djeras.kernels)")
  String kernels;

  /**
   * @return the options: the defaults (system properties), with these flags where given
   */
  EngineOptions options() {
    EngineOptions o = EngineOptions.defaults();
    if (device != null) {
      o = o.withDevice(DeviceChoice.of(device));
    }
    if (kernels != null) {
      o = o.withKernels(KernelPolicy.of(kernels));
    }
    return o;
  }
}

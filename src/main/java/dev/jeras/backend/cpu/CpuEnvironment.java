package dev.jeras.backend.cpu;

import dev.jeras.backend.Devices;
import dev.jeras.backend.EngineOptions;
import dev.jeras.backend.NativeIsa;

/**
 * What the CPU engine can run in this process, for one model's options: which kernel families are
 * usable for inference and for training (their gradients registered), and whether TensorFlow runs
 * oneDNN for every op already.
 *
 * @param options the model's options
 * @param oneDnn oneDNN's native-format kernels run
 * @param oneDnnTraining and their gradients are registered
 * @param processOneDnn TensorFlow turns oneDNN on for the whole process
 * @param nativeRuns jeras' native kernels run, in the copy the options ask for
 * @param nativeTraining and their gradient is registered
 * @param ownConv jeras' convolution gradients are registered
 * @param ownPool jeras' max-pool gradient is registered
 */
record CpuEnvironment(
    EngineOptions options,
    boolean oneDnn,
    boolean oneDnnTraining,
    boolean processOneDnn,
    boolean nativeRuns,
    boolean nativeTraining,
    boolean ownConv,
    boolean ownPool) {

  /**
   * @param options a model's options
   * @param training whether gradients will be needed (registers them)
   * @return what runs here
   */
  static CpuEnvironment of(EngineOptions options, boolean training) {
    boolean oneDnn = OneDnnKernels.available();
    boolean nativeRuns = NativeKernels.runs(options.nativeIsa());
    if (options.nativeIsa() != NativeIsa.AUTO && !nativeRuns && NativeKernels.loaded()) {
      throw new IllegalArgumentException(
          "native ISA "
              + options.nativeIsa().id()
              + " was asked for, but this CPU cannot run it (flags: /proc/cpuinfo)");
    }
    return new CpuEnvironment(
        options,
        oneDnn,
        training && oneDnn && OneDnnKernels.trainable(),
        Devices.oneDnnOn(),
        nativeRuns,
        training && nativeRuns && NativeKernels.trainable(),
        training && ConvGradients.register(),
        training && PoolGradients.register());
  }

  /**
   * @return the native kernels' copy to run
   */
  NativeIsa isa() {
    return options.nativeIsa();
  }
}

package dev.jeras.cli;

import dev.jeras.internal.Devices;
import dev.jeras.training.Engine;
import picocli.CommandLine.Option;

/** The {@code --device cpu|gpu|auto} option shared by train, evaluate and predict. */
final class DeviceOption {
  @Option(
      names = "--device",
      defaultValue = "auto",
      paramLabel = "cpu|gpu|auto",
      description =
          "where TensorFlow runs: cpu, gpu (an error names what is missing when no GPU"
              + " is usable) or auto (default: ${DEFAULT-VALUE})")
  String device;

  /** Resolves the device, logs it once, and makes it the default of every session. */
  void apply() {
    Engine.setDefaultConfig(Devices.configure(Devices.Choice.of(device)));
  }
}

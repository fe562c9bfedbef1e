package dev.jeras.models;

import dev.jeras.JerasException;
import dev.jeras.layers.BatchNormalization;
import dev.jeras.layers.Conv2D;
import dev.jeras.layers.Dense;
import dev.jeras.layers.Flatten;
import dev.jeras.layers.Input;
import dev.jeras.layers.Layer;
import dev.jeras.layers.MaxPooling2D;
import dev.jeras.layers.SymbolicTensor;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The reference models, by name. Their definitions also live in {@code model-defs/} as Keras JSON
 * (a test checks that both agree).
 *
 * <ul>
 *   <li>{@code mnist-basic}: Conv2D(32, 3x3, relu) - MaxPooling2D - Conv2D(64, 3x3, relu) -
 *       MaxPooling2D - Flatten - Dense(10, softmax); 34,826 parameters; input 28x28x1
 *   <li>{@code cifar10-bn}: two blocks of [Conv2D(same, relu) - BatchNormalization] x2 -
 *       MaxPooling2D (32 then 64 filters), Flatten - Dense(512, relu) - BatchNormalization -
 *       Dense(10, softmax); 2,171,178 parameters (1,408 non-trainable); input 32x32x3
 *   <li>{@code cifar10-functional}: the same network written with the functional API
 * </ul>
 */
public final class Builtins {
  private static final Map<String, Supplier<Model>> MODELS =
      Map.of(
          "mnist-basic", Builtins::mnistBasic,
          "cifar10-bn", Builtins::cifar10Bn,
          "cifar10-functional", Builtins::cifar10Functional);

  private Builtins() {}

  /**
   * @return the built-in model names, sorted
   */
  public static List<String> names() {
    return MODELS.keySet().stream().sorted().toList();
  }

  /**
   * @param name a built-in model name
   * @return a new, untrained instance
   */
  public static Model create(String name) {
    Supplier<Model> s = MODELS.get(name);
    if (s == null) {
      throw new JerasException("unknown model '" + name + "'; built-in models: " + names());
    }
    return s.get();
  }

  /**
   * @return the MNIST CNN of the Keras tutorial
   */
  public static Sequential mnistBasic() {
    return new Sequential(
        Input.shape(28, 28, 1),
        new Conv2D(32, 3).activation("relu"),
        new MaxPooling2D(),
        new Conv2D(64, 3).activation("relu"),
        new MaxPooling2D(),
        new Flatten(),
        new Dense(10).activation("softmax"));
  }

  /**
   * @return the CIFAR-10 CNN with BatchNormalization, Sequential
   */
  public static Sequential cifar10Bn() {
    Sequential m = new Sequential(Input.shape(32, 32, 3));
    for (Layer l : cifar10Layers()) {
      m.add(l);
    }
    return m;
  }

  /**
   * @return the CIFAR-10 CNN with BatchNormalization, written with the functional API
   */
  public static Model cifar10Functional() {
    SymbolicTensor in = Input.shape(32, 32, 3);
    SymbolicTensor x = in;
    for (Layer l : cifar10Layers()) {
      x = l.apply(x);
    }
    return new Model(in, x);
  }

  private static List<Layer> cifar10Layers() {
    return List.of(
        conv(32),
        new BatchNormalization(),
        conv(32),
        new BatchNormalization(),
        new MaxPooling2D(),
        conv(64),
        new BatchNormalization(),
        conv(64),
        new BatchNormalization(),
        new MaxPooling2D(),
        new Flatten(),
        new Dense(512).activation("relu"),
        new BatchNormalization(),
        new Dense(10).activation("softmax"));
  }

  private static Conv2D conv(int filters) {
    return new Conv2D(filters, 3).padding("same").activation("relu");
  }
}

package dev.jeras.models;

import dev.jeras.layers.Input;
import dev.jeras.layers.InputLayer;
import dev.jeras.layers.Layer;
import dev.jeras.layers.Network;
import dev.jeras.layers.SymbolicTensor;
import java.util.ArrayList;
import java.util.List;

/**
 * A plain stack of layers, each feeding the next: Keras' {@code keras.Sequential}. Start it with an
 * {@link Input}; each added layer is called at once, so a shape error names the layer when it is
 * added.
 *
 * <pre>{@code
 * Sequential model = new Sequential(
 *     Input.shape(28, 28, 1),
 *     new Conv2D(32, 3).activation("relu"),
 *     new MaxPooling2D(),
 *     new Flatten(),
 *     new Dense(10).activation("softmax"));
 * }</pre>
 */
public class Sequential extends Model {
  private final List<Layer> layers = new ArrayList<>();
  private SymbolicTensor input;
  private SymbolicTensor output;

  /** An empty model; add an {@link Input} first. */
  public Sequential() {
    super("sequential");
  }

  /**
   * @param input the input, from {@link Input#shape}
   * @param layers the layers, in order
   */
  public Sequential(SymbolicTensor input, Layer... layers) {
    this();
    add(input);
    for (Layer l : layers) {
      add(l);
    }
  }

  /**
   * Sets the input (must come first).
   *
   * @param input the input, from {@link Input#shape}
   * @return this model
   */
  public Sequential add(SymbolicTensor input) {
    if (this.input != null) {
      throw new IllegalStateException("a Sequential model takes one Input, first");
    }
    if (!(input.layer() instanceof InputLayer)) {
      throw new IllegalArgumentException("Sequential.add expects an Input.shape(...) tensor here");
    }
    this.input = input;
    this.output = input;
    rebuild();
    return this;
  }

  /**
   * Appends a layer and calls it on the current output.
   *
   * @param layer the layer
   * @return this model
   */
  public Sequential add(Layer layer) {
    if (input == null) {
      throw new IllegalStateException(
          "start a Sequential model with Input.shape(...) before adding " + layer.describe());
    }
    if (layer instanceof InputLayer) {
      throw new IllegalArgumentException("use add(Input.shape(...)) for the input");
    }
    SymbolicTensor out = layer.apply(output);
    layers.add(layer);
    output = out;
    rebuild();
    return this;
  }

  /**
   * @return {@code Sequential}
   */
  @Override
  public String className() {
    return "Sequential";
  }

  @Override
  public Sequential named(String name) {
    super.named(name);
    return this;
  }

  @Override
  public Sequential trainable(boolean trainable) {
    super.trainable(trainable);
    return this;
  }

  private void rebuild() {
    setNetwork(new Network(List.of(input), List.of(output)));
  }

  /**
   * @return the layers, without the input layer (as Keras' Sequential.layers)
   */
  @Override
  public List<Layer> layers() {
    return List.copyOf(layers);
  }
}

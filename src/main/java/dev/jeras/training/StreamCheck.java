package dev.jeras.training;

import dev.jeras.JerasException;
import dev.jeras.data.NumericArray;
import dev.jeras.data.StreamingDataset;
import dev.jeras.layers.Dense;
import dev.jeras.layers.InputLayer;
import dev.jeras.layers.Layer;
import dev.jeras.layers.SymbolicTensor;
import dev.jeras.layers.TensorShape;

/**
 * Checks a {@link StreamingDataset} against a model before a pass starts, as the arrays are
 * checked: one input and one output, the features' shape, the kind and shape of the targets for the
 * loss, the number of classes.
 */
final class StreamCheck {
  private StreamCheck() {}

  /**
   * @param engine the model's engine
   * @param data the dataset
   * @param what where the data is used, for messages ("training data")
   */
  static void features(Engine engine, StreamingDataset data, String what) {
    if (engine.inputs().size() != 1) {
      throw new JerasException(
          "the model has "
              + engine.inputs().size()
              + " inputs; a streaming dataset ("
              + data.name()
              + ") feeds single-input models");
    }
    InputLayer layer = (InputLayer) engine.network().inputs().get(0).layer();
    TensorShape expected = layer.batchShape();
    long[] sample = data.featureShape();
    long[] got = new long[sample.length + 1];
    got[0] = -1;
    System.arraycopy(sample, 0, got, 1, sample.length);
    if (!expected.isCompatibleWith(TensorShape.of(got))) {
      throw new JerasException(
          "model input "
              + layer.name()
              + " expects "
              + expected
              + ", got samples of shape "
              + NumericArray.format(sample)
              + " from "
              + data.name()
              + " ("
              + what
              + ")");
    }
  }

  /**
   * @param trainer the compiled model
   * @param data the dataset
   * @param what where the data is used, for messages
   */
  static void targets(Trainer trainer, StreamingDataset data, String what) {
    features(trainer.engine(), data, what);
    if (trainer.losses().size() != 1) {
      throw new JerasException(
          "the model has "
              + trainer.losses().size()
              + " outputs; a streaming dataset ("
              + data.name()
              + ") feeds single-output models");
    }
    if (data.targetShape() == null) {
      throw new JerasException(
          data.name() + " (" + what + "): expected labels for the loss, got a dataset without");
    }
    Loss loss = trainer.losses().get(0);
    SymbolicTensor out = trainer.engine().network().outputs().get(0);
    if (loss.sparseLabels() != data.intTargets()) {
      throw new JerasException(
          data.name()
              + " ("
              + what
              + "): loss "
              + loss.kerasName()
              + " expects "
              + (loss.sparseLabels()
                  ? "class indices (label mode int)"
                  : "float targets (label mode categorical or binary)")
              + ", got "
              + (data.intTargets() ? "class indices" : "float targets"));
    }
    long classes = out.shape().dim(-1);
    if (data.intTargets()) {
      int n = data.classNames().size();
      if (n > classes) {
        Layer layer = out.layer();
        throw new JerasException(
            data.name()
                + " ("
                + what
                + "): "
                + n
                + " classes "
                + data.classNames()
                + " but output layer "
                + layer.describe()
                + " has "
                + classes
                + (layer instanceof Dense ? " units" : " classes"));
      }
      return;
    }
    long[] sample = data.targetShape();
    long[] got = new long[sample.length + 1];
    got[0] = -1;
    System.arraycopy(sample, 0, got, 1, sample.length);
    if (!out.shape().isCompatibleWith(TensorShape.of(got))) {
      throw new JerasException(
          data.name()
              + " ("
              + what
              + "): targets of shape "
              + NumericArray.format(sample)
              + " do not match output "
              + out.layer().name()
              + " "
              + out.shape()
              + " for loss "
              + loss.kerasName());
    }
  }
}

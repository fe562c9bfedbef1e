package dev.jeras.saving;

import dev.jeras.JerasException;
import dev.jeras.layers.Activation;
import dev.jeras.layers.Add;
import dev.jeras.layers.Average;
import dev.jeras.layers.AveragePooling2D;
import dev.jeras.layers.BatchNormalization;
import dev.jeras.layers.CenterCrop;
import dev.jeras.layers.Concatenate;
import dev.jeras.layers.Conv2D;
import dev.jeras.layers.Conv2DTranspose;
import dev.jeras.layers.Cropping2D;
import dev.jeras.layers.Dense;
import dev.jeras.layers.DepthwiseConv2D;
import dev.jeras.layers.Dropout;
import dev.jeras.layers.ELU;
import dev.jeras.layers.Flatten;
import dev.jeras.layers.GaussianDropout;
import dev.jeras.layers.GaussianNoise;
import dev.jeras.layers.GlobalAveragePooling2D;
import dev.jeras.layers.GlobalMaxPooling2D;
import dev.jeras.layers.GroupNormalization;
import dev.jeras.layers.Layer;
import dev.jeras.layers.LayerConfig;
import dev.jeras.layers.LayerNormalization;
import dev.jeras.layers.LeakyReLU;
import dev.jeras.layers.MaxPooling2D;
import dev.jeras.layers.Maximum;
import dev.jeras.layers.Minimum;
import dev.jeras.layers.Multiply;
import dev.jeras.layers.Normalization;
import dev.jeras.layers.PReLU;
import dev.jeras.layers.Permute;
import dev.jeras.layers.RandomBrightness;
import dev.jeras.layers.RandomContrast;
import dev.jeras.layers.RandomCrop;
import dev.jeras.layers.RandomFlip;
import dev.jeras.layers.RandomRotation;
import dev.jeras.layers.RandomTranslation;
import dev.jeras.layers.RandomZoom;
import dev.jeras.layers.ReLU;
import dev.jeras.layers.Rescaling;
import dev.jeras.layers.Reshape;
import dev.jeras.layers.Resizing;
import dev.jeras.layers.SeparableConv2D;
import dev.jeras.layers.Softmax;
import dev.jeras.layers.SpatialDropout2D;
import dev.jeras.layers.Subtract;
import dev.jeras.layers.UpSampling2D;
import dev.jeras.layers.ZeroPadding2D;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The explicit list of Keras layer classes jeras reads from model JSON, each with its factory.
 * Adding a layer means one class, one line here and one test. No reflection.
 */
public final class LayerRegistry {
  private static final Map<String, Function<LayerConfig, Layer>> FACTORIES = new LinkedHashMap<>();

  static {
    FACTORIES.put("Conv2D", Conv2D::fromConfig);
    FACTORIES.put("MaxPooling2D", MaxPooling2D::fromConfig);
    FACTORIES.put("AveragePooling2D", AveragePooling2D::fromConfig);
    FACTORIES.put("GlobalAveragePooling2D", GlobalAveragePooling2D::fromConfig);
    FACTORIES.put("Flatten", Flatten::fromConfig);
    FACTORIES.put("Dense", Dense::fromConfig);
    FACTORIES.put("Activation", Activation::fromConfig);
    FACTORIES.put("Dropout", Dropout::fromConfig);
    FACTORIES.put("BatchNormalization", BatchNormalization::fromConfig);
    FACTORIES.put("Add", Add::fromConfig);
    FACTORIES.put("Concatenate", Concatenate::fromConfig);
    // issue 20, part 1: activation layers, geometry, merges, regularisation
    FACTORIES.put("Softmax", Softmax::fromConfig);
    FACTORIES.put("ReLU", ReLU::fromConfig);
    FACTORIES.put("LeakyReLU", LeakyReLU::fromConfig);
    FACTORIES.put("PReLU", PReLU::fromConfig);
    FACTORIES.put("ELU", ELU::fromConfig);
    FACTORIES.put("ZeroPadding2D", ZeroPadding2D::fromConfig);
    FACTORIES.put("Cropping2D", Cropping2D::fromConfig);
    FACTORIES.put("UpSampling2D", UpSampling2D::fromConfig);
    FACTORIES.put("Reshape", Reshape::fromConfig);
    FACTORIES.put("Permute", Permute::fromConfig);
    FACTORIES.put("GlobalMaxPooling2D", GlobalMaxPooling2D::fromConfig);
    FACTORIES.put("Multiply", Multiply::fromConfig);
    FACTORIES.put("Subtract", Subtract::fromConfig);
    FACTORIES.put("Average", Average::fromConfig);
    FACTORIES.put("Maximum", Maximum::fromConfig);
    FACTORIES.put("Minimum", Minimum::fromConfig);
    FACTORIES.put("SpatialDropout2D", SpatialDropout2D::fromConfig);
    FACTORIES.put("GaussianNoise", GaussianNoise::fromConfig);
    FACTORIES.put("GaussianDropout", GaussianDropout::fromConfig);
    // issue 20, part 2: convolutions, normalization, preprocessing and augmentation
    FACTORIES.put("DepthwiseConv2D", DepthwiseConv2D::fromConfig);
    FACTORIES.put("Rescaling", Rescaling::fromConfig);
    FACTORIES.put("Normalization", Normalization::fromConfig);
    FACTORIES.put("SeparableConv2D", SeparableConv2D::fromConfig);
    FACTORIES.put("Conv2DTranspose", Conv2DTranspose::fromConfig);
    FACTORIES.put("LayerNormalization", LayerNormalization::fromConfig);
    FACTORIES.put("GroupNormalization", GroupNormalization::fromConfig);
    FACTORIES.put("Resizing", Resizing::fromConfig);
    FACTORIES.put("CenterCrop", CenterCrop::fromConfig);
    FACTORIES.put("RandomFlip", RandomFlip::fromConfig);
    FACTORIES.put("RandomRotation", RandomRotation::fromConfig);
    FACTORIES.put("RandomZoom", RandomZoom::fromConfig);
    FACTORIES.put("RandomTranslation", RandomTranslation::fromConfig);
    FACTORIES.put("RandomContrast", RandomContrast::fromConfig);
    FACTORIES.put("RandomBrightness", RandomBrightness::fromConfig);
    FACTORIES.put("RandomCrop", RandomCrop::fromConfig);
  }

  private LayerRegistry() {}

  /**
   * @return the supported Keras layer classes (InputLayer aside)
   */
  public static Set<String> supported() {
    return FACTORIES.keySet();
  }

  /**
   * @param className a Keras layer class name
   * @param config its config
   * @param source where the JSON came from, for messages
   * @return the layer, named and with its trainable flag
   */
  public static Layer create(String className, Map<String, Object> config, String source) {
    Function<LayerConfig, Layer> f = FACTORIES.get(className);
    if (f == null) {
      Object name = config.get("name");
      throw new JerasException(
          source
              + ": layer "
              + name
              + " has unsupported class "
              + className
              + "; supported layer classes: InputLayer, "
              + String.join(", ", FACTORIES.keySet()));
    }
    LayerConfig c = new LayerConfig(className, config);
    Layer layer;
    try {
      layer = f.apply(c);
    } catch (IllegalArgumentException e) {
      throw new JerasException(
          source + ": layer " + c.name() + " (" + className + "): " + e.getMessage(), e);
    } catch (JerasException e) {
      throw new JerasException(source + ": " + e.getMessage(), e);
    }
    if (c.name() != null) {
      layer.named(c.name());
    }
    layer.trainable(c.trainable());
    return layer;
  }
}

package dev.jeras.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jeras.JerasException;
import dev.jeras.data.FloatArray;
import dev.jeras.layers.Network;
import dev.jeras.models.Model;
import dev.jeras.saving.KerasJson;
import dev.jeras.saving.LegacyH5;
import dev.jeras.saving.ModelFiles;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;

/**
 * HDF5 weight files mutated at random, with the mutations biased toward the metadata (superblock,
 * B-trees, heaps, object headers): {@link ModelFiles#loadWeights} (Keras 3 {@code
 * model.weights.h5}) and {@link LegacyH5#load} either load weights of the model's shapes, or throw
 * a {@link JerasException} that names the file. jHDF's own exceptions, buffer underflows and absurd
 * sizes must not get through.
 */
@AddLifecycleHook(FuzzBudget.class)
@FuzzBudget.Heavy
class Hdf5FuzzTest {
  private static final Path REFERENCE = FuzzFiles.testdata().resolve("reference");
  static final byte[] WEIGHTS =
      FuzzFiles.unzip(FuzzFiles.read(REFERENCE.resolve("mnist-basic.keras")))
          .get("model.weights.h5");
  private static final byte[] LEGACY = FuzzFiles.read(REFERENCE.resolve("mnist-basic_legacy.h5"));

  private Path dir;
  private Model model;

  @BeforeProperty
  void setUp() {
    dir = FuzzFiles.tempDir("h5");
    model = KerasJson.read(Path.of("model-defs", "mnist-basic.json"));
  }

  @AfterProperty
  void tearDown() {
    model.close();
    FuzzFiles.deleteTree(dir);
  }

  @Property(tries = 100)
  void mutatedWeightsH5_loadOrJerasException(@ForAll("weightMutations") Mutation m) {
    Path f = FuzzFiles.write(dir.resolve("fuzz.weights.h5"), m.apply(WEIGHTS));
    try {
      Outcomes.within(
          Outcomes.SLOW,
          () -> {
            ModelFiles.loadWeights(model, f);
            return null;
          });
    } catch (JerasException e) {
      Outcomes.assertDocumented(e, IdxFuzzTest.names(f));
      return;
    }
    Outcomes.accepted();
    checkWeights(model);
  }

  @Property(tries = 60)
  void mutatedLegacyH5_loadOrJerasException(@ForAll("legacyMutations") Mutation m) {
    Path f = FuzzFiles.write(dir.resolve("fuzz_legacy.h5"), m.apply(LEGACY));
    Model loaded;
    try {
      loaded = Outcomes.within(Outcomes.SLOW, () -> LegacyH5.load(f));
    } catch (JerasException e) {
      Outcomes.assertDocumented(e, IdxFuzzTest.names(f));
      return;
    }
    Outcomes.accepted();
    try (Model l = loaded) {
      checkWeights(l);
    }
  }

  /** The weights a model holds after a load have the shapes its layers declare. */
  static void checkWeights(Model m) {
    List<FloatArray> ws = m.getWeights();
    List<Network.LayerWeight> specs = m.network().weights();
    assertEquals(specs.size(), ws.size());
    for (int i = 0; i < ws.size(); i++) {
      long[] shape = specs.get(i).spec().shape();
      assertArrayEquals(
          shape.length == 0 ? new long[] {1} : shape, ws.get(i).shape(), specs.get(i).path());
    }
  }

  @Provide
  Arbitrary<Mutation> weightMutations() {
    return Mutation.any(Mutation.offsetsNear(FuzzFiles.hdf5MetadataOffsets(WEIGHTS)));
  }

  @Provide
  Arbitrary<Mutation> legacyMutations() {
    return Mutation.any(Mutation.offsetsNear(FuzzFiles.hdf5MetadataOffsets(LEGACY)));
  }
}

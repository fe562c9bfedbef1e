package dev.jeras.fuzz;

import dev.jeras.JerasException;
import dev.jeras.models.Model;
import dev.jeras.saving.KerasFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;

/**
 * {@code .keras} archives damaged at random: the zip itself, its {@code config.json} (structural
 * edits), its {@code model.weights.h5} (byte edits near the HDF5 metadata), its entries (missing,
 * renamed). {@link KerasFile#load} either returns a model whose weights have its layers' shapes, or
 * throws a {@link JerasException} naming the file.
 */
@AddLifecycleHook(FuzzBudget.class)
@FuzzBudget.Heavy
class KerasFileFuzzTest {
  private static final byte[] KERAS =
      FuzzFiles.read(FuzzFiles.testdata().resolve("reference/mnist-basic.keras"));
  private static final Map<String, byte[]> ENTRIES = FuzzFiles.unzip(KERAS);
  private static final Object CONFIG =
      JsonTree.parse(new String(ENTRIES.get("config.json"), StandardCharsets.UTF_8));

  private Path dir;

  @BeforeProperty
  void makeDir() {
    dir = FuzzFiles.tempDir("keras");
  }

  @AfterProperty
  void deleteDir() {
    FuzzFiles.deleteTree(dir);
  }

  @Property(tries = 100)
  void mutatedZipBytes_loadOrJerasException(@ForAll("zipMutations") Mutation m) {
    load(m.apply(KERAS));
  }

  @Property(tries = 60)
  void editedConfigJson_loadOrJerasException(@ForAll("edits") List<JsonTree.Edit> edits) {
    Map<String, byte[]> e = new LinkedHashMap<>(ENTRIES);
    e.put(
        "config.json",
        JsonTree.write(JsonTree.apply(CONFIG, edits)).getBytes(StandardCharsets.UTF_8));
    load(FuzzFiles.zip(e));
  }

  @Property(tries = 60)
  void mutatedWeightsEntry_loadOrJerasException(@ForAll("h5Mutations") Mutation m) {
    Map<String, byte[]> e = new LinkedHashMap<>(ENTRIES);
    e.put("model.weights.h5", m.apply(Hdf5FuzzTest.WEIGHTS));
    load(FuzzFiles.zip(e));
  }

  @Property(tries = 30)
  void missingOrRenamedEntries_loadOrJerasException(
      @ForAll @IntRange(min = 0, max = 2) int entry, @ForAll boolean rename) {
    Map<String, byte[]> e = new LinkedHashMap<>(ENTRIES);
    String name = List.copyOf(ENTRIES.keySet()).get(entry);
    byte[] b = e.remove(name);
    if (rename) {
      e.put("sub/" + name, b);
    }
    load(FuzzFiles.zip(e));
  }

  private void load(byte[] archive) {
    Path f = FuzzFiles.write(dir.resolve("fuzz.keras"), archive);
    Model m;
    try {
      m = Outcomes.within(Outcomes.SLOW, () -> KerasFile.load(f));
    } catch (JerasException e) {
      Outcomes.assertDocumented(e, IdxFuzzTest.names(f));
      return;
    }
    Outcomes.accepted();
    try (Model model = m) {
      Hdf5FuzzTest.checkWeights(model);
    }
  }

  @Provide
  Arbitrary<Mutation> zipMutations() {
    // the zip's metadata: local headers before each entry, the central directory at the end
    int[] spots = {0, 64 + 30 + 13, 64 + 30 + 13 + 5061 + 30 + 11, KERAS.length - 300};
    return Mutation.any(Mutation.offsetsNear(spots));
  }

  @Provide
  Arbitrary<Mutation> h5Mutations() {
    return Mutation.any(Mutation.offsetsNear(FuzzFiles.hdf5MetadataOffsets(Hdf5FuzzTest.WEIGHTS)));
  }

  @Provide
  Arbitrary<List<JsonTree.Edit>> edits() {
    return JsonTree.edits();
  }
}

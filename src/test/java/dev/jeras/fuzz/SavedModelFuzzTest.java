package dev.jeras.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jeras.JerasException;
import dev.jeras.data.FloatArray;
import dev.jeras.saving.LoadedSavedModel;
import dev.jeras.saving.Npy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;

/**
 * SavedModel directories damaged at random: one of {@code saved_model.pb}, {@code
 * variables/variables.index}, {@code variables/variables.data-00000-of-00001} and {@code
 * fingerprint.pb} mutated or deleted. {@link LoadedSavedModel#load} either returns a model that
 * predicts (8, 10) for the reference batch, or throws a {@link JerasException} naming the
 * directory; TensorFlow must not abort the JVM (a native crash ends the test run).
 */
@AddLifecycleHook(FuzzBudget.class)
@FuzzBudget.Heavy
class SavedModelFuzzTest {
  private static final Path REFERENCE = FuzzFiles.testdata().resolve("reference");
  private static final Path SAVED = REFERENCE.resolve("mnist-basic_savedmodel");
  static final List<String> FILES =
      List.of(
          "saved_model.pb",
          "variables/variables.index",
          "variables/variables.data-00000-of-00001",
          "fingerprint.pb");

  private Path dir;
  private int tryNumber;

  @BeforeProperty
  void makeDir() {
    dir = FuzzFiles.tempDir("savedmodel");
  }

  @AfterProperty
  void deleteDir() {
    FuzzFiles.deleteTree(dir);
  }

  @Property(tries = 60)
  void mutatedFile_loadOrJerasException(
      @ForAll @IntRange(min = 0, max = 3) int file, @ForAll("mutations") Mutation m) {
    Path sm = copy();
    Path f = sm.resolve(FILES.get(file));
    FuzzFiles.write(f, m.apply(FuzzFiles.read(f)));
    load(sm);
  }

  @Property(tries = 8)
  void deletedFile_loadOrJerasException(@ForAll @IntRange(min = 0, max = 4) int file) {
    Path sm = copy();
    try {
      if (file < FILES.size()) {
        Files.delete(sm.resolve(FILES.get(file)));
      } else {
        FuzzFiles.deleteTree(sm.resolve("variables"));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    load(sm);
  }

  private Path copy() {
    Path sm = dir.resolve("fuzz_savedmodel_" + tryNumber++);
    FuzzFiles.copyTree(SAVED, sm);
    return sm;
  }

  private static void load(Path sm) {
    FloatArray x = (FloatArray) Npy.read(REFERENCE.resolve("mnist-basic_x.npy"));
    List<FloatArray> y;
    try {
      y =
          Outcomes.within(
              Outcomes.SLOW,
              () -> {
                try (LoadedSavedModel m = LoadedSavedModel.load(sm)) {
                  return m.predict(List.of(x), 8);
                }
              });
    } catch (JerasException e) {
      Outcomes.assertDocumented(e, IdxFuzzTest.names(sm));
      return;
    } finally {
      FuzzFiles.deleteTree(sm);
    }
    Outcomes.accepted();
    assertEquals(1, y.size());
    assertArrayEquals(new long[] {8, 10}, y.get(0).shape());
  }

  @Provide
  Arbitrary<Mutation> mutations() {
    return Mutation.any(Mutation.offsetsNear(new int[] {0, 1000, 4000, 16000, 40000}));
  }
}

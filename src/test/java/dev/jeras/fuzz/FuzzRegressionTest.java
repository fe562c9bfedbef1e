package dev.jeras.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.JerasException;
import dev.jeras.data.CorruptFileException;
import dev.jeras.data.Idx;
import dev.jeras.data.NumericArray;
import dev.jeras.models.Model;
import dev.jeras.saving.KerasJson;
import dev.jeras.saving.LoadedSavedModel;
import dev.jeras.saving.Npy;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One deterministic case for each bug the fuzz properties found, so that a fix stays fixed whatever
 * seed and budget the properties run with.
 */
@Timeout(60)
class FuzzRegressionTest {
  @TempDir Path tmp;

  /** Idx allocated what the header claimed (here 822 MB for a 16-byte file) before reading. */
  @Test
  void idxHeaderClaimingGigabytes_refusedWithoutAllocatingThem() throws Exception {
    Path f = tmp.resolve("huge-images-idx3-ubyte");
    Files.write(
        f,
        ByteBuffer.allocate(16)
            .putInt(Idx.IMAGES_MAGIC)
            .putInt(1 << 20)
            .putInt(28)
            .putInt(28)
            .array());
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long before = mx.getCurrentThreadAllocatedBytes();
    CorruptFileException e = assertThrows(CorruptFileException.class, () -> Idx.readImages(f));
    long allocated = mx.getCurrentThreadAllocatedBytes() - before;
    assertTrue(
        e.getMessage()
            .startsWith(
                f
                    + ": payload expected 822083584 bytes (1048576 x 28 x"
                    + " 28), got 0 bytes (file too short)"),
        e.getMessage());
    assertTrue(allocated < 16 << 20, "allocated " + allocated + " bytes");
  }

  /** Npy parsed the dtype's size with Integer.parseInt: NumberFormatException. */
  @Test
  void npyDtypeSizeOutOfIntRange_isJerasException() {
    byte[] b = NpyFuzzTest.header("'<f99999999999'", "()", 1, 0);
    JerasException e = assertThrows(JerasException.class, () -> Npy.parse(b, "big-dtype.npy"));
    assertEquals(
        "big-dtype.npy: not a valid .npy file: dtype expected f2, f4, f8, i1..i8, u1..u8"
            + " or b1, got f99999999999",
        e.getMessage());
  }

  /**
   * The final long run (seed 8874764413223677477): a version-2 header length near 2^31 overflowed
   * {@code start + headerLen} and passed the bounds check: StringIndexOutOfBoundsException.
   */
  @Test
  void npyHeaderLengthNear2To31_isJerasException() {
    byte[] b = NpyFuzzTest.header("'<f4'", "(2,)", 2, 8);
    ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(8, Integer.MAX_VALUE - 8);
    JerasException e = assertThrows(JerasException.class, () -> Npy.parse(b, "long-header.npy"));
    assertTrue(
        e.getMessage()
            .startsWith("long-header.npy: not a valid .npy file: header length" + " expected <= "),
        e.getMessage());
  }

  /** Npy multiplied the dimensions in a long that overflowed to 0 and returned a bogus shape. */
  @Test
  void npyShapeWhoseProductOverflows_isRefused() {
    byte[] b = NpyFuzzTest.header("'<f4'", "(4294967296, 4294967296)", 1, 0);
    JerasException e = assertThrows(JerasException.class, () -> Npy.parse(b, "wrap.npy"));
    assertTrue(
        e.getMessage()
            .startsWith(
                "wrap.npy: not a valid .npy file: shape expected"
                    + " integers from 0 to 2147483647, got (4294967296, 4294967296"),
        e.getMessage());
  }

  /** Jackson's nesting limit reports no location: NullPointerException in the error path. */
  @Test
  void jsonNestedDeeperThanJacksonAllows_isJerasException() {
    String json = "[".repeat(3000) + "]".repeat(3000);
    JerasException e =
        assertThrows(JerasException.class, () -> KerasJson.fromJson(json, "deep.json"));
    assertTrue(
        e.getMessage().startsWith("deep.json: not valid JSON: Document nesting depth"),
        e.getMessage());
  }

  /** LayerConfig refused the dtype before the registry's try block: the message had no source. */
  @Test
  void layerDtypeUnsupported_messageNamesTheFile() {
    String json =
        sequential(
            "{\"class_name\": \"Flatten\", \"config\": {\"name\": \"f\","
                + " \"dtype\": {\"class_name\": \"DTypePolicy\"}}}");
    JerasException e = assertThrows(JerasException.class, () -> KerasJson.fromJson(json, "m.json"));
    assertEquals(
        "m.json: layer f (Flatten): unsupported dtype={class_name=DTypePolicy}; jeras"
            + " supports dtype: float32",
        e.getMessage());
  }

  /** Messages printed whole values: a 10,000-element list gave a 59,000-character line. */
  @Test
  void hugeOptionValue_messageStaysShort() {
    StringBuilder big = new StringBuilder("[0");
    for (int i = 1; i < 10_000; i++) {
      big.append(", ").append(i);
    }
    String json =
        sequential(
            "{\"class_name\": \"Dense\", \"config\": {\"name\": \"d\", \"units\":"
                + " 2, \"kernel_size\": "
                + big
                + "]}}");
    JerasException e = assertThrows(JerasException.class, () -> KerasJson.fromJson(json, "m.json"));
    assertTrue(
        e.getMessage().startsWith("m.json: layer d (Dense): unsupported option(s)"),
        e.getMessage());
    assertTrue(e.getMessage().length() < 600, e.getMessage().length() + " characters");
  }

  /** The long run (seed 8381812434823054558): an unknown layer reference printed whole. */
  @Test
  void hugeLayerReference_messageStaysShort() {
    StringBuilder big = new StringBuilder("[0");
    for (int i = 1; i < 10_000; i++) {
      big.append(", ").append(i);
    }
    JerasException e =
        assertThrows(
            JerasException.class,
            () ->
                KerasJson.fromJson(functional("[" + big + "], 0, 0]", "[\"d\", 0, 0]"), "f.json"));
    assertTrue(
        e.getMessage().startsWith("f.json: inbound node refers to unknown layer [0, 1, 2,"),
        e.getMessage());
    assertTrue(e.getMessage().length() < 300, e.getMessage().length() + " characters");
  }

  /**
   * Found by hand after the long run: sizes past 2^31 were accepted, and a Dense kernel of 3.4e10 x
   * 2.1e9 values made countParams() negative; a rank-10,001 input was accepted too.
   */
  @Test
  void sizesNoArrayCanHold_areRefused() {
    String layers =
        "{\"class_name\": \"Conv2D\", \"config\": {\"name\": \"c\","
            + " \"filters\": 1000000, \"kernel_size\": 1}},"
            + " {\"class_name\": \"Flatten\", \"config\": {\"name\": \"f\"}},"
            + " {\"class_name\": \"Dense\", \"config\": {\"name\": \"d\", \"units\": 2147483647}}";
    JerasException e =
        assertThrows(JerasException.class, () -> KerasJson.fromJson(sequential(layers), "m.json"));
    assertEquals(
        "m.json: layer d weight kernel expected at most 2147483639 values, got shape"
            + " (16000000, 2147483647)",
        e.getMessage());
    StringBuilder shape = new StringBuilder("[null");
    for (int i = 0; i < 10_000; i++) {
      shape.append(", 1");
    }
    String json =
        sequential("{\"class_name\": \"Flatten\", \"config\": {\"name\": \"f\"}}")
            .replace("[null, 4, 4, 1]", shape + "]");
    e = assertThrows(JerasException.class, () -> KerasJson.fromJson(json, "m.json"));
    assertEquals(
        "m.json: input shape expected at most 254 dimensions (TensorFlow's limit), got" + " 10001",
        e.getMessage());
  }

  /** Functional references were cast blindly: NullPointerException, IndexOutOfBounds, CCE. */
  @Test
  void functionalReferencesMalformed_areJerasExceptions() {
    for (String history : List.of("[\"in\", null, 0]", "[\"in\", -1, 0]", "[\"in\", \"0\", 0]")) {
      String json = functional(history, "[\"d\", 0, 0]");
      JerasException e =
          assertThrows(JerasException.class, () -> KerasJson.fromJson(json, "f.json"), history);
      assertTrue(
          e.getMessage()
              .startsWith(
                  "f.json: inbound node expected [layer name, node index,"
                      + " tensor index], got [in, "),
          e.getMessage());
    }
    JerasException e =
        assertThrows(
            JerasException.class,
            () -> KerasJson.fromJson(functional("[\"in\", 0, 0]", "[true]"), "f.json"));
    assertEquals(
        "f.json: input_layers/output_layers expected [layer name, node index, tensor"
            + " index] entries, got true",
        e.getMessage());
  }

  /** A model name TensorFlow cannot use threw IllegalArgumentException from Model.named. */
  @Test
  void invalidModelName_isJerasException() {
    String json =
        sequential("{\"class_name\": \"Flatten\", \"config\": {\"name\": \"f\"}}")
            .replace("\"name\": \"s\"", "\"name\": \"__keras_tensor__\"");
    JerasException e = assertThrows(JerasException.class, () -> KerasJson.fromJson(json, "m.json"));
    assertTrue(e.getMessage().startsWith("m.json: invalid "), e.getMessage());
  }

  /** 2^32 filters became 0 (intValue) and a misleading "must be positive"; 2.5 became 2. */
  @Test
  void integerOptionsOutOfRangeOrFractional_areRefusedAsSuch() {
    String conv =
        "{\"class_name\": \"Conv2D\", \"config\": {\"name\": \"c\", \"filters\": %s,"
            + " \"kernel_size\": %s}}";
    JerasException e =
        assertThrows(
            JerasException.class,
            () -> KerasJson.fromJson(sequential(String.format(conv, "4294967296", "3")), "m.json"));
    assertEquals(
        "m.json: layer c (Conv2D): option filters expected an integer, got 4294967296",
        e.getMessage());
    e =
        assertThrows(
            JerasException.class,
            () -> KerasJson.fromJson(sequential(String.format(conv, "4", "[2.5, 3]")), "m.json"));
    assertEquals(
        "m.json: layer c (Conv2D): option kernel_size expected an integer or a list of"
            + " two integers, got [2.5, 3]",
        e.getMessage());
  }

  /** NaN and Infinity (Python's JSON writes them) passed as an epsilon or a stddev. */
  @Test
  void nonFiniteNumbers_areRefused() {
    String bn =
        "{\"class_name\": \"BatchNormalization\", \"config\": {\"name\": \"b\","
            + " \"epsilon\": Infinity}}";
    JerasException e =
        assertThrows(JerasException.class, () -> KerasJson.fromJson(sequential(bn), "m.json"));
    assertEquals(
        "m.json: layer b (BatchNormalization): option epsilon expected a finite number,"
            + " got Infinity",
        e.getMessage());
    String dense =
        "{\"class_name\": \"Dense\", \"config\": {\"name\": \"d\", \"units\": 2,"
            + " \"kernel_initializer\": {\"class_name\": \"RandomNormal\", \"config\":"
            + " {\"stddev\": NaN}}}}";
    e = assertThrows(JerasException.class, () -> KerasJson.fromJson(sequential(dense), "m.json"));
    assertEquals(
        "m.json: layer d (Dense): option kernel_initializer: stddev expected a finite"
            + " number, got NaN",
        e.getMessage());
  }

  /**
   * TensorFlow loads a SavedModel without variables/variables.index and leaves the variables
   * uninitialised: predict threw TFFailedPreconditionException.
   */
  @Test
  void savedModelWithoutVariablesIndex_refusedAtLoad() throws Exception {
    Path sm = tmp.resolve("no_index_savedmodel");
    FuzzFiles.copyTree(FuzzFiles.testdata().resolve("reference/mnist-basic_savedmodel"), sm);
    Files.delete(sm.resolve("variables/variables.index"));
    JerasException e = assertThrows(JerasException.class, () -> LoadedSavedModel.load(sm));
    assertEquals(
        sm
            + ": variables/variables.index expected (the graph has variables to"
            + " restore), got no such file: the SavedModel is incomplete",
        e.getMessage());
  }

  /** A truncated saved_model.pb gave only TensorFlow's "Read less bytes than requested". */
  @Test
  void savedModelPbTruncated_messageNamesTheFile() throws Exception {
    Path sm = tmp.resolve("truncated_savedmodel");
    FuzzFiles.copyTree(FuzzFiles.testdata().resolve("reference/mnist-basic_savedmodel"), sm);
    Path pb = sm.resolve("saved_model.pb");
    byte[] b = Files.readAllBytes(pb);
    Files.write(pb, java.util.Arrays.copyOf(b, b.length / 2));
    JerasException e = assertThrows(JerasException.class, () -> LoadedSavedModel.load(sm));
    assertTrue(
        e.getMessage()
            .startsWith(
                sm
                    + ": cannot load the SavedModel (tag 'serve'): saved_model.pb expected a"
                    + " SavedModel protocol buffer, got a truncated or damaged one"),
        e.getMessage());
  }

  /** Found by hand: a truncated CIFAR archive said only "(EOFException)". */
  @Test
  void cifarArchiveTruncated_saysTruncated() throws Exception {
    byte[] gz = FuzzFiles.gzip(CifarFuzzTest.tar());
    Path f =
        Files.write(
            tmp.resolve("cifar-10-binary.tar.gz"), java.util.Arrays.copyOf(gz, gz.length / 2));
    CorruptFileException e =
        assertThrows(CorruptFileException.class, () -> dev.jeras.data.Cifar10Binary.readArchive(f));
    assertEquals(
        f
            + ": tar.gz archive expected a complete archive, got a truncated one (it ends"
            + " early)",
        e.getMessage());
  }

  /** Found by hand: a missing .npy said "cannot read: <path>". */
  @Test
  void npyMissing_saysFileNotFound() {
    Path f = tmp.resolve("nosuch.npy");
    JerasException e = assertThrows(JerasException.class, () -> Npy.read(f));
    assertEquals(f + ": file not found", e.getMessage());
  }

  /** The good fixtures pass the properties' oracle (a check of the oracle itself). */
  @Test
  void modelDefs_passTheFuzzOracle() {
    for (String name : List.of("mnist-basic", "cifar10-bn", "cifar10-functional")) {
      try (Model m = KerasJson.fromJson(KerasJsonFuzzTest.text(name), name)) {
        KerasJsonFuzzTest.checkModel(m, name);
      }
    }
    NumericArray a = Npy.read(FuzzFiles.testdata().resolve("reference/mnist-basic_x.npy"));
    assertEquals(8, a.count());
  }

  private static String sequential(String layer) {
    return "{\"class_name\": \"Sequential\", \"config\": {\"name\": \"s\", \"layers\": ["
        + "{\"class_name\": \"InputLayer\", \"config\": {\"batch_shape\": [null, 4, 4, 1],"
        + " \"name\": \"in\"}}, "
        + layer
        + "]}}";
  }

  private static String functional(String history, String outputs) {
    return "{\"class_name\": \"Functional\", \"config\": {\"name\": \"f\", \"layers\": ["
        + "{\"class_name\": \"InputLayer\", \"name\": \"in\", \"config\": {\"batch_shape\": [null,"
        + " 4], \"name\": \"in\"}, \"inbound_nodes\": []},"
        + "{\"class_name\": \"Dense\", \"name\": \"d\", \"config\": {\"name\": \"d\","
        + " \"units\": 2}, \"inbound_nodes\": [{\"args\": [{\"class_name\":"
        + " \"__keras_tensor__\", \"config\":"
        + " {\"keras_history\": "
        + history
        + "}}], \"kwargs\": {}}]}],"
        + " \"input_layers\": [[\"in\", 0, 0]], \"output_layers\": "
        + outputs
        + "}}";
  }
}

package dev.jeras.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jeras.JerasException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetsTest {
  @TempDir Path tmp;

  @Test
  void names_areTheThreeKnown() {
    assertEquals(List.of("mnist", "fashion-mnist", "cifar10"), Datasets.names());
  }

  @Test
  void unknownName_listsKnownNames() {
    JerasException e = assertThrows(JerasException.class, () -> Datasets.load("imagenet", tmp));
    assertEquals(
        "dataset name expected one of [mnist, fashion-mnist, cifar10], got 'imagenet'",
        e.getMessage());
  }

  @Test
  void classNames_perDataset() {
    assertEquals(
        List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), Datasets.classNames("mnist"));
    assertEquals(
        List.of(
            "T-shirt/top",
            "Trouser",
            "Pullover",
            "Dress",
            "Coat",
            "Sandal",
            "Shirt",
            "Sneaker",
            "Bag",
            "Ankle boot"),
        Datasets.classNames("fashion_mnist"));
    assertEquals(
        List.of(
            "airplane",
            "automobile",
            "bird",
            "cat",
            "deer",
            "dog",
            "frog",
            "horse",
            "ship",
            "truck"),
        Datasets.classNames("CIFAR10"));
  }

  @Test
  void mnistInSubfolder_loadedWithoutFetching() {
    Fixtures.copyMnist(tmp.resolve("mnist"));
    Dataset.Split s = Datasets.load("mnist", tmp);
    assertArrayEquals(new long[] {2000, 28, 28, 1}, s.train().x().shape());
    assertEquals("mnist train", s.train().name());
    assertEquals("9", s.classNames().get(9));
  }

  @Test
  void fashionName_readsFashionFolder() {
    Fixtures.copyMnist(tmp.resolve("fashion-mnist"));
    Dataset.Split s = Datasets.load("fashion-mnist", tmp);
    assertEquals(500, s.test().size());
    assertEquals("Ankle boot", s.classNames().get(9));
  }

  @Test
  void cifarInSubfolderOrDirect_loads() {
    Dataset.Split direct = Datasets.load("cifar10", Fixtures.CIFAR_SMALL);
    assertEquals(300, direct.train().size());
    Path batches = tmp.resolve("cifar10").resolve(Cifar10Binary.BATCHES_DIR);
    for (String n : List.of("data_batch_1.bin.gz", "test_batch.bin.gz")) {
      Fixtures.write(batches.resolve(n), Fixtures.read(Fixtures.CIFAR_BATCHES.resolve(n)));
    }
    Dataset.Split nested = Datasets.load("cifar10", tmp);
    assertArrayEquals(direct.test().x().data(), nested.test().x().data());
  }

  @Test
  void cifarArchiveInSubfolder_loads() throws Exception {
    Path archive = tmp.resolve("cifar10").resolve(Cifar10Binary.ARCHIVE);
    java.nio.file.Files.createDirectories(archive.getParent());
    Cifar10BinaryTest.writeTarGz(
        archive,
        java.util.Map.of(
            "cifar-10-batches-bin/data_batch_1.bin",
                Fixtures.gunzip(Fixtures.CIFAR_BATCHES.resolve("data_batch_1.bin.gz")),
            "cifar-10-batches-bin/test_batch.bin",
                Fixtures.gunzip(Fixtures.CIFAR_BATCHES.resolve("test_batch.bin.gz"))));
    assertEquals(100, Datasets.load("cifar10", tmp).test().size());
  }

  @Test
  void committedCorruptMnist_corruptFileThroughLoad() {
    CorruptFileException e =
        assertThrows(
            CorruptFileException.class, () -> Datasets.load("mnist", Fixtures.MNIST_CORRUPT));
    assertEquals(
        Fixtures.MNIST_CORRUPT.resolve("train-images-idx3-ubyte.gz").toAbsolutePath(), e.file());
  }
}

/**
 * Runnable examples: the three reference models and an augmented one, written as a user writes
 * them, each a {@code main} that loads its dataset, builds the model, prints its summary, trains,
 * evaluates and saves it.
 *
 * <ul>
 *   <li>{@link dev.jeras.examples.MnistCnn}: the MNIST CNN, {@code Sequential}; exports a
 *       SavedModel and a {@code .keras} file.
 *   <li>{@link dev.jeras.examples.Cifar10BatchNorm}: the CIFAR-10 CNN with BatchNormalization,
 *       {@code Sequential}.
 *   <li>{@link dev.jeras.examples.Cifar10Functional}: the same CIFAR-10 network with the functional
 *       API.
 *   <li>{@link dev.jeras.examples.Cifar10Augmented}: augmentation and preprocessing inside a small
 *       MobileNet-style model.
 * </ul>
 *
 * <p>Each takes {@code [DATA_DIR [OUT_DIR]] [--epochs N] [--limit N]}; nothing else in jeras
 * imports this package.
 *
 * <pre>
 * mvn -q -B -DskipTests package
 * java -cp "target/jeras.jar:target/lib/*" \
 *     dev.jeras.examples.MnistCnn testdata/mnist-small --epochs 1
 * </pre>
 */
package dev.jeras.examples;

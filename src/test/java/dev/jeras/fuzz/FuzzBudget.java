package dev.jeras.fuzz;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.security.SecureRandom;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropagationMode;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * Sets the tries and the seed of every fuzz property. The unit suite runs each property with the
 * tries written on its {@code @Property} and a fixed seed ({@value #DEFAULT_SEED}), so a default
 * run is bounded and reproducible. On demand:
 *
 * <ul>
 *   <li>{@code -Djeras.fuzz.tries=N}: N tries for the byte parsers (IDX, CIFAR, .npy, JSON), and
 *       {@code max(default, N / 50)} for the properties marked {@link Heavy} (those that open a
 *       TensorFlow session or a SavedModel);
 *   <li>{@code -Djeras.fuzz.heavyTries=M}: M tries for the {@link Heavy} properties;
 *   <li>{@code -Djeras.fuzz.seed=S}: the seed; an on-demand run without one draws a random seed.
 * </ul>
 *
 * Every property prints its tries and seed, so a failing on-demand run can be replayed with {@code
 * -Djeras.fuzz.seed=S}.
 *
 * <pre>{@code
 * mvn test -Dtest='dev.jeras.fuzz.**' -Djeras.fuzz.tries=20000
 * }</pre>
 */
public final class FuzzBudget implements AroundPropertyHook {
  /** System property: tries per byte-parser property. */
  public static final String TRIES = "jeras.fuzz.tries";

  /** System property: tries per {@link Heavy} property. */
  public static final String HEAVY_TRIES = "jeras.fuzz.heavyTries";

  /** System property: the seed. */
  public static final String SEED = "jeras.fuzz.seed";

  /** The seed of the default (unit suite) run. */
  public static final String DEFAULT_SEED = "20260126";

  /** Marks a property whose tries cost a TensorFlow graph or session (fewer tries on demand). */
  @Retention(RetentionPolicy.RUNTIME)
  @Target({ElementType.METHOD, ElementType.TYPE})
  public @interface Heavy {}

  @Override
  public PropertyExecutionResult aroundProperty(
      PropertyLifecycleContext context, PropertyExecutor property) {
    boolean heavy =
        context.findAnnotation(Heavy.class).isPresent()
            || context
                .optionalContainerClass()
                .map(c -> c.isAnnotationPresent(Heavy.class))
                .orElse(false);
    int declared = context.attributes().tries().orElse(1000);
    Integer tries = tries(heavy, declared);
    if (tries != null) {
      context.attributes().setTries(tries);
    }
    String seed = System.getProperty(SEED);
    if (seed == null || seed.isBlank()) {
      seed = tries == null ? DEFAULT_SEED : Long.toString(new SecureRandom().nextLong());
    }
    context.attributes().setSeed(seed.strip());
    System.out.printf(
        "fuzz %s: tries=%d seed=%s (replay with -D%s=%s)%n",
        context.label(), tries == null ? declared : tries, seed.strip(), SEED, seed.strip());
    return property.execute();
  }

  /**
   * @return the tries asked for on the command line, or null for the declared ones
   */
  static Integer tries(boolean heavy, int declared) {
    String all = System.getProperty(TRIES);
    String h = System.getProperty(HEAVY_TRIES);
    if (heavy) {
      if (h != null && !h.isBlank()) {
        return Integer.parseInt(h.strip());
      }
      if (all != null && !all.isBlank()) {
        return Math.max(declared, Integer.parseInt(all.strip()) / 50);
      }
      return null;
    }
    return all == null || all.isBlank() ? null : Integer.parseInt(all.strip());
  }

  @Override
  public PropagationMode propagateTo() {
    // registered on the test class, it must reach the class's properties
    return PropagationMode.ALL_DESCENDANTS;
  }

  @Override
  public int aroundPropertyProximity() {
    // outside jqwik's own hooks, so that the attributes are set before the property starts
    return -100;
  }
}

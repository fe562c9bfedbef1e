package dev.jeras.testing;

import org.apache.spark.sql.SparkSession;

/**
 * The embedded Spark the tests share ({@code local[2,2]}: two task threads, a failed task tried
 * once more; no UI; two shuffle partitions), started on first use and stopped when the test JVM
 * exits: one start for every Spark test class.
 */
public final class TestSpark {
  private static SparkSession session;

  private TestSpark() {}

  /**
   * @return the shared session
   */
  public static synchronized SparkSession session() {
    if (session == null) {
      session =
          SparkSession.builder()
              .master("local[2,2]")
              .appName("jeras-tests")
              .config("spark.ui.enabled", "false")
              .config("spark.sql.shuffle.partitions", "2")
              .config("spark.driver.host", "127.0.0.1")
              .config("spark.driver.bindAddress", "127.0.0.1")
              .getOrCreate();
      Runtime.getRuntime().addShutdownHook(new Thread(session::stop, "test-spark-stop"));
    }
    return session;
  }
}

/**
 * Batch inference on Apache Spark: {@link dev.jeras.spark.JerasSpark#predict} scores a DataFrame's
 * array or image column with any model jeras loads, loading the model once per executor JVM and
 * scoring rows in batches; {@link dev.jeras.spark.JerasSpark#register} makes the same model a SQL
 * function. Spark is not a dependency of jeras: these classes need it on the class path (a Spark
 * job has it) and nothing else in the library refers to Spark.
 */
package dev.jeras.spark;

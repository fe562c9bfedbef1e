/**
 * The {@code jeras} command line ({@link dev.jeras.cli.Main}, run by {@code scripts/jeras}): the
 * {@code train}, {@code evaluate}, {@code predict}, {@code convert}, {@code summary} and {@code
 * serve} commands, their options, Ctrl-C handling, and the mapping of errors to one-line messages
 * and exit codes (1 for errors a user can act on, 2 for usage errors, 130 for an interrupted run).
 * Nothing else in jeras imports this package.
 */
package dev.jeras.cli;

package dev.agentsandbox.testing;

/**
 * How the test cluster isolates sandbox commands.
 *
 * @since 0.1.0
 */
public enum Isolation {
  /** With bubblewrap when it works on this machine, as plain processes (with a warning) otherwise. */
  AUTO,
  /** With bubblewrap; the cluster does not start where bubblewrap does not work. */
  REQUIRED,
  /** As plain processes of this machine: the fastest, for tests that trust their commands. */
  NONE
}

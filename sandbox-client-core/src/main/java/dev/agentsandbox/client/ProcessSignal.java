package dev.agentsandbox.client;

/**
 * A signal for a {@link SandboxProcess}, delivered to the process and what it started (its
 * process group).
 *
 * @since 0.1.0
 */
public enum ProcessSignal {
  /** {@code SIGINT}, as Ctrl-C in a terminal: most programs stop. */
  INTERRUPT(2),
  /** {@code SIGTERM}: a polite request to end. */
  TERMINATE(15),
  /** {@code SIGKILL}: ends the process at once; it cannot be caught. */
  KILL(9);

  private final int number;

  ProcessSignal(int number) {
    this.number = number;
  }

  /**
   * The Linux signal number.
   *
   * @return 2, 15 or 9
   */
  public int number() {
    return number;
  }
}

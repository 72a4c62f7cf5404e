package dev.agentsandbox.client.internal;

import dev.agentsandbox.client.SandboxInterruptedException;
import java.io.IOException;

/**
 * A route shared by every sandbox of a connector, such as a tunnel or a Gateway's address, that
 * a request may have to wait for. {@link #endpoint(SandboxRef)} is one sandbox's view of it.
 * Implementations are thread-safe.
 */
interface SharedRoute {

  /**
   * Where the next attempt for {@code ref} goes; may block to re-open the route or wait for it.
   *
   * @throws InterruptedException if interrupted while waiting
   */
  SandboxEndpoint.Target target(SandboxRef ref) throws InterruptedException;

  /** What {@link #target(SandboxRef)} waits for, as in "Interrupted while ...". */
  String awaited();

  /** See {@link SandboxEndpoint#connectionFailed}. */
  void connectionFailed(SandboxEndpoint.Target target, IOException cause);

  /** See {@link SandboxEndpoint#hint()}. */
  String hint();

  /** One sandbox's view of this route; an interrupted wait becomes its exception. */
  default SandboxEndpoint endpoint(SandboxRef ref) {
    SharedRoute route = this;
    return new SandboxEndpoint() {
      @Override
      public Target target() {
        try {
          return route.target(ref);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new SandboxInterruptedException("Interrupted while " + route.awaited(),
              ref.claimName(), ref.namespace(), e);
        }
      }

      @Override
      public void connectionFailed(Target target, IOException cause) {
        route.connectionFailed(target, cause);
      }

      @Override
      public String hint() {
        return route.hint();
      }
    };
  }
}

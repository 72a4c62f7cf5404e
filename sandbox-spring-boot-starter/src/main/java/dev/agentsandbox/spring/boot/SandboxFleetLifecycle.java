package dev.agentsandbox.spring.boot;

import dev.agentsandbox.client.SandboxFleet;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.SmartLifecycle;

/**
 * Ends the auto-configured fleet when the application stops: the sandboxes it created are
 * deleted (unless {@code agent-sandbox.terminate-on-shutdown=false}) and its connections closed.
 * It stops late, after the web server's graceful shutdown, so requests still being served keep
 * their sandboxes.
 *
 * @since 0.1.0
 */
public class SandboxFleetLifecycle implements SmartLifecycle, DisposableBean {
  /** Below the web server's graceful shutdown and its stop: stopped after both. */
  public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

  private final SandboxFleet fleet;
  private volatile boolean running;

  /**
   * Creates the lifecycle of {@code fleet}.
   *
   * @param fleet the fleet
   */
  public SandboxFleetLifecycle(SandboxFleet fleet) {
    this.fleet = fleet;
  }

  @Override
  public void start() {
    running = true;
  }

  @Override
  public void stop() {
    running = false;
    fleet.close();
  }

  /** Closes the fleet if {@link #stop()} did not, e.g. when the context failed to start. */
  @Override
  public void destroy() {
    fleet.close();
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    return PHASE;
  }
}

package dev.agentsandbox.client;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The sandbox's pod was replaced while the sandbox was in use: its pod was deleted or evicted,
 * and the controller started a new one for the same Sandbox. The claim and the sandbox's name
 * stay; the new pod starts from the template with a fresh workspace, so files written and
 * processes started before are lost.
 *
 * <p>The client learns of it from its watch on the claim, whose status mirrors the Sandbox's
 * {@code Ready} condition and pod IPs: a pod replaced shows as {@code Ready} going
 * {@code False} and back to {@code True}, or as other pod IPs. It is thrown once per replacement,
 * by the first command or file operation after the client noticed it (that call does not
 * run), or by a call in flight when it noticed it, if that call failed (the call's failure is
 * the {@link #getCause() cause}). Later calls run on the new pod: write the files again, or
 * terminate the sandbox and create a new one.
 *
 * <p>When the controller reports no pod IPs (v0.1.0), {@code Ready} going {@code False} and back
 * is taken for a replacement, though a pod that was only briefly unready looks the same.
 *
 * @since 0.1.0
 */
public class SandboxRestartedException extends SandboxException {
  private static final long serialVersionUID = 1L;

  private final String sandboxName;
  private final List<String> previousPodIPs;
  private final List<String> currentPodIPs;

  /**
   * Creates the exception.
   *
   * @param sandboxName the sandbox whose pod was replaced
   * @param previousPodIPs the pod IPs the client used before, empty when unknown
   * @param currentPodIPs the new pod's IPs, empty when unknown
   * @param claimName the claim
   * @param namespace its namespace
   * @param cause the failure of the call in flight when the replacement was noticed, or null
   *     when the call was not run
   */
  public SandboxRestartedException(String sandboxName, List<String> previousPodIPs,
      List<String> currentPodIPs, String claimName, String namespace, @Nullable Throwable cause) {
    super(message(sandboxName, previousPodIPs, currentPodIPs, claimName, namespace, cause),
        claimName, namespace, cause);
    this.sandboxName = sandboxName;
    this.previousPodIPs = previousPodIPs == null ? List.of() : List.copyOf(previousPodIPs);
    this.currentPodIPs = currentPodIPs == null ? List.of() : List.copyOf(currentPodIPs);
  }

  private static String message(String sandboxName, List<String> previous, List<String> current,
      String claimName, String namespace, Throwable cause) {
    boolean known = previous != null && !previous.isEmpty() && current != null
        && !current.isEmpty() && !previous.equals(current);
    return "Sandbox '" + sandboxName + "' of SandboxClaim '" + claimName + "' in namespace '"
        + namespace + "' was restarted on a new pod"
        + (known ? " (pod IPs " + previous + " -> " + current + "): files written and processes "
            + "started before are lost"
            : " (it became not ready and ready again; the controller reports no pod IPs): files "
                + "written and processes started before may be lost")
        + (cause == null ? "; this call was not run" : "; this call failed")
        + ". Later calls run on the new pod: write the files again, or terminate the sandbox and "
        + "create a new one (kubectl describe sandbox " + sandboxName + " -n " + namespace
        + " shows the pod's events)";
  }

  /**
   * The sandbox whose pod was replaced.
   *
   * @return the Sandbox name
   */
  public String sandboxName() {
    return sandboxName;
  }

  /**
   * The pod IPs the client knew before the replacement.
   *
   * @return the IPs, empty when the controller did not report them
   */
  public List<String> previousPodIPs() {
    return previousPodIPs;
  }

  /**
   * The new pod's IPs.
   *
   * @return the IPs, empty when the controller did not report them
   */
  public List<String> currentPodIPs() {
    return currentPodIPs;
  }
}

package dev.agentsandbox.it;

import dev.agentsandbox.client.SandboxClient;

/**
 * A program that exits with its client open, as a script that calls {@code System.exit} does.
 * Reads the cluster from {@code KUBECONFIG}, like any user program. Arguments: the template,
 * then {@code hook} or {@code no-hook}. Prints {@code claim <name>} once the sandbox is ready.
 */
public final class ExitWithOpenClient {
  private ExitWithOpenClient() {
  }

  public static void main(String[] args) {
    SandboxClient client = SandboxClient.builder()
        .templateName(args[0])
        .terminateOnShutdown(!args[1].equals("no-hook"))
        .build();
    System.out.println("claim " + client.claimName());
    System.out.flush();
    System.exit(0);
  }
}

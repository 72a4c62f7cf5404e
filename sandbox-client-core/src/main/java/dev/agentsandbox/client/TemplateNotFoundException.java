package dev.agentsandbox.client;

/**
 * The SandboxTemplate named by a claim does not exist, so the controller will never make a
 * sandbox for it. Thrown at once by {@link SandboxClient.Builder#build()} instead of waiting
 * out the ready timeout.
 *
 * @since 0.1.0
 */
public class TemplateNotFoundException extends SandboxException {
  private static final long serialVersionUID = 1L;

  private final String templateName;

  /**
   * Creates the exception.
   *
   * @param templateName the missing template
   * @param claimName the claim that referenced it
   * @param namespace the namespace searched
   * @param detail the controller's condition message, may be null
   */
  public TemplateNotFoundException(String templateName, String claimName, String namespace,
      String detail) {
    super("SandboxTemplate '" + templateName + "' not found in namespace '" + namespace
        + "' (SandboxClaim '" + claimName + "'" + (detail == null || detail.isBlank() ? "" : ": " + detail)
        + "): create it or fix templateName", claimName, namespace, null);
    this.templateName = templateName;
  }

  /**
   * The template that was not found.
   *
   * @return the template name
   */
  public String templateName() {
    return templateName;
  }
}

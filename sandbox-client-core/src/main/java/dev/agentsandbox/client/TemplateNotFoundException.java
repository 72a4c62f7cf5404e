package dev.agentsandbox.client;

import org.jspecify.annotations.Nullable;

/**
 * The SandboxTemplate named by a claim does not exist (a condition with reason
 * {@value #REASON}); see {@link ClaimReferenceNotFoundException}.
 *
 * @since 0.1.0
 */
public class TemplateNotFoundException extends ClaimReferenceNotFoundException {
  private static final long serialVersionUID = 1L;

  /** The condition reason this exception stands for. */
  public static final String REASON = "TemplateNotFound";

  /**
   * Creates the exception.
   *
   * @param templateName the missing template
   * @param claimName the claim that referenced it
   * @param namespace the namespace searched
   * @param detail the controller's condition message, may be null
   */
  public TemplateNotFoundException(String templateName, String claimName, String namespace,
      @Nullable String detail) {
    super(REASON, detail, templateName, claimName, namespace, "SandboxTemplate '" + templateName
        + "' not found in namespace '" + namespace + "' (SandboxClaim '" + claimName + "'"
        + (detail == null || detail.isBlank() ? "" : ": " + detail)
        + "): create it or fix templateName");
  }

  /**
   * The template that was not found.
   *
   * @return the template name
   */
  public String templateName() {
    return resourceName();
  }
}

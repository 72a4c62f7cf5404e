package dev.agentsandbox.client;

import org.jspecify.annotations.Nullable;

/**
 * A resource the claim names does not exist, so the controller will never make a sandbox for
 * it: the {@link TemplateNotFoundException SandboxTemplate} or the
 * {@link WarmPoolNotFoundException SandboxWarmPool}. Thrown at once, after the claim was
 * deleted, instead of waiting out the ready timeout; fix the name or create the resource, then
 * create a new sandbox.
 *
 * @since 0.1.0
 */
public abstract class ClaimReferenceNotFoundException extends ClaimFailedException {
  private static final long serialVersionUID = 1L;

  private final String resourceName;

  /**
   * Creates the exception.
   *
   * @param reason the condition reason
   * @param detail the controller's condition message, may be null
   * @param resourceName the name looked for, empty if unknown
   * @param claimName the claim
   * @param namespace its namespace
   * @param message what is missing and what to do next
   */
  protected ClaimReferenceNotFoundException(String reason, @Nullable String detail,
      String resourceName,
      String claimName, String namespace, String message) {
    super(reason, detail, claimName, namespace, message);
    this.resourceName = resourceName;
  }

  /**
   * The name of the missing resource.
   *
   * @return the name, empty if the claim did not say
   */
  public String resourceName() {
    return resourceName;
  }
}

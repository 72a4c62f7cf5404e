package dev.agentsandbox.mcp.internal;

/**
 * A tool call that failed in a way the caller should be told about: its message becomes the
 * text of an error result ({@code isError: true}). Never carries a stack trace to the client.
 */
public final class ToolFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ToolFailure(String message) {
    super(message, null, false, false);
  }

  public ToolFailure(String message, Throwable cause) {
    super(message, cause, false, false);
  }
}

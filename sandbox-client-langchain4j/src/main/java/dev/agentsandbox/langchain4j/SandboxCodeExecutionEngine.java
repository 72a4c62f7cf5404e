package dev.agentsandbox.langchain4j;

import dev.agentsandbox.client.ExecutionResult;
import dev.agentsandbox.client.Sandbox;
import dev.agentsandbox.client.SandboxException;
import dev.langchain4j.code.CodeExecutionEngine;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;

/**
 * A LangChain4j {@link CodeExecutionEngine} that runs code in a Kubernetes sandbox instead of
 * in the agent's JVM or machine: the code is written to a file in the sandbox and run by an
 * interpreter there ({@code python3} unless told otherwise). The result is what the code
 * printed; a failure (non-zero exit, timeout) is reported as text too, with standard error, so a
 * model can read it and fix its code.
 *
 * <pre>{@code
 * CodeExecutionEngine engine = SandboxCodeExecutionEngine.python(sandbox);
 * String answer = engine.execute("print(6 * 7)");   // "42"
 * }</pre>
 *
 * @since 0.1.0
 */
public final class SandboxCodeExecutionEngine implements CodeExecutionEngine {
  private final Sandbox sandbox;
  private final String interpreter;
  private final String extension;
  private final Duration timeout;

  private SandboxCodeExecutionEngine(Sandbox sandbox, String interpreter, String extension,
      Duration timeout) {
    this.sandbox = Objects.requireNonNull(sandbox, "sandbox");
    this.interpreter = requireWord("interpreter", interpreter);
    this.extension = requireWord("extension", extension);
    if (timeout.isZero() || timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must be positive, got " + timeout);
    }
    this.timeout = timeout;
  }

  /**
   * Runs Python code with the sandbox's {@code python3}, for at most two minutes.
   *
   * @param sandbox the sandbox; stays the caller's
   * @return the engine
   */
  public static SandboxCodeExecutionEngine python(Sandbox sandbox) {
    return new SandboxCodeExecutionEngine(sandbox, "python3", "py", Duration.ofMinutes(2));
  }

  /**
   * Runs code with another interpreter of the sandbox, e.g. {@code ("node", "js")}.
   *
   * @param sandbox the sandbox
   * @param interpreter the interpreter's command, one word
   * @param extension the extension of the file the code is written to, one word
   * @param timeout how long the code may run
   * @return the engine
   */
  public static SandboxCodeExecutionEngine of(Sandbox sandbox, String interpreter,
      String extension, Duration timeout) {
    return new SandboxCodeExecutionEngine(sandbox, interpreter, extension, timeout);
  }

  /**
   * Runs {@code code} and returns what it printed to standard output, trimmed; when it fails,
   * a text starting {@code Error} with its exit code and standard error.
   *
   * @param code the program
   * @return its output, or the failure
   */
  @Override
  public String execute(String code) {
    String file = ".code-" + UUID.randomUUID() + "." + extension;
    try {
      sandbox.files().write(file, code);
      ExecutionResult result;
      try {
        result = sandbox.commands().run(interpreter + " " + file, timeout);
      } finally {
        deleteQuietly(file);
      }
      if (result.timedOut()) {
        return "Error: the code did not finish within " + timeout.toSeconds() + " s\n"
            + result.stderr();
      }
      if (result.exitCode() != 0) {
        return "Error (exit code " + result.exitCode() + "):\n" + result.stderr()
            + (result.stdout().isEmpty() ? "" : "\noutput before it:\n" + result.stdout());
      }
      return result.stdout().trim();
    } catch (SandboxException e) {
      return "Error: " + e.getMessage();
    }
  }

  private void deleteQuietly(String file) {
    try {
      sandbox.files().delete(file);
    } catch (SandboxException | UnsupportedOperationException e) {
      // A leftover file in the sandbox's workspace is harmless.
    }
  }

  private static String requireWord(String what, String value) {
    Objects.requireNonNull(value, what);
    if (!value.matches("[A-Za-z0-9._/+-]+")) {
      throw new IllegalArgumentException(what + " must be one word of letters, digits and . _ / "
          + "+ -, got '" + value + "'");
    }
    return value;
  }
}

package dev.agentsandbox.sample;

import dev.agentsandbox.client.ExecutionResult;
import dev.agentsandbox.client.SandboxClient;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The tool an agent offers its model to run code: the code the model wrote (Python or shell)
 * goes into a file of the sandbox and runs there, stopped when it runs longer than the time
 * limit, and the model gets a {@link CodeResult} back, failures included. Files the code leaves
 * stay in the sandbox for the next run, as in a notebook.
 *
 * <p>The runner takes its {@link SandboxClient} from the caller, who owns it and closes it: in
 * production one made with {@code SandboxClient.builder()}, in tests one the test kit injects.
 *
 * <pre>{@code
 * try (SandboxClient sandbox = SandboxClient.builder().templateName("python-runtime-template").build()) {
 *   CodeRunner runner = new CodeRunner(sandbox, Duration.ofSeconds(30));
 *   CodeResult result = runner.run(CodeRunner.Language.PYTHON, codeFromTheModel);
 *   String answer = result.toToolMessage(); // the tool call's answer, back to the model
 * }
 * }</pre>
 */
public final class CodeRunner {
  /** The exit codes of {@code timeout}: the code stopped by TERM, or killed after ignoring it. */
  private static final int STOPPED = 124;
  private static final int KILLED = 137;
  /** How long the sandbox call may take beyond the time limit: writing, starting, stopping. */
  private static final Duration MARGIN = Duration.ofSeconds(10);

  /** The languages the runner runs, each by an interpreter of the sandbox. */
  public enum Language {
    /** Python 3, run by {@code python3}. */
    PYTHON("python3", ".py"),
    /** POSIX shell, run by {@code sh}. */
    SHELL("sh", ".sh");

    private final String interpreter;
    private final String extension;

    Language(String interpreter, String extension) {
      this.interpreter = interpreter;
      this.extension = extension;
    }
  }

  private final SandboxClient sandbox;
  private final Duration timeLimit;
  private final AtomicInteger runs = new AtomicInteger();

  /**
   * A runner working in {@code sandbox}, which the caller keeps and closes.
   *
   * @param timeLimit how long one piece of code may run; positive
   * @throws IllegalArgumentException if the time limit is not positive
   */
  public CodeRunner(SandboxClient sandbox, Duration timeLimit) {
    this.sandbox = Objects.requireNonNull(sandbox, "sandbox");
    Objects.requireNonNull(timeLimit, "timeLimit");
    if (timeLimit.isZero() || timeLimit.isNegative()) {
      throw new IllegalArgumentException("timeLimit must be positive: " + timeLimit);
    }
    this.timeLimit = timeLimit;
  }

  /**
   * Runs {@code code} in the sandbox and returns what became of it. Blocks until the code ends
   * or is stopped at the time limit. Failing code is a result, not an exception: the model
   * should see its error.
   *
   * @throws dev.agentsandbox.client.SandboxException if the sandbox cannot be reached or
   *     refuses the request
   */
  public CodeResult run(Language language, String code) {
    Objects.requireNonNull(language, "language");
    Objects.requireNonNull(code, "code");
    String file = "snippets/" + runs.incrementAndGet() + language.extension;
    sandbox.write(file, code);
    String limit = String.format(Locale.ROOT, "%.3fs", timeLimit.toMillis() / 1000.0);
    ExecutionResult result = sandbox.run("timeout -k 1s " + limit + " " + language.interpreter + " " + file,
        timeLimit.plus(MARGIN));
    return new CodeResult(outcomeOf(result.exitCode()), result.exitCode(), result.stdout(), result.stderr());
  }

  private static CodeResult.Outcome outcomeOf(int exitCode) {
    if (exitCode == 0) {
      return CodeResult.Outcome.SUCCEEDED;
    }
    return exitCode == STOPPED || exitCode == KILLED ? CodeResult.Outcome.TIMED_OUT : CodeResult.Outcome.FAILED;
  }
}

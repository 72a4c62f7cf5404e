package dev.agentsandbox.sample;

import dev.agentsandbox.client.ExecutionResult;
import dev.agentsandbox.client.SandboxClient;
import java.util.Objects;

/**
 * A small piece of agent code: counts the words of a text with the sandbox's own tools. It takes
 * its {@link SandboxClient} from the caller, so a test can hand it one (see {@code WordCounterTest}
 * and docs/testing.md).
 */
public final class WordCounter {
  private final SandboxClient sandbox;

  /** A counter working in {@code sandbox}, which the caller keeps and closes. */
  public WordCounter(SandboxClient sandbox) {
    this.sandbox = Objects.requireNonNull(sandbox, "sandbox");
  }

  /**
   * Writes {@code text} into the sandbox and counts its words there with {@code wc -w}. Blocks.
   *
   * @throws IllegalStateException if the command fails
   */
  public long countWords(String text) {
    sandbox.write("input.txt", text);
    ExecutionResult result = sandbox.run("wc -w input.txt");
    if (!result.succeeded()) {
      throw new IllegalStateException("wc failed: " + result.stderr());
    }
    return Long.parseLong(result.stdout().trim().split("\\s+")[0]);
  }
}

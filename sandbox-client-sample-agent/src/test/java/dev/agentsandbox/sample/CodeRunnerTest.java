package dev.agentsandbox.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeout;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.client.SandboxClient;
import dev.agentsandbox.sample.CodeResult.Outcome;
import dev.agentsandbox.sample.CodeRunner.Language;
import dev.agentsandbox.testing.SandboxTemplate;
import dev.agentsandbox.testing.SandboxTest;
import dev.agentsandbox.testing.TestSandbox;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agent's code-running tool against real sandboxes: each test gets a sandbox of its own from
 * the class's template, and the kit deletes it when the test ends.
 */
@SandboxTest
@SandboxTemplate(name = "python-runtime")
class CodeRunnerTest {
  private static final Duration TIME_LIMIT = Duration.ofSeconds(30);

  /** Injected before each test: a ready sandbox of the test's own. */
  private SandboxClient sandbox;
  private CodeRunner runner;

  @BeforeEach
  void newRunner() {
    runner = new CodeRunner(sandbox, TIME_LIMIT);
  }

  @Test
  void pythonCodeRunsAndItsOutputComesBack() {
    CodeResult result = runner.run(Language.PYTHON, "print(sum(range(10)))\n");

    assertEquals(new CodeResult(Outcome.SUCCEEDED, 0, "45\n", ""), result);
    assertEquals("The code ran successfully.\nstdout:\n45\n", result.toToolMessage());
  }

  @Test
  void shellCodeRunsWithPipes() {
    CodeResult result = runner.run(Language.SHELL, "printf 'pear\\napple\\n' | sort\n");

    assertEquals(Outcome.SUCCEEDED, result.outcome());
    assertEquals("apple\npear\n", result.stdout());
  }

  @Test
  void anExceptionIsAFailureWithItsTraceback() {
    CodeResult result = runner.run(Language.PYTHON, "raise ValueError('no such column: price')\n");

    assertEquals(Outcome.FAILED, result.outcome());
    assertEquals(1, result.exitCode());
    assertTrue(result.stderr().contains("ValueError: no such column: price"), result.stderr());
    assertTrue(result.toToolMessage().startsWith("The code failed with exit code 1."), result.toToolMessage());
  }

  @Test
  void aNonZeroExitIsAFailureWithItsExitCode() {
    CodeResult result = runner.run(Language.SHELL, "echo checking; ls no-such-file; exit 3\n");

    assertEquals(Outcome.FAILED, result.outcome());
    assertEquals(3, result.exitCode());
    assertEquals("checking\n", result.stdout());
    assertTrue(result.stderr().contains("no-such-file"), result.stderr());
  }

  @Test
  void codeThatRunsTooLongIsStoppedAtTheTimeLimit() {
    CodeRunner impatient = new CodeRunner(sandbox, Duration.ofSeconds(1));

    CodeResult result = assertTimeout(Duration.ofSeconds(20),
        () -> impatient.run(Language.PYTHON, "import time\nprint('started', flush=True)\ntime.sleep(60)\n"));

    assertEquals(Outcome.TIMED_OUT, result.outcome());
    assertEquals("started\n", result.stdout());
    // The sandbox is still there for the model's next attempt.
    assertEquals(Outcome.SUCCEEDED, runner.run(Language.SHELL, "true").outcome());
  }

  @Test
  void filesOfOneRunAreThereForTheNext() {
    runner.run(Language.PYTHON, "open('data.csv', 'w').write('a,b\\n1,2\\n')\n");

    CodeResult result = runner.run(Language.SHELL, "wc -l < data.csv\n");

    assertEquals("2", result.stdout().strip());
  }

  @Test
  void sandboxesOfTwoRunnersAreApart(@TestSandbox(id = "other") SandboxClient other) {
    runner.run(Language.SHELL, "echo mine > notes.txt\n");

    CodeResult result = new CodeRunner(other, TIME_LIMIT).run(Language.SHELL, "cat notes.txt\n");

    assertEquals(Outcome.FAILED, result.outcome());
    assertFalse(result.stdout().contains("mine"));
  }
}

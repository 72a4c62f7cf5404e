package dev.agentsandbox.runtime;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs a process as another, unprivileged local user ({@code nobody}, uid and gid 65534), as a
 * second person logged in on the same machine would be. Needs root and {@code setpriv}; tests
 * skip where {@link #unavailable()} says why not.
 */
public final class OtherUser {
  /** The other user's uid and gid. */
  public static final int ID = 65534;
  private static final Path SETPRIV = Path.of("/usr/bin/setpriv");

  private OtherUser() {
  }

  /** Why no process can be run as another user here, or empty if one can. */
  public static Optional<String> unavailable() {
    if (!"root".equals(System.getProperty("user.name"))) {
      return Optional.of("switching to another user needs root; running as "
          + System.getProperty("user.name"));
    }
    if (!Files.isExecutable(SETPRIV)) {
      return Optional.of(SETPRIV + " (util-linux) is not installed");
    }
    return Optional.empty();
  }

  /** {@code argv} prefixed so that it runs as the other user, with no supplementary groups. */
  public static List<String> command(List<String> argv) {
    List<String> command = new ArrayList<>(List.of(SETPRIV.toString(), "--reuid=" + ID,
        "--regid=" + ID, "--clear-groups", "--"));
    command.addAll(argv);
    return command;
  }

  /** What a finished process printed (stdout and stderr together) and its exit code. */
  public record Result(int exitCode, String output) {
  }

  /**
   * Runs {@code argv} in {@code dir} with a minimal environment and waits for it, at most
   * {@code timeoutSeconds}; a process still running then is killed and the test fails.
   */
  public static Result run(List<String> argv, Path dir, long timeoutSeconds)
      throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(argv).directory(dir.toFile())
        .redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    Map<String, String> env = builder.environment();
    env.clear();
    env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
    env.put("LANG", "C.UTF-8");
    Process process = builder.start();
    try {
      // Outputs here are a few lines, far below the pipe's capacity, so waiting first is safe.
      if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        throw new AssertionError(argv + " did not finish within " + timeoutSeconds + " s");
      }
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return new Result(process.exitValue(), output);
    } finally {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}

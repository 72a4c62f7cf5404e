package dev.agentsandbox.runtime.internal;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Finds out whether bubblewrap actually works here by running {@code true} inside it with the
 * same options commands get. Installed is not enough: bubblewrap also needs user namespaces (or
 * to be setuid), which containers and hardened kernels often deny.
 */
public final class BubblewrapProbe {

  /** Where bubblewrap usually lives when it is not on the {@code PATH}. */
  public static final Path DEFAULT_LOCATION = Path.of("/usr/bin/bwrap");

  private static final long PROBE_TIMEOUT_SECONDS = 10;
  private static final Map<BubblewrapIsolation, Optional<String>> RESULTS =
      new ConcurrentHashMap<>();

  private BubblewrapProbe() {
  }

  /** The {@code bwrap} found on the {@code PATH}, else {@link #DEFAULT_LOCATION}. */
  public static Path locate() {
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(":")) {
        if (dir.isEmpty()) {
          continue;
        }
        Path candidate = Path.of(dir, "bwrap");
        if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
          return candidate;
        }
      }
    }
    return DEFAULT_LOCATION;
  }

  /**
   * Returns why {@code bwrap} cannot sandbox commands, or empty if it can. Runs the probe once per
   * executable and caches the answer; blocks up to ten seconds the first time.
   */
  public static Optional<String> problem(Path bwrap) {
    return problem(new BubblewrapIsolation(bwrap.toAbsolutePath()));
  }

  /** Like {@link #problem(Path)}, for one configuration of bubblewrap. */
  public static Optional<String> problem(BubblewrapIsolation isolation) {
    return RESULTS.computeIfAbsent(isolation, BubblewrapProbe::probe);
  }

  private static Optional<String> probe(BubblewrapIsolation isolation) {
    Path bwrap = isolation.executable();
    if (!Files.isExecutable(bwrap)) {
      return Optional.of(bwrap + " is not installed or not executable");
    }
    ProcessLaunch.preferVfork();
    Path scratch = null;
    try {
      scratch = Files.createTempDirectory("bwrap-probe").toRealPath();
      List<String> argv = isolation.wrap(List.of("true"), scratch);
      Process process = new ProcessBuilder(argv)
          .directory(scratch.toFile())
          .redirectErrorStream(true)
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .start();
      // The diagnostics are one line, far below the pipe's capacity, so waiting first is safe.
      if (!process.waitFor(PROBE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return Optional.of(bwrap + " did not finish a trivial command within "
            + PROBE_TIMEOUT_SECONDS + "s");
      }
      String output;
      try (InputStream in = process.getInputStream()) {
        output = new String(in.readNBytes(4096), StandardCharsets.UTF_8).trim();
      }
      if (process.exitValue() != 0) {
        return Optional.of(bwrap + " failed (exit code " + process.exitValue() + ")"
            + (output.isEmpty() ? "" : ": " + output));
      }
      return Optional.empty();
    } catch (IOException e) {
      return Optional.of("could not run " + bwrap + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.of("interrupted while probing " + bwrap);
    } finally {
      if (scratch != null) {
        try {
          Files.deleteIfExists(scratch);
        } catch (IOException ignored) {
          // A leftover empty temp directory is harmless.
        }
      }
    }
  }
}

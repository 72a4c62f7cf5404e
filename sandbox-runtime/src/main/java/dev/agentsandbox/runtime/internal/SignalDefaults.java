package dev.agentsandbox.runtime.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts commands with every signal at its default action, as a container runtime starts a
 * container's processes, whatever this JVM inherited.
 *
 * <p>A signal ignored by a process stays ignored across {@code fork} and {@code exec}: a JVM
 * started as a background job of a shell without job control (a CI step, say) ignores
 * {@code SIGINT} and {@code SIGQUIT}, one started by {@code nohup} {@code SIGHUP}, and so would
 * every command it starts, so that an interrupt, a terminal's Ctrl-C included, ends nothing. A
 * JVM cannot undo that for itself; coreutils' {@code env --default-signal} (8.31 and later) does
 * it for the command it runs. When this JVM ignores no signal, commands are started as they are.
 */
final class SignalDefaults {
  private static final Logger LOG = LoggerFactory.getLogger(SignalDefaults.class);
  private static final long PROBE_TIMEOUT_SECONDS = 10;
  private static final SignalDefaults CURRENT = new SignalDefaults(ignoredByThisProcess());

  private final List<String> prefix;

  /**
   * The standard signals, 1 to 31. Of the others, glibc keeps 32 and 33 for itself (they are
   * seen ignored in processes started by some tools, and env cannot reset them) and real-time
   * signals have no role here.
   */
  private static final long STANDARD_SIGNALS = 0x7fff_ffffL;

  /** For a process ignoring the signals in {@code ignoredMask} (bit n-1 for signal n). */
  SignalDefaults(long ignoredMask) {
    long standard = ignoredMask & STANDARD_SIGNALS;
    this.prefix = standard == 0 ? List.of() : resetter(standard);
  }

  /** The argument vector that runs {@code argv} with default signal actions. */
  static List<String> wrap(List<String> argv) {
    return CURRENT.wrapped(argv);
  }

  List<String> wrapped(List<String> argv) {
    if (prefix.isEmpty()) {
      return argv;
    }
    List<String> wrapped = new ArrayList<>(prefix.size() + argv.size());
    wrapped.addAll(prefix);
    wrapped.addAll(argv);
    return wrapped;
  }

  private static List<String> resetter(long ignoredMask) {
    List<String> prefix = List.of("env", "--default-signal", "--");
    List<String> probe = new ArrayList<>(prefix);
    probe.add("true");
    try {
      Process process = new ProcessBuilder(probe).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (process.waitFor(PROBE_TIMEOUT_SECONDS, TimeUnit.SECONDS) && process.exitValue() == 0) {
        return prefix;
      }
      process.destroyForcibly();
    } catch (IOException e) {
      // no env at all: warned below
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    LOG.warn("This process ignores signals (mask {}), and so will the commands it starts: an interrupt will not "
        + "end them. Start it with default signal handling, or install GNU coreutils 8.31 or later "
        + "(env --default-signal)", Long.toHexString(ignoredMask));
    return List.of();
  }

  /** The {@code SigIgn} mask of this process, or 0 where there is no {@code /proc}. */
  private static long ignoredByThisProcess() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.ISO_8859_1)) {
        if (line.startsWith("SigIgn:")) {
          return Long.parseUnsignedLong(line.substring("SigIgn:".length()).strip(), 16);
        }
      }
    } catch (IOException | NumberFormatException | SecurityException e) {
      // unknown: start commands as they are
    }
    return 0;
  }
}

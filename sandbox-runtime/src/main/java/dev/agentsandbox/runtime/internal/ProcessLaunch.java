package dev.agentsandbox.runtime.internal;

import java.util.Locale;

/** Chooses how this JVM starts child processes. */
public final class ProcessLaunch {

  static final String LAUNCH_MECHANISM = "jdk.lang.Process.launchMechanism";

  private ProcessLaunch() {
  }

  /**
   * Selects vfork as the launch mechanism on Linux unless the user already chose one.
   *
   * <p>The JDK default on Linux is posix_spawn of {@code jspawnhelper}, which then execs the
   * command: two execs per command, about 1.8 ms on a small machine. vfork execs the command
   * directly and roughly halves the cost of a short command such as {@code true}, which is what an
   * agent mostly runs. The JDK reads the property once, when it starts its first process, so this
   * must run before any process is started in this JVM; later calls have no effect.
   */
  public static void preferVfork() {
    if (System.getProperty(LAUNCH_MECHANISM) != null) {
      return;
    }
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    // Other platforms reject VFORK with an Error when the first process starts.
    if (os.contains("linux")) {
      System.setProperty(LAUNCH_MECHANISM, "VFORK");
    }
  }
}

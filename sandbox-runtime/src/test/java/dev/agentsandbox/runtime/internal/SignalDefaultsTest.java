package dev.agentsandbox.runtime.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SignalDefaultsTest {
  private static final List<String> SHOW_IGNORED = List.of("grep", "SigIgn", "/proc/self/status");

  /**
   * Runs {@code argv} from a shell that ignores SIGINT first, as a background job does, and
   * returns which of the standard signals it ignores.
   */
  private static long ignoringInterrupts(List<String> argv) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("sh", "-c", "trap '' INT; exec \"$@\"", "sh"));
    command.addAll(argv);
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertEquals(0, process.waitFor(), output);
    return Long.parseLong(output.substring("SigIgn:".length()).strip(), 16) & 0x7fff_ffffL;
  }

  @Test
  void anIgnoredSignalIsInheritedUnlessTheCommandIsWrapped() throws Exception {
    assertEquals(0x2, ignoringInterrupts(SHOW_IGNORED));
    assertEquals(0, ignoringInterrupts(new SignalDefaults(0x2).wrapped(SHOW_IGNORED)));
  }

  @Test
  void aProcessIgnoringNothingStartsCommandsAsTheyAre() {
    assertEquals(SHOW_IGNORED, new SignalDefaults(0).wrapped(SHOW_IGNORED));
  }
}

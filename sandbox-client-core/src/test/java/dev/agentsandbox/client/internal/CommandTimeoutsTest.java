package dev.agentsandbox.client.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CommandTimeoutsTest {

  @Test
  void theReferenceRuntimesTimeoutAnswerCountsAsTimedOut() {
    assertTrue(CommandTimeouts.timedOut(1, "",
        "Failed to execute command: Command '['sleep', '10']' timed out after 5 seconds"));
  }

  @Test
  void theEmbeddedRuntimesTimeoutAnswerCountsAsTimedOut() {
    assertTrue(CommandTimeouts.timedOut(1, "",
        "Failed to execute command: Command '['sh', '-c', 'a\nb']' timed out after 1.0 seconds"));
  }

  @Test
  void otherFailuresAndOrdinaryExitsDoNotCountAsTimedOut() {
    assertFalse(CommandTimeouts.timedOut(1, "",
        "Failed to execute command: [Errno 2] No such file or directory: 'nope'"));
    assertFalse(CommandTimeouts.timedOut(0, "",
        "Failed to execute command: Command '['x']' timed out after 5 seconds"));
    assertFalse(CommandTimeouts.timedOut(1, "partial output",
        "Failed to execute command: Command '['x']' timed out after 5 seconds"));
    assertFalse(CommandTimeouts.timedOut(1, "", "grep: timed out after 5 seconds"));
  }
}

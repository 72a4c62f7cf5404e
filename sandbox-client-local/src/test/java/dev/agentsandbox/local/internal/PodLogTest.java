package dev.agentsandbox.local.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PodLogTest {

  private static List<String> texts(List<PodLog.Line> lines) {
    return lines.stream().map(PodLog.Line::text).toList();
  }

  @Test
  void keepsLinesInOrderAndSelectsTheTail() {
    PodLog log = new PodLog();
    log.append("one");
    log.append("two\nthree\n");
    assertEquals(List.of("one", "two", "three"), texts(log.lines(-1, null)));
    assertEquals(List.of("three"), texts(log.lines(1, null)));
    assertEquals(List.of(), texts(log.lines(-1, Instant.now().plusSeconds(60))));
  }

  @Test
  void dropsTheOldestLinesWhenFull() {
    PodLog log = new PodLog();
    for (int i = 0; i < PodLog.MAX_LINES + 5; i++) {
      log.append("line " + i);
    }
    List<String> kept = texts(log.lines(-1, null));
    assertEquals(PodLog.MAX_LINES, kept.size());
    assertEquals("line 5", kept.get(0));
    log.append("x".repeat(PodLog.MAX_LINE * 2));
    assertEquals(PodLog.MAX_LINE, log.lines(1, null).get(0).text().length());
  }

  @Test
  void aFollowerGetsTheTailThenEachNewLineThenTheEnd() throws Exception {
    PodLog log = new PodLog();
    log.append("old");
    log.append("recent");
    List<String> seen = new ArrayList<>();
    boolean[] ended = {false};
    AutoCloseable following = log.follow(1, null, new PodLog.Follower() {
      @Override
      public void line(PodLog.Line line) {
        seen.add(line.text());
      }

      @Override
      public void ended() {
        ended[0] = true;
      }
    });
    log.append("new");
    log.end();
    log.append("after the end");
    assertEquals(List.of("recent", "new"), seen);
    assertTrue(ended[0]);
    following.close();
  }

  @Test
  void aClosedFollowerHearsNothingMore() throws Exception {
    PodLog log = new PodLog();
    List<String> seen = new ArrayList<>();
    AutoCloseable following = log.follow(-1, null, new PodLog.Follower() {
      @Override
      public void line(PodLog.Line line) {
        seen.add(line.text());
      }

      @Override
      public void ended() {
        seen.add("<end>");
      }
    });
    log.append("one");
    following.close();
    log.append("two");
    log.end();
    assertEquals(List.of("one"), seen);
  }
}

package dev.agentsandbox.local.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The log of a local pod's container, as {@code kubectl logs} reads it: the lines its workload
 * wrote, each with the time it was written. Bounded: the oldest lines go once the log holds
 * {@link #MAX_LINES} lines or {@link #MAX_BYTES} bytes, as a kubelet rotates a container's log.
 * Thread-safe.
 */
public final class PodLog {
  /** Most lines kept. */
  static final int MAX_LINES = 10_000;
  /** Most bytes of text kept. */
  static final long MAX_BYTES = 1024 * 1024;
  /** Longest line kept; the rest of a longer line is cut. */
  static final int MAX_LINE = 16 * 1024;

  /**
   * One line of the log.
   *
   * @param time when it was written
   * @param text the line, without its line break
   */
  public record Line(Instant time, String text) {
  }

  /** Told of each line as it is written, and of the log's end. */
  public interface Follower {
    /** A line was written. */
    void line(Line line);

    /** The container stopped: no more lines. */
    void ended();
  }

  private final Deque<Line> lines = new ArrayDeque<>();
  private final Set<Follower> followers = new LinkedHashSet<>();
  private long bytes;
  private boolean ended;

  /** Writes one line; line breaks within it start new lines. */
  public void append(String text) {
    for (String part : text.split("\r?\n", -1)) {
      if (part.isEmpty() && text.endsWith("\n")) {
        continue;
      }
      add(new Line(Instant.now(), part.length() > MAX_LINE ? part.substring(0, MAX_LINE) : part));
    }
  }

  private synchronized void add(Line line) {
    if (ended) {
      return;
    }
    lines.addLast(line);
    bytes += line.text().length() + 1;
    while (lines.size() > MAX_LINES || bytes > MAX_BYTES) {
      bytes -= lines.removeFirst().text().length() + 1;
    }
    for (Follower follower : followers) {
      follower.line(line);
    }
  }

  /**
   * The lines kept, oldest first.
   *
   * @param tailLines only the last this many, or -1 for all
   * @param since only those written at or after this time, or null for all
   */
  public synchronized List<Line> lines(int tailLines, Instant since) {
    List<Line> selected = new ArrayList<>();
    for (Line line : lines) {
      if (since == null || !line.time().isBefore(since)) {
        selected.add(line);
      }
    }
    if (tailLines >= 0 && selected.size() > tailLines) {
      return new ArrayList<>(selected.subList(selected.size() - tailLines, selected.size()));
    }
    return selected;
  }

  /**
   * The lines kept, as {@link #lines(int, Instant)} selects them, then every line written from
   * now on, until {@link #end()} or until the returned handle is closed. The follower is told
   * under the log's lock, in order: it must be quick (hand the line on, not block).
   */
  public synchronized AutoCloseable follow(int tailLines, Instant since, Follower follower) {
    lines(tailLines, since).forEach(follower::line);
    if (ended) {
      follower.ended();
    } else {
      followers.add(follower);
    }
    return () -> {
      synchronized (this) {
        followers.remove(follower);
      }
    };
  }

  /** The container stopped: followers are told, and later lines are dropped. */
  public synchronized void end() {
    if (ended) {
      return;
    }
    ended = true;
    for (Follower follower : followers) {
      follower.ended();
    }
    followers.clear();
  }

  /** The time {@code seconds} ago, for {@code sinceSeconds}. */
  static Instant secondsAgo(long seconds) {
    return Instant.now().minus(Duration.ofSeconds(seconds));
  }
}

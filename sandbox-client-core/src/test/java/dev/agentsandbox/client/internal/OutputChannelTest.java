package dev.agentsandbox.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A process's output stream: for a subscriber that comes late, collected when nobody came. */
class OutputChannelTest {
  private final AtomicInteger finished = new AtomicInteger();
  private final AtomicInteger capacity = new AtomicInteger();
  private final OutputChannel channel = new OutputChannel("stdout", 1 << 20, capacity::incrementAndGet,
      finished::incrementAndGet);

  private static ByteBuffer bytes(String text) {
    return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
  }

  /** Records what it gets; requests {@code demand} at first. */
  private static final class Recorder implements Flow.Subscriber<ByteBuffer> {
    final List<String> chunks = new ArrayList<>();
    final long demand;
    Flow.Subscription subscription;
    boolean completed;
    Throwable error;

    Recorder(long demand) {
      this.demand = demand;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      s.request(demand);
    }

    @Override
    public void onNext(ByteBuffer item) {
      chunks.add(StandardCharsets.UTF_8.decode(item).toString());
    }

    @Override
    public void onError(Throwable throwable) {
      error = throwable;
    }

    @Override
    public void onComplete() {
      completed = true;
    }
  }

  @Test
  void aSubscriberAfterTheEndGetsEverythingAndTheEnd() {
    channel.offer(bytes("a"));
    channel.offer(bytes("b"));
    channel.end(null);
    assertEquals(0, finished.get(), "nobody has read it yet");
    Recorder late = new Recorder(Long.MAX_VALUE);
    channel.subscribe(late);
    assertEquals(List.of("a", "b"), late.chunks);
    assertTrue(late.completed);
    assertEquals(1, finished.get());
  }

  @Test
  void demandSetsThePaceAndAFullLookaheadHoldsTheSourceBack() {
    Recorder slow = new Recorder(1);
    channel.subscribe(slow);
    for (int i = 0; i <= OutputChannel.LOOKAHEAD; i++) {
      assertTrue(channel.canAccept());
      channel.offer(bytes(Integer.toString(i)));
    }
    assertEquals(List.of("0"), slow.chunks);
    assertFalse(channel.canAccept(), "the source waits while the subscriber does not ask");
    slow.subscription.request(100);
    assertTrue(channel.canAccept());
    assertEquals(OutputChannel.LOOKAHEAD + 1, slow.chunks.size());
  }

  @Test
  void withoutASubscriberTheStreamIsCollectedOnceAskedFor() {
    channel.offer(bytes("hello "));
    channel.end(null);
    channel.collect();
    assertEquals(1, finished.get());
    assertEquals("hello ", channel.text());
    Recorder tooLate = new Recorder(1);
    channel.subscribe(tooLate);
    assertTrue(tooLate.error instanceof IllegalStateException);
    assertThrows(IllegalStateException.class, () -> channel.subscribeOrThrow(new Recorder(1)));
  }

  @Test
  void collectingBeyondTheLimitOverflows() {
    OutputChannel small = new OutputChannel("stderr", 4, () -> { }, () -> { });
    small.collect();
    assertTrue(small.offer(bytes("1234")));
    assertFalse(small.offer(bytes("5")));
    assertTrue(small.overflowed());
  }
}

package dev.agentsandbox.client.internal;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Flow;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Splits a byte stream into UTF-8 lines: {@code \n} or {@code \r\n} ends a line (not handed
 * over), a last unterminated line is handed over at the end. Lines are split on bytes, so a
 * character split across chunks is decoded whole. Requests everything at once: a line handler
 * sets no pace.
 */
final class LineSubscriber implements Flow.Subscriber<ByteBuffer> {
  private static final Logger LOG = LoggerFactory.getLogger(LineSubscriber.class);

  private final Consumer<String> lines;
  private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

  LineSubscriber(Consumer<String> lines) {
    this.lines = lines;
  }

  @Override
  public void onSubscribe(Flow.Subscription subscription) {
    subscription.request(Long.MAX_VALUE);
  }

  @Override
  public void onNext(ByteBuffer chunk) {
    byte[] bytes = chunk.array();
    int start = chunk.arrayOffset() + chunk.position();
    int end = chunk.arrayOffset() + chunk.limit();
    int from = start;
    for (int i = start; i < end; i++) {
      if (bytes[i] == '\n') {
        partial.write(bytes, from, i - from);
        emit();
        from = i + 1;
      }
    }
    partial.write(bytes, from, end - from);
  }

  private void emit() {
    byte[] line = partial.toByteArray();
    partial.reset();
    int length = line.length > 0 && line[line.length - 1] == '\r' ? line.length - 1 : line.length;
    try {
      lines.accept(new String(line, 0, length, StandardCharsets.UTF_8));
    } catch (RuntimeException e) {
      LOG.warn("A line handler of a sandbox process failed: {}", e.toString());
    }
  }

  @Override
  public void onError(Throwable throwable) {
    onComplete();
  }

  @Override
  public void onComplete() {
    if (partial.size() > 0) {
      emit();
    }
  }
}

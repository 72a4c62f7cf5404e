package dev.agentsandbox.local;

import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.function.LongConsumer;

/**
 * Large transfers without large memory: a generated source, a digesting sink, and a sampler of
 * the live heap while bytes flow between them.
 */
final class StreamedTransfer {
  /** How often, in bytes through a source or sink, the live heap is sampled. */
  static final long SAMPLE_EVERY = 64L << 20;

  private StreamedTransfer() {
  }

  /**
   * The live heap, as a full collection leaves it, at construction and then whenever a source or
   * sink passes a multiple of {@link #SAMPLE_EVERY} bytes: whatever a component of the path
   * buffers is reachable then, garbage is not. Read from the collector's own account of each
   * pool after the collection, since threads still moving bytes allocate again at once.
   */
  static final class HeapSampler implements LongConsumer {
    private final long baseline = liveHeap();
    private volatile long peak = baseline;

    @Override
    public void accept(long bytesSoFar) {
      if (bytesSoFar % SAMPLE_EVERY == 0) {
        sample();
      }
    }

    /** Takes a sample now. */
    void sample() {
      peak = Math.max(peak, liveHeap());
    }

    /** The largest live heap seen, less the one at construction. */
    long peakGrowth() {
      return peak - baseline;
    }

    private static long liveHeap() {
      System.gc();
      long used = 0;
      for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
        MemoryUsage afterCollection = pool.getCollectionUsage();
        if (pool.getType() == MemoryType.HEAP && afterCollection != null) {
          used += afterCollection.getUsed();
        }
      }
      return used;
    }
  }

  /**
   * {@code size} pseudo-random bytes made as they are read, and their SHA-256. Tells
   * {@code progress} the count read so far after every read, and ends a read at every multiple
   * of {@link #SAMPLE_EVERY} so that each is reported.
   */
  static final class GeneratedStream extends InputStream {
    private final long size;
    private final SplittableRandom random;
    private final MessageDigest digest = sha256();
    private final LongConsumer progress;
    private long delivered;

    GeneratedStream(long size, long seed, LongConsumer progress) {
      this.size = size;
      this.random = new SplittableRandom(seed);
      this.progress = progress;
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (delivered == size) {
        return -1;
      }
      if (len == 0) {
        return 0;
      }
      long untilSample = SAMPLE_EVERY - delivered % SAMPLE_EVERY;
      int n = (int) Math.min(Math.min(len, size - delivered), untilSample);
      ByteBuffer out = ByteBuffer.wrap(b, off, n);
      while (out.remaining() >= Long.BYTES) {
        out.putLong(random.nextLong());
      }
      while (out.hasRemaining()) {
        out.put((byte) random.nextInt());
      }
      digest.update(b, off, n);
      delivered += n;
      progress.accept(delivered);
      return n;
    }

    long delivered() {
      return delivered;
    }

    /** The SHA-256 of the bytes read so far, in hex; call once, at the end. */
    String sha256Hex() {
      return HexFormat.of().formatHex(digest.digest());
    }
  }

  /**
   * Keeps only the count and SHA-256 of what is written to it; tells {@code progress} the count
   * so far, at every multiple of {@link #SAMPLE_EVERY} among others.
   */
  static final class DigestingSink extends OutputStream {
    private final MessageDigest digest = sha256();
    private final LongConsumer progress;
    private long received;

    DigestingSink(LongConsumer progress) {
      this.progress = progress;
    }

    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      while (len > 0) {
        int n = (int) Math.min(len, SAMPLE_EVERY - received % SAMPLE_EVERY);
        digest.update(b, off, n);
        received += n;
        progress.accept(received);
        off += n;
        len -= n;
      }
    }

    long received() {
      return received;
    }

    /** The SHA-256 of the bytes written so far, in hex; call once, at the end. */
    String sha256Hex() {
      return HexFormat.of().formatHex(digest.digest());
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

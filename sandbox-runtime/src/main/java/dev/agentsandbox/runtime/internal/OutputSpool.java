package dev.agentsandbox.runtime.internal;

import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * One output stream of a command, held in memory while it is small and in a temporary file
 * beyond {@link #MEMORY_LIMIT}, so that a runtime's memory does not grow with its commands'
 * output. The file is unlinked as soon as it is open: nothing is left behind whatever happens to
 * the process, and no other process finds it by name.
 *
 * <p>Written by one thread, then read (any number of times) after writing ended. Closing frees
 * the memory and the file.
 */
final class OutputSpool implements Closeable {
  /** Output kept in memory per stream; beyond it the output goes to a file. */
  static final int MEMORY_LIMIT = 64 * 1024;

  private byte[] memory = new byte[256];
  private int memorySize;
  private FileChannel file;
  private long length;
  private boolean closed;

  /** Appends bytes. */
  synchronized void write(byte[] bytes, int offset, int count) throws IOException {
    if (closed) {
      throw new IOException("output spool closed");
    }
    if (file == null && memorySize + count <= MEMORY_LIMIT) {
      if (memorySize + count > memory.length) {
        memory = Arrays.copyOf(memory, Math.min(MEMORY_LIMIT,
            Math.max(memory.length * 2, memorySize + count)));
      }
      System.arraycopy(bytes, offset, memory, memorySize, count);
      memorySize += count;
    } else {
      if (file == null) {
        file = openUnlinked();
        writeFully(ByteBuffer.wrap(memory, 0, memorySize));
        memory = null;
        memorySize = 0;
      }
      writeFully(ByteBuffer.wrap(bytes, offset, count));
    }
    length += count;
  }

  private void writeFully(ByteBuffer buffer) throws IOException {
    while (buffer.hasRemaining()) {
      file.write(buffer);
    }
  }

  private static FileChannel openUnlinked() throws IOException {
    Path path = Files.createTempFile("sandbox-output-", ".spool");
    try {
      return FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
    } finally {
      Files.deleteIfExists(path);
    }
  }

  /** The number of bytes written. */
  synchronized long length() {
    return length;
  }

  /** Whether everything is in memory, see {@link #bytes()}. */
  synchronized boolean inMemory() {
    return file == null;
  }

  /**
   * The whole output.
   *
   * @throws IllegalStateException if it is not held in memory
   */
  synchronized byte[] bytes() {
    if (file != null || closed) {
      throw new IllegalStateException("output is not in memory");
    }
    return Arrays.copyOf(memory, memorySize);
  }

  /** Reads the output from its start; the stream does not need closing. */
  synchronized InputStream open() throws IOException {
    if (closed) {
      throw new IOException("output spool closed");
    }
    if (file == null) {
      return new ByteArrayInputStream(memory, 0, memorySize);
    }
    FileChannel channel = file;
    long end = length;
    return Channels.newInputStream(new PositionalReader(channel, end));
  }

  /** Frees the memory and the file. Idempotent. */
  @Override
  public synchronized void close() {
    closed = true;
    memory = null;
    if (file != null) {
      try {
        file.close();
      } catch (IOException e) {
        // Unlinked already: the space is freed with the descriptor.
      }
    }
  }

  /** Reads a channel with positional reads, so several readers may share it. */
  private static final class PositionalReader implements java.nio.channels.ReadableByteChannel {
    private final FileChannel channel;
    private final long end;
    private long position;

    PositionalReader(FileChannel channel, long end) {
      this.channel = channel;
      this.end = end;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      if (position >= end) {
        return -1;
      }
      int limit = dst.limit();
      if (end - position < dst.remaining()) {
        dst.limit(dst.position() + (int) (end - position));
      }
      try {
        int n = channel.read(dst, position);
        if (n > 0) {
          position += n;
        }
        return n;
      } finally {
        dst.limit(limit);
      }
    }

    @Override
    public boolean isOpen() {
      return channel.isOpen();
    }

    @Override
    public void close() {
      // The spool owns the channel.
    }
  }
}

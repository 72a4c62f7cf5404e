package dev.agentsandbox.runtime.internal;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The launcher process: starts the commands a runtime sends on stdin and answers on stdout. It
 * exits, killing what still runs, when stdin closes, that is when the runtime closes it or dies.
 * Loads nothing but the JDK and this package's JDK-only classes.
 */
public final class LauncherMain {
  private final DataOutputStream out;
  private final Map<Long, CommandProcess> running = new ConcurrentHashMap<>();
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "launcher");
    t.setDaemon(true);
    return t;
  });

  private LauncherMain(DataOutputStream out) {
    this.out = out;
  }

  /** Entry point; takes no arguments. */
  public static void main(String[] args) throws IOException {
    DataInputStream in = new DataInputStream(
        new BufferedInputStream(new FileInputStream(FileDescriptor.in)));
    DataOutputStream out = new DataOutputStream(
        new BufferedOutputStream(new FileOutputStream(FileDescriptor.out)));
    LauncherMain launcher = new LauncherMain(out);
    synchronized (out) {
      out.writeByte(LauncherFrames.HELLO);
      out.flush();
    }
    try {
      launcher.serve(in);
    } finally {
      launcher.running.values().forEach(CommandProcess::kill);
      System.exit(0);
    }
  }

  private void serve(DataInputStream in) throws IOException {
    for (int type = in.read(); type != -1; type = in.read()) {
      if (type == LauncherFrames.START) {
        LauncherFrames.Start start = LauncherFrames.readStart(in);
        CommandProcess process = new CommandProcess(start);
        long id = start.id();
        running.put(id, process);
        threads.execute(() -> {
          ForwardedOutput stdout = new ForwardedOutput(id, LauncherFrames.STDOUT);
          ForwardedOutput stderr = new ForwardedOutput(id, LauncherFrames.STDERR);
          CommandOutcome outcome;
          try {
            outcome = process.run(threads, stdout, stderr,
                (pid, startTime) -> started(id, pid, startTime));
          } catch (RuntimeException e) {
            outcome = CommandOutcome.failure(String.valueOf(e));
          }
          running.remove(id);
          answer(id, outcome, stdout, stderr);
        });
      } else if (type == LauncherFrames.KILL) {
        CommandProcess process = running.get(in.readLong());
        if (process != null) {
          process.kill();
        }
      } else {
        throw new IOException("unknown frame type " + type);
      }
    }
  }

  private void started(long id, long pid, long startTime) {
    try {
      synchronized (out) {
        LauncherFrames.writeStarted(out, id, pid, startTime);
        // Flushed: should the launcher die, the runtime kills the command's session by its pid.
        out.flush();
      }
    } catch (IOException e) {
      // The runtime is gone; stdin ends too and the launcher exits.
    }
  }

  private void answer(long id, CommandOutcome outcome, ForwardedOutput stdout,
      ForwardedOutput stderr) {
    try {
      synchronized (out) {
        LauncherFrames.writeOutcome(out, id, outcome, stdout.buffer, stdout.count, stderr.buffer,
            stderr.count);
        out.flush();
      }
    } catch (IOException e) {
      // The runtime is gone; stdin ends too and the launcher exits.
    }
  }

  /**
   * A stream's output on its way to the runtime: kept while it is small, so a short command's
   * output travels in its outcome frame, and sent in chunks beyond, so that the launcher's
   * memory does not grow with the output of its commands.
   */
  private final class ForwardedOutput implements CommandProcess.OutputSink {
    private final long id;
    private final int stream;
    private byte[] buffer = new byte[256];
    private int count;

    ForwardedOutput(long id, int stream) {
      this.id = id;
      this.stream = stream;
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
      if (count + length > OutputSpool.MEMORY_LIMIT) {
        send(buffer, 0, count);
        count = 0;
        if (length > OutputSpool.MEMORY_LIMIT) {
          send(bytes, offset, length);
          return;
        }
      }
      if (count + length > buffer.length) {
        buffer = Arrays.copyOf(buffer, Math.min(OutputSpool.MEMORY_LIMIT,
            Math.max(buffer.length * 2, count + length)));
      }
      System.arraycopy(bytes, offset, buffer, count, length);
      count += length;
    }

    private void send(byte[] bytes, int offset, int length) throws IOException {
      synchronized (out) {
        LauncherFrames.writeOutput(out, id, stream, bytes, offset, length);
        out.flush();
      }
    }
  }
}

package dev.agentsandbox.local.runtime.internal;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
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
        CommandProcess process = new CommandProcess(start.argv(), start.program(),
            start.directory(), start.environment(), start.marker(), start.maxOutputBytes());
        running.put(start.id(), process);
        threads.execute(() -> {
          CommandOutcome outcome;
          try {
            outcome = process.run(threads);
          } catch (RuntimeException e) {
            outcome = CommandOutcome.failure(String.valueOf(e));
          }
          running.remove(start.id());
          answer(start.id(), outcome);
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

  private void answer(long id, CommandOutcome outcome) {
    try {
      synchronized (out) {
        LauncherFrames.writeOutcome(out, id, outcome);
        out.flush();
      }
    } catch (IOException e) {
      // The runtime is gone; stdin ends too and the launcher exits.
    }
  }
}

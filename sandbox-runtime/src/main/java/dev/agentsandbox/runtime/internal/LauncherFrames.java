package dev.agentsandbox.runtime.internal;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The messages between a runtime and its {@link LauncherProcess}, over the launcher's stdin and
 * stdout. Each frame is a type byte, the command id, then the type's fields; strings and byte
 * arrays are length-prefixed. JDK only, like everything the launcher loads.
 */
final class LauncherFrames {
  /** Launcher to runtime, once, when it is ready for commands. */
  static final int HELLO = 'H';
  /** Runtime to launcher: start a command. */
  static final int START = 'S';
  /** Runtime to launcher: kill a command's process tree. */
  static final int KILL = 'K';
  /** Launcher to runtime: how a command ended, with the rest of its output. */
  static final int OUTCOME = 'O';
  /** Launcher to runtime: a command's process runs, with its pid and start time. */
  static final int STARTED = 'P';
  /** Launcher to runtime: a chunk of a command's output, sent once it no longer fits a buffer. */
  static final int OUTPUT = 'D';
  /** Stream numbers of {@link #OUTPUT} frames. */
  static final int STDOUT = 1;
  static final int STDERR = 2;

  /**
   * Longest string or output chunk accepted in a frame: output travels in chunks of at most
   * {@link OutputSpool#MEMORY_LIMIT}, command lines are bounded by the runtime's request limit.
   */
  private static final int MAX_FIELD = 64 * 1024 * 1024;

  private LauncherFrames() {
  }

  /**
   * A command to start, as the launcher receives it and as {@link CommandProcess} starts it.
   *
   * @param id the command's number in the launcher; 0 outside it
   * @param argv the program and its arguments, as executed
   * @param program the program the user asked for, named in errors (argv may wrap it)
   * @param directory the working directory
   * @param environment the complete environment, without the marker
   * @param marker unique value of {@link ProcessTree#MARKER_VARIABLE}, added to the environment
   * @param maxOutputBytes how much stdout, and separately stderr, the command may write
   * @param ownSession whether argv starts the command in a session of its own (see
   *     {@link ProcessTree#inNewSession}), whose members die with it
   */
  record Start(long id, List<String> argv, String program, Path directory,
      Map<String, String> environment, String marker, long maxOutputBytes, boolean ownSession) {

    /** The same command under another number. */
    Start withId(long id) {
      return new Start(id, argv, program, directory, environment, marker, maxOutputBytes,
          ownSession);
    }
  }

  static void writeStart(DataOutputStream out, Start start) throws IOException {
    out.writeByte(START);
    out.writeLong(start.id());
    out.writeInt(start.argv().size());
    for (String arg : start.argv()) {
      writeString(out, arg);
    }
    writeString(out, start.program());
    writeString(out, start.directory().toString());
    out.writeInt(start.environment().size());
    for (Map.Entry<String, String> e : start.environment().entrySet()) {
      writeString(out, e.getKey());
      writeString(out, e.getValue());
    }
    writeString(out, start.marker());
    out.writeLong(start.maxOutputBytes());
    out.writeBoolean(start.ownSession());
  }

  /** Reads the fields of a START frame whose type byte was already read. */
  static Start readStart(DataInputStream in) throws IOException {
    long id = in.readLong();
    int argc = in.readInt();
    List<String> argv = new ArrayList<>(argc);
    for (int i = 0; i < argc; i++) {
      argv.add(readString(in));
    }
    String program = readString(in);
    Path directory = Path.of(readString(in));
    int envCount = in.readInt();
    Map<String, String> env = new LinkedHashMap<>();
    for (int i = 0; i < envCount; i++) {
      env.put(readString(in), readString(in));
    }
    return new Start(id, argv, program, directory, env, readString(in), in.readLong(),
        in.readBoolean());
  }

  static void writeStarted(DataOutputStream out, long id, long pid, long startTime)
      throws IOException {
    out.writeByte(STARTED);
    out.writeLong(id);
    out.writeLong(pid);
    out.writeLong(startTime);
  }

  static void writeOutput(DataOutputStream out, long id, int stream, byte[] bytes, int offset,
      int count) throws IOException {
    out.writeByte(OUTPUT);
    out.writeLong(id);
    out.writeByte(stream);
    out.writeInt(count);
    out.write(bytes, offset, count);
  }

  /**
   * Writes how a command ended; a command that ran to its end carries the part of its output
   * not sent in {@link #OUTPUT} frames.
   */
  static void writeOutcome(DataOutputStream out, long id, CommandOutcome outcome,
      byte[] stdout, int stdoutCount, byte[] stderr, int stderrCount) throws IOException {
    out.writeByte(OUTCOME);
    out.writeLong(id);
    out.writeInt(outcome.exitCode());
    boolean failed = outcome.failed();
    out.writeBoolean(failed);
    if (failed) {
      writeString(out, outcome.failure());
    } else {
      out.writeInt(stdoutCount);
      out.write(stdout, 0, stdoutCount);
      out.writeInt(stderrCount);
      out.write(stderr, 0, stderrCount);
    }
  }

  /**
   * Reads the outcome fields of an OUTCOME frame after its type byte and id; for a command that
   * ran to its end, the caller reads the rest of its stdout and stderr with {@link #readBytes}.
   */
  static CommandOutcome readOutcome(DataInputStream in) throws IOException {
    int exitCode = in.readInt();
    if (in.readBoolean()) {
      return CommandOutcome.failure(readString(in));
    }
    return new CommandOutcome(exitCode, null);
  }

  private static void writeString(DataOutputStream out, String s) throws IOException {
    writeBytes(out, s.getBytes(StandardCharsets.UTF_8));
  }

  private static String readString(DataInputStream in) throws IOException {
    return new String(readBytes(in), StandardCharsets.UTF_8);
  }

  private static void writeBytes(DataOutputStream out, byte[] bytes) throws IOException {
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  static byte[] readBytes(DataInputStream in) throws IOException {
    int length = in.readInt();
    if (length < 0 || length > MAX_FIELD) {
      throw new EOFException("corrupt frame: field length " + length);
    }
    return in.readNBytes(length);
  }
}

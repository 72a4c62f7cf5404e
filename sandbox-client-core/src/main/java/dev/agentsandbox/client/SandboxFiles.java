package dev.agentsandbox.client;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Moves files in and out of one sandbox. Paths are relative to the runtime's base directory: a
 * leading {@code /} is stripped, and a {@code ..} segment or a control character is refused with
 * {@link InvalidSandboxPathException} before anything is sent.
 *
 * <p>{@link #read(String)} and {@link #readString(String)} hold the whole file in memory and
 * are bounded by the fleet's response limit (16 MiB unless configured). {@link #download} and
 * {@link #upload} stream with a small fixed buffer and have no size limit. Which of these calls
 * are retried after a failure is stated by {@link RetryPolicy}. All methods block;
 * interrupting the calling thread cancels the transfer within a fraction of a second with
 * {@link SandboxInterruptedException}, the interrupt flag set. When the claim was deleted or
 * expired under the handle, they throw {@link SandboxGoneException}; when the sandbox's pod was
 * replaced (the files written before are lost), the next one throws
 * {@link SandboxRestartedException} once.
 *
 * @since 0.1.0
 */
public interface SandboxFiles {

  /**
   * Writes a file, replacing it if it exists and creating parent directories.
   *
   * @param path relative path, without {@code ..} or {@code "}
   * @param content the bytes to store
   * @throws InvalidSandboxPathException if the path is rejected; nothing is sent then
   * @throws SandboxRequestException on an HTTP error (403 if the path escapes the base directory)
   * @throws SandboxConnectionException if the sandbox cannot be reached
   * @throws IllegalStateException if the sandbox was terminated or disconnected
   */
  void write(String path, byte[] content);

  /**
   * Writes a text file encoded as UTF-8. See {@link #write(String, byte[])}.
   *
   * @param path relative path, without {@code ..} or {@code "}
   * @param utf8Content the text to store
   * @throws InvalidSandboxPathException if the path is rejected; nothing is sent then
   * @throws SandboxRequestException on an HTTP error
   * @throws SandboxConnectionException if the sandbox cannot be reached
   * @throws IllegalStateException if the sandbox was terminated or disconnected
   */
  void write(String path, String utf8Content);

  /**
   * Streams a file into the sandbox from {@code content}, read to its end in small chunks
   * (never held in memory as a whole). The stream is not closed.
   *
   * @param path relative path, without {@code ..} or {@code "}
   * @param content the bytes to store
   * @throws InvalidSandboxPathException if the path is rejected; nothing is sent then
   * @throws java.io.UncheckedIOException if reading {@code content} fails
   * @throws SandboxRequestException on an HTTP error
   * @throws SandboxConnectionException if the sandbox cannot be reached
   * @throws IllegalStateException if the sandbox was terminated or disconnected
   */
  void upload(String path, InputStream content);

  /**
   * Streams a local file into the sandbox.
   *
   * @param path relative path in the sandbox, without {@code ..} or {@code "}
   * @param localFile the file to send
   * @throws InvalidSandboxPathException if the path is rejected; nothing is sent then
   * @throws java.io.UncheckedIOException if the local file cannot be read
   * @throws SandboxRequestException on an HTTP error
   * @throws SandboxConnectionException if the sandbox cannot be reached
   * @throws IllegalStateException if the sandbox was terminated or disconnected
   */
  void upload(String path, Path localFile);

  /**
   * Reads a whole file into memory.
   *
   * @param path relative path, without {@code ..}
   * @return the file's bytes
   * @throws InvalidSandboxPathException if the path is rejected; nothing is sent then
   * @throws SandboxFileNotFoundException if the file does not exist
   * @throws SandboxResponseTooLargeException if the file exceeds the response limit; use
   *     {@link #download(String, OutputStream)} for large files
   * @throws SandboxRequestException on another HTTP error
   * @throws SandboxConnectionException if the sandbox cannot be reached
   * @throws IllegalStateException if the sandbox was terminated or disconnected
   */
  byte[] read(String path);

  /**
   * Reads a whole text file, decoded as UTF-8. See {@link #read(String)}.
   *
   * @param path relative path, without {@code ..}
   * @return the text
   * @throws InvalidSandboxPathException if the path is rejected; nothing is sent then
   * @throws SandboxFileNotFoundException if the file does not exist
   * @throws SandboxResponseTooLargeException if the file exceeds the response limit
   * @throws SandboxRequestException on another HTTP error
   * @throws SandboxConnectionException if the sandbox cannot be reached
   * @throws IllegalStateException if the sandbox was terminated or disconnected
   */
  String readString(String path);

  /**
   * Streams a file out of the sandbox into {@code sink} with a small fixed buffer; the
   * response limit does not apply. The sink is not closed. If the transfer breaks, the sink
   * holds a prefix of the file and the exception says so (see {@link RetryPolicy} for
   * retries).
   *
   * @param path relative path, without {@code ..}
   * @param sink where to write the bytes
   * @return the number of bytes written
   * @throws InvalidSandboxPathException if the path is rejected; nothing is sent then
   * @throws SandboxFileNotFoundException if the file does not exist
   * @throws java.io.UncheckedIOException if writing to {@code sink} fails
   * @throws SandboxRequestException on another HTTP error
   * @throws SandboxConnectionException if the sandbox cannot be reached or the transfer broke
   * @throws IllegalStateException if the sandbox was terminated or disconnected
   */
  long download(String path, OutputStream sink);

  /**
   * Streams a file out of the sandbox into a local file, replacing it. The bytes go to a
   * temporary file next to {@code localFile}, which is moved into place only when complete, so
   * a failed download never leaves a truncated file behind.
   *
   * @param path relative path in the sandbox, without {@code ..}
   * @param localFile the file to write
   * @return the number of bytes written
   * @throws InvalidSandboxPathException if the path is rejected; nothing is sent then
   * @throws SandboxFileNotFoundException if the file does not exist
   * @throws java.io.UncheckedIOException if the local file cannot be written
   * @throws SandboxRequestException on another HTTP error
   * @throws SandboxConnectionException if the sandbox cannot be reached or the transfer broke
   * @throws IllegalStateException if the sandbox was terminated or disconnected
   */
  long download(String path, Path localFile);

  /**
   * Lists a directory.
   *
   * @param path relative directory path; {@code ""}, {@code "."} or {@code "/"} is the base
   *     directory
   * @return the entries, in the runtime's order
   * @throws InvalidSandboxPathException if the path is rejected; nothing is sent then
   * @throws SandboxFileNotFoundException if the path is not a directory
   * @throws SandboxRequestException on another HTTP error, or if an entry of the listing is
   *     invalid (see {@link FileEntry}); the whole listing is rejected then
   * @throws SandboxConnectionException if the sandbox cannot be reached
   * @throws IllegalStateException if the sandbox was terminated or disconnected
   */
  List<FileEntry> list(String path);

  /**
   * Tells whether a file or directory exists.
   *
   * @param path relative path, without {@code ..}
   * @return whether it exists
   * @throws InvalidSandboxPathException if the path is rejected; nothing is sent then
   * @throws SandboxRequestException on an HTTP error
   * @throws SandboxConnectionException if the sandbox cannot be reached
   * @throws IllegalStateException if the sandbox was terminated or disconnected
   */
  boolean exists(String path);

  /**
   * Writes {@code content} to {@code path} with the given permissions, creating parent
   * directories; the file is replaced whole.
   *
   * @param path a path relative to the sandbox's base directory
   * @param content the whole file
   * @param permissions the file's permission bits, such as
   *     {@code PosixFilePermissions.fromString("rw-r-----")}
   * @throws InvalidSandboxPathException if the path is not valid
   * @throws SandboxException if the sandbox refused or could not be reached
   * @throws IllegalStateException if the sandbox was terminated or disconnected
   */
  void write(String path, byte[] content, Set<PosixFilePermission> permissions);

  /**
   * Deletes a file or an empty directory.
   *
   * @param path a path relative to the sandbox's base directory
   * @throws SandboxFileNotFoundException if nothing is there
   * @throws SandboxException if it is a non-empty directory, or the sandbox refused or could not
   *     be reached
   * @throws IllegalStateException if the sandbox was terminated or disconnected
   */
  void delete(String path);

  /**
   * Deletes a file or directory; with {@code recursive}, a directory with everything in it (links
   * are removed, never followed).
   *
   * @param path a path relative to the sandbox's base directory
   * @param recursive whether a non-empty directory is deleted with its content
   * @throws SandboxFileNotFoundException if nothing is there
   * @throws SandboxException if the sandbox refused or could not be reached
   * @throws IllegalStateException if the sandbox was terminated or disconnected
   */
  void delete(String path, boolean recursive);

  /**
   * What is at {@code path}: its name, size, type and modification time.
   *
   * @param path a path relative to the sandbox's base directory
   * @return the entry, or empty if nothing is there
   * @throws InvalidSandboxPathException if the path is not valid
   * @throws SandboxException if the sandbox refused or could not be reached
   * @throws IllegalStateException if the sandbox was terminated or disconnected
   */
  Optional<FileEntry> stat(String path);
}

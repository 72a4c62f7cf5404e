package dev.agentsandbox.client.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentsandbox.client.FileEntry;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads a {@code GET /list} answer (PROTOCOL section 5) into {@link FileEntry}s, holding what
 * comes back to the rules of what the client sends: a listed name is one path segment a later
 * call could name (not empty, not {@code .} or {@code ..}, no {@code /}, no NUL or other control
 * character, no unpaired surrogate, at most {@value #MAX_NAME_BYTES} bytes), a size is a
 * non-negative integer, the type is {@code file} or {@code directory}, the modification time
 * is a number of epoch seconds, and no name appears twice. One bad entry rejects the listing: a
 * runtime that sends it is broken or hostile, and its other entries are not to be trusted.
 */
final class FileListing {
  /** NAME_MAX on Linux: no file system the runtime runs on holds a longer name. */
  static final int MAX_NAME_BYTES = 255;
  /** How much of a rejected name a message shows. */
  private static final int SHOWN_NAME_CHARS = 80;

  private FileListing() {
  }

  /**
   * Parses a listing.
   *
   * @throws InvalidListingException naming the first entry that breaks a rule
   */
  static List<FileEntry> parse(JsonNode listing) {
    if (!listing.isArray()) {
      throw new InvalidListingException("it is not a JSON array");
    }
    List<FileEntry> entries = new ArrayList<>(listing.size());
    Set<String> names = new HashSet<>();
    int index = 0;
    for (JsonNode entry : listing) {
      FileEntry parsed = entry(entry, index);
      if (!names.add(parsed.name())) {
        throw new InvalidListingException("entry " + index + " repeats the name "
            + shown(parsed.name()));
      }
      entries.add(parsed);
      index++;
    }
    return List.copyOf(entries);
  }

  private static FileEntry entry(JsonNode entry, int index) {
    if (!entry.isObject()) {
      throw new InvalidListingException("entry " + index + " is not a JSON object");
    }
    JsonNode nameNode = entry.path("name");
    if (!nameNode.isTextual()) {
      throw new InvalidListingException("entry " + index + " has no string 'name'");
    }
    String name = nameNode.textValue();
    String problem = nameProblem(name);
    if (problem != null) {
      throw new InvalidListingException("entry " + index + " has the invalid name " + shown(name)
          + ": " + problem);
    }
    JsonNode size = entry.path("size");
    if (!size.isIntegralNumber() || !size.canConvertToLong() || size.longValue() < 0) {
      throw new InvalidListingException("entry " + shown(name) + " has the invalid size "
          + shown(size.toString()) + ": a size is a non-negative integer");
    }
    JsonNode typeNode = entry.path("type");
    FileEntry.Type type = switch (typeNode.isTextual() ? typeNode.textValue() : "") {
      case "file" -> FileEntry.Type.FILE;
      case "directory" -> FileEntry.Type.DIRECTORY;
      default -> throw new InvalidListingException("entry " + shown(name) + " has the unknown "
          + "type " + shown(typeNode.toString()) + ": expected \"file\" or \"directory\"");
    };
    return new FileEntry(name, size.longValue(), type, modifiedTime(entry.path("mod_time"), name));
  }

  /** Why {@code name} cannot be a listed name, or null if it can. */
  static String nameProblem(String name) {
    if (name.isEmpty()) {
      return "it is empty";
    }
    if (name.equals(".") || name.equals("..")) {
      return "it names a directory itself, not an entry in it";
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '/') {
        return "it contains '/', so it is not a single path segment";
      }
      if (c == 0) {
        return "it contains a NUL character";
      }
      if (Character.isISOControl(c)) {
        return "it contains a control character";
      }
      if (Character.isHighSurrogate(c) && i + 1 < name.length()
          && Character.isLowSurrogate(name.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return "it contains an unpaired surrogate, so it cannot be sent back as UTF-8";
      }
    }
    if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
      return "it is longer than " + MAX_NAME_BYTES + " bytes";
    }
    return null;
  }

  private static Instant modifiedTime(JsonNode time, String name) {
    if (time.isNumber()) {
      BigDecimal seconds = time.decimalValue();
      try {
        long whole = seconds.setScale(0, java.math.RoundingMode.FLOOR).longValueExact();
        long nanos = seconds.subtract(BigDecimal.valueOf(whole)).movePointRight(9).longValue();
        return Instant.ofEpochSecond(whole, nanos);
      } catch (ArithmeticException | DateTimeException e) {
        // out of range: reported below
      }
    }
    throw new InvalidListingException("entry " + shown(name) + " has the invalid mod_time "
        + shown(time.toString()) + ": expected seconds since the epoch");
  }

  /** A value for a message: quoted, control characters escaped, cut short. */
  private static String shown(String value) {
    StringBuilder out = new StringBuilder("'");
    int limit = Math.min(value.length(), SHOWN_NAME_CHARS);
    for (int i = 0; i < limit; i++) {
      char c = value.charAt(i);
      if (Character.isISOControl(c) || Character.isSurrogate(c)) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    if (value.length() > limit) {
      out.append("...");
    }
    return out.append('\'').toString();
  }

  /** A listing broke a rule; the message says which entry and why. */
  static final class InvalidListingException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    InvalidListingException(String problem) {
      super(problem, null, false, false);
    }
  }
}

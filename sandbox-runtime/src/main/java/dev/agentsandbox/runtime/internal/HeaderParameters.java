package dev.agentsandbox.runtime.internal;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A header value of the form {@code value; name=param; name="param"} (RFC 9110 parameters, as
 * in {@code Content-Type} and RFC 6266 {@code Content-Disposition}).
 *
 * <p>Parameter names are case-insensitive and kept in lower case; a name given twice is an
 * error, so that no two readers of the same header can take different values from it. A quoted
 * value may hold {@code ;}, {@code =}, {@code ,} and {@code :}. Within it, {@code \"} stands
 * for {@code "} and {@code \\} for {@code \}; any other backslash is kept, as browsers send
 * file names without escaping it (the HTML form encoding escapes only {@code "}, CR and LF, as
 * {@code %22}, {@code %0D} and {@code %0A}, and those stay as they are: a name may contain
 * {@code %}).
 *
 * @param value the part before the first {@code ;}, trimmed and in lower case
 * @param parameters the parameters by lower-case name, values unquoted
 */
record HeaderParameters(String value, Map<String, String> parameters) {

  /**
   * Parses a header value.
   *
   * @throws IllegalArgumentException if it is malformed: a parameter without {@code =} or name,
   *     an unterminated quoted value, text after a quoted value, or a repeated name
   */
  static HeaderParameters parse(String header) {
    int semicolon = header.indexOf(';');
    String value = (semicolon < 0 ? header : header.substring(0, semicolon)).trim()
        .toLowerCase(Locale.ROOT);
    Map<String, String> parameters = new LinkedHashMap<>();
    int i = semicolon < 0 ? header.length() : semicolon + 1;
    while (i < header.length()) {
      i = skipWhitespace(header, i);
      if (i == header.length()) {
        break; // a trailing ';'
      }
      int equals = header.indexOf('=', i);
      int nextSemicolon = header.indexOf(';', i);
      if (equals < 0 || (nextSemicolon >= 0 && nextSemicolon < equals)) {
        throw new IllegalArgumentException("parameter without '=' in '" + header + "'");
      }
      String name = header.substring(i, equals).trim().toLowerCase(Locale.ROOT);
      if (name.isEmpty()) {
        throw new IllegalArgumentException("parameter without a name in '" + header + "'");
      }
      i = skipWhitespace(header, equals + 1);
      String parameter;
      if (i < header.length() && header.charAt(i) == '"') {
        StringBuilder unquoted = new StringBuilder();
        i++;
        while (true) {
          if (i == header.length()) {
            throw new IllegalArgumentException("unterminated quoted value of '" + name + "'");
          }
          char c = header.charAt(i);
          if (c == '"') {
            i++;
            break;
          }
          if (c == '\\' && i + 1 < header.length()
              && (header.charAt(i + 1) == '"' || header.charAt(i + 1) == '\\')) {
            c = header.charAt(++i);
          }
          unquoted.append(c);
          i++;
        }
        parameter = unquoted.toString();
        i = skipWhitespace(header, i);
        if (i < header.length() && header.charAt(i) != ';') {
          throw new IllegalArgumentException("text after the quoted value of '" + name + "'");
        }
      } else {
        int end = header.indexOf(';', i);
        end = end < 0 ? header.length() : end;
        parameter = header.substring(i, end).trim();
        i = end;
      }
      if (parameters.putIfAbsent(name, parameter) != null) {
        throw new IllegalArgumentException("parameter '" + name + "' given twice");
      }
      i++; // the ';'
    }
    return new HeaderParameters(value, parameters);
  }

  /**
   * The value of an RFC 8187 extended parameter, {@code charset'language'percent-encoded}, in
   * UTF-8 or ISO-8859-1.
   *
   * @throws IllegalArgumentException if it is malformed or in another character set
   */
  static String decodeExtended(String extended) {
    int first = extended.indexOf('\'');
    int second = first < 0 ? -1 : extended.indexOf('\'', first + 1);
    if (second < 0) {
      throw new IllegalArgumentException("extended value without charset'language': " + extended);
    }
    String charsetName = extended.substring(0, first).toLowerCase(Locale.ROOT);
    Charset charset = switch (charsetName) {
      case "utf-8" -> StandardCharsets.UTF_8;
      case "iso-8859-1" -> StandardCharsets.ISO_8859_1;
      default -> throw new IllegalArgumentException("unsupported charset '" + charsetName + "'");
    };
    String encoded = extended.substring(second + 1);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(encoded.length());
    for (int i = 0; i < encoded.length(); i++) {
      char c = encoded.charAt(i);
      if (c == '%') {
        int hi = i + 2 < encoded.length() ? Character.digit(encoded.charAt(i + 1), 16) : -1;
        int lo = hi < 0 ? -1 : Character.digit(encoded.charAt(i + 2), 16);
        if (lo < 0) {
          throw new IllegalArgumentException("bad percent-encoding in " + extended);
        }
        bytes.write(hi << 4 | lo);
        i += 2;
      } else if (c > 0x20 && c < 0x7f) {
        bytes.write(c);
      } else {
        throw new IllegalArgumentException("unencoded character in " + extended);
      }
    }
    return decode(bytes.toByteArray(), charset);
  }

  /** {@code bytes} in {@code charset}, refusing malformed input rather than replacing it. */
  static String decode(byte[] bytes, Charset charset) {
    try {
      return charset.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("not valid " + charset.name());
    }
  }

  private static int skipWhitespace(String s, int i) {
    while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
      i++;
    }
    return i;
  }
}

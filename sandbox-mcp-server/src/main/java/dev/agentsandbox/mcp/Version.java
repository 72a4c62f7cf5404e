package dev.agentsandbox.mcp;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The server's version, as it introduces itself to MCP clients. */
final class Version {
  static final String CURRENT = read();

  private Version() {
  }

  private static String read() {
    try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
      if (in != null) {
        Properties properties = new Properties();
        properties.load(in);
        return properties.getProperty("version", "unknown");
      }
    } catch (IOException e) {
      // Fall through: the version is only informative.
    }
    return "unknown";
  }
}

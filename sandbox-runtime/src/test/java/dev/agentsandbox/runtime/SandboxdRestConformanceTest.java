package dev.agentsandbox.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.time.OffsetDateTime;
import java.util.List;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every operation of sandboxd's filesystem API, with each status it documents, answers as the
 * reference's API description says: the status, the content type, and a body that its schema
 * (src/test/resources/sandboxd-rest-schemas.json) accepts.
 */
class SandboxdRestConformanceTest extends RuntimeServerTestBase {
  private static final MediaType OCTETS = MediaType.get("application/octet-stream");
  private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(Dialects.getOpenApi30());
  private static JsonNode schemas;

  @BeforeAll
  static void loadSchemas() throws IOException {
    try (InputStream in = SandboxdRestConformanceTest.class.getResourceAsStream("/sandboxd-rest-schemas.json")) {
      schemas = JSON.readTree(in);
    }
  }

  @Override
  RuntimeOptions.Builder options() {
    return super.options().sandboxd(-1, 0).putEnvironment("SANDBOX_OWNER", "conformance");
  }

  private HttpResult call(String method, String rawPath, RequestBody body) {
    return call(new Request.Builder().url("http://" + server.host() + ":" + server.sandboxdRestPort() + rawPath)
        .method(method, body).build());
  }

  /** Checks the status, the content type and, for JSON, the body against {@code schema}. */
  private static JsonNode conforms(HttpResult result, int status, String contentType, String schema) {
    assertEquals(status, result.status(), result::text);
    if (contentType == null) {
      assertEquals(0, result.body().length, "no body");
      return null;
    }
    assertTrue(result.contentType() != null && result.contentType().startsWith(contentType), result.contentType());
    if (schema == null) {
      return null;
    }
    JsonNode body = result.json();
    Schema validator = REGISTRY.getSchema(schemas.path(schema));
    List<Error> errors = validator.validate(body);
    assertTrue(errors.isEmpty(), () -> schema + " " + body + ": " + errors);
    return body;
  }

  @Test
  void getAFileOrADirectory() throws Exception {
    Files.createDirectories(base.resolve("dir/sub"));
    Files.writeString(base.resolve("dir/a.txt"), "a");
    Files.createSymbolicLink(base.resolve("dir/link"), base.resolve("dir/a.txt"));
    conforms(call("GET", "/v1/files/dir%2Fa.txt", null), 200, "application/octet-stream", null);
    JsonNode listing = conforms(call("GET", "/v1/files/dir", null), 200, "application/json", "DirectoryListing");
    for (JsonNode entry : listing.path("entries")) {
      OffsetDateTime.parse(entry.path("modified_at").asText());
      assertTrue(entry.has("mode"), entry::toString);
    }
    conforms(call("GET", "/v1/files/", null), 200, "application/json", "DirectoryListing");
    conforms(call("GET", "/v1/files/nothing", null), 404, "application/json", "Error");
    conforms(call("GET", "/v1/files/..%2F..%2Fetc%2Fpasswd", null), 403, "application/json", "Error");
  }

  @Test
  void headTellsExistence() throws Exception {
    Files.writeString(base.resolve("h.txt"), "h");
    conforms(call("HEAD", "/v1/files/h.txt", null), 200, null, null);
    conforms(call("HEAD", "/v1/files/none", null), 404, null, null);
  }

  @Test
  void putWritesAndRefuses() throws Exception {
    conforms(call("PUT", "/v1/files/new%2Ffile.txt?mode=0600", RequestBody.create(new byte[] {1}, OCTETS)), 204,
        null, null);
    conforms(call("PUT", "/v1/files/x.txt?mode=999", RequestBody.create(new byte[] {1}, OCTETS)), 400,
        "application/json", "Error");
    Files.createDirectory(base.resolve("d"));
    conforms(call("PUT", "/v1/files/d", RequestBody.create(new byte[] {1}, OCTETS)), 400, "application/json", "Error");
    conforms(call("PUT", "/v1/files/..%2Fout.txt", RequestBody.create(new byte[] {1}, OCTETS)), 403,
        "application/json", "Error");
  }

  @Test
  void deleteRemovesAndRefuses() throws Exception {
    Files.createDirectories(base.resolve("full/inner"));
    Files.writeString(base.resolve("gone.txt"), "g");
    conforms(call("DELETE", "/v1/files/gone.txt", null), 204, null, null);
    conforms(call("DELETE", "/v1/files/gone.txt", null), 404, "application/json", "Error");
    JsonNode conflict = conforms(call("DELETE", "/v1/files/full", null), 409, "application/json", "Error");
    assertEquals("CONFLICT", conflict.path("code").asText());
    conforms(call("DELETE", "/v1/files/full?recursive=true", null), 204, null, null);
    conforms(call("DELETE", "/v1/files/..%2F..", null), 403, "application/json", "Error");
  }

  @Test
  void healthAndMetadata() throws Exception {
    conforms(call("GET", "/v1/health", null), 200, "application/json", "HealthResponse");
    JsonNode metadata = conforms(call("GET", "/v1/metadata", null), 200, "application/json", "MetadataResponse");
    assertEquals("conformance", metadata.path("env").path("SANDBOX_OWNER").asText());
  }

  @Test
  void theSchemasRejectWhatTheDescriptionForbids() throws Exception {
    assertTrue(!REGISTRY.getSchema(schemas.path("Error")).validate(JSON.readTree("{\"code\":\"NOPE\",\"message\":\"x\"}"))
        .isEmpty());
    assertTrue(!REGISTRY.getSchema(schemas.path("DirectoryListing")).validate(JSON.readTree(
        "{\"path\":\"/\",\"entries\":[{\"name\":\"a\",\"size\":1,\"type\":\"link\",\"modified_at\":\"x\"}]}"))
        .isEmpty());
  }
}

package dev.agentsandbox.local.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.util.Optional;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * An embedded API server for each test, with no pods, a fabric8 client and plain HTTP calls that
 * carry its token: register with {@code @RegisterExtension final ApiServerUnderTest server = new
 * ApiServerUnderTest();}.
 */
final class ApiServerUnderTest implements BeforeEachCallback, AfterEachCallback {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private LocalApiServer api;
  private KubernetesClient client;
  private OkHttpClient http;

  @Override
  public void beforeEach(ExtensionContext context) {
    api = LocalApiServer.start((ns, pod) -> Optional.empty());
    client = api.newClient();
    http = new OkHttpClient();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    client.close();
    api.close();
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }

  LocalApiServer api() {
    return api;
  }

  KubernetesClient client() {
    return client;
  }

  OkHttpClient http() {
    return http;
  }

  /** A request to the server with its token; the caller closes the response. */
  Response send(String method, String path, String accept, String contentType, String body) throws IOException {
    Request.Builder request = new Request.Builder().url(api.url() + path).header("Authorization", "Bearer " + api.token());
    if (accept != null) {
      request.header("Accept", accept);
    }
    request.method(method, body == null ? null : RequestBody.create(body, MediaType.get(contentType)));
    return http.newCall(request.build()).execute();
  }

  /** A GET with the token; the caller closes the response. */
  Response get(String path, String accept) throws IOException {
    return send("GET", path, accept, null, null);
  }

  /** The JSON body of a GET that must answer 200. */
  JsonNode getJson(String path, String accept) throws IOException {
    try (Response response = get(path, accept)) {
      if (response.code() != 200) {
        throw new AssertionError("GET " + path + " answered " + response.code() + ": " + response.body().string());
      }
      return MAPPER.readTree(response.body().bytes());
    }
  }
}

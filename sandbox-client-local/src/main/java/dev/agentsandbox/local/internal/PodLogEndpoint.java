package dev.agentsandbox.local.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code GET /api/v1/namespaces/{namespace}/pods/{name}/log}, as {@code kubectl logs} calls it:
 * the container's log as text, with {@code tailLines}, {@code sinceSeconds}, {@code timestamps},
 * {@code limitBytes} and {@code container}; with {@code follow=true}, a streamed response that
 * goes on with each line as it is written until the container stops or the client goes.
 */
final class PodLogEndpoint {
  static final Pattern PATH = Pattern.compile("/api/v1/namespaces/([a-z0-9.-]+)/pods/([a-z0-9.-]+)/log/?");

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String TEXT = "text/plain";

  private final LocalApiDispatcher dispatcher;

  PodLogEndpoint(LocalApiDispatcher dispatcher) {
    this.dispatcher = dispatcher;
  }

  /** The parameters of a log request. */
  private record Query(String container, boolean follow, int tailLines, Instant since, boolean timestamps,
      long limitBytes, boolean previous) {

    static Query of(String rawQuery) {
      String tail = ApiSurface.queryParameter(rawQuery, "tailLines");
      String since = ApiSurface.queryParameter(rawQuery, "sinceSeconds");
      String limit = ApiSurface.queryParameter(rawQuery, "limitBytes");
      return new Query(ApiSurface.queryParameter(rawQuery, "container"),
          "true".equals(ApiSurface.queryParameter(rawQuery, "follow")),
          tail == null ? -1 : Integer.parseInt(tail),
          since == null ? null : PodLog.secondsAgo(Long.parseLong(since)),
          "true".equals(ApiSurface.queryParameter(rawQuery, "timestamps")),
          limit == null ? -1 : Long.parseLong(limit),
          "true".equals(ApiSurface.queryParameter(rawQuery, "previous")));
    }
  }

  /**
   * Answers a log request.
   *
   * @param send how a whole answer is sent, when the log is not streamed
   */
  void handle(RecordedRequest request, Matcher path, HttpServerResponse response,
      BiConsumer<HttpServerResponse, MockResponse> send) {
    MockResponse refused = dispatcher.admit(request);
    if (refused != null) {
      send.accept(response, refused);
      return;
    }
    String namespace = path.group(1);
    String name = path.group(2);
    Query query;
    try {
      query = Query.of(URI.create(request.getPath()).getRawQuery());
    } catch (NumberFormatException e) {
      send.accept(response, badRequest("tailLines, sinceSeconds and limitBytes must be integers"));
      return;
    }
    MockResponse stored = dispatcher.handleGet("/api/v1/namespaces/" + namespace + "/pods/" + name);
    if (stored.code() != 200) {
      send.accept(response, ApiSurface.json(404, ApiSurface.statusBody(404, "NotFound",
          "pods \"" + name + "\" not found")));
      return;
    }
    List<String> containers = containers(stored);
    String container = query.container() == null && !containers.isEmpty() ? containers.get(0) : query.container();
    if (!containers.contains(container)) {
      send.accept(response, badRequest("container " + container + " is not valid for pod " + name));
      return;
    }
    if (query.previous()) {
      send.accept(response, badRequest("previous terminated container \"" + container + "\" in pod \"" + name
          + "\" not found"));
      return;
    }
    Optional<PodLog> log = dispatcher.logOf(namespace, name);
    if (log.isEmpty()) {
      send.accept(response, badRequest("container \"" + container + "\" in pod \"" + name
          + "\" is waiting to start: ContainerCreating"));
      return;
    }
    if (!query.follow()) {
      StringBuilder text = new StringBuilder();
      for (PodLog.Line line : log.get().lines(query.tailLines(), query.since())) {
        text.append(format(line, query.timestamps()));
      }
      send.accept(response, new MockResponse().setResponseCode(200).setHeader("Content-Type", TEXT)
          .setBody(limit(text.toString(), query.limitBytes())));
      return;
    }
    follow(log.get(), query, response);
  }

  private static void follow(PodLog log, Query query, HttpServerResponse response) {
    response.setStatusCode(200).setChunked(true).putHeader("Content-Type", TEXT);
    response.writeHead();
    long[] left = {query.limitBytes()};
    AutoCloseable following = log.follow(query.tailLines(), query.since(), new PodLog.Follower() {
      @Override
      public void line(PodLog.Line line) {
        if (response.ended() || response.closed()) {
          return;
        }
        byte[] bytes = format(line, query.timestamps()).getBytes(StandardCharsets.UTF_8);
        if (left[0] >= 0 && bytes.length >= left[0]) {
          response.end(io.vertx.core.buffer.Buffer.buffer(bytes).slice(0, (int) left[0]));
          return;
        }
        if (left[0] >= 0) {
          left[0] -= bytes.length;
        }
        response.write(io.vertx.core.buffer.Buffer.buffer(bytes));
      }

      @Override
      public void ended() {
        if (!response.ended() && !response.closed()) {
          response.end();
        }
      }
    });
    Runnable stop = () -> {
      try {
        following.close();
      } catch (Exception e) {
        // removing a follower does not fail
      }
    };
    response.closeHandler(ignored -> stop.run());
    response.endHandler(ignored -> stop.run());
  }

  private static String format(PodLog.Line line, boolean timestamps) {
    return (timestamps ? line.time().toString() + " " : "") + line.text() + "\n";
  }

  private static String limit(String text, long limitBytes) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    if (limitBytes < 0 || bytes.length <= limitBytes) {
      return text;
    }
    return new String(bytes, 0, (int) limitBytes, StandardCharsets.UTF_8);
  }

  private static List<String> containers(MockResponse pod) {
    List<String> names = new ArrayList<>();
    try {
      JsonNode object = MAPPER.readTree(pod.getBody().getBytes());
      object.path("spec").path("containers").forEach(c -> names.add(c.path("name").asText()));
    } catch (IOException e) {
      // a stored pod is JSON; no containers means no log
    }
    return names;
  }

  private static MockResponse badRequest(String message) {
    return ApiSurface.json(400, ApiSurface.statusBody(400, "BadRequest", message));
  }
}

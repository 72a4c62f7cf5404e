package dev.agentsandbox.local.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentsandbox.client.internal.ShellQuoting;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * One {@code pods/{name}/exec} of a sandbox pod, over the WebSocket channel protocols that
 * kubectl ({@code v5.channel.k8s.io}) and fabric8 ({@code v4.channel.k8s.io}) speak: the command
 * runs as the pod's runtime runs every command (its {@code /execute}, in the sandbox's base
 * directory, isolated as the cluster isolates commands); its stdout and stderr come back on
 * channels 1 and 2, then its exit status as a {@code Status} on channel 3.
 *
 * <p>The runtime runs a command to its end and answers with its output, so output arrives when
 * the command ends, and there is no stdin and no terminal: a request for either is refused.
 */
final class PodExecSession extends WebSocketListener {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final byte STDOUT = 1;
  private static final byte STDERR = 2;
  private static final byte ERROR = 3;
  private static final int FRAME = 32 * 1024;

  private final HttpClient client;
  private final String host;
  private final int port;
  private final String accessToken;
  private final List<String> command;
  private final String refusal;

  /**
   * An exec of {@code command} by the runtime at {@code host:port}.
   *
   * @param accessToken what the runtime requires as bearer token, or null
   * @param refusal why the exec cannot run, told on the error channel, or null
   */
  PodExecSession(HttpClient client, String host, int port, String accessToken, List<String> command,
      String refusal) {
    this.client = client;
    this.host = host;
    this.port = port;
    this.accessToken = accessToken;
    this.command = List.copyOf(command);
    this.refusal = refusal;
  }

  /**
   * What an exec produced: the command's output, and the {@code Status} that ends the exec
   * ({@code Success}, or {@code Failure} with reason {@code NonZeroExitCode} and the exit code,
   * or another reason when the command could not run).
   *
   * @param stdout the command's standard output
   * @param stderr the command's standard error
   * @param status the closing status
   */
  record Outcome(byte[] stdout, byte[] stderr, ObjectNode status) {
  }

  /** Runs the command through the pod's runtime; completes with its outcome, never fails. */
  Future<Outcome> run() {
    if (refusal != null) {
      return Future.succeededFuture(failed(failure("InternalError", refusal, null)));
    }
    ObjectNode body = MAPPER.createObjectNode();
    body.put("command", shellWords(command));
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setHost(host).setPort(port)
        .setURI("/execute").putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
    if (accessToken != null) {
      request.putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + accessToken);
    }
    return client.request(request)
        .compose(call -> call.send(Buffer.buffer(body.toString())))
        .compose(answer -> answer.body().map(bytes -> outcome(answer.statusCode(), bytes)))
        .otherwise(e -> failed(failure("InternalError", "cannot reach the pod's runtime: " + e.getMessage(), null)));
  }

  private static Outcome failed(ObjectNode status) {
    return new Outcome(new byte[0], new byte[0], status);
  }

  private Outcome outcome(int httpStatus, Buffer bytes) {
    if (httpStatus != 200) {
      return failed(failure("InternalError", "the pod's runtime answered " + httpStatus
          + ": exec runs in sandbox pods only", null));
    }
    JsonNode output;
    try {
      output = MAPPER.readTree(bytes.getBytes());
    } catch (IOException e) {
      return failed(failure("InternalError", "the pod's runtime answered with no JSON", null));
    }
    int exitCode = output.path("exit_code").asInt(1);
    ObjectNode status;
    if (exitCode == 0) {
      status = MAPPER.createObjectNode();
      status.putObject("metadata");
      status.put("status", "Success");
    } else {
      status = failure("NonZeroExitCode", "command terminated with non-zero exit code: error executing "
          + "command " + command + ", exit code " + exitCode, exitCode);
    }
    return new Outcome(output.path("stdout").asText("").getBytes(StandardCharsets.UTF_8),
        output.path("stderr").asText("").getBytes(StandardCharsets.UTF_8), status);
  }

  @Override
  public void onOpen(WebSocket webSocket, Response response) {
    run().onComplete(done -> {
      Outcome outcome = done.result();
      send(webSocket, STDOUT, outcome.stdout());
      send(webSocket, STDERR, outcome.stderr());
      send(webSocket, ERROR, outcome.status().toString().getBytes(StandardCharsets.UTF_8));
      webSocket.close(1000, "");
    });
  }

  private static void send(WebSocket webSocket, byte channel, byte[] data) {
    for (int offset = 0; offset < data.length; offset += FRAME) {
      int length = Math.min(FRAME, data.length - offset);
      byte[] frame = new byte[length + 1];
      frame[0] = channel;
      System.arraycopy(data, offset, frame, 1, length);
      webSocket.send(frame);
    }
  }

  static ObjectNode failure(String reason, String message, Integer exitCode) {
    ObjectNode status = MAPPER.createObjectNode();
    status.putObject("metadata");
    status.put("status", "Failure");
    status.put("message", message);
    status.put("reason", reason);
    if (exitCode != null) {
      ObjectNode cause = status.putObject("details").putArray("causes").addObject();
      cause.put("reason", "ExitCode");
      cause.put("message", String.valueOf(exitCode));
    }
    return status;
  }

  /** The command as one string that POSIX shell-word splitting, as the runtime does, turns back into it. */
  static String shellWords(List<String> argv) {
    return ShellQuoting.quote(argv);
  }

  @Override
  public void onClosing(WebSocket webSocket, int code, String reason) {
    webSocket.close(code, reason);
  }

  /** The command of an exec request: its {@code command} parameters, in order. */
  static List<String> commandOf(String rawQuery) {
    if (rawQuery == null) {
      return List.of();
    }
    return Arrays.stream(rawQuery.split("&"))
        .filter(p -> p.startsWith("command="))
        .map(p -> URLDecoder.decode(p.substring("command=".length()), StandardCharsets.UTF_8))
        .toList();
  }
}

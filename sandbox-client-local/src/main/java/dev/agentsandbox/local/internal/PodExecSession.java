package dev.agentsandbox.local.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
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
import java.util.stream.Collectors;

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

  @Override
  public void onOpen(WebSocket webSocket, Response response) {
    if (refusal != null) {
      finish(webSocket, failure("InternalError", refusal, null));
      return;
    }
    ObjectNode body = MAPPER.createObjectNode();
    body.put("command", shellWords(command));
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setHost(host).setPort(port)
        .setURI("/execute").putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
    if (accessToken != null) {
      request.putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + accessToken);
    }
    client.request(request)
        .compose(call -> call.send(Buffer.buffer(body.toString())))
        .compose(answer -> answer.body().map(bytes -> new Object[] {answer.statusCode(), bytes}))
        .onComplete(result -> {
          if (result.failed()) {
            finish(webSocket, failure("InternalError", "cannot reach the pod's runtime: "
                + result.cause().getMessage(), null));
            return;
          }
          int status = (Integer) result.result()[0];
          Buffer bytes = (Buffer) result.result()[1];
          if (status != 200) {
            finish(webSocket, failure("InternalError", "the pod's runtime answered " + status
                + ": exec runs in sandbox pods only", null));
            return;
          }
          answer(webSocket, bytes);
        });
  }

  private void answer(WebSocket webSocket, Buffer bytes) {
    JsonNode output;
    try {
      output = MAPPER.readTree(bytes.getBytes());
    } catch (IOException e) {
      finish(webSocket, failure("InternalError", "the pod's runtime answered with no JSON", null));
      return;
    }
    send(webSocket, STDOUT, output.path("stdout").asText("").getBytes(StandardCharsets.UTF_8));
    send(webSocket, STDERR, output.path("stderr").asText("").getBytes(StandardCharsets.UTF_8));
    int exitCode = output.path("exit_code").asInt(1);
    if (exitCode == 0) {
      ObjectNode success = MAPPER.createObjectNode();
      success.putObject("metadata");
      success.put("status", "Success");
      finish(webSocket, success);
    } else {
      finish(webSocket, failure("NonZeroExitCode", "command terminated with non-zero exit code: error executing "
          + "command " + command + ", exit code " + exitCode, exitCode));
    }
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

  private static void finish(WebSocket webSocket, ObjectNode status) {
    send(webSocket, ERROR, status.toString().getBytes(StandardCharsets.UTF_8));
    webSocket.close(1000, "");
  }

  private static ObjectNode failure(String reason, String message, Integer exitCode) {
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
    return argv.stream().map(arg -> "'" + arg.replace("'", "'\\''") + "'").collect(Collectors.joining(" "));
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

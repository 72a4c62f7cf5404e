package dev.agentsandbox.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentsandbox.client.InvalidSandboxPathException;
import dev.agentsandbox.client.SandboxClient;
import dev.agentsandbox.client.SandboxException;
import dev.agentsandbox.client.SandboxRequestException;
import dev.agentsandbox.local.LocalSandboxCluster;
import dev.agentsandbox.testing.Isolation;
import dev.agentsandbox.testing.SandboxTemplate;
import dev.agentsandbox.testing.SandboxTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Paths that try to leave a sandbox's directory, sent the whole way: through the SDK, and as raw
 * bytes to the router (which the SDK would never send), against a runtime whose sandbox has
 * planted symlinks to the outside. None reads, lists, reveals or writes anything outside.
 */
// Isolation off: the sandbox's own symlinks then point at host paths, the worst case.
@SandboxTest(isolation = Isolation.NONE, commandLauncher = false)
@SandboxTemplate(resource = "python-runtime-template.yaml")
class PathConfinementEndToEndTest {
  private static final String SECRET = "secret-" + UUID.randomUUID();

  private static LocalSandboxCluster cluster;
  /** One sandbox for the whole class, with its planted symlinks. */
  private static SandboxClient sandbox;
  private static Path workDir;
  private static Path base;
  private static Map<Path, String> outsideBefore;

  @BeforeAll
  static void plantSymlinks() throws IOException {
    workDir = cluster.workDir();
    base = Path.of(sandbox.run("pwd").stdout().strip());
    assertTrue(base.startsWith(workDir), base.toString());
    // Next to the sandbox's directory, in the directory of all pods, and at the top.
    for (Path dir : List.of(base.getParent(), base.getParent().getParent(), workDir)) {
      Files.writeString(dir.resolve("secret.txt"), SECRET);
    }
    Path secret = base.getParent().resolve("secret.txt");
    assertEquals(0, sandbox.run("ln -s .. link-out").exitCode());
    assertEquals(0, sandbox.run("ln -s " + secret + " link-abs").exitCode());
    assertEquals(0, sandbox.run("ln -s " + base.getParent() + " link-dir").exitCode());
    outsideBefore = filesOutsideTheSandbox();
  }

  @AfterEach
  void nothingWasWrittenOutside() {
    assertEquals(outsideBefore, filesOutsideTheSandbox());
  }

  /** Encoded path forms, each sent to {@code /download}, {@code /list} and {@code /exists}. */
  private static final List<String> ESCAPING_PATHS = List.of(
      "..%2Fsecret.txt",
      "%2E%2E%2Fsecret.txt",
      "%2e%2e%2fsecret.txt",
      ".%2E%2Fsecret.txt",
      "%2E.%2Fsecret.txt",
      "..%2F..%2Fsecret.txt",
      "..%2F..%2F..%2Fsecret.txt",
      "a%2F..%2F..%2Fsecret.txt",
      "%2F..%2Fsecret.txt",
      "%2F%2F..%2F%2Fsecret.txt",
      "..%2F..%2F..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd",
      "link-out%2Fsecret.txt",
      "link-abs",
      "link-dir",
      "link-dir%2Fsecret.txt",
      "link-out%2F..%2Fsecret.txt",
      "..%00%2Fsecret.txt",
      "%252E%252E%252Fsecret.txt");

  /** Upload destinations (the multipart filename), each of which must not land outside. */
  private static final List<String> ESCAPING_UPLOADS = List.of(
      "../escaped.txt",
      "../../escaped.txt",
      "a/../../escaped.txt",
      "/../escaped.txt",
      "./../escaped.txt",
      "link-out/escaped.txt",
      "link-dir/escaped.txt",
      "link-out/../escaped.txt",
      "link-abs");

  static Stream<Arguments> rawRequests() {
    List<Arguments> requests = new ArrayList<>();
    for (String endpoint : List.of("download", "list", "exists")) {
      for (String path : ESCAPING_PATHS) {
        requests.add(Arguments.of("GET /" + endpoint + "/" + path));
      }
    }
    // Unencoded dot segments in the request target, which HTTP libraries would have removed.
    requests.add(Arguments.of("GET /download/../secret.txt"));
    requests.add(Arguments.of("GET /download/./../secret.txt"));
    for (String upload : ESCAPING_UPLOADS) {
      requests.add(Arguments.of("POST /upload " + upload));
    }
    return requests.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rawRequests")
  void rawRequestThroughTheRouterIsConfined(String request) throws IOException {
    String[] parts = request.split(" ", 3);
    Reply reply = parts[0].equals("GET") ? send(get(parts[1])) : send(upload(parts[2]));

    assertFalse(reply.body().contains(SECRET), request + " revealed the secret: " + reply);
    assertFalse(reply.body().contains("root:"), request + " revealed /etc/passwd: " + reply);
    if (parts[1].startsWith("/exists/")) {
      // A literal name that merely looks encoded is looked up inside, and not found.
      assertTrue(reply.status() == 403 || reply.status() == 200 && reply.body().contains("\"exists\":false"),
          request + ": " + reply);
    } else if (parts[0].equals("GET")) {
      assertTrue(Set.of(400, 403, 404).contains(reply.status()), request + ": " + reply);
    } else {
      assertTrue(Set.of(400, 403).contains(reply.status()), request + ": " + reply);
    }
  }

  static Stream<Arguments> sdkCalls() {
    return Stream.of(
        sdk("read ../secret.txt", c -> c.read("../secret.txt")),
        sdk("read link-out/secret.txt", c -> c.read("link-out/secret.txt")),
        sdk("read link-abs", c -> c.read("link-abs")),
        sdk("read link-dir/secret.txt", c -> c.read("link-dir/secret.txt")),
        sdk("list link-out", c -> c.list("link-out")),
        sdk("list ..", c -> c.list("..")),
        sdk("exists link-out/secret.txt", c -> c.exists("link-out/secret.txt")),
        sdk("write link-out/escaped.txt", c -> c.write("link-out/escaped.txt", "x")),
        sdk("write link-dir/escaped.txt", c -> c.write("link-dir/escaped.txt", "x")),
        sdk("write ../escaped.txt", c -> c.write("../escaped.txt", "x")));
  }

  private static Arguments sdk(String what, Consumer<SandboxClient> call) {
    return Arguments.of(what, call);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("sdkCalls")
  void sdkCallIsRefusedBeforeSendingOrByTheRuntime(String what, Consumer<SandboxClient> call) {
    SandboxException e = assertThrows(SandboxException.class, () -> call.accept(sandbox));

    assertTrue(e instanceof InvalidSandboxPathException
        || e instanceof SandboxRequestException r && r.statusCode() == 403, what + ": " + e);
    assertFalse(String.valueOf(e.getMessage()).contains(SECRET), what);
  }

  @Test
  void symlinksInsideTheSandboxStillWork() {
    sandbox.write("real.txt", "inside");
    assertEquals(0, sandbox.run("ln -sf real.txt alias.txt").exitCode());

    assertEquals("inside", new String(sandbox.read("alias.txt"), StandardCharsets.UTF_8));
  }

  // --- raw HTTP to the router: the request target is sent exactly as written

  private static byte[] get(String target) {
    return ("GET " + target + " HTTP/1.1\r\n" + headers() + "\r\n").getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] upload(String filename) {
    String boundary = "b-" + UUID.randomUUID();
    byte[] body = ("--" + boundary + "\r\n"
        + "Content-Disposition: form-data; name=\"file\"; filename=\"" + filename + "\"\r\n"
        + "Content-Type: application/octet-stream\r\n\r\n"
        + "escaped\r\n"
        + "--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
    byte[] head = ("POST /upload HTTP/1.1\r\n" + headers()
        + "Content-Type: multipart/form-data; boundary=" + boundary + "\r\n"
        + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.UTF_8);
    byte[] request = new byte[head.length + body.length];
    System.arraycopy(head, 0, request, 0, head.length);
    System.arraycopy(body, 0, request, head.length, body.length);
    return request;
  }

  private static String headers() {
    return "Host: sandbox-router\r\nAuthorization: Bearer " + cluster.routerAuthToken() + "\r\nX-Sandbox-ID: "
        + sandbox.sandboxName() + "\r\nConnection: close\r\n";
  }

  private static Reply send(byte[] request) throws IOException {
    InetSocketAddress router = cluster.routerAddress("default");
    try (Socket socket = new Socket()) {
      socket.connect(router, 5_000);
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(request);
      out.flush();
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      socket.getInputStream().transferTo(received);
      String text = received.toString(StandardCharsets.UTF_8);
      int status = Integer.parseInt(text.substring(9, 12));
      int bodyStart = text.indexOf("\r\n\r\n");
      return new Reply(status, bodyStart < 0 ? "" : text.substring(bodyStart + 4));
    }
  }

  private record Reply(int status, String body) {
  }

  /** Every file under the cluster's directory but outside the sandbox's, with its content. */
  private static Map<Path, String> filesOutsideTheSandbox() {
    try (Stream<Path> files = Files.walk(workDir)) {
      Map<Path, String> contents = new TreeMap<>();
      for (Path file : files.filter(p -> !p.startsWith(base) && Files.isRegularFile(p)).toList()) {
        contents.put(file, Files.readString(file));
      }
      return contents;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

package dev.agentsandbox.controller.internal;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small HTTP server for the probe and metrics endpoints: GET on a fixed set of paths, each
 * answered by a supplier. Runs on two daemon threads of its own.
 */
public final class EndpointServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EndpointServer.class);
  private static final AtomicInteger THREADS = new AtomicInteger();

  /** One answer: status code, content type and body. */
  public record Reply(int status, String contentType, String body) {
    /** A plain-text reply. */
    public static Reply text(int status, String body) {
      return new Reply(status, "text/plain; charset=utf-8", body);
    }
  }

  private final HttpServer server;
  private final ExecutorService executor;

  private EndpointServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Binds {@code address} and serves {@code routes}; other paths get 404, other methods 405.
   *
   * @throws UncheckedIOException if the address cannot be bound
   */
  public static EndpointServer start(String name, InetSocketAddress address, Map<String, Supplier<Reply>> routes) {
    Map<String, Supplier<Reply>> copy = Map.copyOf(routes);
    HttpServer server;
    try {
      server = HttpServer.create(address, 16);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on " + address + " for " + name, e);
    }
    ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, name + "-http-" + THREADS.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/", exchange -> handle(exchange, copy));
    server.start();
    log.info("Serving {} on {}", copy.keySet(), server.getAddress());
    return new EndpointServer(server, executor);
  }

  private static void handle(HttpExchange exchange, Map<String, Supplier<Reply>> routes) throws IOException {
    try (exchange) {
      Supplier<Reply> route = routes.get(exchange.getRequestURI().getPath());
      Reply reply;
      if (route == null) {
        reply = Reply.text(404, "not found\n");
      } else if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
        reply = Reply.text(405, "method not allowed\n");
      } else {
        try {
          reply = route.get();
        } catch (RuntimeException e) {
          log.warn("Endpoint {} failed", exchange.getRequestURI().getPath(), e);
          reply = Reply.text(500, "internal error\n");
        }
      }
      byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", reply.contentType());
      boolean head = "HEAD".equals(exchange.getRequestMethod());
      exchange.sendResponseHeaders(reply.status(), head ? -1 : body.length);
      if (!head) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      }
    }
  }

  /** The bound address (with the real port when 0 was asked for). */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  /**
   * Parses a bind address in the reference controller's form: {@code :8080} (all interfaces),
   * {@code 127.0.0.1:8080}, {@code [::1]:8080}, or {@code 0} to disable the endpoint.
   *
   * @return the address, or empty for {@code 0}
   * @throws IllegalArgumentException naming {@code flag} if the value is malformed
   */
  public static Optional<InetSocketAddress> parseBindAddress(String flag, String value) {
    Objects.requireNonNull(value, flag);
    if (value.equals("0")) {
      return Optional.empty();
    }
    int colon = value.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException(flag + " must be host:port, :port or 0, got \"" + value + "\"");
    }
    String host = value.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(value.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " has no valid port: \"" + value + "\"", e);
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(flag + " port must be within 0-65535, got " + port);
    }
    return Optional.of(host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port));
  }

  /** Stops listening at once; an exchange in flight is cut short. Idempotent. */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}

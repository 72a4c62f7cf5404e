package dev.agentsandbox.mcp.internal;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Who may call the HTTP endpoint: with a token, only requests that carry it as
 * {@code Authorization: Bearer}; and, against DNS rebinding, only browsers' requests whose
 * {@code Origin} is a loopback host or one of the allowed origins (requests without an
 * {@code Origin}, from programs, are not browsers'). Also tells when a client ends its session.
 */
public final class HttpGuard implements Filter {
  private static final Set<String> LOOPBACK = Set.of("localhost", "127.0.0.1", "[::1]", "::1");

  private final byte @Nullable [] token;
  private final Set<String> allowedOrigins;
  private final Consumer<String> sessionEnded;

  /**
   * @param sessionEnded told the id of a session its client ended ({@code DELETE} with the
   *     session's {@code Mcp-Session-Id}, answered with success)
   */
  public HttpGuard(@Nullable String token, Set<String> allowedOrigins,
      Consumer<String> sessionEnded) {
    this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
    this.allowedOrigins = Set.copyOf(allowedOrigins);
    this.sessionEnded = sessionEnded;
  }

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    HttpServletRequest request = (HttpServletRequest) req;
    HttpServletResponse response = (HttpServletResponse) res;
    String origin = request.getHeader("Origin");
    if (origin != null && !originAllowed(origin)) {
      response.sendError(HttpServletResponse.SC_FORBIDDEN, "Origin not allowed");
      return;
    }
    if (token != null && !tokenMatches(request.getHeader("Authorization"))) {
      response.setHeader("WWW-Authenticate", "Bearer");
      response.sendError(HttpServletResponse.SC_UNAUTHORIZED, "A bearer token is required");
      return;
    }
    chain.doFilter(req, res);
    String session = request.getHeader("Mcp-Session-Id");
    if ("DELETE".equals(request.getMethod()) && session != null && response.getStatus() < 300) {
      sessionEnded.accept(session);
    }
  }

  private boolean originAllowed(String origin) {
    if (allowedOrigins.contains(origin)) {
      return true;
    }
    try {
      String host = URI.create(origin).getHost();
      return host != null && LOOPBACK.contains(host.toLowerCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private boolean tokenMatches(@Nullable String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return false;
    }
    byte[] given = authorization.substring(7).trim().getBytes(StandardCharsets.UTF_8);
    return MessageDigest.isEqual(given, token);
  }
}

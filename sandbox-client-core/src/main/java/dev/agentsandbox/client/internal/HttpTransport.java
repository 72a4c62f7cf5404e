package dev.agentsandbox.client.internal;

import dev.agentsandbox.client.TlsTrust;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import okhttp3.Call;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.Dns;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The HTTP client of one connector: one OkHttp client, so one connection pool and one
 * dispatcher, shared by every sandbox the connector serves, plus what every request through
 * this connector carries (router headers or not, the router token). Thread-safe.
 *
 * <p>Redirects are never followed (a sandbox must not steer the client elsewhere) and OkHttp's
 * silent retry is off, because a command must not be sent twice; {@link RetryingCall} decides
 * what is retried. Every call it makes carries a {@link CallTrace}, which it feeds OkHttp's
 * events.
 */
public final class HttpTransport implements AutoCloseable {
  /**
   * Idle pooled connections are dropped before common server keep-alive timeouts (uvicorn: 5 s)
   * so a command is rarely written to a connection the server is closing.
   */
  private static final long KEEP_ALIVE_MILLIS = 4_000;
  /** Enough idle connections for a few dozen threads working in parallel. */
  private static final int MAX_IDLE_CONNECTIONS = 32;

  private final OkHttpClient client;
  private final boolean routerHeaders;
  private final Supplier<String> authToken;

  /**
   * Creates the client; opens no connection.
   *
   * @param routerHeaders whether requests carry the router's {@code X-Sandbox-*} headers
   * @param authToken supplies the router's Bearer token, or null for none
   * @param trust custom TLS trust, or null for the JVM's default
   * @param dns name resolution, or null for the system's
   */
  public HttpTransport(HttpSettings settings, boolean routerHeaders, Supplier<String> authToken,
      TlsTrust trust, Dns dns) {
    this.routerHeaders = routerHeaders;
    this.authToken = authToken;
    OkHttpClient.Builder builder = new OkHttpClient.Builder()
        .dispatcher(new Dispatcher())
        .connectionPool(new ConnectionPool(MAX_IDLE_CONNECTIONS, KEEP_ALIVE_MILLIS, TimeUnit.MILLISECONDS))
        .followRedirects(false)
        .followSslRedirects(false)
        .retryOnConnectionFailure(false)
        .connectTimeout(settings.connectTimeout())
        .readTimeout(settings.readTimeout())
        .writeTimeout(settings.readTimeout())
        .addInterceptor(HttpTransport::applyCallOptions)
        .eventListenerFactory(CallTrace::of);
    if (trust != null) {
      builder.sslSocketFactory(trust.socketFactory(), trust.trustManager());
    }
    if (dns != null) {
      builder.dns(dns);
    }
    this.client = builder.build();
  }

  /** The shared OkHttp client. */
  public OkHttpClient client() {
    return client;
  }

  /**
   * A call of {@code request} through this client, not started yet, with the trace that
   * records how far it gets.
   *
   * @param witness what the route knows about delivery on its connections, or null
   * @param readTimeout longest silence while waiting for the response, or null for the default
   * @param callTimeout deadline of the call as a whole, or null for none
   */
  TracedCall newCall(Request.Builder request, SandboxEndpoint.DeliveryWitness witness,
      Duration readTimeout, Duration callTimeout) {
    CallTrace trace = new CallTrace(witness);
    Call call = client.newCall(request
        .tag(CallTrace.class, trace)
        .tag(CallOptions.class, new CallOptions(readTimeout))
        .build());
    if (callTimeout != null) {
      call.timeout().timeout(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }
    return new TracedCall(call, trace);
  }

  /** A call and its trace. */
  record TracedCall(Call call, CallTrace trace) {
  }

  /** Whether requests carry the router headers. */
  public boolean routerHeaders() {
    return routerHeaders;
  }

  /**
   * The current router token, checked for header safety.
   *
   * @return the token, or null when none is configured
   * @throws IllegalArgumentException if the supplied token cannot be sent
   */
  public String authToken() {
    if (authToken == null) {
      return null;
    }
    String token = authToken.get();
    HeaderValues.requireBearerToken(token);
    return token;
  }

  /** Drops idle connections, e.g. those to a tunnel that was replaced. */
  public void evictIdleConnections() {
    client.connectionPool().evictAll();
  }

  /** Cancels every call, stops the dispatcher's threads and closes pooled connections. Idempotent. */
  @Override
  public void close() {
    client.dispatcher().cancelAll();
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }

  private static Response applyCallOptions(Interceptor.Chain chain) throws IOException {
    Request request = chain.request();
    CallOptions options = request.tag(CallOptions.class);
    if (options == null || options.readTimeout() == null) {
      return chain.proceed(request);
    }
    int millis = (int) Math.min(Integer.MAX_VALUE, options.readTimeout().toMillis());
    return chain.withReadTimeout(millis, TimeUnit.MILLISECONDS)
        .withWriteTimeout(millis, TimeUnit.MILLISECONDS)
        .proceed(request);
  }

  /**
   * Per-request options, carried as a request tag.
   *
   * @param readTimeout longest silence while waiting for the response, or null for the default
   */
  record CallOptions(Duration readTimeout) {
  }
}

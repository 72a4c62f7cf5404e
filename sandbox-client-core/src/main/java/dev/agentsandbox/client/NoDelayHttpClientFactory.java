package dev.agentsandbox.client;

import io.fabric8.kubernetes.client.okhttp.OkHttpClientFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import javax.net.SocketFactory;
import okhttp3.OkHttpClient;

/**
 * fabric8's OkHttp transport with Nagle's algorithm off ({@code TCP_NODELAY}) on its sockets to
 * the API server. Port-forward tunnels and {@code pods/exec} carry small messages one after
 * another (a gRPC request's headers, then its body; a line of standard input) on those sockets;
 * with Nagle's algorithm a second small message waits for the acknowledgement of the first,
 * which the receiver may delay by some 40 ms. This is the factory of the Kubernetes client a
 * {@link SandboxFleet} or {@link SandboxClient} builds for itself; give it to your own client
 * for the same latency:
 *
 * <pre>{@code
 * KubernetesClient client = new KubernetesClientBuilder()
 *     .withHttpClientFactory(new NoDelayHttpClientFactory())
 *     .build();
 * }</pre>
 *
 * @since 0.1.0
 */
public class NoDelayHttpClientFactory extends OkHttpClientFactory {
  /** Creates the factory. */
  public NoDelayHttpClientFactory() {
  }

  @Override
  protected void additionalConfig(OkHttpClient.Builder builder) {
    super.additionalConfig(builder);
    builder.socketFactory(new NoDelaySockets(SocketFactory.getDefault()));
  }

  /** Sockets from another factory, with {@code TCP_NODELAY} set. */
  private static final class NoDelaySockets extends SocketFactory {
    private final SocketFactory sockets;

    NoDelaySockets(SocketFactory sockets) {
      this.sockets = sockets;
    }

    @Override
    public Socket createSocket() throws IOException {
      return noDelay(sockets.createSocket());
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
      return noDelay(sockets.createSocket(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort)
        throws IOException {
      return noDelay(sockets.createSocket(host, port, localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
      return noDelay(sockets.createSocket(host, port));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress,
        int localPort) throws IOException {
      return noDelay(sockets.createSocket(address, port, localAddress, localPort));
    }

    private static Socket noDelay(Socket socket) throws IOException {
      socket.setTcpNoDelay(true);
      return socket;
    }
  }
}

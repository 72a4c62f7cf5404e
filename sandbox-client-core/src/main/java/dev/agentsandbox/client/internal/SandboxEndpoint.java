package dev.agentsandbox.client.internal;

import java.io.IOException;
import java.net.Socket;
import okhttp3.HttpUrl;

/**
 * Where requests for one sandbox go. The address may move (a re-opened tunnel, a Gateway that
 * published a new address, a sandbox pod that was replaced), so it is asked for before every
 * attempt, and told when an attempt failed at the connection level so it can repair itself.
 * Implementations are thread-safe.
 */
public interface SandboxEndpoint {

  /**
   * Where the next attempt goes. May block to re-open a tunnel or wait for an address.
   *
   * @throws dev.agentsandbox.client.SandboxConnectionException if there is nowhere to go
   */
  Target target();

  /**
   * An attempt through {@code target} failed with {@code cause} before a response came back.
   * Blocks for the API calls needed to check the route; never throws.
   */
  void connectionFailed(Target target, IOException cause);

  /** What a user should check when the sandbox cannot be reached; ends without a period. */
  String hint();

  /**
   * One resolved destination.
   *
   * @param baseUrl the URL paths are appended to
   * @param witness what the route knows about delivery on its connections, or null
   */
  record Target(HttpUrl baseUrl, DeliveryWitness witness) {
    /** A destination with no delivery knowledge beyond what OkHttp reports. */
    public static Target of(HttpUrl baseUrl) {
      return new Target(baseUrl, null);
    }
  }

  /**
   * Knowledge a route has that OkHttp lacks: whether bytes written to a connection can have
   * gone any further. A port-forward accepts a connection locally and only then opens a stream
   * to the router, so "the request was written" does not mean "the router saw it".
   */
  interface DeliveryWitness {
    /**
     * Called when a call gets a connection, before it writes its request.
     *
     * @param socket the connection's socket
     * @param fresh whether the call opened the connection itself
     * @param connectStartNanos when it began to (a {@link System#nanoTime()}), if fresh
     * @return a token for {@link #neverDelivered(Object)}, or null when nothing is known
     */
    Object checkpoint(Socket socket, boolean fresh, long connectStartNanos);

    /**
     * Whether nothing written on the connection since {@code checkpoint} can have left this
     * process. False when unsure.
     */
    boolean neverDelivered(Object checkpoint);

    /**
     * What the route saw of the connection of {@code checkpoint}, as a sentence for an error
     * message (e.g. how a port-forward stream ended); null when it has nothing to add.
     */
    default String describe(Object checkpoint) {
      return null;
    }
  }
}

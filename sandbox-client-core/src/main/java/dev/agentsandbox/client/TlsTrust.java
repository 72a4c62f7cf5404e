package dev.agentsandbox.client;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * Which certificates an {@code https} router or gateway may present, when the JVM's default
 * trust store is not the right answer (a private CA, a self-signed certificate). Hostname
 * verification stays on whatever the trust.
 *
 * <pre>{@code
 * ConnectionMode.direct("https://router.internal").withTrust(TlsTrust.pemFile(Path.of("ca.pem")));
 * }</pre>
 *
 * @since 0.1.0
 */
public final class TlsTrust {
  private final SSLSocketFactory socketFactory;
  private final X509TrustManager trustManager;
  private final String description;

  private TlsTrust(SSLSocketFactory socketFactory, X509TrustManager trustManager, String description) {
    this.socketFactory = socketFactory;
    this.trustManager = trustManager;
    this.description = description;
  }

  /**
   * Trusts exactly the CA certificates in a PEM text (one or more {@code BEGIN CERTIFICATE}
   * blocks), and nothing else.
   *
   * @param pemCertificates PEM encoded X.509 certificates
   * @return the trust
   * @throws IllegalArgumentException if the text holds no certificate or one cannot be parsed
   */
  public static TlsTrust pem(String pemCertificates) {
    Objects.requireNonNull(pemCertificates, "pemCertificates");
    Collection<? extends Certificate> certificates;
    try {
      certificates = CertificateFactory.getInstance("X.509").generateCertificates(
          new ByteArrayInputStream(pemCertificates.getBytes(StandardCharsets.US_ASCII)));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot parse the PEM certificates: " + e.getMessage(), e);
    }
    if (certificates.isEmpty()) {
      throw new IllegalArgumentException("the PEM text holds no certificate");
    }
    try {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (Certificate certificate : certificates) {
        store.setCertificateEntry("ca-" + i++, certificate);
      }
      TrustManagerFactory factory =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(store);
      X509TrustManager trustManager = null;
      for (TrustManager candidate : factory.getTrustManagers()) {
        if (candidate instanceof X509TrustManager x509) {
          trustManager = x509;
        }
      }
      if (trustManager == null) {
        throw new IllegalStateException("the JVM offers no X.509 trust manager");
      }
      return of(trustManager, certificates.size() + " PEM CA certificate(s)");
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot build a trust store: " + e.getMessage(), e);
    }
  }

  /**
   * Like {@link #pem(String)}, reading the PEM text from a file now.
   *
   * @param pemFile a file of PEM encoded X.509 certificates
   * @return the trust
   * @throws UncheckedIOException if the file cannot be read
   * @throws IllegalArgumentException if it holds no certificate or one cannot be parsed
   */
  public static TlsTrust pemFile(Path pemFile) {
    Objects.requireNonNull(pemFile, "pemFile");
    try {
      return pem(Files.readString(pemFile, StandardCharsets.US_ASCII));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + pemFile, e);
    }
  }

  /**
   * Trusts what a trust manager accepts.
   *
   * @param trustManager decides which server certificates are trusted
   * @return the trust
   */
  public static TlsTrust of(X509TrustManager trustManager) {
    Objects.requireNonNull(trustManager, "trustManager");
    return of(trustManager, "custom trust manager");
  }

  /**
   * Uses a ready TLS context (for client certificates, say); the trust manager must be the one
   * the context was initialised with, since OkHttp needs it to build certificate chains.
   *
   * @param sslContext an initialised context
   * @param trustManager the context's trust manager
   * @return the trust
   */
  public static TlsTrust of(SSLContext sslContext, X509TrustManager trustManager) {
    Objects.requireNonNull(sslContext, "sslContext");
    Objects.requireNonNull(trustManager, "trustManager");
    return new TlsTrust(sslContext.getSocketFactory(), trustManager, "custom SSLContext");
  }

  private static TlsTrust of(X509TrustManager trustManager, String description) {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {trustManager}, null);
      return new TlsTrust(context.getSocketFactory(), trustManager, description);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot create a TLS context: " + e.getMessage(), e);
    }
  }

  /**
   * The socket factory to open TLS connections with.
   *
   * @return the factory
   */
  public SSLSocketFactory socketFactory() {
    return socketFactory;
  }

  /**
   * The trust manager that checks server certificates.
   *
   * @return the trust manager
   */
  public X509TrustManager trustManager() {
    return trustManager;
  }

  @Override
  public String toString() {
    return "TlsTrust[" + description + "]";
  }
}

package dev.agentsandbox.examples.guide;

import dev.agentsandbox.client.ConnectionMode;
import dev.agentsandbox.client.RetryPolicy;
import dev.agentsandbox.client.SandboxClient;
import dev.agentsandbox.client.TlsTrust;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The examples of {@code docs/connection-modes.md}, compiled so they cannot rot. Each snippet
 * between {@code tag::} and {@code end::} markers appears verbatim in the guide; a test checks
 * that it does.
 */
public final class ConnectionModeExamples {
  private ConnectionModeExamples() {
  }

  static void tunnel() {
    // tag::tunnel[]
    try (SandboxClient sandbox = SandboxClient.builder()
        .templateName("python-runtime-template")
        .connection(ConnectionMode.tunnel())              // the default
        .build()) {
      System.out.println(sandbox.run("echo hello").stdout());
    }
    // end::tunnel[]
  }

  static void tunnelToRouterNamespace() {
    // tag::tunnel-namespace[]
    ConnectionMode mode = ConnectionMode.tunnel("agent-sandbox-system")
        .withAuthToken(System.getenv("SANDBOX_ROUTER_TOKEN"));
    // end::tunnel-namespace[]
    SandboxClient.builder().templateName("python-runtime-template").connection(mode);
  }

  static void gateway() {
    // tag::gateway[]
    try (SandboxClient sandbox = SandboxClient.builder()
        .templateName("python-runtime-template")
        .connection(ConnectionMode.gateway("sandbox-gateway", "agent-sandbox-system"))
        .build()) {
      System.out.println(sandbox.run("python3 --version").stdout());
    }
    // end::gateway[]
  }

  static void gatewayHttps() {
    // tag::gateway-https[]
    ConnectionMode mode = ConnectionMode.gateway("sandbox-gateway", "agent-sandbox-system")
        .withHttps(TlsTrust.pemFile(Path.of("/etc/sandbox/ca.pem")))  // or withHttps() for public CAs
        .withServerName("sandboxes.example.com")   // Host, SNI and certificate name
        .withPort(8443)                            // default 443 with HTTPS, 80 without
        .withAddressTimeout(Duration.ofMinutes(2)) // wait this long for status.addresses
        .withAuthToken(() -> readRotatingToken());  // asked before every request
    // end::gateway-https[]
    SandboxClient.builder().templateName("python-runtime-template").connection(mode);
  }

  static void direct() {
    // tag::direct[]
    ConnectionMode internal = ConnectionMode.direct(
        "http://sandbox-router-svc.agent-sandbox-system.svc.cluster.local:8080");
    ConnectionMode external = ConnectionMode.direct("https://sandbox-router.example.com/")
        .withTrust(TlsTrust.pemFile(Path.of("ca.pem")))
        .withAuthToken(System.getenv("SANDBOX_ROUTER_TOKEN"));
    // end::direct[]
    SandboxClient.builder().templateName("python-runtime-template").connection(internal);
    SandboxClient.builder().templateName("python-runtime-template").connection(external);
  }

  static void inCluster() {
    // tag::in-cluster[]
    try (SandboxClient sandbox = SandboxClient.builder()
        .templateName("python-runtime-template")
        .connection(ConnectionMode.inCluster())    // .withClusterDomain("corp.internal") if needed
        .build()) {
      sandbox.write("job/input.json", "{\"n\": 42}");
      System.out.println(sandbox.run("python3 job/run.py").stdout());
    }
    // end::in-cluster[]
  }

  static void limits() {
    // tag::limits[]
    SandboxClient.Builder builder = SandboxClient.builder()
        .templateName("python-runtime-template")
        .connectTimeout(Duration.ofSeconds(5))      // TCP (and TLS) connect, per attempt
        .readTimeout(Duration.ofSeconds(30))        // longest silence on file calls
        .runTimeout(Duration.ofMinutes(5))          // default for run(); run(cmd, timeout) overrides
        .maxResponseSize(64L * 1024 * 1024)         // command output and whole-file reads
        .retryPolicy(RetryPolicy.of(6, Duration.ofMillis(200), Duration.ofSeconds(5)));
    // end::limits[]
    builder.connection(ConnectionMode.tunnel());
  }

  private static String readRotatingToken() {
    return System.getenv("SANDBOX_ROUTER_TOKEN");
  }
}

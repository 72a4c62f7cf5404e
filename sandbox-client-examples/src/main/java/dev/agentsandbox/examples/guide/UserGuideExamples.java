package dev.agentsandbox.examples.guide;

import dev.agentsandbox.client.ApiVersion;
import dev.agentsandbox.client.ClaimFailedException;
import dev.agentsandbox.client.ConnectionMode;
import dev.agentsandbox.client.ExecutionResult;
import dev.agentsandbox.client.FileEntry;
import dev.agentsandbox.client.InvalidSandboxPathException;
import dev.agentsandbox.client.KeyedSandboxes;
import dev.agentsandbox.client.NoDelayHttpClientFactory;
import dev.agentsandbox.client.ProcessSignal;
import dev.agentsandbox.client.ProcessSpec;
import dev.agentsandbox.client.RetryPolicy;
import dev.agentsandbox.client.Sandbox;
import dev.agentsandbox.client.SandboxClient;
import dev.agentsandbox.client.SandboxConnectionException;
import dev.agentsandbox.client.SandboxException;
import dev.agentsandbox.client.SandboxFileNotFoundException;
import dev.agentsandbox.client.SandboxFleet;
import dev.agentsandbox.client.SandboxMetrics;
import dev.agentsandbox.client.SandboxOptions;
import dev.agentsandbox.client.SandboxProcess;
import dev.agentsandbox.client.SandboxReadyTimeoutException;
import dev.agentsandbox.client.SandboxRequestException;
import dev.agentsandbox.client.SandboxResponseTooLargeException;
import dev.agentsandbox.client.SandboxState;
import dev.agentsandbox.client.SandboxSummary;
import dev.agentsandbox.client.SandboxTracing;
import dev.agentsandbox.client.TemplateNotFoundException;
import dev.agentsandbox.client.WarmPool;
import dev.agentsandbox.client.WarmPoolNotFoundException;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimTemplateBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;

/**
 * The code examples of {@code docs/user-guide.md}, compiled. Each region between
 * {@code // tag::name[]} and {@code // end::name[]} appears verbatim in the guide; a test
 * checks they stay identical.
 */
@SuppressWarnings("unused")
public final class UserGuideExamples {
  private UserGuideExamples() {
  }

  static void tutorial() {
    // tag::tutorial[]
    try (SandboxClient sandbox = SandboxClient.builder()
        .templateName("python-runtime-template")
        .namespace("default")
        .build()) {
      ExecutionResult result = sandbox.run("echo 'Hello from the sandboxed environment!'");
      System.out.println(result.stdout());
      sandbox.write("data/input.txt", "42");
      byte[] bytes = sandbox.read("data/input.txt");
      List<FileEntry> entries = sandbox.list("data");
      boolean there = sandbox.exists("data/input.txt");
    }
    // end::tutorial[]
  }

  static void clientOptions(KubernetesClient kubernetes, OpenTelemetry openTelemetry,
      MeterRegistry meterRegistry) {
    // tag::client-options[]
    try (SandboxClient sandbox = SandboxClient.builder()
        .templateName("python-runtime-template")    // required
        .namespace("agents")                        // default "default"
        .labels(Map.of("team", "research"))         // claim labels
        .warmPool(WarmPool.none())                  // default: left to the controller
        .ttl(Duration.ofHours(1))                   // server-side expiry of the claim
        .env("TASK_ID", "42")                       // needs envVarsInjectionPolicy: Allowed
        .apiVersion(ApiVersion.AUTO)                // default AUTO
        .kubernetesClient(kubernetes)               // default: from kubeconfig, closed with it
        .connection(ConnectionMode.tunnel())        // default tunnel()
        .readyTimeout(Duration.ofMinutes(3))        // default 180 s
        .connectTimeout(Duration.ofSeconds(10))     // default 10 s
        .readTimeout(Duration.ofSeconds(60))        // default 60 s (file calls)
        .runTimeout(Duration.ofMinutes(3))          // default 180 s (commands)
        .maxResponseSize(16 * 1024 * 1024)          // default 16 MiB (in memory)
        .sandboxPort(8888)                          // default 8888
        .retryPolicy(RetryPolicy.defaults())        // default 4 attempts
        .terminateOnShutdown(true)                  // default true: delete the claim at JVM exit
        .tracing(SandboxTracing.openTelemetry(openTelemetry))
        .metrics(SandboxMetrics.micrometer(meterRegistry))
        .build()) {
      sandbox.run("python3 --version", Duration.ofSeconds(30));
      String pod = sandbox.podName();               // a SandboxClient is a Sandbox
    }
    // end::client-options[]
  }

  static void fleetBasics() {
    // tag::fleet-basics[]
    try (SandboxFleet fleet = SandboxFleet.builder().namespace("agents").build()) {
      Sandbox planner = fleet.create(SandboxOptions.ofTemplate("python-runtime-template"));
      Sandbox coder = fleet.create(SandboxOptions.builder()
          .templateName("python-runtime-template")
          .labels(Map.of("role", "coder"))
          .build());

      coder.files().write("main.py", "print(6 * 7)");
      ExecutionResult result = coder.commands().run("python3 main.py");
      System.out.println(planner.sandboxName() + " / " + coder.sandboxName() + ": "
          + result.stdout());

      planner.terminate();                          // delete this claim now
    }                                               // coder's claim is deleted here
    // end::fleet-basics[]
  }

  static SandboxFleet fleetBuilder(KubernetesClient kubernetes, OpenTelemetry openTelemetry,
      MeterRegistry meterRegistry) {
    // tag::fleet-builder[]
    SandboxFleet fleet = SandboxFleet.builder()
        .kubernetesClient(kubernetes)               // default: from kubeconfig, closed with it
        .namespace("agents")                        // default "default"
        .connection(ConnectionMode.tunnel())        // see connection-modes.md
        .apiVersion(ApiVersion.AUTO)                // or V1ALPHA1 / V1BETA1
        .readyTimeout(Duration.ofMinutes(3))        // create and attach
        .connectTimeout(Duration.ofSeconds(10))
        .readTimeout(Duration.ofSeconds(60))
        .runTimeout(Duration.ofMinutes(3))
        .maxResponseSize(16 * 1024 * 1024)
        .sandboxPort(8888)
        .tracing(SandboxTracing.openTelemetry(openTelemetry))
        .metrics(SandboxMetrics.micrometer(meterRegistry))
        .terminateOnShutdown(true)                  // JVM shutdown hook, best effort
        .keepClaimsOnClose(false)                   // default: close() deletes created claims
        .build();
    // end::fleet-builder[]
    return fleet;
  }

  static Sandbox options(SandboxFleet fleet) {
    // tag::options[]
    SandboxOptions options = SandboxOptions.builder()
        .templateName("python-runtime-template")
        .warmPool(WarmPool.named("python-pool"))    // or WarmPool.none(), WarmPool.any()
        .namespace("agents")                        // default: the fleet's
        .labels(Map.of("agent", "planner", "run", "7"))
        .podLabels(Map.of("example.com/cost-center", "research"))
        .podAnnotations(Map.of("example.com/owner", "planner@example.com"))
        .ttl(Duration.ofHours(2))                   // shutdownTime = now + 2h, policy Delete
        .volumeClaimTemplate(new PersistentVolumeClaimTemplateBuilder()
            .withNewMetadata().withName("workspace").endMetadata()
            .withNewSpec().withAccessModes("ReadWriteOnce")
            .withNewResources().addToRequests("storage", new Quantity("1Gi")).endResources()
            .endSpec().build())                     // v1beta1 claims only
        .readyTimeout(Duration.ofMinutes(5))        // default: the fleet's
        .build();
    Sandbox sandbox = fleet.create(options);
    // end::options[]
    return sandbox;
  }

  static void env(SandboxFleet fleet) {
    // tag::env[]
    Sandbox sandbox = fleet.create(SandboxOptions.builder()
        .templateName("python-runtime-template")
        .warmPool(WarmPool.none())                  // adopted sandboxes cannot take env
        .env("TASK_ID", "42")                       // first container
        .containerEnv("python-runtime", "MODE", "fast")
        .build());
    // end::env[]
  }

  static void attachAndList(SandboxFleet fleet) {
    // tag::attach-list[]
    for (SandboxSummary claim : fleet.list(Map.of("agent", "planner"))) {
      String sandbox = claim.sandboxName() == null ? "not assigned yet" : claim.sandboxName();
      System.out.println(claim.claimName() + " -> " + sandbox
          + (claim.ready() ? " (ready)" : "") + ", created " + claim.createdAt());
    }
    Sandbox again = fleet.attach("sandbox-claim-1a2b3c4d");          // fleet's namespace
    Sandbox elsewhere = fleet.attach("team-b", "sandbox-claim-5e6f7a8b");
    again.disconnect();                             // keep the claim, drop the handle
    // end::attach-list[]
  }

  static KubernetesClient noDelayClient() {
    // tag::no-delay-client[]
    KubernetesClient kubernetes = new KubernetesClientBuilder()
        .withHttpClientFactory(new NoDelayHttpClientFactory())
        .build();
    // end::no-delay-client[]
    return kubernetes;
  }

  static void perKey(SandboxFleet fleet, String user, String code) {
    // tag::per-key[]
    try (KeyedSandboxes<String> perUser = KeyedSandboxes.of(fleet,
        SandboxOptions.ofTemplate("python-runtime-template"))) {
      Sandbox mine = perUser.get(user);          // made on the user's first call, then reused
      mine.files().write("main.py", code);
      System.out.println(mine.commands().run("python3 main.py").stdout());
      perUser.release(user);                     // the user left: delete their sandbox
    }                                            // close deletes the rest
    // end::per-key[]
  }

  static void files(Sandbox sandbox, InputStream dataset, OutputStream sink) {
    // tag::files[]
    sandbox.files().write("config.json", "{\"debug\": true}");      // UTF-8
    sandbox.files().write("blob.bin", new byte[] {1, 2, 3});
    sandbox.files().upload("data/dataset.csv", dataset);             // streamed, any size
    sandbox.files().upload("data/model.bin", Path.of("model.bin"));  // streamed from a file

    String config = sandbox.files().readString("config.json");       // in memory, capped
    byte[] blob = sandbox.files().read("blob.bin");
    long copied = sandbox.files().download("out/result.parquet", sink);          // streamed
    long saved = sandbox.files().download("out/report.pdf", Path.of("report.pdf")); // atomic

    for (FileEntry entry : sandbox.files().list("out")) {
      System.out.println(entry.name() + " " + entry.size() + " " + entry.type() + " "
          + entry.modifiedTime());
    }
    boolean exists = sandbox.files().exists("out/report.pdf");
    // end::files[]
  }

  static void status(Sandbox sandbox) {
    // tag::status[]
    SandboxState status = sandbox.status();         // reads the Sandbox's Ready condition
    switch (status.phase()) {
      case READY -> System.out.println("ready");
      case NOT_READY -> System.out.println(status.reason() + ": " + status.message());
      case NOT_FOUND -> System.out.println("gone (expired or deleted)");
    }
    String claim = sandbox.claimName();             // sandbox-claim-xxxxxxxx
    String name = sandbox.sandboxName();            // routing key; differs with warm pools
    String pod = sandbox.podName();                 // agents.x-k8s.io/pod-name, else name
    Optional<String> ip = sandbox.podIp();          // IPv4 preferred
    // end::status[]
  }

  static void observability(OpenTelemetry openTelemetry, MeterRegistry meterRegistry) {
    // tag::observability[]
    try (SandboxFleet fleet = SandboxFleet.builder()
        .tracing(SandboxTracing.openTelemetry(openTelemetry))
        .metrics(SandboxMetrics.micrometer(meterRegistry))
        .build()) {
      fleet.create(SandboxOptions.ofTemplate("python-runtime-template"))
          .commands().run("python3 -c 'print(42)'");
    }
    // end::observability[]
  }

  static void errors(SandboxFleet fleet) {
    // tag::errors[]
    try {
      Sandbox sandbox = fleet.create(SandboxOptions.builder()
          .templateName("python-runtime-template")
          .warmPool(WarmPool.named("fast-pool"))
          .build());
      sandbox.files().read("results/summary.txt");
    } catch (TemplateNotFoundException e) {         // no such SandboxTemplate
      System.err.println(e.templateName() + ": " + e.getMessage());
    } catch (WarmPoolNotFoundException e) {         // no such SandboxWarmPool
      System.err.println(e.warmPoolName() + ": " + e.getMessage());
    } catch (ClaimFailedException e) {              // InvalidMetadata, ClaimExpired, ...
      System.err.println(e.reason() + ": " + e.detail());
    } catch (SandboxReadyTimeoutException e) {      // not ready within readyTimeout
      System.err.println("waited " + e.timeout());
    } catch (InvalidSandboxPathException e) {       // "..", control characters; nothing sent
      System.err.println(e.path());
    } catch (SandboxFileNotFoundException e) {      // 404
      System.err.println(e.path() + " is missing");
    } catch (SandboxResponseTooLargeException e) {  // use download() for big files
      System.err.println("over " + e.limitBytes() + " bytes");
    } catch (SandboxRequestException e) {           // other HTTP errors
      System.err.println(e.statusCode() + " " + e.bodyExcerpt());
    } catch (SandboxConnectionException e) {        // router unreachable, tunnel broken
      System.err.println(e.getMessage());
    } catch (SandboxException e) {                  // the root of them all
      System.err.println(e.claimName().orElse("-") + ": " + e.getMessage());
    }
    // end::errors[]
  }

  static void apiVersions(KubernetesClient kubernetes) {
    // tag::api-versions[]
    try (SandboxFleet fleet = SandboxFleet.builder()
        .kubernetesClient(kubernetes)
        .apiVersion(ApiVersion.V1BETA1)             // every claim names a warm pool
        .build()) {
      Sandbox sandbox = fleet.create(SandboxOptions.builder()
          .warmPool(WarmPool.named("python-pool"))  // the pool names the template
          .build());
    }
    // end::api-versions[]
  }

  static void liveProcesses(Sandbox sandbox) throws Exception {
    // tag::live-process[]
    try (SandboxProcess tests = sandbox.commands().start(ProcessSpec.shell("pytest -q")
        .toBuilder().cwd("project").env("PYTHONUNBUFFERED", "1").timeout(Duration.ofMinutes(10)).build())) {
      tests.onStdoutLine(line -> System.out.println("pytest: " + line));   // as it is written
      ExecutionResult result = tests.onExit().get();                       // stderr collected
      System.out.println("exit " + result.exitCode() + ", stderr: " + result.stderr());
    }
    // end::live-process[]
  }

  static void liveStdin(Sandbox sandbox) throws Exception {
    // tag::live-stdin[]
    try (SandboxProcess python = sandbox.commands().start(ProcessSpec.of("python3", "-u", "-"))) {
      python.onStdoutLine(System.out::println);
      try (Writer stdin = new OutputStreamWriter(python.stdin(), StandardCharsets.UTF_8)) {
        stdin.write("print(6 * 7)\n");
      }                                                    // closing stdin ends the script
      python.onExit().get(30, TimeUnit.SECONDS);
    }
    // end::live-stdin[]
  }

  static void liveSignals(Sandbox sandbox) throws Exception {
    // tag::live-signals[]
    try (SandboxProcess server = sandbox.commands().start("python3 -m http.server 8000")) {
      // ... use it ...
      server.signal(ProcessSignal.INTERRUPT);              // Ctrl-C; TERMINATE and KILL too
      int exitCode = server.onExit().get(10, TimeUnit.SECONDS).exitCode();
    }                                                      // close() kills what still runs
    // end::live-signals[]
  }

  static void liveTerminal(Sandbox sandbox) throws Exception {
    // tag::live-terminal[]
    try (SandboxProcess repl = sandbox.commands().start(ProcessSpec.builder("python3", "-i")
        .terminal(120, 40).build())) {
      repl.stdout().subscribe(new TerminalScreen());       // a Flow.Subscriber<ByteBuffer>
      repl.stdin().write("import os; os.get_terminal_size()\n".getBytes(StandardCharsets.UTF_8));
      repl.stdin().flush();
      repl.resize(160, 50);                                // the REPL gets SIGWINCH
      repl.closeStdin();
      repl.onExit().get(30, TimeUnit.SECONDS);
    }
    // end::live-terminal[]
  }

  static void runAsync(Sandbox sandbox) {
    // tag::run-async[]
    List<CompletableFuture<ExecutionResult>> checks = new ArrayList<>();
    for (String file : List.of("a.py", "b.py", "c.py")) {
      checks.add(sandbox.commands().runAsync(ProcessSpec.of("python3", "-m", "py_compile", file)));
    }
    CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new)).join();
    // end::run-async[]
  }

  /** Draws a terminal's output; here it just prints it. */
  static final class TerminalScreen implements Flow.Subscriber<ByteBuffer> {
    private Flow.Subscription subscription;

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      s.request(1);
    }

    @Override
    public void onNext(ByteBuffer chunk) {
      System.out.print(StandardCharsets.UTF_8.decode(chunk));
      subscription.request(1);
    }

    @Override
    public void onError(Throwable failure) {
      System.err.println(failure);
    }

    @Override
    public void onComplete() {
      System.out.println();
    }
  }
}

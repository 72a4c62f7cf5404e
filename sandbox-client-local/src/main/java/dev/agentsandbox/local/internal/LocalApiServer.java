package dev.agentsandbox.local.internal;

import dev.agentsandbox.client.NoDelayHttpClientFactory;
import dev.agentsandbox.client.internal.ModelKinds;
import dev.agentsandbox.controller.AgentSandboxCrds;
import io.fabric8.kubernetes.api.model.NamedContext;
import io.fabric8.kubernetes.api.model.NamedContextBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Dispatcher;

/**
 * An in-process Kubernetes API server: fabric8's CRUD store behind an HTTP server of its own
 * that answers clients as a kube-apiserver does (version, discovery, JSON with its content type,
 * {@code Status} errors, watches over WebSocket and over streamed HTTP), with the agent-sandbox
 * CRDs shipped with the controller installed and a working {@code pods/portforward}. Plain HTTP
 * on 127.0.0.1, where every local user can connect: so, as a real API server, it answers every
 * request (discovery, watches and port-forwards included) that lacks its bearer token with
 * {@code 401 Unauthorized}.
 */
public final class LocalApiServer implements AutoCloseable {
  private final ApiHttpServer http;
  private final LocalApiDispatcher dispatcher;
  private final ApiCredential credential;
  private final boolean tls;
  private volatile boolean closed;

  private LocalApiServer(ApiHttpServer http, LocalApiDispatcher dispatcher, ApiCredential credential, boolean tls) {
    this.http = http;
    this.dispatcher = dispatcher;
    this.credential = credential;
    this.tls = tls;
  }

  /**
   * Starts the server over plain HTTP on 127.0.0.1 and an ephemeral port, with the CRDs
   * installed and a new random {@link ApiCredential} that every request must present.
   */
  public static LocalApiServer start(PodAddressBook pods) {
    return start(pods, false);
  }

  /**
   * Like {@link #start(PodAddressBook)}; with {@code tls}, over HTTPS with a self-signed
   * certificate made for this server, since clients built on client-go (kubectl) send
   * credentials only over HTTPS.
   */
  public static LocalApiServer start(PodAddressBook pods, boolean tls) {
    ApiCredential credential = ApiCredential.generate();
    LocalApiDispatcher dispatcher = new LocalApiDispatcher(pods, credential);
    // The CRUD store treats status as a subresource only where told to; a real API server
    // does so for pods and services too, and controllers rely on it.
    dispatcher.expectCustomResource(statusContext("", "Pod", "pods"));
    dispatcher.expectCustomResource(statusContext("", "Service", "services"));
    dispatcher.expectCustomResource(statusContext("apps", "Deployment", "deployments"));
    dispatcher.expectCustomResource(statusContext("apps", "ReplicaSet", "replicasets"));
    LocalApiServer api = new LocalApiServer(ApiHttpServer.start(dispatcher, tls), dispatcher, credential, tls);
    try {
      try (KubernetesClient client = api.newClient()) {
        for (CustomResourceDefinition crd : AgentSandboxCrds.load()) {
          client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
        }
        client.apiextensions().v1().customResourceDefinitions().resource(gatewayCrd()).create();
      }
      return api;
    } catch (RuntimeException e) {
      api.close();
      throw e;
    }
  }

  /** Base URL of the API, e.g. {@code http://127.0.0.1:41234}. */
  public String url() {
    // An address, not "localhost": some clients try ::1 first, where nothing listens.
    return (tls ? "https://" : "http://") + InetAddress.getLoopbackAddress().getHostAddress() + ":" + http.port();
  }

  /**
   * Tells {@code listener} of every object stored so far, then of every change to the stored
   * objects as it is made (under the server's write lock: the listener must be quick).
   */
  void addStoreListener(LocalApiDispatcher.StoreListener listener) {
    dispatcher.addStoreListener(listener);
  }

  void removeStoreListener(LocalApiDispatcher.StoreListener listener) {
    dispatcher.removeStoreListener(listener);
  }

  /**
   * Ends every open watch from the server's side, as a restarting API server does; clients are
   * left to watch again. Does not block.
   *
   * @return how many watches were ended
   */
  public int closeWatches() {
    return dispatcher.closeWatches();
  }

  /** How many watches are open and receiving events. */
  public int openWatches() {
    return dispatcher.openWatches();
  }

  /** Whether the server speaks HTTPS, with a self-signed certificate no client can verify. */
  public boolean tls() {
    return tls;
  }

  /**
   * The bearer token every request must carry ({@code Authorization: Bearer <token>}); for the
   * cluster's clients and its kubeconfig only: never log it.
   */
  public String token() {
    return credential.token();
  }

  /**
   * Writes a kubeconfig for this server, with its token, readable by its owner only (see
   * {@code LocalSandboxCluster#writeKubeconfig}); over HTTPS it skips verifying the self-signed
   * certificate, which no CA can vouch for.
   *
   * @return {@code file}
   */
  public Path writeKubeconfig(Path file) {
    NamedContext context = new NamedContextBuilder().withName("agent-sandbox-local")
        .withNewContext().withCluster("agent-sandbox-local").withUser("agent-sandbox-local")
        .withNamespace("default").endContext().build();
    io.fabric8.kubernetes.api.model.Config kubeconfig = new io.fabric8.kubernetes.api.model.ConfigBuilder()
        .withApiVersion("v1").withKind("Config")
        // Over HTTPS the certificate is self-signed: the kubeconfig cannot name a CA to verify it.
        .addNewCluster().withName("agent-sandbox-local").withNewCluster().withServer(url())
        .withInsecureSkipTlsVerify(tls ? Boolean.TRUE : null).endCluster().endCluster()
        .addNewUser().withName("agent-sandbox-local").withNewUser().withToken(token()).endUser().endUser()
        .withContexts(context).withCurrentContext(context.getName())
        .build();
    try {
      OwnerOnlyFiles.write(file, Serialization.asYaml(kubeconfig));
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + file, e);
    }
  }

  /**
   * Client configuration for this server, with its token, that ignores any kubeconfig of the
   * user.
   */
  public Config config(String namespace) {
    return new ConfigBuilder(Config.empty())
        .withMasterUrl(url())
        // A provider, not the token itself: fabric8's Config.toString() shows the token field.
        .withOauthTokenProvider(credential::token)
        .withNamespace(namespace)
        .withTrustCerts(true)
        .withRequestTimeout(30_000)
        .withConnectionTimeout(10_000)
        .build();
  }

  /**
   * A new client in namespace {@code default}; the caller closes it. Its threads are named
   * {@code local-cluster-client-N} and stop when it is closed.
   */
  public KubernetesClient newClient() {
    return newClient("cluster-client");
  }

  /**
   * A new client in namespace {@code default} for one component of the cluster; the caller
   * closes it. Its threads are named {@code local-<component>-N} (tasks) and
   * {@code local-<component>-http-N} (HTTP calls and watch readers), in thread groups of those
   * names, so that a thread dump or a profile tells the components apart; they stop when it is
   * closed.
   */
  public KubernetesClient newClient(String component) {
    KubernetesClient client = new KubernetesClientBuilder().withConfig(config("default"))
        .withHttpClientFactory(new NamedThreadsHttpClientFactory("local-" + component + "-http-"))
        .withTaskExecutorSupplier(new ClientExecutors("local-" + component + "-")).build();
    ModelKinds.register(client);
    return client;
  }

  /** fabric8's OkHttp client, without Nagle's algorithm, whose dispatcher threads carry a component's name. */
  private static final class NamedThreadsHttpClientFactory extends NoDelayHttpClientFactory {
    private final String prefix;

    NamedThreadsHttpClientFactory(String prefix) {
      this.prefix = prefix;
    }

    @Override
    protected Dispatcher initDispatcher() {
      // As OkHttp's own: threads made on demand, idle ones gone after a minute.
      Dispatcher dispatcher = new Dispatcher(new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
          new SynchronousQueue<>(), daemonThreads(prefix)));
      dispatcher.setMaxRequests(Integer.MAX_VALUE);
      dispatcher.setMaxRequestsPerHost(Integer.MAX_VALUE);
      return dispatcher;
    }
  }

  /**
   * Daemon threads named {@code <prefix>N}, in a thread group named after them: a thread's name
   * changes while it runs a call, its group does not.
   */
  private static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger count = new AtomicInteger();
    ThreadGroup group = new ThreadGroup(prefix.substring(0, prefix.length() - 1));
    return r -> {
      Thread t = new Thread(group, r, prefix + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  private static final class ClientExecutors implements KubernetesClientBuilder.ExecutorSupplier {
    private final String prefix;

    ClientExecutors(String prefix) {
      this.prefix = prefix;
    }

    @Override
    public Executor get() {
      return Executors.newCachedThreadPool(daemonThreads(prefix));
    }

    @Override
    public void onClose(Executor executor) {
      ((ExecutorService) executor).shutdownNow();
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    dispatcher.close(); // its TCP client lives on the server's Vert.x instance
    http.close();
  }

  private static CustomResourceDefinitionContext statusContext(String group, String kind, String plural) {
    CustomResourceDefinitionContext.Builder context = new CustomResourceDefinitionContext.Builder()
        .withVersion("v1").withKind(kind).withPlural(plural).withScope("Namespaced").withStatusSubresource(true);
    return (group.isEmpty() ? context : context.withGroup(group)).build();
  }

  /**
   * The Gateway API's Gateway (only its status matters here), so clients can be pointed at the
   * router through a Gateway as on a cluster with a Gateway controller.
   */
  private static CustomResourceDefinition gatewayCrd() {
    return new CustomResourceDefinitionBuilder()
        .withNewMetadata().withName("gateways.gateway.networking.k8s.io").endMetadata()
        .withNewSpec()
        .withGroup("gateway.networking.k8s.io")
        .withScope("Namespaced")
        .withNewNames().withKind("Gateway").withListKind("GatewayList").withPlural("gateways")
        .withSingular("gateway").withShortNames("gtw").endNames()
        .addNewVersion()
        .withName("v1").withServed(true).withStorage(true)
        .withNewSchema().withNewOpenAPIV3Schema().withType("object").withXKubernetesPreserveUnknownFields(true)
        .endOpenAPIV3Schema().endSchema()
        .withNewSubresources().withNewStatus().endStatus().endSubresources()
        .endVersion()
        .endSpec()
        .build();
  }
}

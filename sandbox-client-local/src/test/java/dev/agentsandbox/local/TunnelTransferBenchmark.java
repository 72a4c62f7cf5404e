package dev.agentsandbox.local;

import dev.agentsandbox.client.ConnectionMode;
import dev.agentsandbox.client.SandboxClient;
import dev.agentsandbox.client.SandboxFiles;
import dev.agentsandbox.local.StreamedTransfer.DigestingSink;
import dev.agentsandbox.local.StreamedTransfer.GeneratedStream;
import dev.agentsandbox.local.StreamedTransfer.HeapSampler;
import dev.agentsandbox.runtime.IsolationPolicy;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.function.LongConsumer;

/**
 * Measures large file transfers against the embedded cluster: a streamed upload and download of
 * N MiB through the port-forward tunnel and the router (the default connection), and through the
 * router only (direct mode), each from a generated stream to a digesting sink, checked byte for
 * byte by SHA-256. Prints MB/s per direction and path.
 *
 * <p>Not a test; run with
 * {@code java -cp <test classpath> dev.agentsandbox.local.TunnelTransferBenchmark [MiB] [rounds] [--heap]}
 * (defaults 1024 MiB, 1 round). With {@code --heap} the live heap is sampled every 64 MiB (a full
 * collection each time, which slows the transfers) and its largest growth printed.
 */
public final class TunnelTransferBenchmark {
  private static final String TEMPLATE = "python-runtime-template";

  private TunnelTransferBenchmark() {
  }

  /** Entry point; see the class description for arguments. */
  public static void main(String[] args) throws Exception {
    long size = (args.length > 0 ? Long.parseLong(args[0]) : 1024) << 20;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 1;
    boolean heap = args.length > 2 && args[2].equals("--heap");
    try (LocalSandboxCluster cluster = LocalSandboxCluster.builder().isolation(IsolationPolicy.NONE).start();
        InputStream yaml = TunnelTransferBenchmark.class.getResourceAsStream("/python-runtime-template.yaml")) {
      cluster.apply(yaml);
      InetSocketAddress router = cluster.routerAddress("default");
      String routerUrl = "http://" + router.getAddress().getHostAddress() + ":" + router.getPort();
      System.out.printf(Locale.ROOT, "TunnelTransferBenchmark: %d MiB, %d rounds, %d cores, Java %s, heap sampling %s%n",
          size >> 20, rounds, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
          heap ? "on" : "off");
      try (SandboxClient tunnel = SandboxClient.builder().kubernetesClient(cluster.client())
              .templateName(TEMPLATE).connection(cluster.tunnel()).build();
          SandboxClient direct = SandboxClient.builder().kubernetesClient(cluster.client())
              .templateName(TEMPLATE)
              .connection(ConnectionMode.direct(routerUrl).withAuthToken(cluster.routerAuthToken())).build()) {
        for (int round = 1; round <= rounds; round++) {
          transfer("tunnel + router", tunnel.files(), size, round, heap);
          transfer("router only (direct mode)", direct.files(), size, round, heap);
        }
      }
    }
  }

  private static void transfer(String path, SandboxFiles files, long size, int round, boolean sampleHeap) {
    HeapSampler sampler = sampleHeap ? new HeapSampler() : null;
    LongConsumer progress = sampler != null ? sampler : bytes -> { };
    GeneratedStream source = new GeneratedStream(size, round, progress);
    long start = System.nanoTime();
    files.upload("benchmark.bin", source);
    long up = System.nanoTime() - start;
    DigestingSink sink = new DigestingSink(progress);
    start = System.nanoTime();
    files.download("benchmark.bin", sink);
    long down = System.nanoTime() - start;
    if (sink.received() != size || !sink.sha256Hex().equals(source.sha256Hex())) {
      throw new IllegalStateException(path + ": the download differs from the upload");
    }
    System.out.printf(Locale.ROOT, "round %d, %-26s upload %7.1f MB/s (%5.1f s)   download %7.1f MB/s (%5.1f s)%s%n",
        round, path, size / 1e6 / (up / 1e9), up / 1e9, size / 1e6 / (down / 1e9), down / 1e9,
        sampler != null ? String.format(Locale.ROOT, "   live heap +%d MiB at most", sampler.peakGrowth() >> 20) : "");
  }
}

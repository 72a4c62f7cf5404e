package dev.agentsandbox.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import dev.agentsandbox.client.internal.sandboxd.ExecuteRequest;
import dev.agentsandbox.client.internal.sandboxd.ExecuteResponse;
import dev.agentsandbox.client.internal.sandboxd.PTY;
import dev.agentsandbox.client.internal.sandboxd.ProcessConfig;
import dev.agentsandbox.client.internal.sandboxd.ProcessServiceGrpc;
import dev.agentsandbox.client.internal.sandboxd.ResizeTTYRequest;
import dev.agentsandbox.client.internal.sandboxd.SendSignalRequest;
import dev.agentsandbox.client.internal.sandboxd.Signal;
import dev.agentsandbox.client.internal.sandboxd.StartRequest;
import dev.agentsandbox.client.internal.sandboxd.StartResponse;
import dev.agentsandbox.client.internal.sandboxd.WriteStdinRequest;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** sandboxd's gRPC process API on our runtime, through grpc-java's OkHttp client. */
class ProcessServiceTest extends RuntimeServerTestBase {
  private static final long WAIT_SECONDS = 20;

  private ManagedChannel channel;
  private ProcessServiceGrpc.ProcessServiceBlockingStub blocking;
  private ProcessServiceGrpc.ProcessServiceStub async;

  @Override
  RuntimeOptions.Builder options() {
    return super.options().sandboxd(0, -1);
  }

  @BeforeEach
  void connect() {
    channel = NettyChannelBuilder.forAddress(server.host(), server.sandboxdGrpcPort())
        .usePlaintext().build();
    blocking = ProcessServiceGrpc.newBlockingStub(channel).withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS);
    async = ProcessServiceGrpc.newStub(channel);
  }

  @AfterEach
  void disconnect() throws InterruptedException {
    channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
  }

  private static ProcessConfig command(String... argv) {
    return ProcessConfig.newBuilder().addAllCommand(List.of(argv)).build();
  }

  /** The events of one {@code Start} call, as they arrive. */
  private static final class Events implements ClientResponseObserver<StartRequest, StartResponse> {
    final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    volatile ClientCallStreamObserver<StartRequest> call;

    @Override
    public void beforeStart(ClientCallStreamObserver<StartRequest> requestStream) {
      call = requestStream;
    }

    @Override
    public void onNext(StartResponse value) {
      queue.add(value);
    }

    @Override
    public void onError(Throwable t) {
      queue.add(t);
    }

    @Override
    public void onCompleted() {
      queue.add("completed");
    }

    Object next() throws InterruptedException {
      Object event = queue.poll(WAIT_SECONDS, TimeUnit.SECONDS);
      assertNotNull(event, "no event within " + WAIT_SECONDS + "s");
      return event;
    }

    StartResponse response() throws InterruptedException {
      Object event = next();
      assertTrue(event instanceof StartResponse, () -> "expected a message, got " + event);
      return (StartResponse) event;
    }

    int processId() throws InterruptedException {
      StartResponse first = response();
      assertTrue(first.hasInit(), () -> "first event is not init: " + first);
      return first.getInit().getProcessId();
    }

    /** Reads stdout until it ends with {@code suffix}; stderr is collected too. */
    String stdoutUntil(String suffix) throws Exception {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      while (!out.toString(StandardCharsets.UTF_8).endsWith(suffix)) {
        StartResponse event = response();
        assertFalse(event.hasExit(), () -> "exited before '" + suffix + "': " + out);
        event.getStdout().writeTo(out);
      }
      return out.toString(StandardCharsets.UTF_8);
    }

    /** Reads the rest: output until exit, then the end of the call. */
    Finished finish() throws Exception {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      while (true) {
        StartResponse event = response();
        if (event.hasExit()) {
          assertEquals("completed", next());
          return new Finished(event.getExit().getExitCode(), out.toString(StandardCharsets.UTF_8),
              err.toString(StandardCharsets.UTF_8));
        }
        event.getStdout().writeTo(out);
        event.getStderr().writeTo(err);
      }
    }
  }

  private record Finished(int exitCode, String stdout, String stderr) {
  }

  private Events start(StartRequest request) {
    Events events = new Events();
    async.start(request, events);
    return events;
  }

  private Events start(ProcessConfig config) {
    return start(StartRequest.newBuilder().setConfig(config).build());
  }

  private void write(int processId, String text) {
    blocking.writeStdin(WriteStdinRequest.newBuilder().setProcessId(processId)
        .setInput(ByteString.copyFromUtf8(text)).build());
  }

  private void eof(int processId) {
    blocking.writeStdin(WriteStdinRequest.newBuilder().setProcessId(processId)
        .setEof(Empty.getDefaultInstance()).build());
  }

  private void signal(int processId, Signal signal) {
    blocking.sendSignal(SendSignalRequest.newBuilder().setProcessId(processId).setSignal(signal).build());
  }

  private static Status.Code codeOf(Runnable call) {
    return assertThrows(StatusRuntimeException.class, call::run).getStatus().getCode();
  }

  @Test
  void startStreamsOutputWhileTheProcessRuns() throws Exception {
    Events events = start(command("sh", "-c", "echo start; read line; echo \"got $line\"; echo oops >&2; exit 3"));
    int id = events.processId();
    assertEquals("start\n", events.stdoutUntil("start\n"));
    // The process waits for input: the first line arrived before it could end.
    assertEquals(1, server.runningProcesses());
    write(id, "more\n");
    Finished rest = events.finish();
    assertEquals(3, rest.exitCode());
    assertEquals("got more\n", rest.stdout());
    assertEquals("oops\n", rest.stderr());
  }

  @Test
  void stdinIsWrittenInOrderAndEofEndsTheProcess() throws Exception {
    Events events = start(command("cat"));
    int id = events.processId();
    write(id, "hello ");
    write(id, "world");
    eof(id);
    Finished rest = events.finish();
    assertEquals(0, rest.exitCode());
    assertEquals("hello world", rest.stdout());
  }

  @Test
  void writingAfterEofFails() throws Exception {
    Events events = start(command("sh", "-c", "cat; read -r x || true; sleep 30"));
    int id = events.processId();
    eof(id);
    assertEquals(Status.Code.INTERNAL, codeOf(() -> write(id, "late")));
    signal(id, Signal.SIGNAL_SIGKILL);
    assertEquals(137, events.finish().exitCode());
  }

  @Test
  void signalsEndTheProcessGroup() throws Exception {
    Events interrupted = start(command("sh", "-c", "echo ready; sleep 100; echo never"));
    int first = interrupted.processId();
    interrupted.stdoutUntil("ready\n");
    signal(first, Signal.SIGNAL_SIGINT);
    Finished byInterrupt = interrupted.finish();
    assertEquals(130, byInterrupt.exitCode());
    assertEquals("", byInterrupt.stdout());

    Events terminated = start(command("sleep", "100"));
    int second = terminated.processId();
    signal(second, Signal.SIGNAL_SIGTERM);
    assertEquals(143, terminated.finish().exitCode());
  }

  @Test
  void cancellingStartKillsTheProcess() throws Exception {
    Path marker = base.resolve("survived");
    Events events = start(command("sh", "-c", "echo ready; sleep 3; touch survived"));
    events.processId();
    events.stdoutUntil("ready\n");
    events.call.cancel("the client went away", null);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    while (server.runningProcesses() > 0 && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertEquals(0, server.runningProcesses());
    assertFalse(Files.exists(marker));
  }

  @Test
  void unknownProcessesAreNotFound() {
    assertEquals(Status.Code.NOT_FOUND, codeOf(() -> write(4242, "x")));
    assertEquals(Status.Code.NOT_FOUND, codeOf(() -> signal(4242, Signal.SIGNAL_SIGTERM)));
    assertEquals(Status.Code.NOT_FOUND, codeOf(() -> blocking.resizeTTY(
        ResizeTTYRequest.newBuilder().setProcessId(4242).setCols(80).setRows(24).build())));
  }

  @Test
  void badRequestsAreInvalidArguments() throws Exception {
    assertEquals(Status.Code.INVALID_ARGUMENT, codeOf(() -> blocking.execute(
        ExecuteRequest.newBuilder().setConfig(ProcessConfig.getDefaultInstance()).build())));
    assertEquals(Status.Code.INVALID_ARGUMENT, codeOf(() -> blocking.execute(ExecuteRequest.newBuilder()
        .setConfig(command("true").toBuilder().putEnvVars("A=B", "c")).build())));
    Events events = start(command("sleep", "100"));
    int id = events.processId();
    assertEquals(Status.Code.INVALID_ARGUMENT, codeOf(() -> signal(id, Signal.SIGNAL_UNSPECIFIED)));
    // As sandboxd: a write without payload does nothing.
    blocking.writeStdin(WriteStdinRequest.newBuilder().setProcessId(id).build());
    signal(id, Signal.SIGNAL_SIGKILL);
    assertEquals(137, events.finish().exitCode());
  }

  @Test
  void aMissingProgramIsNotFoundAndANonExecutableOnePermissionDenied() throws Exception {
    assertEquals(Status.Code.NOT_FOUND, codeOf(() -> blocking.execute(ExecuteRequest.newBuilder()
        .setConfig(command("/no/such/program")).build())));
    assertEquals(Status.Code.NOT_FOUND, codeOf(() -> blocking.execute(ExecuteRequest.newBuilder()
        .setConfig(command("no-such-program-on-the-path")).build())));
    Files.writeString(base.resolve("script.sh"), "echo hi");
    assertEquals(Status.Code.PERMISSION_DENIED, codeOf(() -> blocking.execute(ExecuteRequest.newBuilder()
        .setConfig(command("./script.sh")).build())));
    Events events = start(command("/no/such/program"));
    Object failure = events.next();
    assertTrue(failure instanceof StatusRuntimeException, () -> "no init is sent: " + failure);
    assertEquals(Status.Code.NOT_FOUND, ((StatusRuntimeException) failure).getStatus().getCode());
  }

  @Test
  void aWorkingDirectoryLeadingOutsideTheRootIsPermissionDenied() throws Exception {
    Files.createSymbolicLink(base.resolve("escape"), temp);
    for (String cwd : List.of("..", "../..", "escape", "escape/base")) {
      assertEquals(Status.Code.PERMISSION_DENIED, codeOf(() -> blocking.execute(ExecuteRequest.newBuilder()
          .setConfig(command("pwd").toBuilder().setCwd(cwd)).build())), cwd);
      Events events = start(command("pwd").toBuilder().setCwd(cwd).build());
      Object failure = events.next();
      assertTrue(failure instanceof StatusRuntimeException, () -> cwd + ": " + failure);
      assertEquals(Status.Code.PERMISSION_DENIED, ((StatusRuntimeException) failure).getStatus().getCode());
    }
  }

  @Test
  void anAbsoluteWorkingDirectoryIsTakenFromTheRootAndAMissingOneIsNotFound() throws Exception {
    assertEquals(Status.Code.NOT_FOUND, codeOf(() -> blocking.execute(ExecuteRequest.newBuilder()
        .setConfig(command("pwd").toBuilder().setCwd("/etc")).build())));
    Files.createDirectory(base.resolve("etc"));
    ExecuteResponse rerooted = blocking.execute(ExecuteRequest.newBuilder()
        .setConfig(command("pwd").toBuilder().setCwd("/etc")).build());
    assertEquals(base.resolve("etc") + "\n", rerooted.getStdout().toStringUtf8());
  }

  @Test
  void executeRunsToCompletionWithEnvironmentAndDirectory() throws Exception {
    Files.createDirectories(base.resolve("sub/dir"));
    ExecuteResponse response = blocking.execute(ExecuteRequest.newBuilder().setConfig(
        command("sh", "-c", "pwd; echo \"$GREETING\"; echo warn >&2; exit 4").toBuilder()
            .putEnvVars("GREETING", "hi there").setCwd("sub/dir")).build());
    assertEquals(4, response.getExitCode());
    assertEquals(base.resolve("sub/dir") + "\nhi there\n", response.getStdout().toStringUtf8());
    assertEquals("warn\n", response.getStderr().toStringUtf8());
    ExecuteResponse absolute = blocking.execute(ExecuteRequest.newBuilder().setConfig(
        command("pwd").toBuilder().setCwd(base.resolve("sub").toString())).build());
    assertEquals(base.resolve("sub") + "\n", absolute.getStdout().toStringUtf8());
  }

  @Test
  void executeIsBoundedInOutputAndTime() {
    SandboxRuntimeServer small = start(options -> options.maxOutputBytes(1000)
        .execTimeout(Duration.ofMillis(500)));
    ManagedChannel other = NettyChannelBuilder.forAddress(small.host(), small.sandboxdGrpcPort())
        .usePlaintext().build();
    try {
      ProcessServiceGrpc.ProcessServiceBlockingStub stub = ProcessServiceGrpc.newBlockingStub(other)
          .withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS);
      assertEquals(Status.Code.RESOURCE_EXHAUSTED, codeOf(() -> stub.execute(ExecuteRequest.newBuilder()
          .setConfig(command("head", "-c", "5000", "/dev/zero")).build())));
      assertEquals(Status.Code.DEADLINE_EXCEEDED, codeOf(() -> stub.execute(ExecuteRequest.newBuilder()
          .setConfig(command("sleep", "30")).build())));
    } finally {
      other.shutdownNow();
    }
  }

  @Test
  void aTerminalProcessSeesItsTerminalAndItsSize() throws Exception {
    Events events = start(StartRequest.newBuilder()
        .setConfig(command("sh", "-c", "tty; stty size; read line; stty size"))
        .setPty(PTY.newBuilder().setCols(91).setRows(17)).build());
    int id = events.processId();
    String first = events.stdoutUntil("17 91\r\n");
    assertTrue(first.startsWith("/dev/pts/"), first);
    blocking.resizeTTY(ResizeTTYRequest.newBuilder().setProcessId(id).setCols(120).setRows(40).build());
    write(id, "go\n");
    Finished rest = events.finish();
    assertEquals(0, rest.exitCode());
    assertTrue(rest.stdout().endsWith("40 120\r\n"), rest.stdout());
  }

  @Test
  void anInterruptTypedRightAfterTheStartReachesTheTerminalsCommand() throws Exception {
    // As through kubectl exec -t: Ctrl-C may be typed before the command has taken its terminal.
    Events events = start(StartRequest.newBuilder().setConfig(command("sleep", "100"))
        .setPty(PTY.newBuilder().setCols(80).setRows(24)).build());
    int id = events.processId();
    blocking.resizeTTY(ResizeTTYRequest.newBuilder().setProcessId(id).setCols(100).setRows(30).build());
    write(id, "\u0003");
    assertEquals(130, events.finish().exitCode());
  }

  @Test
  void resizingAProcessWithoutTerminalIsAFailedPrecondition() throws Exception {
    Events events = start(command("sleep", "100"));
    int id = events.processId();
    assertEquals(Status.Code.FAILED_PRECONDITION, codeOf(() -> blocking.resizeTTY(
        ResizeTTYRequest.newBuilder().setProcessId(id).setCols(80).setRows(24).build())));
    signal(id, Signal.SIGNAL_SIGKILL);
    assertEquals(137, events.finish().exitCode());
  }

  @Test
  void anAccessTokenIsRequiredWhenConfigured() {
    SandboxRuntimeServer guarded = start(options -> options.accessToken("s3cret-token"));
    ManagedChannel other = NettyChannelBuilder.forAddress(guarded.host(), guarded.sandboxdGrpcPort())
        .usePlaintext().build();
    try {
      ProcessServiceGrpc.ProcessServiceBlockingStub anonymous = ProcessServiceGrpc.newBlockingStub(other)
          .withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS);
      ExecuteRequest request = ExecuteRequest.newBuilder().setConfig(command("true")).build();
      assertEquals(Status.Code.UNAUTHENTICATED, codeOf(() -> anonymous.execute(request)));
      Metadata headers = new Metadata();
      headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer s3cret-token");
      assertEquals(0, anonymous.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
          .execute(request).getExitCode());
    } finally {
      other.shutdownNow();
    }
  }
}

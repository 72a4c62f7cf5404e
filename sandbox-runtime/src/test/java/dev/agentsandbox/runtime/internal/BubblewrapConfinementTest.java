package dev.agentsandbox.runtime.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.agentsandbox.runtime.OtherUser;
import dev.agentsandbox.runtime.OtherUser.Result;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The attacks a command could try from inside bubblewrap, with bwrap started by the runtime's
 * own user (root here and in CI) and by an unprivileged user. The two sandboxes' directories
 * lie in one tree outside {@code /tmp} (which bubblewrap has always replaced), as with
 * {@code LocalSandboxCluster.builder().workDir(..)}, so a host view that exposed that tree would
 * be caught. The tree is under {@code /var/tmp}, which every user can traverse, so the
 * unprivileged user can start bwrap in it wherever the project lies.
 */
class BubblewrapConfinementTest {

  /**
   * Who starts bwrap: the runtime's user, a second, unprivileged one, or root without a user
   * namespace (as on hosts that forbid them).
   */
  enum Starter {
    RUNTIME_USER, UNPRIVILEGED_USER, ROOT_WITHOUT_USER_NAMESPACE
  }

  private static final long TIMEOUT_SECONDS = 30;
  private static final String SECRET = "the other sandbox's secret";

  private Path bwrap;
  private Path pods;
  private Path mine;
  private Path theirs;
  private final List<AutoCloseable> open = new ArrayList<>();

  @BeforeEach
  void createTwoSandboxDirectories() throws IOException {
    bwrap = BubblewrapProbe.locate();
    assumeTrue(BubblewrapProbe.problem(bwrap).isEmpty(), "bubblewrap does not work here");
    Path parent = Path.of("/var/tmp");
    if (!Files.isDirectory(parent) || !Files.isWritable(parent)) {
      parent = Files.createDirectories(Path.of("target"));
    }
    pods = Files.createTempDirectory(parent, "bwrap-pods").toRealPath();
    Files.setPosixFilePermissions(pods, PosixFilePermissions.fromString("rwxr-xr-x"));
    mine = Files.createDirectories(pods.resolve("default/mine"));
    theirs = Files.createDirectories(pods.resolve("default/theirs"));
    for (Path dir : List.of(pods.resolve("default"), mine, theirs)) {
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
    }
    // Written as the runtime writes uploads: with the default umask, readable by all.
    Files.writeString(theirs.resolve("secret.txt"), SECRET);
    Files.setPosixFilePermissions(theirs.resolve("secret.txt"),
        PosixFilePermissions.fromString("rw-r--r--"));
  }

  @AfterEach
  void deleteDirectories() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    if (pods != null) {
      try (Stream<Path> walk = Files.walk(pods)) {
        walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Starter.class)
  void R7_commandsHaveNoCapabilities(Starter starter) throws Exception {
    Result status = sandboxed(starter, "grep", "-E", "^(Cap|NoNewPrivs)", "/proc/self/status");

    assertEquals(0, status.exitCode(), status.output());
    for (String set : List.of("CapInh", "CapPrm", "CapEff", "CapAmb")) {
      assertContains(status.output(), set + ":\t0000000000000000");
    }
    // No executable can bring capabilities back: no setuid, no file capabilities, and as root
    // without a user namespace not even root's own at exec.
    assertContains(status.output(), "NoNewPrivs:\t1");
    if (starter != Starter.ROOT_WITHOUT_USER_NAMESPACE) {
      assertContains(status.output(), "CapBnd:\t0000000000000000");
    }
  }

  @ParameterizedTest
  @EnumSource(Starter.class)
  void R7_remountingTheRootReadWriteFails(Starter starter) throws Exception {
    Result remount = sandboxed(starter, "sh", "-c",
        "mount -o remount,rw / && echo remounted; mount -o remount,rw /usr && echo remounted");

    assertFalse(remount.output().contains("remounted"), remount.output());
  }

  @ParameterizedTest
  @EnumSource(Starter.class)
  void R7_writingAHostFileFails(Starter starter) throws Exception {
    Path probe = Path.of("/etc/agent-sandbox-r7-probe-" + ProcessHandle.current().pid());
    Path besideTheSandbox = pods.resolve("default/escaped.txt");
    try {
      Result write = sandboxed(starter, "sh", "-c",
          "mount -o remount,rw / 2>/dev/null; mount -o remount,rw /etc 2>/dev/null; "
              + "echo x > " + probe + "; echo x > " + besideTheSandbox + "; echo x > "
              + theirs.resolve("secret.txt"));

      assertFalse(Files.exists(probe), "a command wrote " + probe + ": " + write.output());
      assertFalse(Files.exists(besideTheSandbox), write.output());
      assertEquals(SECRET, Files.readString(theirs.resolve("secret.txt")));
    } finally {
      Files.deleteIfExists(probe);
    }
  }

  @ParameterizedTest
  @EnumSource(Starter.class)
  void R7_hostSecretsAreNotReadable(Starter starter) throws Exception {
    for (String secret : List.of("/etc/shadow", "/etc/gshadow")) {
      assumeTrue(Files.exists(Path.of(secret)), secret + " does not exist here");
      Result read = sandboxed(starter, "cat", secret);

      // Covered by /dev/null, bound without device access: opening it fails.
      assertNotEquals(0, read.exitCode(), read.output());
      assertFalse(read.output().contains("root:"), "read " + secret);
    }
    Result home = sandboxed(starter, "ls", "-a", "/root", "/home");
    assertNotEquals(0, home.exitCode(), home.output());
    assertFalse(home.output().contains(".."), home.output());
  }

  @ParameterizedTest
  @EnumSource(Starter.class)
  void publicHostFilesStayReadable(Starter starter) throws Exception {
    Result read = sandboxed(starter, "sh", "-c", "head -c 5 /etc/passwd && ls /usr/bin/sh");

    assertEquals(0, read.exitCode(), read.output());
    assertEquals("root:/usr/bin/sh\n", read.output());
  }

  @ParameterizedTest
  @EnumSource(value = Starter.class, names = {"RUNTIME_USER", "UNPRIVILEGED_USER"})
  void commandsRunAsNobodyAndTheirFilesBelongToTheStarter(Starter starter) throws Exception {
    Result id = sandboxed(starter, "sh", "-c", "id -u && id -g && touch made.txt");

    assertEquals("65534\n65534\n", id.output());
    int expectedOwner = starter == Starter.RUNTIME_USER
        ? (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") : OtherUser.ID;
    assertEquals(expectedOwner, Files.getAttribute(mine.resolve("made.txt"), "unix:uid"));
  }

  @ParameterizedTest
  @EnumSource(Starter.class)
  void R7_anotherSandboxesDirectoryIsNotReadable(Starter starter) throws Exception {
    Result read = sandboxed(starter, "cat", theirs.resolve("secret.txt").toString(),
        "../theirs/secret.txt");
    Result list = sandboxed(starter, "ls", "-a", pods.resolve("default").toString());

    assertNotEquals(0, read.exitCode(), read.output());
    assertFalse(read.output().contains(SECRET), read.output());
    // The base directory's parents exist inside, as empty mount points, and nothing else.
    assertFalse(list.output().contains("theirs"), list.output());
  }

  @ParameterizedTest
  @EnumSource(Starter.class)
  void R7_hostUnixSocketsCannotBeReached(Starter starter) throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "python3 is needed to connect");
    Path socketFile = pods.resolve("host.sock");
    ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    open.add(listener);
    listener.bind(UnixDomainSocketAddress.of(socketFile));
    listener.configureBlocking(false);
    Files.setPosixFilePermissions(socketFile, PosixFilePermissions.fromString("rwxrwxrwx"));
    String connect = "import socket; s = socket.socket(socket.AF_UNIX); s.connect('" + socketFile
        + "'); print('connected')";

    Result sandboxed = sandboxed(starter, "/usr/bin/python3", "-c", connect);

    assertNotEquals(0, sandboxed.exitCode(), sandboxed.output());
    assertNull(listener.accept(), "a sandboxed command connected to a host socket");
    // Control: the same client, unconfined, does connect, so the socket was reachable.
    Result control = OtherUser.run(asStarter(starter,
        List.of("/usr/bin/python3", "-c", connect)), mine, TIMEOUT_SECONDS);
    assertEquals(0, control.exitCode(), control.output());
    awaitAccept(listener).close();
  }

  private Result sandboxed(Starter starter, String... command) throws Exception {
    BubblewrapIsolation isolation = new BubblewrapIsolation(bwrap,
        starter != Starter.ROOT_WITHOUT_USER_NAMESPACE);
    if (starter == Starter.ROOT_WITHOUT_USER_NAMESPACE) {
      assumeTrue(OtherUser.unavailable().isEmpty(), "bubblewrap without a user namespace needs root");
      assumeTrue(BubblewrapProbe.problem(isolation).isEmpty(),
          () -> "bubblewrap without a user namespace does not work here: "
              + BubblewrapProbe.problem(isolation).orElse(""));
    }
    if (starter == Starter.UNPRIVILEGED_USER) {
      Result works = OtherUser.run(asStarter(starter, isolation.wrap(List.of("true"), mine)),
          mine, TIMEOUT_SECONDS);
      assumeTrue(works.exitCode() == 0,
          "bubblewrap does not work for an unprivileged user here: " + works.output());
    }
    return OtherUser.run(asStarter(starter, isolation.wrap(List.of(command), mine)), mine,
        TIMEOUT_SECONDS);
  }

  private static List<String> asStarter(Starter starter, List<String> argv) {
    if (starter != Starter.UNPRIVILEGED_USER) {
      return argv;
    }
    assumeTrue(OtherUser.unavailable().isEmpty(),
        () -> "cannot run as a second user: " + OtherUser.unavailable().orElse(""));
    return OtherUser.command(argv);
  }

  private static SocketChannel awaitAccept(ServerSocketChannel listener) throws IOException {
    // The client has exited after connecting, so the connection is queued already.
    SocketChannel accepted = listener.accept();
    if (accepted == null) {
      throw new AssertionError("the unconfined control client did not connect");
    }
    return accepted;
  }

  private static void assertContains(String text, String part) {
    if (!text.contains(part)) {
      throw new AssertionError("expected '" + part + "' in:\n" + text);
    }
  }
}

package dev.agentsandbox.runtime.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileWorkersTest {

  @TempDir
  Path temp;

  Vertx vertx;
  FileWorkers workers;
  ConfinedPaths paths;

  @BeforeEach
  void setUp() throws IOException {
    vertx = Vertx.vertx();
    // One thread: a later task can only run once the blocked open has been released.
    workers = new FileWorkers(vertx, "test", 1, Duration.ofMillis(200));
    paths = new ConfinedPaths(temp.toRealPath());
  }

  @AfterEach
  void tearDown() throws Exception {
    workers.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static void mkfifo(Path path) throws Exception {
    Process process = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
    assertEquals(0, process.waitFor());
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** Opens a FIFO as ConfinedPaths does after a command swapped it in for a file. */
  Future<Object> openAsFile(String name) {
    return workers.submit("Opening " + name, () -> {
      try (ConfinedPaths.Location location = paths.locate(name)) {
        return location.openFile();
      }
    }, channel -> { });
  }

  @Test
  void R12_anOpenBlockedOnAFifoIsAnsweredAtItsDeadlineAndReleased() throws Exception {
    mkfifo(temp.resolve("pipe"));

    ExecutionException late = assertThrows(ExecutionException.class,
        () -> await(openAsFile("pipe")));
    assertInstanceOf(FileWorkers.DeadlineException.class, late.getCause());

    // The only thread was freed: the open returned once released, and was refused.
    assertEquals("ran", await(workers.submit("next", () -> "ran", ignored -> { })));
  }

  @Test
  void R12_aFifoOpenedAsADirectoryIsReleasedAndRefused() throws Exception {
    mkfifo(temp.resolve("pipe"));

    ExecutionException late = assertThrows(ExecutionException.class,
        () -> await(workers.submit("Listing pipe", () -> {
          try (ConfinedPaths.Location location = paths.locate("pipe")) {
            return location.openDirectory();
          }
        }, ignored -> { })));
    assertInstanceOf(FileWorkers.DeadlineException.class, late.getCause());

    assertEquals("ran", await(workers.submit("next", () -> "ran", ignored -> { })));
  }

  @Test
  void R12_anOpenReleasedBeforeItsDeadlineIsRefusedAsNotARegularFile() throws Exception {
    Path pipe = temp.resolve("pipe");
    mkfifo(pipe);
    FileWorkers patient = new FileWorkers(vertx, "patient", 1, Duration.ofSeconds(30));
    try {
      Future<Object> open = patient.submit("Opening pipe", () -> {
        try (ConfinedPaths.Location location = paths.locate("pipe")) {
          return location.openFile();
        }
      }, channel -> { });
      // A writer (such as a command in the sandbox) lets the open return before the deadline.
      Files.newByteChannel(pipe, java.nio.file.StandardOpenOption.WRITE).close();

      ExecutionException refused = assertThrows(ExecutionException.class, () -> await(open));
      assertInstanceOf(ConfinedPaths.ChangedWhileOpenedException.class, refused.getCause());
    } finally {
      patient.close();
    }
  }
}

package dev.agentsandbox.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.MediaType;
import okhttp3.MultipartBody;
import okhttp3.Request;
import okhttp3.RequestBody;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a command in the sandbox can do while the runtime works on a file: replace a directory
 * or the runtime's own temporary file with a symbolic link to a host directory. The host
 * directory here is a directory the test owns outside the base directory; nothing may ever be
 * written there or read from it.
 */
class SymlinkRaceTest extends RuntimeServerTestBase {

  static final MediaType OCTETS = MediaType.get("application/octet-stream");
  static final int ATTEMPTS = 300;
  static final String SECRET = "HOST-SECRET";

  Path host;
  Path victim;
  Racer racer;

  @BeforeEach
  void hostFiles() throws IOException {
    host = Files.createDirectory(temp.resolve("host"));
    victim = Files.writeString(host.resolve("victim.txt"), "untouched");
    Files.writeString(host.resolve("secret.txt"), SECRET);
    Files.writeString(host.resolve("host-only-name"), SECRET);
  }

  @AfterEach
  void stopRacer() throws InterruptedException {
    if (racer != null) {
      racer.stop();
    }
  }

  HttpResult upload(String filename, String content) {
    RequestBody form = new MultipartBody.Builder().setType(MultipartBody.FORM)
        .addFormDataPart("file", filename, RequestBody.create(content, OCTETS)).build();
    return call(new Request.Builder().url(url(server, "/upload")).post(form).build());
  }

  /** Swaps {@code base/dir} between a real directory and a link to the host directory. */
  Racer swapDirectoryForLink() throws IOException {
    Path dir = base.resolve("dir");
    Path aside = base.resolve("dir-aside");
    Files.createDirectory(dir);
    Files.writeString(dir.resolve("secret.txt"), "inside");
    return Racer.start(() -> {
      Files.move(dir, aside);
      Files.createSymbolicLink(dir, host);
      Files.delete(dir);
      Files.move(aside, dir);
    });
  }

  void assertHostUntouched() throws IOException {
    assertEquals("untouched", Files.readString(victim));
    assertEquals(SECRET, Files.readString(host.resolve("secret.txt")));
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(host)) {
      List<String> names = new ArrayList<>();
      entries.forEach(p -> names.add(p.getFileName().toString()));
      names.sort(null);
      assertEquals(List.of("host-only-name", "secret.txt", "victim.txt"), names);
    }
  }

  @Test
  void R9_uploadTempFileSwappedForALinkNeverWritesTheHostFile() throws Exception {
    racer = Racer.start(() -> {
      try (DirectoryStream<Path> entries = Files.newDirectoryStream(base, ".sandbox-upload-*")) {
        for (Path entry : entries) {
          if (!Files.isSymbolicLink(entry)) {
            Files.delete(entry);
            Files.createSymbolicLink(entry, victim);
          }
        }
      }
    });

    for (int i = 0; i < ATTEMPTS; i++) {
      int status = upload("up-" + i + ".txt", "payload " + i).status();
      assertTrue(Set.of(200, 403, 500).contains(status), "status " + status);
    }

    racer.stop();
    assertTrue(racer.rounds() > 0);
    assertHostUntouched();
  }

  @Test
  void R9_uploadIntoADirectorySwappedForALinkNeverWritesOutside() throws Exception {
    racer = swapDirectoryForLink();

    for (int i = 0; i < ATTEMPTS; i++) {
      int status = upload("dir/up-" + i + ".txt", "payload").status();
      assertTrue(Set.of(200, 403, 500).contains(status), "status " + status);
    }

    racer.stop();
    assertHostUntouched();
  }

  @Test
  void R9_downloadThroughADirectorySwappedForALinkNeverServesAHostFile() throws Exception {
    racer = swapDirectoryForLink();

    int served = 0;
    for (int i = 0; i < ATTEMPTS; i++) {
      HttpResult result = get("/download/dir%2Fsecret.txt");
      assertFalse(result.text().contains(SECRET), "served the host file");
      if (result.status() == 200) {
        assertEquals("inside", result.text());
        served++;
      } else {
        assertTrue(Set.of(403, 404).contains(result.status()), "status " + result.status());
      }
    }

    racer.stop();
    assertTrue(served > 0, "never served the file inside the sandbox");
  }

  @Test
  void R9_listAndExistsThroughADirectorySwappedForALinkNeverShowAHostDirectory()
      throws Exception {
    racer = swapDirectoryForLink();

    for (int i = 0; i < ATTEMPTS; i++) {
      HttpResult list = get("/list/dir");
      assertFalse(list.text().contains("host-only-name"), "listed the host directory");
      assertTrue(Set.of(200, 403, 404).contains(list.status()), "status " + list.status());
      HttpResult exists = get("/exists/dir%2Fhost-only-name");
      assertTrue(exists.status() == 403 || exists.text().endsWith("\"exists\":false}"),
          "revealed a host file: " + exists.text());
    }
  }

  @Test
  void R9_uploadCreatingDirectoriesUnderALinkSwappedInNeverCreatesThemOutside()
      throws Exception {
    Path parent = base.resolve("made");
    racer = Racer.start(() -> {
      if (Files.isDirectory(parent, LinkOption.NOFOLLOW_LINKS)) {
        Files.move(parent, base.resolve("made-" + System.nanoTime()),
            StandardCopyOption.ATOMIC_MOVE);
        Files.createSymbolicLink(parent, host);
        Files.delete(parent);
      }
    });

    for (int i = 0; i < ATTEMPTS; i++) {
      upload("made/sub-" + i + "/f.txt", "payload");
    }

    racer.stop();
    assertHostUntouched();
  }

  /** A thread repeating a step that may fail when it races with the runtime, until stopped. */
  static final class Racer {
    interface Step {
      void run() throws IOException;
    }

    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong rounds = new AtomicLong();
    private final Thread thread;

    private Racer(Step step) {
      thread = new Thread(() -> {
        while (running.get()) {
          try {
            step.run();
          } catch (IOException raced) {
            // The runtime or the previous round moved something; try again.
          }
          rounds.incrementAndGet();
        }
      }, "symlink-racer");
      thread.setDaemon(true);
    }

    static Racer start(Step step) {
      Racer racer = new Racer(step);
      racer.thread.start();
      return racer;
    }

    long rounds() {
      return rounds.get();
    }

    void stop() throws InterruptedException {
      running.set(false);
      thread.join(TimeUnit.SECONDS.toMillis(10));
      assertFalse(thread.isAlive(), "racer did not stop");
    }
  }
}

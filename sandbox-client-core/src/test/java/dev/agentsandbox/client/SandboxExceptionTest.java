package dev.agentsandbox.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class SandboxExceptionTest {

  @Test
  void aKubernetesFailureGivesItsStatusCode() {
    KubernetesClientException forbidden = new KubernetesClientException("forbidden", 403, null);

    SandboxException e = new SandboxException("Cannot create", "c", "default", forbidden);

    assertEquals(403, e.statusCode());
    assertEquals(403, new SandboxException("Wrapped again", e).statusCode());
  }

  @Test
  void aFailureWithoutAnHttpAnswerHasNoStatus() {
    assertEquals(SandboxException.NO_STATUS, new SandboxException("no claim yet").statusCode());
    assertEquals(SandboxException.NO_STATUS,
        new SandboxException("down", new KubernetesClientException("io", new IOException())).statusCode());
    assertEquals(SandboxException.NO_STATUS,
        new ClaimFailedException("InvalidMetadata", null, "c", "default").statusCode());
  }

  @Test
  void aRouterAnswerGivesTheRoutersStatus() {
    assertEquals(502, new SandboxRequestException(502, "", "Bad gateway", "c", "default").statusCode());
  }

  @Test
  void missingTemplatesAndWarmPoolsAreBothClaimsReferringToNothing() {
    ClaimReferenceNotFoundException template = new TemplateNotFoundException("t", "c", "ns", null);
    ClaimReferenceNotFoundException pool = new WarmPoolNotFoundException("p", null, "c", "ns");

    assertEquals("TemplateNotFound", template.reason());
    assertEquals("WarmPoolNotFound", pool.reason());
    assertInstanceOf(ClaimFailedException.class, template);
    assertEquals("t", template.resourceName());
    assertEquals("p", pool.resourceName());
  }
}

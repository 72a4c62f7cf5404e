package dev.agentsandbox.model.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.model.v1alpha1.SandboxClaimStatus;
import org.junit.jupiter.api.Test;

class NameHashTest {

  @Test
  void hashMatchesTheReferenceControllerVectors() {
    assertEquals("374de8f5", NameHash.of("my-sandbox"));
    assertEquals("69155462", NameHash.of("test-template"));
  }

  @Test
  void hashIsZeroPaddedToEightDigits() {
    assertEquals(8, NameHash.of("").length());
  }

  @Test
  void claimStatusReadsTheLegacyCapitalisedSandboxName() throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    SandboxClaimStatus legacy = mapper.readValue("{\"sandbox\":{\"Name\":\"old\"}}", SandboxClaimStatus.class);
    SandboxClaimStatus current = mapper.readValue("{\"sandbox\":{\"name\":\"new\"}}", SandboxClaimStatus.class);
    assertEquals("old", legacy.sandbox().name());
    assertEquals("new", current.sandbox().name());
    assertEquals("{\"sandbox\":{\"name\":\"old\"}}", mapper.writeValueAsString(legacy));
  }
}

package dev.agentsandbox.local.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class ApiCredentialTest {
  private final ApiCredential credential = ApiCredential.generate();
  private final String header = "Bearer " + credential.token();

  @Test
  void R8_admitsExactlyOneAuthorizationHeaderWithTheToken() {
    assertTrue(credential.admits(List.of(header)));

    assertFalse(credential.admits(null));
    assertFalse(credential.admits(List.of()));
    assertFalse(credential.admits(Collections.singletonList(null)));
    assertFalse(credential.admits(List.of(header, header)), "two headers");
    assertFalse(credential.admits(List.of(header + " ")));
    assertFalse(credential.admits(List.of("bearer " + credential.token())));
    assertFalse(credential.admits(List.of(credential.token())));
    assertFalse(credential.admits(List.of(header.substring(0, header.length() - 1))));
    assertFalse(credential.admits(Arrays.asList("Bearer " + ApiCredential.generate().token())));
  }

  @Test
  void R8_tokensAreRandom256BitValuesThatToStringDoesNotShow() {
    // 32 bytes in unpadded base64url.
    assertTrue(credential.token().matches("[A-Za-z0-9_-]{43}"), "token format");
    assertNotEquals(credential.token(), ApiCredential.generate().token());
    assertFalse(credential.toString().contains(credential.token()));
  }
}

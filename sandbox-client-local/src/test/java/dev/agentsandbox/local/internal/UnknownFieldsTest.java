package dev.agentsandbox.local.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The fields a custom resource's schema does not declare, which strict field validation refuses. */
class UnknownFieldsTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String SCHEMA = """
      {"type": "object", "properties": {
        "spec": {"type": "object", "properties": {
          "replicas": {"type": "integer"},
          "ports": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}}},
          "labels": {"type": "object", "additionalProperties": {"type": "string"}},
          "selectors": {"type": "object", "additionalProperties": {"type": "object",
            "properties": {"key": {"type": "string"}}}},
          "template": {"type": "object", "x-kubernetes-preserve-unknown-fields": true,
            "properties": {"kept": {"type": "object", "properties": {}}}},
          "resource": {"type": "object", "x-kubernetes-embedded-resource": true, "properties": {
            "spec": {"type": "object"}}}}},
        "status": {"type": "object", "properties": {"ready": {"type": "boolean"}}}}}
      """;

  private static List<String> unknown(String object) throws IOException {
    return UnknownFields.of(MAPPER.readTree(object), MAPPER.readTree(SCHEMA));
  }

  @Test
  void declaredFieldsAndObjectMetadataAreKnown() throws IOException {
    assertEquals(List.of(), unknown("""
        {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w", "anything": 1},
         "spec": {"replicas": 1, "ports": [{"name": "http"}], "labels": {"a": "b"},
           "selectors": {"one": {"key": "k"}}, "template": {"free": {"form": true}},
           "resource": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {}}},
         "status": {"ready": true}}
        """));
  }

  @Test
  void undeclaredFieldsArePathsInTheOrderTheyAppear() throws IOException {
    assertEquals(List.of("spec.replica", "spec.ports[1].nam", "spec.selectors.one.ky", "spec.template.kept.extra",
        "spec.resource.status", "extra"), unknown("""
        {"apiVersion": "example.com/v1", "kind": "Widget",
         "spec": {"replica": 1, "ports": [{"name": "a"}, {"nam": "b"}], "selectors": {"one": {"ky": "k"}},
           "template": {"kept": {"extra": 1}}, "resource": {"status": {}}},
         "extra": true}
        """));
  }

  @Test
  void aSchemaThatKeepsEveryFieldHasNoUnknownOnes() throws IOException {
    JsonNode schema = MAPPER.readTree("{\"type\": \"object\", \"x-kubernetes-preserve-unknown-fields\": true}");
    assertEquals(List.of(), UnknownFields.of(MAPPER.readTree("{\"spec\": {\"a\": [1]}}"), schema));
  }
}

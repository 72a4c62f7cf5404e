package dev.agentsandbox.mcp.internal;

/**
 * The JSON schemas of the seven tools' inputs and outputs: the reference server's argument
 * names, types, defaults and bounds, plus this server's two additions to
 * {@code create_sandbox} ({@code template}, and {@code warmpool} and {@code namespace} made
 * optional), which keep every call the reference accepts valid.
 */
final class ToolSchemas {
  private static final String CLAIM = """
      "sandbox_claim_name": {"type": "string", "description": "The claim name create_sandbox returned."},
      "namespace": {"type": "string", "description": "The sandbox's namespace; the server's namespace if omitted."}""";
  private static final String TIMEOUT = """
      "timeout": {"type": "integer", "default": 60, "minimum": 1, "maximum": 600,
        "description": "Seconds to wait for the sandbox to answer."}""";

  static final String CREATE_INPUT = """
      {"type": "object", "properties": {
        "warmpool": {"type": "string", "description": "The SandboxWarmPool to take a sandbox from."},
        "template": {"type": "string", "description": "The SandboxTemplate to make the sandbox from, instead of or beside a warm pool."},
        "namespace": {"type": "string", "description": "Namespace to create the claim in; the server's namespace if omitted."},
        "sandbox_ready_timeout": {"type": "integer", "default": 180, "minimum": 1, "maximum": 86400,
          "description": "Seconds to wait for the sandbox to become ready."},
        "labels": {"type": ["object", "null"], "additionalProperties": {"type": "string"}, "default": null,
          "description": "Labels of the SandboxClaim."},
        "shutdown_after_seconds": {"type": ["integer", "null"], "default": 300, "minimum": 1,
          "description": "Seconds after which the sandbox is deleted even if nobody deletes it; null for never."},
        "pod_labels": {"type": ["object", "null"], "additionalProperties": {"type": "string"}, "default": null,
          "description": "Labels of the sandbox's pod."},
        "pod_annotations": {"type": ["object", "null"], "additionalProperties": {"type": "string"}, "default": null,
          "description": "Annotations of the sandbox's pod."}
      }}""";
  static final String CREATE_OUTPUT = """
      {"type": "object", "properties": {"sandbox_claim_name": {"type": "string"}},
       "required": ["sandbox_claim_name"]}""";

  static final String DELETE_INPUT = """
      {"type": "object", "properties": {%s}, "required": ["sandbox_claim_name"]}"""
      .formatted(CLAIM);

  static final String EXECUTE_INPUT = """
      {"type": "object", "properties": {%s,
        "command": {"type": "string", "description": "A shell command line, run with /bin/sh -c."},
        %s
      }, "required": ["sandbox_claim_name", "command"]}""".formatted(CLAIM, TIMEOUT);
  static final String EXECUTE_OUTPUT = """
      {"type": "object", "properties": {"exit_code": {"type": "integer"},
        "stdout": {"type": "string"}, "stderr": {"type": "string"}},
       "required": ["exit_code", "stdout", "stderr"]}""";

  static final String UPLOAD_INPUT = """
      {"type": "object", "properties": {%s,
        "path": {"type": "string", "description": "File path, relative to the sandbox's working directory."},
        "content": {"type": "string", "description": "The file's text, or its bytes in base64 with binary."},
        "binary": {"type": "boolean", "default": false, "description": "Whether content is base64."},
        %s
      }, "required": ["sandbox_claim_name", "path", "content"]}""".formatted(CLAIM, TIMEOUT);
  static final String UPLOAD_OUTPUT = """
      {"type": "object", "properties": {"bytes_written": {"type": "integer"}},
       "required": ["bytes_written"]}""";

  static final String DOWNLOAD_INPUT = """
      {"type": "object", "properties": {%s,
        "path": {"type": "string", "description": "File path, relative to the sandbox's working directory."},
        "binary": {"type": "boolean", "default": false, "description": "Return the bytes in base64."},
        %s
      }, "required": ["sandbox_claim_name", "path"]}""".formatted(CLAIM, TIMEOUT);
  static final String DOWNLOAD_OUTPUT = """
      {"type": "object", "properties": {"content": {"type": "string"}, "bytes_read": {"type": "integer"}},
       "required": ["content", "bytes_read"]}""";

  static final String LIST_INPUT = """
      {"type": "object", "properties": {%s,
        "path": {"type": "string", "description": "Directory path; '.' for the working directory."},
        %s,
        "max_entries": {"type": "integer", "default": 1000, "minimum": 1, "maximum": 10000,
          "description": "The most entries to return."}
      }, "required": ["sandbox_claim_name", "path"]}""".formatted(CLAIM, TIMEOUT);
  static final String LIST_OUTPUT = """
      {"type": "object", "properties": {
        "entries": {"type": "array", "items": {"type": "object", "properties": {
          "name": {"type": "string"}, "size": {"type": "integer"},
          "type": {"type": "string", "enum": ["file", "directory"]}, "mod_time": {"type": "number"}},
          "required": ["name", "size", "type", "mod_time"]}},
        "total_entries": {"type": "integer"}, "truncated": {"type": "boolean"}},
       "required": ["entries", "total_entries", "truncated"]}""";

  static final String EXISTS_INPUT = """
      {"type": "object", "properties": {%s,
        "path": {"type": "string", "description": "File or directory path."},
        %s
      }, "required": ["sandbox_claim_name", "path"]}""".formatted(CLAIM, TIMEOUT);
  static final String EXISTS_OUTPUT = """
      {"type": "object", "properties": {"exists": {"type": "boolean"}}, "required": ["exists"]}""";

  private ToolSchemas() {
  }
}

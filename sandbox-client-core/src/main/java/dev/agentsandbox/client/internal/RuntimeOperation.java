package dev.agentsandbox.client.internal;

/**
 * The calls of the runtime's HTTP API, with what a retry may assume of each: whether sending it
 * twice has the effect of sending it once.
 */
enum RuntimeOperation {
  EXECUTE("running a command", true, false),
  // The runtime renames a complete upload into place: sending the same whole file again has the
  // same effect, so it is retried like a read. A streamed upload cannot be sent twice.
  UPLOAD("writing a file", true, true),
  UPLOAD_STREAM("writing a file", true, false),
  DOWNLOAD("reading a file", true, true),
  LIST("listing a directory", true, true),
  EXISTS("checking a path", true, true),
  /** Any HTTP answer is the answer: it proves the route works. */
  PROBE("checking the router", false, true);

  /** What the call does, for messages: "while running a command". */
  final String description;
  /** Whether only a 2xx answer is a success. */
  final boolean needsSuccess;
  /** Whether it may be sent again after it may have arrived. */
  final boolean idempotent;

  RuntimeOperation(String description, boolean needsSuccess, boolean idempotent) {
    this.description = description;
    this.needsSuccess = needsSuccess;
    this.idempotent = idempotent;
  }
}

/**
 * Sandboxes for LangChain4j agents: {@link dev.agentsandbox.langchain4j.SandboxTools}, tools that
 * run commands and move files in a sandbox, and {@link
 * dev.agentsandbox.langchain4j.SandboxCodeExecutionEngine}, a code execution engine.
 *
 * @since 0.1.0
 */
@NullMarked
package dev.agentsandbox.langchain4j;

import org.jspecify.annotations.NullMarked;

/**
 * An MCP server whose tools run code in Kubernetes sandboxes: {@link
 * dev.agentsandbox.mcp.SandboxMcpServer} to embed, {@link dev.agentsandbox.mcp.SandboxMcpMain} to
 * run.
 */
@NullMarked
package dev.agentsandbox.mcp;

import org.jspecify.annotations.NullMarked;

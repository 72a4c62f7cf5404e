/** The workings of the MCP server; not an API. */
package dev.agentsandbox.mcp.internal;

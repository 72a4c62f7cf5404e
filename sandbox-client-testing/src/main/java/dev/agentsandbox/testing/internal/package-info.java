/** The workings of the test kit; not an API. */
package dev.agentsandbox.testing.internal;

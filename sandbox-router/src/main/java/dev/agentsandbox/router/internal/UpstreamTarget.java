package dev.agentsandbox.router.internal;

import dev.agentsandbox.model.v1alpha1.Sandbox;
import dev.agentsandbox.model.v1alpha1.SandboxStatus;
import io.netty.util.NetUtil;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Where a request for a sandbox goes.
 *
 * @param host IP literal (unbracketed) or DNS name to connect to
 * @param authority value of the forwarded {@code Host} header, IPv6 bracketed
 * @param port runtime port
 */
public record UpstreamTarget(String host, String authority, int port) {

  /**
   * Chooses the address of a sandbox from its status alone, so clients can never steer the
   * router elsewhere: a pod IP (the hint only picks among the sandbox's own pod IPs, otherwise
   * the first IPv4, else the first IPv6), else {@code status.serviceFQDN}, else the service name
   * in the cluster domain.
   *
   * @param sandbox the cached sandbox, may be null
   * @param port runtime port
   * @param podIpHint validated IP literal from the client, or null
   * @param clusterDomain cluster DNS domain
   * @return the target, or empty if the sandbox has no usable address
   */
  public static Optional<UpstreamTarget> resolve(Sandbox sandbox, int port, String podIpHint, String clusterDomain) {
    SandboxStatus status = sandbox == null ? null : sandbox.getStatus();
    if (status == null) {
      return Optional.empty();
    }
    String ip = choosePodIp(status.podIPs(), podIpHint);
    if (ip != null) {
      String authority = ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip;
      return Optional.of(new UpstreamTarget(ip, authority, port));
    }
    String fqdn = status.serviceFQDN();
    if (RoutingHeaders.isDnsSubdomain(fqdn)) {
      return Optional.of(new UpstreamTarget(fqdn, fqdn, port));
    }
    String service = status.service();
    String namespace = sandbox.getMetadata() == null ? null : sandbox.getMetadata().getNamespace();
    if (RoutingHeaders.isDnsLabel(service) && RoutingHeaders.isDnsLabel(namespace)) {
      String name = service + "." + namespace + ".svc." + clusterDomain;
      return Optional.of(new UpstreamTarget(name, name, port));
    }
    return Optional.empty();
  }

  /** True if the hint is ignored for this sandbox because it is not one of its pod IPs. */
  static boolean isForeignHint(List<String> podIps, String podIpHint) {
    return podIpHint != null && matching(podIps, podIpHint) == null;
  }

  private static String choosePodIp(List<String> podIps, String podIpHint) {
    if (podIps == null || podIps.isEmpty()) {
      return null;
    }
    if (podIpHint != null) {
      String match = matching(podIps, podIpHint);
      if (match != null) {
        return match;
      }
    }
    String firstV6 = null;
    for (String ip : podIps) {
      if (ip == null) {
        continue;
      }
      if (NetUtil.isValidIpV4Address(ip)) {
        return ip;
      }
      if (firstV6 == null && RoutingHeaders.isIpLiteral(ip)) {
        firstV6 = ip;
      }
    }
    return firstV6;
  }

  private static String matching(List<String> podIps, String podIpHint) {
    if (podIps == null) {
      return null;
    }
    // Compare bytes, not strings: "fd00::1" and "fd00:0::1" are the same address.
    byte[] hint = NetUtil.createByteArrayFromIpAddressString(podIpHint);
    for (String ip : podIps) {
      if (ip != null && RoutingHeaders.isIpLiteral(ip)
          && Arrays.equals(hint, NetUtil.createByteArrayFromIpAddressString(ip))) {
        return ip;
      }
    }
    return null;
  }
}

// How a VNet resolves private names, from the DNS servers it names (`dhcpOptions.dnsServers`):
// - none, or exactly 168.63.129.16: Azure DNS, which answers from the private zones linked to the VNet
//   itself (learn.microsoft.com/azure/virtual-network/virtual-networks-name-resolution-for-vms-and-role-instances);
// - every one an Azure Firewall whose DNS proxy is on and forwards to Azure DNS, or a DNS Private
//   Resolver inbound endpoint: the zones linked to the firewall's or resolver's VNet answer
//   (learn.microsoft.com/azure/firewall/dns-settings, learn.microsoft.com/azure/dns/private-resolver-endpoints-rulesets);
// - other servers (a DNS VM, on-premises DNS): they must forward the zones themselves (a warning);
// - servers that answer differently mixed in one list: each query goes to any of them (a warning).

import type { CollectionError } from "../../src/snapshot/types.js";
import type { DnsForwardersParts, ForwarderAt } from "../../src/engine/dns-forwarders.js";
import type { FirewallView, ForwarderAddress, InboundEndpointView } from "../../src/snapshot/dns-forwarders.js";
import { AZURE_DNS } from "../../src/net/private-dns.js";
import { nameOf, resourceGroupOf, sameId } from "../../src/snapshot/ids.js";

/** What a forwarder does with the queries it gets. */
type ForwarderOutcome =
  /** Resolves through Azure DNS from `vnetId`: the zones must be linked to that VNet. */
  | { state: "resolves"; vnetId: string }
  /** A firewall whose DNS proxy is off: it does not listen on port 53. */
  | { state: "proxy-off"; remediation: string }
  /** A firewall whose proxy forwards to DNS servers other than Azure DNS or a resolver: they must forward the zones. */
  | { state: "custom-upstream"; upstream: string[] }
  | { state: "unknown"; reason: string; error?: CollectionError };

/** An Azure Firewall (DNS proxy) or a DNS Private Resolver inbound endpoint that a VNet names as a DNS server. */
export interface Forwarder {
  kind: "firewall" | "resolver";
  /** The firewall's or the inbound endpoint's ID: where its own findings go. */
  id: string;
  /** How messages name it: "Azure Firewall hub-fw", "DNS Private Resolver hub-resolver (inbound endpoint in)". */
  label: string;
  server: string;
  outcome: ForwarderOutcome;
  /** What decided the outcome. */
  evidence: Record<string, unknown>;
}

/** One DNS server of a VNet and what answers there. */
export type ServerRole =
  | { server: string; role: "azure-dns" }
  | { server: string; role: "forwarder"; forwarder: Forwarder }
  | { server: string; role: "other" }
  | { server: string; role: "unknown"; reason: string; error?: CollectionError };

export type Resolution =
  | { kind: "azure-dns"; explicit: boolean }
  | { kind: "forwarded"; forwarders: Forwarder[] }
  | { kind: "custom"; servers: ServerRole[] }
  | { kind: "mixed"; servers: ServerRole[] }
  | { kind: "unknown"; servers: ServerRole[]; reason: string; error?: CollectionError };

export function resolutionOf(dnsServers: readonly string[], forwarders: DnsForwardersParts): Resolution {
  const servers = [...new Set(dnsServers.map((server) => server.trim()).filter(Boolean))];
  if (servers.length === 0) return { kind: "azure-dns", explicit: false };
  const roles = servers.map((server) => roleOf(server, forwarders));
  const kinds = new Set(roles.map((role) => role.role));
  if (kinds.size === 1 && kinds.has("azure-dns")) return { kind: "azure-dns", explicit: true };
  if (kinds.size === 1 && kinds.has("forwarder"))
    return {
      kind: "forwarded",
      forwarders: roles.flatMap((role) => (role.role === "forwarder" ? [role.forwarder] : [])),
    };
  if (kinds.size === 1 && kinds.has("other")) return { kind: "custom", servers: roles };
  // Unread lists leave a server undecided; they change the verdict only when the others are forwarders.
  if (!kinds.has("azure-dns") && !kinds.has("other")) {
    const unknown = roles.find((role) => role.role === "unknown");
    if (unknown?.role === "unknown")
      return {
        kind: "unknown",
        servers: roles,
        reason: unknown.reason,
        ...(unknown.error ? { error: unknown.error } : {}),
      };
  }
  return { kind: "mixed", servers: roles };
}

/** What the VNet's queries reach: Azure DNS itself (fail without zones), or only servers that may hold them. */
export function reachesAzureDns(resolution: Resolution): boolean {
  // A firewall whose proxy is off answers nothing: the zones' records are needed all the same.
  return (
    resolution.kind === "azure-dns" ||
    (resolution.kind === "forwarded" &&
      resolution.forwarders.some(({ outcome }) => outcome.state === "resolves" || outcome.state === "proxy-off"))
  );
}

/** A server's role for evidence: the forwarder as its ID and outcome. */
export function describeServer(role: ServerRole): Record<string, unknown> {
  if (role.role === "forwarder")
    return { server: role.server, role: role.forwarder.kind, id: role.forwarder.id, ...role.forwarder.evidence };
  if (role.role === "unknown") return { server: role.server, role: "unknown", reason: role.reason };
  return { server: role.server, role: role.role };
}

function roleOf(server: string, forwarders: DnsForwardersParts): ServerRole {
  if (server === AZURE_DNS) return { server, role: "azure-dns" };
  const at = forwarders.at(server);
  switch (at.kind) {
    case "firewall":
      return { server, role: "forwarder", forwarder: firewallForwarder(server, at.firewall, at.address, forwarders) };
    case "resolver":
      return { server, role: "forwarder", forwarder: resolverForwarder(server, at.endpoint, at.address) };
    case "none":
      return { server, role: "other" };
    case "unknown":
      return { server, role: "unknown", reason: at.reason, ...(at.error ? { error: at.error } : {}) };
  }
}

function resolverForwarder(server: string, endpoint: InboundEndpointView, address: ForwarderAddress): Forwarder {
  const evidence = {
    inboundEndpoint: endpoint.id,
    resolver: endpoint.resolverId,
    forwarderVnet: address.vnetId ?? null,
  };
  return {
    kind: "resolver",
    id: endpoint.id,
    label: `DNS Private Resolver ${nameOf(endpoint.resolverId)} (inbound endpoint ${endpoint.name})`,
    server,
    evidence,
    outcome: address.vnetId
      ? { state: "resolves", vnetId: address.vnetId }
      : { state: "unknown", reason: `the subnet of inbound endpoint ${endpoint.name} names no VNet` },
  };
}

function firewallForwarder(
  server: string,
  firewall: FirewallView,
  address: ForwarderAddress,
  forwarders: DnsForwardersParts,
): Forwarder {
  const label = `Azure Firewall ${firewall.name}`;
  const base = { firewall: firewall.id, policy: firewall.policyId ?? null, forwarderVnet: address.vnetId ?? null };
  const forwarder = (outcome: ForwarderOutcome, evidence: Record<string, unknown> = {}): Forwarder => ({
    kind: "firewall",
    id: firewall.id,
    label,
    server,
    outcome,
    evidence: { ...base, ...evidence },
  });
  // A firewall with a policy takes its DNS settings from the policy; one without keeps them itself.
  let enableProxy: boolean;
  let upstream: string[];
  let remediation: string;
  if (firewall.policyId) {
    const policy = forwarders.policy(firewall.policyId);
    if (!policy.ok)
      return forwarder({
        state: "unknown",
        reason: `whether its DNS proxy is on cannot be told: ${policy.reason}`,
        ...(policy.error ? { error: policy.error } : {}),
      });
    enableProxy = policy.value.enableProxy;
    upstream = policy.value.servers;
    remediation = `az network firewall policy update -g ${resourceGroupOf(firewall.policyId)} -n ${nameOf(firewall.policyId)} --enable-dns-proxy true`;
  } else {
    enableProxy = firewall.classicEnableProxy === true;
    upstream = firewall.classicServers;
    remediation = `az network firewall update -g ${resourceGroupOf(firewall.id)} -n ${firewall.name} --enable-dns-proxy true`;
  }
  const settings = { dnsSettingsFrom: firewall.policyId ? "policy" : "firewall", enableProxy, upstream };
  if (!enableProxy) return forwarder({ state: "proxy-off", remediation }, settings);
  const servers = [...new Set(upstream)];
  if (servers.every((candidate) => candidate === AZURE_DNS)) {
    return address.vnetId
      ? forwarder({ state: "resolves", vnetId: address.vnetId }, settings)
      : forwarder({ state: "unknown", reason: `the subnet of ${label} names no VNet` }, settings);
  }
  return forwarder(upstreamOutcome(servers, forwarders), settings);
}

/**
 * A proxy that forwards to other servers: DNS Private Resolver inbound endpoints in one VNet resolve
 * there; anything else must forward the zones itself.
 */
function upstreamOutcome(servers: string[], forwarders: DnsForwardersParts): ForwarderOutcome {
  const found: ForwarderAt[] = servers.map((server) => forwarders.at(server));
  const vnets = found.map((at) => (at.kind === "resolver" ? at.address.vnetId : undefined));
  const [first] = vnets;
  if (first && vnets.every((vnetId) => vnetId && sameId(vnetId, first))) return { state: "resolves", vnetId: first };
  const unknown = found.find((at) => at.kind === "unknown");
  if (unknown?.kind === "unknown" && found.every((at) => at.kind === "resolver" || at.kind === "unknown"))
    return { state: "unknown", reason: unknown.reason, ...(unknown.error ? { error: unknown.error } : {}) };
  return { state: "custom-upstream", upstream: servers };
}

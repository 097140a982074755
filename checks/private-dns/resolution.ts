// How a VNet resolves private names, from the DNS servers it names (`dhcpOptions.dnsServers`):
// - none, or exactly 168.63.129.16: Azure DNS, which answers from the private zones linked to the VNet
//   itself (learn.microsoft.com/azure/virtual-network/virtual-networks-name-resolution-for-vms-and-role-instances);
// - every one an Azure Firewall whose DNS proxy is on and forwards to Azure DNS, or a DNS Private
//   Resolver inbound endpoint: the zones linked to the firewall's or resolver's VNet answer
//   (learn.microsoft.com/azure/firewall/dns-settings, learn.microsoft.com/azure/dns/private-resolver-endpoints-rulesets);
// - other servers (a DNS VM, on-premises DNS): they must forward the zones themselves (a warning);
// - servers that answer differently mixed in one list: each query goes to any of them (a warning).
// A private IP can belong to forwarders in several unconnected VNets: the one in the asking VNet or a
// Connected peer of it is the one, else the server is unknown. A child firewall policy that sets no DNS
// proxy takes it from nowhere Learn documents: its base policy's proxy makes the answer unknown, not off.

import { sh } from "../../src/core/visible.js";
import type { CollectionError, Lookup } from "../../src/snapshot/types.js";
import type { VirtualNetworkView } from "../../src/snapshot/network-views.js";
import type { DnsForwardersParts, ForwarderAt } from "../../src/engine/dns-forwarders.js";
import type {
  FirewallPolicyView,
  FirewallView,
  ForwarderAddress,
  InboundEndpointView,
} from "../../src/snapshot/dns-forwarders.js";
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

/** Whether `vnetId` is the VNet `fromId` or a Connected peer of it. */
export type VnetReach = (fromId: string, vnetId: string) => boolean;

/** Where queries come from: the VNet that names the servers, and which VNets it reaches. */
export interface QuerySource {
  vnetId: string;
  reach: VnetReach;
}

/** Reach through the VNets read: the same VNet, or a peering Connected on either side (each side records it). */
export function vnetReach(virtualNetworks: (id: string) => Lookup<VirtualNetworkView>): VnetReach {
  const peered = (fromId: string, toId: string) => {
    const vnet = virtualNetworks(fromId);
    return vnet.ok && vnet.value.connectedPeers.some((peer) => sameId(peer, toId));
  };
  return (fromId, vnetId) => sameId(fromId, vnetId) || peered(fromId, vnetId) || peered(vnetId, fromId);
}

export function resolutionOf(
  dnsServers: readonly string[],
  forwarders: DnsForwardersParts,
  source?: QuerySource,
): Resolution {
  const servers = [...new Set(dnsServers.map((server) => server.trim()).filter(Boolean))];
  if (servers.length === 0) return { kind: "azure-dns", explicit: false };
  const roles = servers.map((server) => roleOf(server, forwarders, source));
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

/** What answers at `ip` for queries from `source`: a forwarder in its reach wins over one elsewhere. */
function forwarderAt(forwarders: DnsForwardersParts, ip: string, source: QuerySource | undefined): ForwarderAt {
  return forwarders.at(ip, source && ((vnetId) => source.reach(source.vnetId, vnetId)));
}

function roleOf(server: string, forwarders: DnsForwardersParts, source: QuerySource | undefined): ServerRole {
  if (server === AZURE_DNS) return { server, role: "azure-dns" };
  const at = forwarderAt(forwarders, server, source);
  switch (at.kind) {
    case "firewall":
      return {
        server,
        role: "forwarder",
        forwarder: firewallForwarder(server, at.firewall, at.address, forwarders, source?.reach),
      };
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
  reach: VnetReach | undefined,
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
  let inherited: Record<string, unknown> = {};
  if (firewall.policyId) {
    const policy = forwarders.policy(firewall.policyId);
    if (!policy.ok)
      return forwarder({
        state: "unknown",
        reason: `whether its DNS proxy is on cannot be told: ${policy.reason}`,
        ...(policy.error ? { error: policy.error } : {}),
      });
    const base = basePolicyProxy(policy.value, forwarders);
    if (base.state === "unknown")
      return forwarder(base.outcome, { dnsSettingsFrom: "policy", enableProxy: null, ...base.evidence });
    inherited = base.evidence;
    enableProxy = policy.value.enableProxy;
    upstream = policy.value.servers;
    remediation = sh`az network firewall policy update -g ${resourceGroupOf(firewall.policyId)} -n ${nameOf(firewall.policyId)} --enable-dns-proxy true`;
  } else {
    enableProxy = firewall.classicEnableProxy === true;
    upstream = firewall.classicServers;
    remediation = sh`az network firewall update -g ${resourceGroupOf(firewall.id)} -n ${firewall.name} --enable-dns-proxy true`;
  }
  const settings = { dnsSettingsFrom: firewall.policyId ? "policy" : "firewall", enableProxy, upstream, ...inherited };
  if (!enableProxy) return forwarder({ state: "proxy-off", remediation }, settings);
  const servers = [...new Set(upstream)];
  if (servers.every((candidate) => candidate === AZURE_DNS)) {
    return address.vnetId
      ? forwarder({ state: "resolves", vnetId: address.vnetId }, settings)
      : forwarder({ state: "unknown", reason: `the subnet of ${label} names no VNet` }, settings);
  }
  const source = address.vnetId && reach ? { vnetId: address.vnetId, reach } : undefined;
  return forwarder(upstreamOutcome(servers, forwarders, source), settings);
}

/**
 * A policy that sets no DNS proxy and names a base policy. Learn's "Hierarchical policies"
 * (learn.microsoft.com/azure/firewall-manager/policy-overview) says a child inherits its base's rule
 * collections and threat intelligence settings, and says nothing of DNS settings: a base that turns the
 * proxy on leaves the child's proxy unknown; a base that leaves it off too leaves it off either way.
 */
function basePolicyProxy(
  policy: FirewallPolicyView,
  forwarders: DnsForwardersParts,
):
  | { state: "decided"; evidence: Record<string, unknown> }
  | {
      state: "unknown";
      outcome: ForwarderOutcome;
      evidence: Record<string, unknown>;
    } {
  if (policy.proxySet || !policy.basePolicyId) return { state: "decided", evidence: {} };
  const baseId = policy.basePolicyId;
  const own = `its policy ${policy.name} sets no DNS proxy and names base policy ${nameOf(baseId)}`;
  const base = forwarders.policy(baseId);
  if (!base.ok)
    return {
      state: "unknown",
      outcome: {
        state: "unknown",
        reason: `${own}, whose DNS settings are not known: ${base.reason}`,
        ...(base.error ? { error: base.error } : {}),
      },
      evidence: { basePolicy: baseId },
    };
  const evidence = { basePolicy: baseId, basePolicyEnableProxy: base.value.proxySet ? base.value.enableProxy : null };
  if (base.value.enableProxy)
    return {
      state: "unknown",
      outcome: {
        state: "unknown",
        reason: `${own}, which turns the DNS proxy on; Learn says a child policy inherits its base's rule collections, not whether it inherits DNS settings`,
      },
      evidence,
    };
  if (!base.value.proxySet && base.value.basePolicyId)
    return {
      state: "unknown",
      outcome: {
        state: "unknown",
        reason: `${own}, which sets none either and names base policy ${nameOf(base.value.basePolicyId)}, not read`,
      },
      evidence,
    };
  return { state: "decided", evidence };
}

/**
 * A proxy that forwards to other servers: DNS Private Resolver inbound endpoints in one VNet resolve
 * there; anything else must forward the zones itself.
 */
function upstreamOutcome(
  servers: string[],
  forwarders: DnsForwardersParts,
  source: QuerySource | undefined,
): ForwarderOutcome {
  const found: ForwarderAt[] = servers.map((server) => forwarderAt(forwarders, server, source));
  const vnets = found.map((at) => (at.kind === "resolver" ? at.address.vnetId : undefined));
  const [first] = vnets;
  if (first && vnets.every((vnetId) => vnetId && sameId(vnetId, first))) return { state: "resolves", vnetId: first };
  const unknown = found.find((at) => at.kind === "unknown");
  if (unknown?.kind === "unknown" && found.every((at) => at.kind === "resolver" || at.kind === "unknown"))
    return { state: "unknown", reason: unknown.reason, ...(unknown.error ? { error: unknown.error } : {}) };
  return { state: "custom-upstream", upstream: servers };
}

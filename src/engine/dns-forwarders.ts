// The dnsForwarders part as checks read it: what answers DNS at a private IP that a VNet names as its
// DNS server (an Azure Firewall, a DNS Private Resolver's inbound endpoint, neither, or unknown because
// a list failed), and the firewall policies those firewalls name.

import { explainFailedRead } from "../core/failed-read.js";
import {
  FIREWALL_TYPE,
  INBOUND_ENDPOINT_TYPE,
  firewallPolicyView,
  firewallView,
  inboundEndpointView,
  type FirewallPolicyView,
  type FirewallView,
  type ForwarderAddress,
  type InboundEndpointView,
} from "../snapshot/dns-forwarders.js";
import { idKey, parseResourceId, type ResourceIndex } from "../snapshot/model.js";
import type { CollectionError, Lookup } from "../snapshot/types.js";

/** What answers DNS at one private IP, as far as the lists read tell. */
export type ForwarderAt =
  | { kind: "firewall"; firewall: FirewallView; address: ForwarderAddress }
  | { kind: "resolver"; endpoint: InboundEndpointView; address: ForwarderAddress }
  /** Neither a firewall nor an inbound endpoint of the subscriptions listed, every list read. */
  | { kind: "none" }
  /** Not found, but a list that might hold it failed; or found more than once, and which one answers is not known. */
  | { kind: "unknown"; reason: string; error?: CollectionError };

type Found = Extract<ForwarderAt, { kind: "firewall" | "resolver" }>;

export interface DnsForwardersParts {
  /** The subscriptions whose firewalls and DNS Private Resolvers were listed. */
  subscriptions: string[];
  /**
   * What answers at `ip`. Private IPs repeat across unconnected VNets (every hub may put its firewall at
   * 10.0.1.4): when several forwarders hold it, the one in a VNet `inReach` accepts (the asking VNet or a
   * Connected peer of it) is the one; none or several such: unknown, never a guess.
   */
  at(ip: string, inReach?: (vnetId: string) => boolean): ForwarderAt;
  /** A firewall policy a firewall names. */
  policy(id: string): Lookup<FirewallPolicyView>;
}

/** "Azure Firewall fw (VNet hub-vnet)": a forwarder as a reason names it. */
function forwarderName(found: Found): string {
  const vnet = found.address.vnetId ? ` (VNet ${found.address.vnetId.split("/").pop()})` : "";
  return found.kind === "firewall"
    ? `Azure Firewall ${found.firewall.name}${vnet}`
    : `DNS Private Resolver inbound endpoint ${found.endpoint.name}${vnet}`;
}

const LISTS: Record<string, string> = {
  "azure firewalls list": "the Azure Firewalls",
  "DNS resolvers list": "the DNS Private Resolvers",
  "inbound endpoints list": "the inbound endpoints of a DNS Private Resolver",
};

/**
 * `workspaceIds`: the audited workspace and the one whose network applies (a project's hub); the
 * collector listed their subscriptions.
 */
export function dnsForwardersParts(
  index: ResourceIndex,
  errors: readonly CollectionError[],
  workspaceIds: readonly string[],
  collected = true,
): DnsForwardersParts {
  const subscriptions = [
    ...new Map(
      workspaceIds
        .map((id) => parseResourceId(id)?.subscriptionId)
        .filter((id): id is string => !!id)
        .map((id) => [id.toLowerCase(), id]),
    ).values(),
  ];
  const ours = errors.filter((error) => error.part === "dnsForwarders");
  const firewalls = index.ofType(FIREWALL_TYPE).map(firewallView);
  const endpoints = index.ofType(INBOUND_ENDPOINT_TYPE).map(inboundEndpointView);
  const failedLists = ours.filter((error) => LISTS[error.operation] !== undefined);
  return {
    subscriptions,
    at: (ip, inReach) => {
      const wanted = ip.trim();
      const found: Found[] = [
        ...firewalls.flatMap((firewall): Found[] => {
          const address = firewall.addresses.find((candidate) => candidate.ip === wanted);
          return address ? [{ kind: "firewall", firewall, address }] : [];
        }),
        ...endpoints.flatMap((endpoint): Found[] => {
          const address = endpoint.addresses.find((candidate) => candidate.ip === wanted);
          return address ? [{ kind: "resolver", endpoint, address }] : [];
        }),
      ];
      const [only] = found;
      if (only && found.length === 1) return only;
      if (found.length > 1) {
        const near = found.filter(({ address }) => !!address.vnetId && !!inReach?.(address.vnetId));
        const [nearest] = near;
        if (nearest && near.length === 1) return nearest;
        const named = found.map(forwarderName).join(", ");
        return {
          kind: "unknown",
          reason: `${wanted} is the address of ${found.length} forwarders (${named}), ${near.length > 1 ? "more than one of them" : "none of them"} in the VNet or a Connected peer of it, so which one answers cannot be told`,
        };
      }
      if (!collected)
        return {
          kind: "unknown",
          reason: `whether ${wanted} is an Azure Firewall or a DNS Private Resolver inbound endpoint cannot be told: the snapshot was collected without reading them (dnsForwarders)`,
        };
      const [first] = failedLists;
      if (!first) return { kind: "none" };
      const unread = failedLists.map((error) => `${LISTS[error.operation]} (${explainFailedRead(error)})`);
      return {
        kind: "unknown",
        reason: `whether ${wanted} is an Azure Firewall or a DNS Private Resolver inbound endpoint cannot be told: ${[...new Set(unread)].join("; ")} could not be listed`,
        error: first,
      };
    },
    policy: (id) => {
      const raw = index.get(id);
      if (raw) return { ok: true, value: firewallPolicyView(raw) };
      const error = ours.find((candidate) => idKey(candidate.resourceId) === idKey(id));
      return {
        ok: false,
        error,
        reason: error
          ? `the firewall policy could not be read (${explainFailedRead(error)})`
          : "the firewall policy was not collected",
      };
    },
  };
}

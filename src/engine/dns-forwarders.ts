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
  /** Not found, but a list that might hold it failed. */
  | { kind: "unknown"; reason: string; error?: CollectionError };

export interface DnsForwardersParts {
  /** The subscriptions whose firewalls and DNS Private Resolvers were listed. */
  subscriptions: string[];
  at(ip: string): ForwarderAt;
  /** A firewall policy a firewall names. */
  policy(id: string): Lookup<FirewallPolicyView>;
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
    at: (ip) => {
      const wanted = ip.trim();
      for (const firewall of firewalls) {
        const address = firewall.addresses.find((candidate) => candidate.ip === wanted);
        if (address) return { kind: "firewall", firewall, address };
      }
      for (const endpoint of endpoints) {
        const address = endpoint.addresses.find((candidate) => candidate.ip === wanted);
        if (address) return { kind: "resolver", endpoint, address };
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

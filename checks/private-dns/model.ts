// What the private-dns check's two halves share: its message templates and report type, the compute
// VNets it judges against, the zones that must be linked, and how a failed lookup is closed.

import { failedRead, failedReadRemediation } from "../../src/core/failed-read.js";
import type { FindingReportOf } from "../../src/engine/types.js";
import type { VirtualNetworkView } from "../../src/snapshot/network-views.js";
import type { CollectionError } from "../../src/snapshot/types.js";
import type { Resolution } from "./resolution.js";

/**
 * A VNet whose clients must resolve the endpoints, as far as it could be read: one that holds compute,
 * or (a managed-network workspace) one that holds a workspace private endpoint.
 */
export interface ComputeVnet {
  id: string;
  computes: string[];
  /** An endpoint VNet: the workspace's private endpoints in it. */
  endpoints?: string[];
  view?: VirtualNetworkView;
  /** How its clients resolve private names (when it was read). */
  resolution?: Resolution;
  reason?: string;
  error?: CollectionError;
}

/** Which VNets are judged: those that hold compute, or those of a managed-network workspace's own endpoints. */
export type VnetRole = "compute" | "endpoint";

/** How messages name a VNet of a role and the clients in it. */
export const ROLE_TEXT: Record<VnetRole, { vnet: string; Vnet: string; clients: string }> = {
  compute: { vnet: "compute VNet", Vnet: "Compute VNet", clients: "computes" },
  endpoint: { vnet: "endpoint VNet", Vnet: "Endpoint VNet", clients: "clients" },
};

/** A zone that exists and that some endpoint needs: it must be linked to every compute VNet. */
export interface ZoneToLink {
  id: string;
  name: string;
  endpoints: string[];
  forward: string[];
}

/** How to close a lookup that failed. */
export const lookupRemediation = (resourceId: string, lookup: { error?: CollectionError }) =>
  failedReadRemediation([failedRead(resourceId, lookup.error)]);

export const MESSAGES = {
  "zone-configured":
    "Private endpoint {endpoint} ({owner}) needs private DNS zone {zone}: its zone group {zoneGroup} names {satisfiedBy}, which exists.",
  "no-zone-group":
    "Private endpoint {endpoint} ({owner}) has no DNS zone group: nothing writes its records to {zones}, so {clients} resolve {ownerName} to its public address.",
  "no-zone-group-custom-dns":
    "Private endpoint {endpoint} ({owner}) has no DNS zone group; every {vnetRole} uses custom DNS servers, so its records for {zones} must be kept on those servers by hand.",
  "zone-missing-from-group":
    "The DNS zone group of private endpoint {endpoint} ({owner}) does not name private DNS zone {zone}: no record for it is written there.",
  "zone-not-found":
    "Private DNS zone {zone}, named by the zone group of private endpoint {endpoint} ({owner}), does not exist.",
  "zone-linked": "Private DNS zone {zone} is linked to {where}.",
  "zone-not-linked": "Private DNS zone {zone} is not linked to {where}: {who} resolve its names to public addresses.",
  "link-not-ready":
    "The link of private DNS zone {zone} to {where} is {linkState}, not Completed: names in the zone do not resolve from {vnet} yet.",
  "custom-dns":
    "{VnetRole} {vnet} uses custom DNS servers ({dnsServers}): they must conditionally forward {forwarders} to 168.63.129.16 from a VNet linked to the private DNS zones.",
  "dns-servers-mixed":
    "{VnetRole} {vnet} names DNS servers that answer differently ({dnsServers}): a query may go to any of them, so private names resolve only some of the time.",
  "forwarder-proxy-off":
    "{forwarder} ({server}) is the DNS server of {vnets}, but its DNS proxy is off: it does not answer DNS queries.",
  "forwarder-custom-upstream":
    "{forwarder} ({server}), the DNS server of {vnets}, forwards to DNS servers {upstream}: they must conditionally forward {forwarders} to 168.63.129.16 from a VNet linked to the private DNS zones.",
  undetermined: "Cannot decide on private DNS for {subject}: {reason}.",
  "endpoint-missing":
    "Private endpoint {endpoint} of {owner} no longer exists; private-endpoint-region reports the stale connection.",
  "no-endpoints":
    "Neither the workspace nor its storage account, registry or key vault has a private endpoint; no private DNS zone is needed.",
  "managed-network":
    "The workspace isolates its computes in a managed network ({isolationMode}), whose private DNS Azure manages, and has no private endpoint of its own in a VNet of yours.",
} satisfies Record<string, string>;

export type DnsReport = FindingReportOf<typeof MESSAGES>;

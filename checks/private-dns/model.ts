// What the private-dns check's two halves share: its message templates and report type, the compute
// VNets it judges against, the zones that must be linked, and how a failed lookup is closed.

import { failedRead, failedReadRemediation } from "../../src/core/failed-read.js";
import type { FindingReportOf } from "../../src/engine/types.js";
import type { VirtualNetworkView } from "../../src/snapshot/model.js";
import type { CollectionError } from "../../src/snapshot/types.js";

/** A VNet that holds compute, as far as it could be read. */
export interface ComputeVnet {
  id: string;
  computes: string[];
  view?: VirtualNetworkView;
  reason?: string;
  error?: CollectionError;
}

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
    "Private endpoint {endpoint} ({owner}) has no DNS zone group: nothing writes its records to {zones}, so computes resolve {ownerName} to its public address.",
  "no-zone-group-custom-dns":
    "Private endpoint {endpoint} ({owner}) has no DNS zone group; every compute VNet uses custom DNS servers, so its records for {zones} must be kept on those servers by hand.",
  "zone-missing-from-group":
    "The DNS zone group of private endpoint {endpoint} ({owner}) does not name private DNS zone {zone}: no record for it is written there.",
  "zone-not-found":
    "Private DNS zone {zone}, named by the zone group of private endpoint {endpoint} ({owner}), does not exist.",
  "zone-linked": "Private DNS zone {zone} is linked to compute VNet {vnet}.",
  "zone-not-linked":
    "Private DNS zone {zone} is not linked to compute VNet {vnet}: computes there resolve its names to public addresses.",
  "link-not-ready":
    "The link of private DNS zone {zone} to compute VNet {vnet} is {linkState}, not Completed: names in the zone do not resolve from {vnet} yet.",
  "custom-dns":
    "Compute VNet {vnet} uses custom DNS servers ({dnsServers}): they must conditionally forward {forwarders} to 168.63.129.16 from a VNet linked to the private DNS zones.",
  undetermined: "Cannot decide on private DNS for {subject}: {reason}.",
  "endpoint-missing":
    "Private endpoint {endpoint} of {owner} no longer exists; private-endpoint-region reports the stale connection.",
  "no-endpoints":
    "Neither the workspace nor its storage account, registry or key vault has a private endpoint; no private DNS zone is needed.",
  "managed-network":
    "The workspace isolates its computes in a managed network ({isolationMode}); Azure manages its private DNS.",
} satisfies Record<string, string>;

export type DnsReport = FindingReportOf<typeof MESSAGES>;

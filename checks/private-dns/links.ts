// The VNet-link half of private-dns: every zone an endpoint needs must be linked to every VNet that
// holds compute (on Azure DNS), or forwarded by its custom DNS servers; and which VNets those are.

import { failedReadEvidence } from "../../src/core/failed-read.js";
import type { Status } from "../../src/core/status.js";
import { AZURE_DNS, linkCommand } from "../../src/net/private-dns.js";
import { idKey, nameOf, resourceGroupOf } from "../../src/snapshot/ids.js";
import {
  eqi,
  sameId,
  vnetIdOfSubnet,
  type ComputeView,
  type DnsZoneLinkView,
  type VirtualNetworkView,
} from "../../src/snapshot/model.js";
import type { Lookup } from "../../src/snapshot/types.js";
import { computeSubnets } from "../shared.js";
import { lookupRemediation, type ComputeVnet, type DnsReport, type ZoneToLink } from "./model.js";

/** The compute VNets (each once, with the computes in it), read as far as possible. */
export function computeVnets(parts: {
  computes: ComputeView[];
  virtualNetworks: (id: string) => Lookup<VirtualNetworkView>;
}): ComputeVnet[] {
  const byId = new Map<string, ComputeVnet>();
  for (const { subnetId, computes } of computeSubnets(parts.computes)) {
    const vnetId = vnetIdOfSubnet(subnetId);
    const key = idKey(vnetId ?? subnetId);
    const entry = byId.get(key);
    if (entry) {
      entry.computes.push(...computes.map((compute) => compute.name));
      continue;
    }
    if (!vnetId) {
      byId.set(key, {
        id: subnetId,
        computes: computes.map((compute) => compute.name),
        reason: `"${subnetId}" is not a subnet resource ID`,
      });
      continue;
    }
    const vnet = parts.virtualNetworks(vnetId);
    byId.set(
      key,
      vnet.ok
        ? { id: vnetId, computes: computes.map((compute) => compute.name), view: vnet.value }
        : { id: vnetId, computes: computes.map((compute) => compute.name), reason: vnet.reason, error: vnet.error },
    );
  }
  return [...byId.values()];
}

/**
 * No zone group: fail when a compute VNet uses Azure DNS (nothing answers with the private address),
 * warn when every one uses custom DNS servers (they may hold the records), unknown when that cannot be read.
 */
export function noZoneGroupVerdict(vnets: ComputeVnet[]): Status {
  if (vnets.length === 0 || vnets.some((vnet) => vnet.view && vnet.view.dnsServers.length === 0)) return "fail";
  if (vnets.some((vnet) => !vnet.view)) return "unknown";
  return "warn";
}

/** The zones to link, their VNet link lists, and the report, shared by the link findings. */
interface LinkScope {
  zones: ZoneToLink[];
  links: Map<string, Lookup<DnsZoneLinkView[]>>;
  /** The VNets a zone is linked to (null: its links are unreadable). */
  linkedVnetsOf: (zone: ZoneToLink) => string[] | null;
  report: DnsReport;
}

/** Per zone × compute VNet on Azure DNS, one finding; per VNet on custom DNS, one; per unreadable VNet or link list, one. */
export function reportLinks(
  zones: ZoneToLink[],
  vnets: ComputeVnet[],
  zoneLinks: (zoneId: string) => Lookup<DnsZoneLinkView[]>,
  report: DnsReport,
): void {
  if (zones.length === 0 || vnets.length === 0) return;
  const links = new Map(zones.map((zone) => [zone.id, zoneLinks(zone.id)] as const));
  // A hub zone is linked to hundreds of VNets: the list of them is made once per zone, and only when
  // a finding names it.
  const linkedVnets = new Map<string, string[] | null>();
  const linkedVnetsOf = (zone: ZoneToLink): string[] | null => {
    let linked = linkedVnets.get(zone.id);
    if (linked === undefined) {
      const listed = links.get(zone.id);
      linked = listed?.ok ? listed.value.map((link) => link.vnetId).filter((id): id is string => !!id) : null;
      linkedVnets.set(zone.id, linked);
    }
    return linked;
  };
  const scope: LinkScope = { zones, links, linkedVnetsOf, report };
  for (const zone of zones) {
    const listed = links.get(zone.id);
    if (listed && !listed.ok) {
      report.unknown(
        "undetermined",
        zone.id,
        { subject: `private DNS zone ${zone.name}`, reason: listed.reason },
        {
          zone: zone.name,
          zoneId: zone.id,
          endpoints: zone.endpoints,
          computeVnets: vnets.map((vnet) => vnet.id),
          ...failedReadEvidence(listed.error),
        },
        lookupRemediation(`${zone.id}/virtualNetworkLinks`, listed),
      );
    }
  }
  for (const vnet of vnets) {
    if (!vnet.view) reportUnreadableVnet(scope, vnet);
    else if (vnet.view.dnsServers.length > 0) reportCustomDns(scope, vnet, vnet.view.dnsServers);
    else reportZoneLinks(scope, vnet, vnet.view.dnsServers);
  }
}

/** A compute VNet that could not be read: whether it uses custom DNS servers is unknown. */
function reportUnreadableVnet(scope: LinkScope, vnet: ComputeVnet): void {
  const { zones, links, linkedVnetsOf } = scope;
  scope.report.unknown(
    "undetermined",
    vnet.id,
    {
      subject: `compute VNet ${nameOf(vnet.id)}`,
      reason: `whether it uses custom DNS servers cannot be read: ${vnet.reason ?? "not collected"}`,
    },
    {
      vnet: vnet.id,
      computes: vnet.computes,
      zones: zones.map((zone) => ({
        zone: zone.name,
        zoneId: zone.id,
        linkedVnets: linkedVnetsOf(zone),
        linked: linkOf(links.get(zone.id), vnet.id),
      })),
      ...failedReadEvidence(vnet.error),
    },
    vnet.error ? lookupRemediation(vnet.id, vnet) : undefined,
  );
}

/** A compute VNet on custom DNS servers: they must forward the zones' public names to Azure DNS. */
function reportCustomDns(scope: LinkScope, vnet: ComputeVnet, dnsServers: string[]): void {
  const { zones, linkedVnetsOf } = scope;
  // Private zones answer only through 168.63.129.16, and only in VNets linked to them: the custom
  // servers must forward there from such a VNet, linked or not this compute VNet is.
  const forwarders = zones.map((zone) => ({
    zone: zone.name,
    zoneId: zone.id,
    publicZones: zone.forward,
    forwardTo: AZURE_DNS,
    linkedVnets: linkedVnetsOf(zone),
  }));
  // A forwarder for azurecr.io also covers westeurope.data.azurecr.io: name only the outermost zones.
  const all = [...new Set(zones.flatMap((zone) => zone.forward))];
  const names = all.filter((name) => !all.some((other) => name.endsWith(`.${other}`)));
  // IDs compare case-insensitively: one VNet spelt two ways by two links is still one VNet.
  const linkedIds = new Map(
    forwarders.flatMap((forwarder) => forwarder.linkedVnets ?? []).map((id) => [idKey(id), id] as const),
  );
  const linkedSomewhere = [...linkedIds.values()].map(nameOf);
  scope.report.warn(
    "custom-dns",
    vnet.id,
    { vnet: nameOf(vnet.id), dnsServers: dnsServers.join(", "), forwarders: names.join(", ") },
    { vnet: vnet.id, computes: vnet.computes, dnsServers, forwarders },
    `On DNS servers ${dnsServers.join(", ")}, add conditional forwarders for ${names.join(", ")} to ${AZURE_DNS}, on a DNS server or resolver inside a VNet linked to the zones (${linkedSomewhere.length > 0 ? `linked now: ${linkedSomewhere.join(", ")}` : "none is linked yet"}); link the zones to that VNet if needed: ${zones.map((zone) => linkCommand(zone.id, zone.name, "<dns-vnet-id>", "dns-vnet-link")).join("; ")}`,
  );
}

/** A compute VNet on Azure DNS: each zone whose links were read must be linked to it, and the link ready. */
function reportZoneLinks(scope: LinkScope, vnet: ComputeVnet, dnsServers: string[]): void {
  const { zones, links, linkedVnetsOf, report } = scope;
  const base = { vnet: vnet.id, computes: vnet.computes };
  for (const zone of zones) {
    const listed = links.get(zone.id);
    if (!listed?.ok) continue;
    const vnetKey = idKey(vnet.id);
    const link = listed.value.find(
      (candidate) => candidate.vnetId !== undefined && idKey(candidate.vnetId) === vnetKey,
    );
    // The VNets a zone is linked to tell where a missing link should go; a present link is its own evidence.
    const evidence = { ...base, zone: zone.name, zoneId: zone.id, endpoints: zone.endpoints, dnsServers };
    const data = { zone: zone.name, vnet: nameOf(vnet.id) };
    if (!link) {
      report.fail(
        "zone-not-linked",
        zone.id,
        data,
        { ...evidence, linkedVnets: linkedVnetsOf(zone), link: null },
        linkCommand(zone.id, zone.name, vnet.id),
      );
    } else if (!eqi(link.linkState, "Completed")) {
      report.warn(
        "link-not-ready",
        zone.id,
        { ...data, linkState: link.linkState ?? "unset" },
        { ...evidence, linkedVnets: linkedVnetsOf(zone), link: describeLink(link) },
        `Wait for the link, then check it: az network private-dns link vnet show -g ${resourceGroupOf(zone.id)} -z ${zone.name} -n ${link.name} --query "{state:virtualNetworkLinkState,provisioning:provisioningState}"; if it stays so, delete and recreate it: ${linkCommand(zone.id, zone.name, vnet.id)}`,
      );
    } else {
      report.pass("zone-linked", zone.id, data, { ...evidence, link: describeLink(link) });
    }
  }
}

function linkOf(
  listed: Lookup<DnsZoneLinkView[]> | undefined,
  vnetId: string,
): Record<string, unknown> | null | "unreadable" {
  if (!listed?.ok) return "unreadable";
  const link = listed.value.find((candidate) => sameId(candidate.vnetId, vnetId));
  return link ? describeLink(link) : null;
}

function describeLink(link: DnsZoneLinkView): Record<string, unknown> {
  return {
    id: link.id,
    name: link.name,
    linkState: link.linkState ?? null,
    provisioningState: link.provisioningState ?? null,
  };
}

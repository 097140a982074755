// The VNet-link half of private-dns: every zone an endpoint needs must be linked to the VNet where its
// clients' queries reach Azure DNS (the VNet itself on Azure DNS, or the VNet of the Azure Firewall DNS
// proxy or DNS Private Resolver inbound endpoint its DNS servers name), or be forwarded by its custom
// DNS servers; and which VNets those are.

import { failedReadEvidence } from "../../src/core/failed-read.js";
import type { Status } from "../../src/core/status.js";
import { placeholder, sh } from "../../src/core/visible.js";
import type { DnsForwardersParts } from "../../src/engine/dns-forwarders.js";
import { AZURE_DNS, linkCommand } from "../../src/net/private-dns.js";
import { idKey, nameOf, resourceGroupOf } from "../../src/snapshot/ids.js";
import { sameId, vnetIdOfSubnet, type ComputeView } from "../../src/snapshot/model.js";
import { eqi } from "../../src/snapshot/json.js";
import {
  type DnsZoneLinkView,
  type PrivateEndpointView,
  type VirtualNetworkView,
} from "../../src/snapshot/network-views.js";
import type { CollectionError, Lookup } from "../../src/snapshot/types.js";
import { computeSubnets } from "../shared.js";
import {
  ROLE_TEXT,
  lookupRemediation,
  type ComputeVnet,
  type DnsReport,
  type VnetRole,
  type ZoneToLink,
} from "./model.js";
import { describeServer, reachesAzureDns, type Forwarder, type Resolution } from "./resolution.js";

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
 * The VNets that hold these private endpoints (each once, with its endpoints), read as far as possible;
 * an endpoint that returns 404 is left out (the check says it is missing).
 */
export function endpointVnets(
  parts: {
    privateEndpoints: (id: string) => Lookup<PrivateEndpointView>;
    virtualNetworks: (id: string) => Lookup<VirtualNetworkView>;
  },
  endpointIds: readonly string[],
): ComputeVnet[] {
  const byId = new Map<string, ComputeVnet>();
  for (const endpointId of endpointIds) {
    const endpoint = parts.privateEndpoints(endpointId);
    if (!endpoint.ok && endpoint.error?.statusCode === 404) continue;
    const vnetId = endpoint.ok ? endpoint.value.vnetId : undefined;
    const key = idKey(vnetId ?? endpointId);
    const entry = byId.get(key);
    if (entry) {
      entry.endpoints?.push(endpointId);
      continue;
    }
    const base = { computes: [], endpoints: [endpointId] };
    if (!endpoint.ok) {
      byId.set(key, {
        ...base,
        id: endpointId,
        reason: `which VNet holds private endpoint ${nameOf(endpointId)} is not known: ${endpoint.reason}`,
        ...(endpoint.error ? { error: endpoint.error } : {}),
      });
      continue;
    }
    if (!vnetId) {
      byId.set(key, { ...base, id: endpointId, reason: `private endpoint ${nameOf(endpointId)} names no subnet` });
      continue;
    }
    const vnet = parts.virtualNetworks(vnetId);
    byId.set(
      key,
      vnet.ok
        ? { ...base, id: vnetId, view: vnet.value }
        : { ...base, id: vnetId, reason: vnet.reason, ...(vnet.error ? { error: vnet.error } : {}) },
    );
  }
  return [...byId.values()];
}

/** The forwarders a forwarded VNet names whose outcome is not yet known. */
function undecidedForwarders(resolution: Resolution | undefined): Forwarder[] {
  return resolution?.kind === "forwarded"
    ? resolution.forwarders.filter((forwarder) => forwarder.outcome.state === "unknown")
    : [];
}

/** Whether a VNet's resolution cannot be told: unread, an undecided server list, or an undecided forwarder. */
export function undecided(vnet: ComputeVnet): boolean {
  return !vnet.resolution || vnet.resolution.kind === "unknown" || undecidedForwarders(vnet.resolution).length > 0;
}

/** The error that left a VNet's resolution undecided, if a read did. */
export function undecidedError(vnet: ComputeVnet): CollectionError | undefined {
  if (!vnet.resolution) return vnet.error;
  if (vnet.resolution.kind === "unknown") return vnet.resolution.error;
  for (const forwarder of undecidedForwarders(vnet.resolution))
    if (forwarder.outcome.state === "unknown" && forwarder.outcome.error) return forwarder.outcome.error;
  return undefined;
}

/**
 * No zone group: fail when some VNet's queries reach Azure DNS (nothing answers with the private
 * address), warn when every one goes to custom DNS servers (they may hold the records), unknown when
 * that cannot be told.
 */
export function noZoneGroupVerdict(vnets: ComputeVnet[]): Status {
  if (vnets.length === 0 || vnets.some((vnet) => vnet.resolution && reachesAzureDns(vnet.resolution))) return "fail";
  if (vnets.some(undecided)) return "unknown";
  return "warn";
}

/** The VNets whose zone links decide: each VNet on Azure DNS, and the VNet each resolving forwarder is in. */
export function linkTargets(vnets: ComputeVnet[]): string[] {
  const targets = new Map<string, string>();
  for (const vnet of vnets) {
    if (vnet.resolution?.kind === "azure-dns") targets.set(idKey(vnet.id), vnet.id);
    if (vnet.resolution?.kind === "forwarded")
      for (const { outcome } of vnet.resolution.forwarders)
        if (outcome.state === "resolves") targets.set(idKey(outcome.vnetId), outcome.vnetId);
  }
  return [...targets.values()];
}

/** A VNet whose links to the zones decide, and the VNets whose queries reach Azure DNS there. */
interface Target {
  id: string;
  /** The VNet itself on Azure DNS (no forwarder), or a VNet whose DNS server resolves here. */
  served: Array<{ vnet: ComputeVnet; forwarder?: Forwarder }>;
}

/** The zones to link, their VNet link lists, and the report, shared by the link findings. */
interface LinkScope {
  zones: ZoneToLink[];
  links: Map<string, Lookup<DnsZoneLinkView[]>>;
  /** The VNets a zone is linked to (null: its links are unreadable). */
  linkedVnetsOf: (zone: ZoneToLink) => string[] | null;
  report: DnsReport;
  role: VnetRole;
  forwarders: DnsForwardersParts;
}

export interface LinkInputs {
  zones: ZoneToLink[];
  vnets: ComputeVnet[];
  zoneLinks: (zoneId: string) => Lookup<DnsZoneLinkView[]>;
  forwarders: DnsForwardersParts;
  report: DnsReport;
  role: VnetRole;
}

/**
 * Per zone × VNet whose links decide, one finding; per VNet on custom or mixed DNS servers, one; per
 * forwarder that does not resolve, one; per unreadable VNet, undecided VNet or link list, one.
 */
export function reportLinks({ zones, vnets, zoneLinks, forwarders, report, role }: LinkInputs): void {
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
  const scope: LinkScope = { zones, links, linkedVnetsOf, report, role, forwarders };
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
  // One VNet's links are judged once, however many VNets resolve through it; one forwarder is judged once.
  const targets = new Map<string, Target>();
  const addTarget = (id: string, served: Target["served"][number]) => {
    const target = targets.get(idKey(id)) ?? { id, served: [] };
    target.served.push(served);
    targets.set(idKey(id), target);
  };
  const forwarderUsers = new Map<string, { forwarder: Forwarder; vnets: ComputeVnet[] }>();
  for (const vnet of vnets) {
    const { view, resolution } = vnet;
    if (!view || !resolution) {
      reportUnreadableVnet(scope, vnet);
      continue;
    }
    switch (resolution.kind) {
      case "azure-dns":
        addTarget(vnet.id, { vnet });
        break;
      case "custom":
        reportCustomDns(scope, vnet, view.dnsServers, resolution);
        break;
      case "mixed":
        reportMixed(scope, vnet, view.dnsServers, resolution);
        break;
      case "unknown":
        reportUndecidedVnet(scope, vnet, view.dnsServers, resolution);
        break;
      case "forwarded":
        for (const forwarder of resolution.forwarders) {
          if (forwarder.outcome.state === "resolves") addTarget(forwarder.outcome.vnetId, { vnet, forwarder });
          else {
            const key = `${idKey(forwarder.id)}|${forwarder.server}`;
            const users = forwarderUsers.get(key) ?? { forwarder, vnets: [] };
            users.vnets.push(vnet);
            forwarderUsers.set(key, users);
          }
        }
        break;
    }
  }
  for (const { forwarder, vnets: users } of forwarderUsers.values()) reportForwarder(scope, forwarder, users);
  for (const target of targets.values()) reportZoneLinks(scope, target);
}

/** A VNet that could not be read: whether it uses custom DNS servers is unknown. */
function reportUnreadableVnet(scope: LinkScope, vnet: ComputeVnet): void {
  const { zones, links, linkedVnetsOf, role } = scope;
  scope.report.unknown(
    "undetermined",
    vnet.id,
    {
      subject: `${ROLE_TEXT[role].vnet} ${nameOf(vnet.id)}`,
      reason: `whether it uses custom DNS servers cannot be read: ${vnet.reason ?? "not collected"}`,
    },
    {
      vnet: vnet.id,
      computes: vnet.computes,
      ...(vnet.endpoints ? { vnetEndpoints: vnet.endpoints } : {}),
      zones: zones.map((zone) => ({
        zone: zone.name,
        zoneId: zone.id,
        linkedVnets: linkedVnetsOf(zone),
        linked: linkOf(links.get(zone.id), vnet.id),
      })),
      ...failedReadEvidence(vnet.error),
    },
    vnet.error ? lookupRemediation(vnet.error.resourceId, vnet) : undefined,
  );
}

/** The conditional forwarders custom DNS servers need: the zones' public names, to Azure DNS, from a linked VNet. */
function conditionalForwarders(scope: LinkScope) {
  const { zones, linkedVnetsOf } = scope;
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
  const remediation = (servers: string) =>
    `On DNS servers ${servers}, add conditional forwarders for ${names.join(", ")} to ${AZURE_DNS}, on a DNS server or resolver inside a VNet linked to the zones (${linkedSomewhere.length > 0 ? `linked now: ${linkedSomewhere.join(", ")}` : "none is linked yet"}); link the zones to that VNet if needed: ${zones.map((zone) => linkCommand(zone.id, zone.name, placeholder("<dns-vnet-id>"), "dns-vnet-link")).join("; ")}`;
  return { forwarders, names, remediation };
}

/** A VNet on custom DNS servers: they must forward the zones' public names to Azure DNS. */
function reportCustomDns(scope: LinkScope, vnet: ComputeVnet, dnsServers: string[], resolution: Resolution): void {
  // Private zones answer only through 168.63.129.16, and only in VNets linked to them: the custom
  // servers must forward there from such a VNet, linked or not this VNet is.
  const { forwarders, names, remediation } = conditionalForwarders(scope);
  const text = ROLE_TEXT[scope.role];
  scope.report.warn(
    "custom-dns",
    vnet.id,
    {
      VnetRole: text.Vnet,
      vnet: nameOf(vnet.id),
      dnsServers: dnsServers.join(", "),
      forwarders: names.join(", "),
    },
    {
      vnet: vnet.id,
      computes: vnet.computes,
      dnsServers,
      forwarders,
      // None is an Azure Firewall or DNS Private Resolver inbound endpoint of these subscriptions.
      servers: resolution.kind === "custom" ? resolution.servers.map(describeServer) : [],
      forwardersSearchedIn: scope.forwarders.subscriptions,
    },
    remediation(dnsServers.join(", ")),
  );
}

/** A VNet whose DNS servers answer differently: VMs use any of them, so answers change from query to query. */
function reportMixed(scope: LinkScope, vnet: ComputeVnet, dnsServers: string[], resolution: Resolution): void {
  const text = ROLE_TEXT[scope.role];
  scope.report.warn(
    "dns-servers-mixed",
    vnet.id,
    { VnetRole: text.Vnet, vnet: nameOf(vnet.id), dnsServers: dnsServers.join(", ") },
    {
      vnet: vnet.id,
      computes: vnet.computes,
      dnsServers,
      servers: resolution.kind === "mixed" ? resolution.servers.map(describeServer) : [],
      forwardersSearchedIn: scope.forwarders.subscriptions,
    },
    `Name DNS servers that all resolve the private zones alike: none (Azure DNS), only Azure Firewalls with DNS proxy or DNS Private Resolver inbound endpoints in a VNet linked to the zones, or only DNS servers that forward the zones to ${AZURE_DNS}: ${sh`az network vnet update -g ${resourceGroupOf(vnet.id)} -n ${nameOf(vnet.id)} --dns-servers <servers>`}`,
  );
}

/** A VNet whose DNS servers cannot all be told apart (a list of firewalls or resolvers could not be read). */
function reportUndecidedVnet(scope: LinkScope, vnet: ComputeVnet, dnsServers: string[], resolution: Resolution): void {
  if (resolution.kind !== "unknown") return;
  scope.report.unknown(
    "undetermined",
    vnet.id,
    { subject: `${ROLE_TEXT[scope.role].vnet} ${nameOf(vnet.id)}`, reason: resolution.reason },
    {
      vnet: vnet.id,
      computes: vnet.computes,
      dnsServers,
      servers: resolution.servers.map(describeServer),
      ...failedReadEvidence(resolution.error),
    },
    resolution.error ? lookupRemediation(resolution.error.resourceId, resolution) : undefined,
  );
}

/** A forwarder that does not resolve through Azure DNS: its proxy is off, it forwards elsewhere, or it cannot be read. */
function reportForwarder(scope: LinkScope, forwarder: Forwarder, users: ComputeVnet[]): void {
  const text = ROLE_TEXT[scope.role];
  const vnets = `${text.vnet}${users.length > 1 ? "s" : ""} ${users.map((vnet) => nameOf(vnet.id)).join(", ")}`;
  const evidence = {
    server: forwarder.server,
    ...forwarder.evidence,
    vnets: users.map((vnet) => vnet.id),
    computes: users.flatMap((vnet) => vnet.computes),
  };
  const data = { forwarder: forwarder.label, server: forwarder.server, vnets };
  const { outcome } = forwarder;
  switch (outcome.state) {
    case "proxy-off":
      scope.report.fail("forwarder-proxy-off", forwarder.id, data, evidence, outcome.remediation);
      return;
    case "custom-upstream": {
      const { forwarders, names, remediation } = conditionalForwarders(scope);
      scope.report.warn(
        "forwarder-custom-upstream",
        forwarder.id,
        { ...data, upstream: outcome.upstream.join(", "), forwarders: names.join(", ") },
        { ...evidence, forwarders },
        remediation(outcome.upstream.join(", ")),
      );
      return;
    }
    case "unknown":
      scope.report.unknown(
        "undetermined",
        forwarder.id,
        { subject: `${forwarder.label}, the DNS server of ${vnets}`, reason: outcome.reason },
        { ...evidence, ...failedReadEvidence(outcome.error) },
        outcome.error ? lookupRemediation(outcome.error.resourceId, outcome) : undefined,
      );
      return;
    case "resolves":
      return;
  }
}

/** How the link findings of a target name it and who suffers from a missing link. */
function placeOf(scope: LinkScope, target: Target): { where: string; who: string; vnet: string } {
  const text = ROLE_TEXT[scope.role];
  const name = nameOf(target.id);
  const direct = target.served.some((served) => !served.forwarder);
  const via = target.served.filter((served) => served.forwarder);
  let where = direct ? `${text.vnet} ${name}` : `VNet ${name}`;
  let who = direct ? `${text.clients} there` : "";
  if (via.length > 0) {
    const through = [...new Set(via.map(({ forwarder }) => `${forwarder?.label} (${forwarder?.server})`))];
    const served = [...new Set(via.map(({ vnet }) => nameOf(vnet.id)))];
    where += `, where ${through.join(" and ")} resolve${through.length === 1 ? "s" : ""} names for ${text.vnet}${served.length > 1 ? "s" : ""} ${served.join(", ")}`;
    who = direct ? `${who} and in ${served.join(", ")}` : `${text.clients} in ${served.join(", ")}`;
  }
  return { where, who, vnet: name };
}

/** A VNet whose queries reach Azure DNS: each zone whose links were read must be linked to it, and the link ready. */
function reportZoneLinks(scope: LinkScope, target: Target): void {
  const { zones, links, linkedVnetsOf, report } = scope;
  const direct = target.served.find((served) => !served.forwarder);
  const via = target.served.filter((served) => served.forwarder);
  const dnsServers = direct?.vnet.view?.dnsServers ?? [];
  const base = {
    vnet: target.id,
    computes: [...new Set(target.served.flatMap((served) => served.vnet.computes))],
    ...(direct ? { dnsServers } : {}),
    // 168.63.129.16 named as a server is Azure DNS, but the VNet then gets no DHCP DNS suffix.
    ...(direct && dnsServers.length > 0
      ? { dnsSuffix: "none: with DNS servers set, Azure gives VMs reddog.microsoft.com, not the internal suffix" }
      : {}),
    ...(via.length > 0
      ? {
          resolvesFor: via.map(({ vnet, forwarder }) => ({
            vnet: vnet.id,
            computes: vnet.computes,
            dnsServers: vnet.view?.dnsServers ?? [],
            server: forwarder?.server,
            forwarder: forwarder?.id,
            ...forwarder?.evidence,
          })),
        }
      : {}),
  };
  const place = placeOf(scope, target);
  for (const zone of zones) {
    const listed = links.get(zone.id);
    if (!listed?.ok) continue;
    const vnetKey = idKey(target.id);
    const link = listed.value.find(
      (candidate) => candidate.vnetId !== undefined && idKey(candidate.vnetId) === vnetKey,
    );
    // The VNets a zone is linked to tell where a missing link should go; a present link is its own evidence.
    const evidence = { ...base, zone: zone.name, zoneId: zone.id, endpoints: zone.endpoints };
    const data = { zone: zone.name, ...place };
    if (!link) {
      report.fail(
        "zone-not-linked",
        zone.id,
        data,
        { ...evidence, linkedVnets: linkedVnetsOf(zone), link: null },
        linkCommand(zone.id, zone.name, target.id),
      );
    } else if (!eqi(link.linkState, "Completed")) {
      report.warn(
        "link-not-ready",
        zone.id,
        { ...data, linkState: link.linkState ?? "unset" },
        { ...evidence, linkedVnets: linkedVnetsOf(zone), link: describeLink(link) },
        `Wait for the link, then check it: ${sh`az network private-dns link vnet show -g ${resourceGroupOf(zone.id)} -z ${zone.name} -n ${link.name} --query "{state:virtualNetworkLinkState,provisioning:provisioningState}"`}; if it stays so, delete and recreate it: ${linkCommand(zone.id, zone.name, target.id)}`,
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

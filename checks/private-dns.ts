import { unresolvedRemediation } from "../src/core/remediation.js";
import { defineCheck, type FindingReportOf, type Parts } from "../src/engine/types.js";
import { type Lookup } from "../src/snapshot/types.js";
import { type Status } from "../src/core/status.js";
import {
  eqi,
  idKey,
  normaliseRegion,
  sameId,
  vnetIdOfSubnet,
  type ComputeView,
  type DnsZoneGroupView,
  type DnsZoneLinkView,
  type VirtualNetworkView,
} from "../src/snapshot/model.js";
import type { CollectionError } from "../src/snapshot/types.js";
import {
  computeSubnets,
  errorEvidence,
  isManagedNetwork,
  managedNetworkSkip,
  nameOf,
  resourceGroupOf,
} from "./shared.js";

/** Azure's recursive resolver: the only one that answers from private DNS zones. */
const AZURE_DNS = "168.63.129.16";

type OwnerKind = "workspace" | "storage" | "registry" | "keyVault";

const OWNER_LABEL: Record<OwnerKind, string> = {
  workspace: "workspace",
  storage: "storage account",
  registry: "container registry",
  keyVault: "key vault",
};

/** A zone an endpoint needs: the names that satisfy it, and the public zones a custom DNS server must forward. */
interface NeededZone {
  name: string;
  accepts: string[];
  forward: string[];
}

const zone = (
  name: string,
  forward: string[] = [name.replace("privatelink.", "")],
  accepts: string[] = [],
): NeededZone => ({ name, accepts, forward });

/** Storage sub-resources (primary and secondary) and their zones (Learn: private-link/private-endpoint-dns). */
const STORAGE_SERVICES = ["blob", "file", "queue", "table", "dfs", "web"];

/** The zones each group ID needs, by owner; public-cloud names only. */
function zonesFor(kind: OwnerKind, groupId: string, registryRegion: string): NeededZone[] | undefined {
  const group = groupId.toLowerCase();
  switch (kind) {
    case "workspace":
      return group === "amlworkspace"
        ? [
            zone("privatelink.api.azureml.ms", ["api.azureml.ms", "instances.azureml.ms", "inference.ml.azure.com"]),
            zone("privatelink.notebooks.azure.net", ["notebooks.azure.net", "aznbcontent.net"]),
          ]
        : undefined;
    case "storage": {
      const service = group.replace(/_secondary$/, "");
      return STORAGE_SERVICES.includes(service) ? [zone(`privatelink.${service}.core.windows.net`)] : undefined;
    }
    case "registry": {
      if (group !== "registry") return undefined;
      const registryZone = zone("privatelink.azurecr.io");
      if (!registryRegion) return [registryZone];
      // The data endpoint's records (<registry>.<region>.data) may live in privatelink.azurecr.io itself.
      return [
        registryZone,
        zone(
          `${registryRegion}.data.privatelink.azurecr.io`,
          [`${registryRegion}.data.azurecr.io`],
          ["privatelink.azurecr.io"],
        ),
      ];
    }
    case "keyVault":
      return group === "vault"
        ? [zone("privatelink.vaultcore.azure.net", ["vault.azure.net", "vaultcore.azure.net"])]
        : undefined;
  }
}

/** The one group ID a workspace, registry or key vault endpoint can have; storage has several. */
const ONLY_GROUP: Partial<Record<OwnerKind, string>> = {
  workspace: "amlworkspace",
  registry: "registry",
  keyVault: "vault",
};

/** A VNet that holds compute, as far as it could be read. */
interface ComputeVnet {
  id: string;
  computes: string[];
  view?: VirtualNetworkView;
  reason?: string;
  error?: CollectionError;
}

/** A zone that exists and that some endpoint needs: it must be linked to every compute VNet. */
interface ZoneToLink {
  id: string;
  name: string;
  endpoints: string[];
  forward: string[];
}

const failedRead = (resourceId: string, lookup: { error?: CollectionError }) =>
  unresolvedRemediation([
    {
      resourceId,
      missingPermission: lookup.error?.permission,
      code: lookup.error?.code,
      statusCode: lookup.error?.statusCode,
    },
  ]);

const MESSAGES = {
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

type DnsReport = FindingReportOf<typeof MESSAGES>;

/** The workspace or a dependency, with the private endpoints that connect to it. */
interface EndpointOwner {
  kind: OwnerKind;
  id: string;
  location: string;
  endpointIds: string[];
}

/** What judging every endpoint shares: the parts read, the compute VNets, and the zones found so far. */
interface DnsScope {
  parts: Pick<Parts, "privateEndpoints" | "privateDns">;
  report: DnsReport;
  vnets: ComputeVnet[];
  computeVnetIds: string[];
  dnsServers: Record<string, string[] | null>;
  /** Zones that exist and that some endpoint needs, by zone ID key: their links are judged last. */
  zonesToLink: Map<string, ZoneToLink>;
}

/** One private endpoint of one owner, as its findings name it. */
interface EndpointSubject {
  endpointId: string;
  owner: EndpointOwner;
  /** Message data every finding about the endpoint shares. */
  data: { endpoint: string; owner: string; ownerName: string };
  /** Evidence every finding about the endpoint shares; it grows as the endpoint is read. */
  evidence: Record<string, unknown>;
  /** Reports that the endpoint's private DNS cannot be judged. */
  undetermined: (reason: string, extra: Record<string, unknown>, remediation?: string) => void;
}

/** A zone configuration of one of the endpoint's zone groups, with the group's name. */
type ZoneConfig = DnsZoneGroupView["zones"][number] & { zoneGroup: string };

export default defineCheck({
  id: "private-dns",
  title:
    "Every private endpoint of the workspace and its dependencies has a DNS zone group whose zones exist and are linked to every VNet that holds compute",
  severity: "high",
  requires: [
    "workspace",
    "storage",
    "registry",
    "keyVault",
    "computes",
    "privateEndpoints",
    "virtualNetworks",
    "privateDns",
  ],
  messages: MESSAGES,
  remediation:
    "Give each private endpoint a DNS zone group naming its privatelink zones (az network private-endpoint dns-zone-group create/add), and link each zone to every VNet that holds compute (az network private-dns link vnet create).",
  run(parts, report, context) {
    if (isManagedNetwork(parts)) {
      managedNetworkSkip(parts, context.target, report);
      return;
    }

    const owners = endpointOwners(parts);
    if (owners.every((owner) => owner.endpointIds.length === 0)) {
      report.skip("no-endpoints", parts.workspace.id, undefined, { inspected: owners.map((owner) => owner.id) });
      return;
    }

    const vnets = computeVnets(parts);
    const scope: DnsScope = {
      parts,
      report,
      vnets,
      computeVnetIds: vnets.map((vnet) => vnet.id),
      dnsServers: Object.fromEntries(vnets.map((vnet) => [vnet.id, vnet.view ? vnet.view.dnsServers : null])),
      zonesToLink: new Map<string, ZoneToLink>(),
    };
    const seen = new Set<string>();
    for (const owner of owners) {
      for (const endpointId of owner.endpointIds) {
        const pair = `${idKey(endpointId)}|${idKey(owner.id)}`;
        if (seen.has(pair)) continue;
        seen.add(pair);
        checkEndpoint(scope, endpointSubject(owner, endpointId, report));
      }
    }

    reportLinks([...scope.zonesToLink.values()], vnets, parts.privateDns.zoneLinks, report);
  },
});

/** The workspace, then each dependency the workspace names, with their private endpoints. */
function endpointOwners(parts: Pick<Parts, "workspace" | "storage" | "registry" | "keyVault">): EndpointOwner[] {
  const owners: EndpointOwner[] = [
    {
      kind: "workspace",
      id: parts.workspace.id,
      location: parts.workspace.location,
      endpointIds: parts.workspace.privateEndpointIds,
    },
  ];
  for (const kind of ["storage", "registry", "keyVault"] as const) {
    const dependency = parts[kind];
    if (dependency.state !== "present") continue;
    const endpointIds = dependency.value.connections
      .map((connection) => connection.privateEndpointId)
      .filter((id): id is string => !!id);
    owners.push({ kind, id: dependency.value.id, location: dependency.value.location, endpointIds });
  }
  return owners;
}

/** The endpoint as its findings name it; `undetermined` reports its unknowns with the shared evidence. */
function endpointSubject(owner: EndpointOwner, endpointId: string, report: DnsReport): EndpointSubject {
  const ownerText = `${OWNER_LABEL[owner.kind]} ${nameOf(owner.id)}`;
  const evidence: Record<string, unknown> = { endpoint: endpointId, owner: owner.id, ownerType: owner.kind };
  return {
    endpointId,
    owner,
    data: { endpoint: nameOf(endpointId), owner: ownerText, ownerName: nameOf(owner.id) },
    evidence,
    undetermined: (reason, extra, remediation) => {
      report.unknown(
        "undetermined",
        endpointId,
        { subject: `private endpoint ${nameOf(endpointId)} (${ownerText})`, reason },
        { ...evidence, ...extra },
        remediation,
      );
    },
  };
}

/** The findings of one endpoint: its group IDs, the zones they need, and its zone groups' entries for them. */
function checkEndpoint(scope: DnsScope, subject: EndpointSubject): void {
  const groupIds = endpointGroupIds(scope, subject);
  if (!groupIds) return;
  const needed = neededZones(subject, groupIds);
  if (needed.length === 0) return;
  subject.evidence.neededZones = needed.map((need) => need.name);

  const { endpointId } = subject;
  const groups = scope.parts.privateDns.zoneGroups(endpointId);
  if (!groups.ok) {
    subject.undetermined(
      groups.reason,
      errorEvidence(groups.error),
      failedRead(`${endpointId}/privateDnsZoneGroups`, groups),
    );
    return;
  }
  if (groups.value.length === 0) {
    reportNoZoneGroup(scope, subject, needed);
    return;
  }

  const configs: ZoneConfig[] = groups.value.flatMap((group) =>
    group.zones.map((config) => ({ ...config, zoneGroup: group.name })),
  );
  const zoneGroupNames = groups.value.map((group) => group.name);
  for (const need of needed) checkNeededZone(scope, subject, need, configs, zoneGroupNames);
}

/**
 * The endpoint's group IDs (recorded in its evidence), or undefined when it is gone or its zones cannot
 * be told (reported here).
 */
function endpointGroupIds(scope: DnsScope, subject: EndpointSubject): string[] | undefined {
  const { endpointId, owner, evidence } = subject;
  // Which zones the endpoint needs follows from its group IDs, read from the endpoint.
  const endpoint = scope.parts.privateEndpoints(endpointId);
  if (!endpoint.ok && endpoint.error?.statusCode === 404) {
    scope.report.skip("endpoint-missing", endpointId, subject.data, { ...evidence, ...errorEvidence(endpoint.error) });
    return undefined;
  }
  let groupIds: string[] = [];
  if (endpoint.ok) {
    const link = endpoint.value.links.find((candidate) => sameId(candidate.targetId, owner.id));
    groupIds = link ? link.groupIds : endpoint.value.links.flatMap((candidate) => candidate.groupIds);
  }
  let groupIdsFrom = "endpoint";
  if (groupIds.length === 0) {
    // A workspace, registry or key vault endpoint has one possible group ID, so its zones are known
    // without reading the endpoint; a storage endpoint's (blob, file, dfs…) are not: unknown.
    const only = ONLY_GROUP[owner.kind];
    const why = endpoint.ok ? "the endpoint names no group ID" : endpoint.reason;
    if (!only) {
      subject.undetermined(
        `which storage sub-resource it serves, and so which private DNS zone it needs, cannot be told: ${why}`,
        { groupIds: [], ...(endpoint.ok ? {} : errorEvidence(endpoint.error)) },
        endpoint.ok ? undefined : failedRead(endpointId, endpoint),
      );
      return undefined;
    }
    groupIds = [only];
    groupIdsFrom = "owner-default";
    evidence.groupIdsReason = why;
    if (!endpoint.ok) Object.assign(evidence, { endpointError: errorEvidence(endpoint.error) });
  }
  Object.assign(evidence, { groupIds, groupIdsFrom });
  return groupIds;
}

/** The zones the group IDs need, each once; a group ID this check cannot map is reported. */
function neededZones(subject: EndpointSubject, groupIds: string[]): NeededZone[] {
  const needed: NeededZone[] = [];
  const unmapped: string[] = [];
  for (const groupId of groupIds) {
    const zones = zonesFor(subject.owner.kind, groupId, normaliseRegion(subject.owner.location));
    if (!zones) unmapped.push(groupId);
    for (const need of zones ?? []) if (!needed.some((known) => eqi(known.name, need.name))) needed.push(need);
  }
  if (unmapped.length > 0)
    subject.undetermined(`group ID ${unmapped.join(", ")} maps to no private DNS zone this check knows`, {
      unmappedGroupIds: unmapped,
    });
  return needed;
}

/** An endpoint without a DNS zone group: how bad that is depends on the compute VNets' DNS servers. */
function reportNoZoneGroup(scope: DnsScope, subject: EndpointSubject, needed: NeededZone[]): void {
  const { endpointId, owner } = subject;
  const rg = resourceGroupOf(endpointId);
  const zoneList = needed.map((need) => need.name).join(", ");
  const verdict = noZoneGroupVerdict(scope.vnets);
  const noGroupEvidence = {
    ...subject.evidence,
    zoneGroups: [],
    computeVnets: scope.computeVnetIds,
    dnsServers: scope.dnsServers,
  };
  const remedyZones = [...new Set(needed.map(remedyZone))];
  const create = zoneGroupCommands(rg, nameOf(endpointId), "default", remedyZones);
  if (verdict === "unknown") {
    const unreadable = scope.vnets.filter((vnet) => !vnet.view);
    subject.undetermined(
      "it has no DNS zone group, and whether the compute VNets resolve through custom DNS servers cannot be read",
      { ...noGroupEvidence, unreadableVnets: unreadable.map((vnet) => vnet.id) },
      unreadable[0] ? failedRead(unreadable[0].id, unreadable[0]) : undefined,
    );
    return;
  }
  scope.report.add(
    verdict,
    verdict === "warn" ? "no-zone-group-custom-dns" : "no-zone-group",
    endpointId,
    { ...subject.data, zones: zoneList },
    noGroupEvidence,
    verdict === "warn"
      ? `Keep A records for ${nameOf(owner.id)} on the custom DNS servers by hand, or give the endpoint a zone group and forward its zones to ${AZURE_DNS}: ${create.join("; ")}`
      : `Create the zones that do not exist yet (${remedyZones.map((name) => `az network private-dns zone create -g ${rg} -n ${name}`).join("; ")}), then: ${create.join("; ")}`,
  );
}

/**
 * One zone the endpoint needs: its zone groups must name it and it must exist. A zone that does is kept
 * in `zonesToLink`, to judge its VNet links once every endpoint is read.
 */
function checkNeededZone(
  scope: DnsScope,
  subject: EndpointSubject,
  need: NeededZone,
  configs: ZoneConfig[],
  zoneGroupNames: string[],
): void {
  const { endpointId } = subject;
  const { report } = scope;
  const rg = resourceGroupOf(endpointId);
  const match =
    configs.find((config) => eqi(config.zoneName, need.name)) ??
    configs.find((config) => need.accepts.some((name) => eqi(config.zoneName, name)));
  const zoneEvidence = {
    ...subject.evidence,
    zoneGroups: zoneGroupNames,
    zone: need.name,
    zonesInGroups: configs.map((config) => config.zoneName ?? null),
  };
  const zoneData = { ...subject.data, zone: need.name };
  if (!match) {
    const group = zoneGroupNames[0] ?? "default";
    report.fail(
      "zone-missing-from-group",
      endpointId,
      zoneData,
      zoneEvidence,
      `${zoneGroupCommands(rg, nameOf(endpointId), group, [remedyZone(need)], true).join("; ")} (create the zone first if needed: az network private-dns zone create -g ${rg} -n ${remedyZone(need)})`,
    );
    return;
  }
  const matched = {
    ...zoneEvidence,
    zoneGroup: match.zoneGroup,
    zoneId: match.zoneId ?? null,
    satisfiedBy: match.zoneName ?? null,
  };
  const zoneId = match.zoneId;
  if (!zoneId) {
    subject.undetermined(`zone group ${match.zoneGroup} has a zone configuration without a privateDnsZoneId`, matched);
    return;
  }
  const found = scope.parts.privateDns.zone(zoneId);
  if (!found.ok) {
    if (found.error?.statusCode === 404) {
      report.fail(
        "zone-not-found",
        endpointId,
        { ...zoneData, zone: match.zoneName ?? need.name },
        { ...matched, ...errorEvidence(found.error) },
        recreateZoneCommands(scope, subject, need, { ...match, zoneId }, configs).join("; "),
      );
    } else {
      subject.undetermined(found.reason, { ...matched, ...errorEvidence(found.error) }, failedRead(zoneId, found));
    }
    return;
  }
  report.pass(
    "zone-configured",
    endpointId,
    { ...zoneData, zoneGroup: match.zoneGroup, satisfiedBy: found.value.name || (match.zoneName ?? need.name) },
    matched,
  );
  const entry = scope.zonesToLink.get(idKey(zoneId)) ?? {
    id: zoneId,
    name: found.value.name || (match.zoneName ?? need.name),
    endpoints: [],
    forward: [],
  };
  if (!entry.endpoints.includes(endpointId)) entry.endpoints.push(endpointId);
  for (const name of need.forward) if (!entry.forward.includes(name)) entry.forward.push(name);
  scope.zonesToLink.set(idKey(zoneId), entry);
}

/** A zone group names a zone that does not exist: create it, link it, and recreate the group. */
function recreateZoneCommands(
  scope: DnsScope,
  subject: EndpointSubject,
  need: NeededZone,
  match: ZoneConfig & { zoneId: string },
  configs: ZoneConfig[],
): string[] {
  const { endpointId } = subject;
  const rg = resourceGroupOf(endpointId);
  const zoneName = match.zoneName ?? need.name;
  return [
    `az network private-dns zone create -g ${resourceGroupOf(match.zoneId)} -n ${zoneName}`,
    ...scope.computeVnetIds.map((vnetId) => linkCommand(match.zoneId, zoneName, vnetId)),
    // A zone group writes its records when it is created: recreate it, with all its zones.
    `az network private-endpoint dns-zone-group delete -g ${rg} --endpoint-name ${nameOf(endpointId)} -n ${match.zoneGroup}`,
    ...zoneGroupCommands(
      rg,
      nameOf(endpointId),
      match.zoneGroup,
      configs
        .filter((config) => config.zoneGroup === match.zoneGroup)
        .map((config) => config.zoneId ?? config.zoneName ?? need.name),
    ),
  ];
}

/** The compute VNets (each once, with the computes in it), read as far as possible. */
function computeVnets(parts: {
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
function noZoneGroupVerdict(vnets: ComputeVnet[]): Status {
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
function reportLinks(
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
          ...errorEvidence(listed.error),
        },
        failedRead(`${zone.id}/virtualNetworkLinks`, listed),
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
      ...errorEvidence(vnet.error),
    },
    vnet.error ? failedRead(vnet.id, vnet) : undefined,
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

function linkCommand(zoneId: string, zoneName: string, vnetId: string, linkName = `${nameOf(vnetId)}-link`): string {
  return `az network private-dns link vnet create -g ${resourceGroupOf(zoneId)} -z ${zoneName} -n ${linkName} -v ${vnetId} -e false`;
}

/** The zone to create or add for a need: the shared one when another zone satisfies it (the registry's data records). */
function remedyZone(need: NeededZone): string {
  return need.accepts[0] ?? need.name;
}

/** Creates the zone group with the first zone (name or ID) and adds the rest; only adds when `existing`. */
function zoneGroupCommands(rg: string, endpoint: string, group: string, zones: string[], existing = false): string[] {
  return zones.map((zone, index) => {
    const verb = index === 0 && !existing ? "create" : "add";
    return `az network private-endpoint dns-zone-group ${verb} -g ${rg} --endpoint-name ${endpoint} -n ${group} --private-dns-zone ${zone} --zone-name ${configName(zone)}`;
  });
}

/** The zone configuration's name in a zone group, as the portal names it. */
function configName(zone: string): string {
  return nameOf(zone).replace(/\./g, "-");
}

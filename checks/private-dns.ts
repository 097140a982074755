import { nameOf, resourceGroupOf } from "../src/snapshot/ids.js";
import { defineCheck, type Parts } from "../src/engine/types.js";
import { failedReadEvidence } from "../src/core/failed-read.js";
import { sh } from "../src/core/visible.js";
import { idKey, normaliseRegion, sameId } from "../src/snapshot/model.js";
import { eqi } from "../src/snapshot/json.js";
import { type DnsZoneGroupView } from "../src/snapshot/network-views.js";
import { isManagedNetwork, managedNetworkSkip } from "./shared.js";
import {
  computeVnets,
  endpointVnets,
  linkTargets,
  noZoneGroupVerdict,
  reportLinks,
  undecided,
  undecidedError,
} from "./private-dns/links.js";
import {
  MESSAGES,
  ROLE_TEXT,
  lookupRemediation,
  type ComputeVnet,
  type DnsReport,
  type VnetRole,
  type ZoneToLink,
} from "./private-dns/model.js";
import { resolutionOf, vnetReach } from "./private-dns/resolution.js";
import {
  AZURE_DNS,
  ONLY_GROUP,
  linkCommand,
  remedyZone,
  zoneGroupCommands,
  zonesFor,
  type NeededZone,
  type OwnerKind,
} from "../src/net/private-dns.js";

const OWNER_LABEL: Record<OwnerKind, string> = {
  workspace: "workspace",
  storage: "storage account",
  registry: "container registry",
  keyVault: "key vault",
};

/** The workspace or a dependency, with the private endpoints that connect to it. */
interface EndpointOwner {
  kind: OwnerKind;
  id: string;
  location: string;
  endpointIds: string[];
}

/** What judging every endpoint shares: the parts read, the VNets judged, and the zones found so far. */
interface DnsScope {
  parts: Pick<Parts, "privateEndpoints" | "privateDns">;
  report: DnsReport;
  /** compute: the VNets that hold compute; endpoint: a managed-network workspace's endpoint VNets. */
  role: VnetRole;
  vnets: ComputeVnet[];
  computeVnetIds: string[];
  /** The VNets a zone must be linked to (the VNets on Azure DNS and the forwarders' VNets), for remediations. */
  linkVnetIds: string[];
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
    "dnsForwarders",
  ],
  messages: MESSAGES,
  remediation:
    "Give each private endpoint a DNS zone group naming its privatelink zones (az network private-endpoint dns-zone-group create/add), and link each zone to every VNet that holds compute (az network private-dns link vnet create).",
  run(parts, report, context) {
    // A managed network: Azure resolves for the managed computes, but the workspace's own (inbound)
    // private endpoints sit in a VNet of the customer's and need their zones there like any other
    // (learn.microsoft.com/azure/machine-learning/how-to-managed-network).
    const managed = isManagedNetwork(parts);
    const owners = managed ? endpointOwners(parts).slice(0, 1) : endpointOwners(parts);
    if (managed && owners.every((owner) => owner.endpointIds.length === 0)) {
      managedNetworkSkip(parts, context.target, report);
      return;
    }
    if (owners.every((owner) => owner.endpointIds.length === 0)) {
      report.skip("no-endpoints", parts.workspace.id, undefined, { inspected: owners.map((owner) => owner.id) });
      return;
    }

    const role: VnetRole = managed ? "endpoint" : "compute";
    const reach = vnetReach(parts.virtualNetworks);
    const vnets = (managed ? endpointVnets(parts, parts.workspace.privateEndpointIds) : computeVnets(parts)).map(
      (vnet): ComputeVnet =>
        vnet.view
          ? {
              ...vnet,
              resolution: resolutionOf(vnet.view.dnsServers, parts.dnsForwarders, { vnetId: vnet.id, reach }),
            }
          : vnet,
    );
    const judged = managed ? inboundReport(report, parts.workspace) : report;
    const computeVnetIds = vnets.map((vnet) => vnet.id);
    const targets = linkTargets(vnets);
    const scope: DnsScope = {
      parts,
      report: judged,
      role,
      vnets,
      computeVnetIds,
      linkVnetIds: targets.length > 0 ? targets : computeVnetIds,
      dnsServers: Object.fromEntries(vnets.map((vnet) => [vnet.id, vnet.view ? vnet.view.dnsServers : null])),
      zonesToLink: new Map<string, ZoneToLink>(),
    };
    const seen = new Set<string>();
    for (const owner of owners) {
      for (const endpointId of owner.endpointIds) {
        const pair = `${idKey(endpointId)}|${idKey(owner.id)}`;
        if (seen.has(pair)) continue;
        seen.add(pair);
        checkEndpoint(scope, endpointSubject(owner, endpointId, judged));
      }
    }

    reportLinks({
      zones: [...scope.zonesToLink.values()],
      vnets,
      zoneLinks: parts.privateDns.zoneLinks,
      forwarders: parts.dnsForwarders,
      report: judged,
      role,
    });
  },
});

/**
 * A managed-network workspace's endpoint findings: what fails with public access disabled only warns
 * with it enabled (clients elsewhere still reach the public endpoint), and every finding says so.
 */
function inboundReport(report: DnsReport, workspace: Parts["workspace"]): DnsReport {
  const publicNetworkAccess = workspace.publicNetworkAccess ?? null;
  // ARM's default is Enabled: only Disabled closes the public path.
  const softened = !eqi(publicNetworkAccess, "Disabled");
  const context = { isolationMode: workspace.managedNetworkIsolation ?? null, publicNetworkAccess };
  const add: DnsReport["add"] = (status, messageId, resourceId, data, evidence, remediation) => {
    const inbound = softened && status === "fail" ? { ...context, failsWhenPublicAccessDisabled: true } : context;
    report.add(
      softened && status === "fail" ? "warn" : status,
      messageId,
      resourceId,
      data,
      { ...evidence, ...inbound },
      remediation,
    );
  };
  return {
    add,
    fail: (...args) => add("fail", ...args),
    unknown: (...args) => add("unknown", ...args),
    warn: (...args) => add("warn", ...args),
    pass: (messageId, resourceId, data, evidence) => add("pass", messageId, resourceId, data, evidence),
    skip: (messageId, resourceId, data, evidence) => add("skip", messageId, resourceId, data, evidence),
  };
}

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
      failedReadEvidence(groups.error),
      lookupRemediation(`${endpointId}/privateDnsZoneGroups`, groups),
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
    scope.report.skip("endpoint-missing", endpointId, subject.data, {
      ...evidence,
      ...failedReadEvidence(endpoint.error),
    });
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
        { groupIds: [], ...(endpoint.ok ? {} : failedReadEvidence(endpoint.error)) },
        endpoint.ok ? undefined : lookupRemediation(endpointId, endpoint),
      );
      return undefined;
    }
    groupIds = [only];
    groupIdsFrom = "owner-default";
    evidence.groupIdsReason = why;
    if (!endpoint.ok) Object.assign(evidence, { endpointError: failedReadEvidence(endpoint.error) });
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

/** An endpoint without a DNS zone group: how bad that is depends on the judged VNets' DNS servers. */
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
  const text = ROLE_TEXT[scope.role];
  if (verdict === "unknown") {
    const unreadable = scope.vnets.filter(undecided);
    const error = unreadable.map(undecidedError).find((candidate) => candidate !== undefined);
    subject.undetermined(
      `it has no DNS zone group, and whether the ${text.vnet}s resolve through custom DNS servers cannot be told`,
      { ...noGroupEvidence, unreadableVnets: unreadable.map((vnet) => vnet.id) },
      error ? lookupRemediation(error.resourceId, { error }) : undefined,
    );
    return;
  }
  scope.report.add(
    verdict,
    verdict === "warn" ? "no-zone-group-custom-dns" : "no-zone-group",
    endpointId,
    { ...subject.data, zones: zoneList, clients: text.clients, vnetRole: text.vnet },
    noGroupEvidence,
    verdict === "warn"
      ? `Keep A records for ${nameOf(owner.id)} on the custom DNS servers by hand, or give the endpoint a zone group and forward its zones to ${AZURE_DNS}: ${create.join("; ")}`
      : `Create the zones that do not exist yet (${remedyZones.map((name) => sh`az network private-dns zone create -g ${rg} -n ${name}`).join("; ")}), then: ${create.join("; ")}`,
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
      `${zoneGroupCommands(rg, nameOf(endpointId), group, [remedyZone(need)], true).join("; ")} (create the zone first if needed: ${sh`az network private-dns zone create -g ${rg} -n ${remedyZone(need)}`})`,
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
        { ...matched, ...failedReadEvidence(found.error) },
        recreateZoneCommands(scope, subject, need, { ...match, zoneId }, configs).join("; "),
      );
    } else {
      subject.undetermined(
        found.reason,
        { ...matched, ...failedReadEvidence(found.error) },
        lookupRemediation(zoneId, found),
      );
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
    sh`az network private-dns zone create -g ${resourceGroupOf(match.zoneId)} -n ${zoneName}`,
    ...scope.linkVnetIds.map((vnetId) => linkCommand(match.zoneId, zoneName, vnetId)),
    // A zone group writes its records when it is created: recreate it, with all its zones.
    sh`az network private-endpoint dns-zone-group delete -g ${rg} --endpoint-name ${nameOf(endpointId)} -n ${match.zoneGroup}`,
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

import { unresolvedRemediation } from "../src/core/remediation.js";
import { defineCheck, type CheckFinding } from "../src/engine/types.js";
import { type Lookup } from "../src/snapshot/types.js";
import { type Status } from "../src/core/status.js";
import {
  eqi,
  idKey,
  normaliseRegion,
  sameId,
  vnetIdOfSubnet,
  type ComputeView,
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

type MessageId =
  | "zone-configured"
  | "no-zone-group"
  | "no-zone-group-custom-dns"
  | "zone-missing-from-group"
  | "zone-not-found"
  | "zone-linked"
  | "zone-not-linked"
  | "link-not-ready"
  | "custom-dns"
  | "undetermined"
  | "endpoint-missing"
  | "no-endpoints"
  | "managed-network";

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

export default defineCheck<
  | "workspace"
  | "storage"
  | "registry"
  | "keyVault"
  | "computes"
  | "privateEndpoints"
  | "virtualNetworks"
  | "privateDns",
  MessageId
>({
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
  messages: {
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
  },
  remediation:
    "Give each private endpoint a DNS zone group naming its privatelink zones (az network private-endpoint dns-zone-group create/add), and link each zone to every VNet that holds compute (az network private-dns link vnet create).",
  run(parts, context) {
    if (isManagedNetwork(parts)) return [managedNetworkSkip(parts, context.target)];

    const owners: Array<{ kind: OwnerKind; id: string; location: string; endpointIds: string[] }> = [
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
    if (owners.every((owner) => owner.endpointIds.length === 0)) {
      return [
        {
          status: "skip",
          messageId: "no-endpoints",
          resourceId: parts.workspace.id,
          evidence: { inspected: owners.map((owner) => owner.id) },
        },
      ];
    }

    const vnets = computeVnets(parts);
    const computeVnetIds = vnets.map((vnet) => vnet.id);
    const dnsServers = Object.fromEntries(vnets.map((vnet) => [vnet.id, vnet.view ? vnet.view.dnsServers : null]));
    const findings: Array<CheckFinding<MessageId>> = [];
    const zonesToLink = new Map<string, ZoneToLink>();
    const seen = new Set<string>();

    for (const owner of owners) {
      for (const endpointId of owner.endpointIds) {
        const pair = `${idKey(endpointId)}|${idKey(owner.id)}`;
        if (seen.has(pair)) continue;
        seen.add(pair);
        const ownerText = `${OWNER_LABEL[owner.kind]} ${nameOf(owner.id)}`;
        const data = { endpoint: nameOf(endpointId), owner: ownerText, ownerName: nameOf(owner.id) };
        const evidence: Record<string, unknown> = { endpoint: endpointId, owner: owner.id, ownerType: owner.kind };
        const undetermined = (reason: string, extra: Record<string, unknown>, remediation?: string): void => {
          findings.push({
            status: "unknown",
            messageId: "undetermined",
            resourceId: endpointId,
            data: { subject: `private endpoint ${nameOf(endpointId)} (${ownerText})`, reason },
            evidence: { ...evidence, ...extra },
            ...(remediation ? { remediation } : {}),
          });
        };

        // Which zones the endpoint needs follows from its group IDs, read from the endpoint.
        const endpoint = parts.privateEndpoints(endpointId);
        if (!endpoint.ok && endpoint.error?.statusCode === 404) {
          findings.push({
            status: "skip",
            messageId: "endpoint-missing",
            resourceId: endpointId,
            data,
            evidence: { ...evidence, ...errorEvidence(endpoint.error) },
          });
          continue;
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
            undetermined(
              `which storage sub-resource it serves, and so which private DNS zone it needs, cannot be told: ${why}`,
              { groupIds: [], ...(endpoint.ok ? {} : errorEvidence(endpoint.error)) },
              endpoint.ok ? undefined : failedRead(endpointId, endpoint),
            );
            continue;
          }
          groupIds = [only];
          groupIdsFrom = "owner-default";
          evidence.groupIdsReason = why;
          if (!endpoint.ok) Object.assign(evidence, { endpointError: errorEvidence(endpoint.error) });
        }
        Object.assign(evidence, { groupIds, groupIdsFrom });

        const needed: NeededZone[] = [];
        const unmapped: string[] = [];
        for (const groupId of groupIds) {
          const zones = zonesFor(owner.kind, groupId, normaliseRegion(owner.location));
          if (!zones) unmapped.push(groupId);
          for (const need of zones ?? []) if (!needed.some((known) => eqi(known.name, need.name))) needed.push(need);
        }
        if (unmapped.length > 0)
          undetermined(`group ID ${unmapped.join(", ")} maps to no private DNS zone this check knows`, {
            unmappedGroupIds: unmapped,
          });
        if (needed.length === 0) continue;
        evidence.neededZones = needed.map((need) => need.name);
        const zoneList = needed.map((need) => need.name).join(", ");

        const groups = parts.privateDns.zoneGroups(endpointId);
        if (!groups.ok) {
          undetermined(
            groups.reason,
            errorEvidence(groups.error),
            failedRead(`${endpointId}/privateDnsZoneGroups`, groups),
          );
          continue;
        }
        const rg = resourceGroupOf(endpointId);
        if (groups.value.length === 0) {
          const verdict = noZoneGroupVerdict(vnets);
          const noGroupEvidence = { ...evidence, zoneGroups: [], computeVnets: computeVnetIds, dnsServers };
          const remedyZones = [...new Set(needed.map(remedyZone))];
          const create = zoneGroupCommands(rg, nameOf(endpointId), "default", remedyZones);
          if (verdict === "unknown") {
            const unreadable = vnets.filter((vnet) => !vnet.view);
            undetermined(
              "it has no DNS zone group, and whether the compute VNets resolve through custom DNS servers cannot be read",
              { ...noGroupEvidence, unreadableVnets: unreadable.map((vnet) => vnet.id) },
              unreadable[0] ? failedRead(unreadable[0].id, unreadable[0]) : undefined,
            );
          } else {
            findings.push({
              status: verdict,
              messageId: verdict === "warn" ? "no-zone-group-custom-dns" : "no-zone-group",
              resourceId: endpointId,
              data: { ...data, zones: zoneList },
              evidence: noGroupEvidence,
              remediation:
                verdict === "warn"
                  ? `Keep A records for ${nameOf(owner.id)} on the custom DNS servers by hand, or give the endpoint a zone group and forward its zones to ${AZURE_DNS}: ${create.join("; ")}`
                  : `Create the zones that do not exist yet (${remedyZones.map((name) => `az network private-dns zone create -g ${rg} -n ${name}`).join("; ")}), then: ${create.join("; ")}`,
            });
          }
          continue;
        }

        const configs = groups.value.flatMap((group) =>
          group.zones.map((config) => ({ ...config, zoneGroup: group.name })),
        );
        const zoneGroupNames = groups.value.map((group) => group.name);
        for (const need of needed) {
          const match =
            configs.find((config) => eqi(config.zoneName, need.name)) ??
            configs.find((config) => need.accepts.some((name) => eqi(config.zoneName, name)));
          const zoneEvidence = {
            ...evidence,
            zoneGroups: zoneGroupNames,
            zone: need.name,
            zonesInGroups: configs.map((config) => config.zoneName ?? null),
          };
          const zoneData = { ...data, zone: need.name };
          if (!match) {
            const group = zoneGroupNames[0] ?? "default";
            findings.push({
              status: "fail",
              messageId: "zone-missing-from-group",
              resourceId: endpointId,
              data: zoneData,
              evidence: zoneEvidence,
              remediation: `${zoneGroupCommands(rg, nameOf(endpointId), group, [remedyZone(need)], true).join("; ")} (create the zone first if needed: az network private-dns zone create -g ${rg} -n ${remedyZone(need)})`,
            });
            continue;
          }
          const matched = {
            ...zoneEvidence,
            zoneGroup: match.zoneGroup,
            zoneId: match.zoneId ?? null,
            satisfiedBy: match.zoneName ?? null,
          };
          if (!match.zoneId) {
            undetermined(`zone group ${match.zoneGroup} has a zone configuration without a privateDnsZoneId`, matched);
            continue;
          }
          const found = parts.privateDns.zone(match.zoneId);
          if (!found.ok) {
            if (found.error?.statusCode === 404) {
              findings.push({
                status: "fail",
                messageId: "zone-not-found",
                resourceId: endpointId,
                data: { ...zoneData, zone: match.zoneName ?? need.name },
                evidence: { ...matched, ...errorEvidence(found.error) },
                remediation: [
                  `az network private-dns zone create -g ${resourceGroupOf(match.zoneId)} -n ${match.zoneName ?? need.name}`,
                  ...computeVnetIds.map((vnetId) =>
                    linkCommand(match.zoneId as string, match.zoneName ?? need.name, vnetId),
                  ),
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
                ].join("; "),
              });
            } else {
              undetermined(
                found.reason,
                { ...matched, ...errorEvidence(found.error) },
                failedRead(match.zoneId, found),
              );
            }
            continue;
          }
          findings.push({
            status: "pass",
            messageId: "zone-configured",
            resourceId: endpointId,
            data: {
              ...zoneData,
              zoneGroup: match.zoneGroup,
              satisfiedBy: found.value.name || (match.zoneName ?? need.name),
            },
            evidence: matched,
          });
          const entry = zonesToLink.get(idKey(match.zoneId)) ?? {
            id: match.zoneId,
            name: found.value.name || (match.zoneName ?? need.name),
            endpoints: [],
            forward: [],
          };
          if (!entry.endpoints.includes(endpointId)) entry.endpoints.push(endpointId);
          for (const name of need.forward) if (!entry.forward.includes(name)) entry.forward.push(name);
          zonesToLink.set(idKey(match.zoneId), entry);
        }
      }
    }

    findings.push(...linkFindings([...zonesToLink.values()], vnets, parts.privateDns.zoneLinks));
    return findings;
  },
});

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

/** Per zone × compute VNet on Azure DNS, one finding; per VNet on custom DNS, one; per unreadable VNet or link list, one. */
function linkFindings(
  zones: ZoneToLink[],
  vnets: ComputeVnet[],
  zoneLinks: (zoneId: string) => Lookup<DnsZoneLinkView[]>,
): Array<CheckFinding<MessageId>> {
  const findings: Array<CheckFinding<MessageId>> = [];
  if (zones.length === 0 || vnets.length === 0) return findings;
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
  for (const zone of zones) {
    const listed = links.get(zone.id);
    if (listed && !listed.ok) {
      findings.push({
        status: "unknown",
        messageId: "undetermined",
        resourceId: zone.id,
        data: { subject: `private DNS zone ${zone.name}`, reason: listed.reason },
        evidence: {
          zone: zone.name,
          zoneId: zone.id,
          endpoints: zone.endpoints,
          computeVnets: vnets.map((vnet) => vnet.id),
          ...errorEvidence(listed.error),
        },
        remediation: failedRead(`${zone.id}/virtualNetworkLinks`, listed),
      });
    }
  }
  for (const vnet of vnets) {
    const base = { vnet: vnet.id, computes: vnet.computes };
    if (!vnet.view) {
      findings.push({
        status: "unknown",
        messageId: "undetermined",
        resourceId: vnet.id,
        data: {
          subject: `compute VNet ${nameOf(vnet.id)}`,
          reason: `whether it uses custom DNS servers cannot be read: ${vnet.reason ?? "not collected"}`,
        },
        evidence: {
          ...base,
          zones: zones.map((zone) => ({
            zone: zone.name,
            zoneId: zone.id,
            linkedVnets: linkedVnetsOf(zone),
            linked: linkOf(links.get(zone.id), vnet.id),
          })),
          ...errorEvidence(vnet.error),
        },
        ...(vnet.error ? { remediation: failedRead(vnet.id, vnet) } : {}),
      });
      continue;
    }
    const dnsServers = vnet.view.dnsServers;
    if (dnsServers.length > 0) {
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
      findings.push({
        status: "warn",
        messageId: "custom-dns",
        resourceId: vnet.id,
        data: { vnet: nameOf(vnet.id), dnsServers: dnsServers.join(", "), forwarders: names.join(", ") },
        evidence: { ...base, dnsServers, forwarders },
        remediation: `On DNS servers ${dnsServers.join(", ")}, add conditional forwarders for ${names.join(", ")} to ${AZURE_DNS}, on a DNS server or resolver inside a VNet linked to the zones (${linkedSomewhere.length > 0 ? `linked now: ${linkedSomewhere.join(", ")}` : "none is linked yet"}); link the zones to that VNet if needed: ${zones.map((zone) => linkCommand(zone.id, zone.name, "<dns-vnet-id>", "dns-vnet-link")).join("; ")}`,
      });
      continue;
    }
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
        findings.push({
          status: "fail",
          messageId: "zone-not-linked",
          resourceId: zone.id,
          data,
          evidence: { ...evidence, linkedVnets: linkedVnetsOf(zone), link: null },
          remediation: linkCommand(zone.id, zone.name, vnet.id),
        });
      } else if (!eqi(link.linkState, "Completed")) {
        findings.push({
          status: "warn",
          messageId: "link-not-ready",
          resourceId: zone.id,
          data: { ...data, linkState: link.linkState ?? "unset" },
          evidence: { ...evidence, linkedVnets: linkedVnetsOf(zone), link: describeLink(link) },
          remediation: `Wait for the link, then check it: az network private-dns link vnet show -g ${resourceGroupOf(zone.id)} -z ${zone.name} -n ${link.name} --query "{state:virtualNetworkLinkState,provisioning:provisioningState}"; if it stays so, delete and recreate it: ${linkCommand(zone.id, zone.name, vnet.id)}`,
        });
      } else {
        findings.push({
          status: "pass",
          messageId: "zone-linked",
          resourceId: zone.id,
          data,
          evidence: { ...evidence, link: describeLink(link) },
        });
      }
    }
  }
  return findings;
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

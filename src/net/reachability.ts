// Can a compute reach a dependency (storage account, registry, key vault) over the network the
// dependency admits? Shared by subnet-colocation and acr-vnet-image-build, so both judge alike.

import type { Lookup } from "../snapshot/types.js";
import {
  nameOf,
  normaliseRegion,
  sameId,
  topLevelType,
  vnetIdOfSubnet,
  type ComputeView,
  type EndpointConnectionView,
  type NetworkAccessView,
} from "../snapshot/model.js";
import { eqi } from "../snapshot/json.js";
import {
  type PrivateEndpointView,
  type ServiceEndpointView,
  type VirtualNetworkView,
} from "../snapshot/network-views.js";
import type { CollectionError } from "../snapshot/types.js";
import { failedRead, failedReadEvidence, type FailedRead } from "../core/failed-read.js";

type ReachPath =
  "public" | "service-endpoint" | "private-endpoint" | "peered-private-endpoint" | "managed-network" | "none";

export interface Reach {
  status: "reachable" | "unreachable" | "unknown";
  path: ReachPath;
  /** Human reason, a clause: "storage account allows public traffic". */
  reason: string;
  /** Private endpoints the compute reaches, with their group IDs (blob, file, registry…). */
  endpoints: Array<{ id: string; vnetId: string; groupIds: string[] }>;
  /**
   * Reads that failed and could have changed the answer (an endpoint, the compute VNet's peerings).
   * Non-empty on a `reachable` answer too: then what was reached is known, what else is not.
   */
  unresolved: Unresolved[];
  evidence: Record<string, unknown>;
  /**
   * The resource's virtual-network rules list the compute's subnet, but the subnet has no service
   * endpoint that carries its identity there: what `--service-endpoints` should then be.
   */
  serviceEndpointGap?: ServiceEndpointGap;
}

export interface ServiceEndpointGap {
  subnetId: string;
  /** The subnet's service endpoints now. */
  present: string[];
  /** The whole list to give `az network vnet subnet update --service-endpoints` (it replaces the list). */
  wanted: string[];
  /** The endpoint to add. */
  add: string;
}

/** A read that could have changed the answer and failed, with why (what the engine's lookup said). */
export type Unresolved = FailedRead & { reason: string };

export interface ReachContext {
  privateEndpoints: (id: string) => Lookup<PrivateEndpointView>;
  virtualNetworks: (id: string) => Lookup<VirtualNetworkView>;
  /** The workspace uses a managed network: computes without a subnet live in it. */
  managedNetwork: boolean;
}

const USABLE_CONNECTION = "Approved";

function unresolvedRead(resourceId: string, lookup: { error?: CollectionError; reason: string }): Unresolved {
  return { ...failedRead(resourceId, lookup.error), reason: lookup.reason };
}

/** The unread resources as evidence shows them: which, why, and what the failed read said. */
function unreadableEvidence(unresolved: readonly Unresolved[]): Array<Record<string, unknown>> {
  return unresolved.map((gap) => ({
    resourceId: gap.resourceId,
    reason: gap.reason,
    ...(gap.operation ? failedReadEvidence(gap) : {}),
  }));
}

/** An answer that needed no private endpoint: nothing reached, nothing left unread. */
function plainAnswer(
  status: Reach["status"],
  path: ReachPath,
  reason: string,
  evidence: Record<string, unknown>,
): Reach {
  return { status, path, reason, endpoints: [], unresolved: [], evidence };
}

export function reachDependency(compute: ComputeView, dependency: NetworkAccessView, context: ReachContext): Reach {
  const access = {
    dependency: dependency.id,
    publicNetworkAccess: dependency.publicNetworkAccess ?? "Enabled (default)",
    defaultAction: dependency.defaultAction ?? "Allow (default)",
  };
  if (!dependency.restricted) return plainAnswer("reachable", "public", "it admits traffic from all networks", access);
  if (!compute.subnetId) {
    const evidence = { ...access, computeSubnet: null };
    return context.managedNetwork
      ? plainAnswer("reachable", "managed-network", "the compute runs in the workspace's managed network", evidence)
      : plainAnswer(
          "unreachable",
          "none",
          "the compute is not in a virtual network, and the resource admits only selected networks",
          evidence,
        );
  }
  const computeVnetId = vnetIdOfSubnet(compute.subnetId);
  const evidence: Record<string, unknown> = { ...access, computeSubnet: compute.subnetId };
  if (!computeVnetId)
    return plainAnswer(
      "unknown",
      "none",
      `the compute's subnet "${compute.subnetId}" is not a subnet resource ID`,
      evidence,
    );
  if (!dependency.publicDisabled && dependency.subnetRules.some((rule) => sameId(rule, compute.subnetId))) {
    return reachThroughRule(dependency, compute.subnetId, computeVnetId, context, evidence);
  }
  evidence.virtualNetworkRules = dependency.subnetRules;
  const inactive = dependency.inactiveSubnetRules.filter((rule) => sameId(rule.id, compute.subnetId));
  if (inactive.length > 0) evidence.inactiveVirtualNetworkRules = inactive;
  const reach = reachThroughEndpoints(dependency, computeVnetId, context, evidence);
  const [rule] = inactive;
  if (reach.status !== "unreachable" || !rule || dependency.publicDisabled) return reach;
  return {
    ...reach,
    reason: `its virtual-network rule for the compute's subnet is in state ${rule.state}, so it admits nothing, and no approved private endpoint sits in the compute's virtual network or a connected peer`,
  };
}

/**
 * The resource's virtual-network rules list the compute's subnet. The rule admits the subnet's traffic
 * only when a service endpoint carries the subnet's identity to the service
 * (learn.microsoft.com/azure/storage/common/storage-network-security, "Grant access from a virtual
 * network"); without one the request comes from a public address and the service answers 403. A
 * private endpoint may still reach it.
 */
function reachThroughRule(
  dependency: NetworkAccessView,
  subnetId: string,
  computeVnetId: string,
  context: ReachContext,
  evidence: Record<string, unknown>,
): Reach {
  const endpoint = serviceEndpointCoverage(dependency, subnetId, computeVnetId, context);
  const ruleEvidence = { ...evidence, virtualNetworkRule: subnetId, ...endpoint.evidence };
  if (endpoint.status === "yes") {
    return plainAnswer("reachable", "service-endpoint", endpoint.reason, ruleEvidence);
  }
  const viaEndpoints = reachThroughEndpoints(dependency, computeVnetId, context, { ...ruleEvidence });
  if (viaEndpoints.status === "reachable") return viaEndpoints;
  const unresolved = [...viaEndpoints.unresolved, ...(endpoint.unresolved ? [endpoint.unresolved] : [])];
  const answer = {
    path: "service-endpoint" as const,
    endpoints: [],
    unresolved,
    evidence:
      unresolved.length > 0
        ? { ...viaEndpoints.evidence, unreadable: unreadableEvidence(unresolved) }
        : viaEndpoints.evidence,
  };
  if (endpoint.status === "unknown" || viaEndpoints.status === "unknown") {
    const reasons = [
      ...(endpoint.status === "unknown" ? [endpoint.reason] : []),
      ...(viaEndpoints.status === "unknown" ? [viaEndpoints.reason] : []),
    ];
    return { ...answer, status: "unknown", reason: reasons.join("; ") };
  }
  return {
    ...answer,
    status: "unreachable",
    reason: `${endpoint.reason}, and no approved private endpoint sits in the compute's virtual network or a connected peer`,
    ...(endpoint.gap ? { serviceEndpointGap: endpoint.gap } : {}),
  };
}

/** The service endpoints a resource type's virtual-network rules need on the subnet, by lower-case type. */
const SERVICE_ENDPOINTS: Readonly<Record<string, { regional: string; global?: string }>> = {
  // Microsoft.Storage serves the VNet's region and its pair; Microsoft.Storage.Global every region.
  // The two cannot coexist on one subnet (storage-network-security, "cross-region service endpoints").
  "microsoft.storage/storageaccounts": { regional: "Microsoft.Storage", global: "Microsoft.Storage.Global" },
  // learn.microsoft.com/azure/key-vault/general/network-security: enable Microsoft.KeyVault, then add the rule.
  "microsoft.keyvault/vaults": { regional: "Microsoft.KeyVault" },
};

interface ServiceEndpointCoverage {
  /** yes: a service endpoint in effect serves the resource's region; no: none does. */
  status: "yes" | "no" | "unknown";
  /** A clause: why. */
  reason: string;
  evidence: Record<string, unknown>;
  gap?: ServiceEndpointGap;
  unresolved?: Unresolved;
}

/** Whether the compute subnet's service endpoints carry its identity to the resource. */
function serviceEndpointCoverage(
  dependency: NetworkAccessView,
  subnetId: string,
  computeVnetId: string,
  context: ReachContext,
): ServiceEndpointCoverage {
  const needed = SERVICE_ENDPOINTS[(topLevelType(dependency.id) ?? "").toLowerCase()];
  const listed = "its virtual-network rules list the compute's subnet";
  // Other types (a registry) are taken at their rule's word, as before.
  if (!needed) return { status: "yes", reason: listed, evidence: {} };
  const services = [needed.regional, ...(needed.global ? [needed.global] : [])];
  const evidence: Record<string, unknown> = { requiredServiceEndpoint: services };
  const vnet = context.virtualNetworks(computeVnetId);
  if (!vnet.ok) {
    return {
      status: "unknown",
      reason: `${listed}, but whether the subnet has a ${services.join(" or ")} service endpoint cannot be read (${vnet.reason})`,
      evidence,
      unresolved: unresolvedRead(computeVnetId, { ...vnet, reason: `its subnets' service endpoints: ${vnet.reason}` }),
    };
  }
  const subnet =
    vnet.value.subnets.find((candidate) => sameId(candidate.id, subnetId)) ??
    vnet.value.subnets.find((candidate) => eqi(candidate.name, nameOf(subnetId)));
  if (!subnet) {
    return {
      status: "unknown",
      reason: `${listed}, but the subnet is not in virtual network ${nameOf(computeVnetId)}, so its service endpoints are unknown`,
      evidence,
    };
  }
  evidence.serviceEndpoints = subnet.serviceEndpoints;
  const region = normaliseRegion(dependency.location);
  const vnetRegion = normaliseRegion(vnet.value.location);
  const judged = subnet.serviceEndpoints
    .filter((endpoint) => services.some((service) => eqi(endpoint.service, service)))
    .map((endpoint) => ({ endpoint, ...endpointServes(endpoint, needed.global, region, vnetRegion) }));
  const serving = judged.find((entry) => entry.status === "yes");
  if (serving)
    return {
      status: "yes",
      reason: `${listed}, and its ${serving.endpoint.service} service endpoint ${serving.reason}`,
      evidence,
    };
  const undecided = judged.find((entry) => entry.status === "unknown");
  if (undecided)
    return {
      status: "unknown",
      reason: `${listed}, but its ${undecided.endpoint.service} service endpoint ${undecided.reason}`,
      evidence,
    };
  const present = subnet.serviceEndpoints.map((endpoint) => endpoint.service);
  // Cross-region storage takes the global endpoint, which replaces a regional one.
  const add = needed.global && region && vnetRegion && region !== vnetRegion ? needed.global : needed.regional;
  const kept = present.filter((service) => !services.some((candidate) => eqi(candidate, service)));
  const gap = { subnetId, present, wanted: [...kept, add], add };
  const why = "so its requests reach the service from a public address, not as the subnet, and are refused (403)";
  const [first] = judged;
  return {
    status: "no",
    reason: first
      ? `${listed}, but its ${first.endpoint.service} service endpoint ${first.reason}, ${why}`
      : `${listed}, but the subnet has no ${services.join(" or ")} service endpoint, ${why}`,
    evidence,
    gap,
  };
}

/** Whether one service endpoint of the subnet serves a resource in `region` (both normalised; "" unknown). */
function endpointServes(
  endpoint: ServiceEndpointView,
  globalService: string | undefined,
  region: string,
  vnetRegion: string,
): { status: "yes" | "no" | "unknown"; reason: string } {
  const state = endpoint.provisioningState;
  if (state !== undefined && !eqi(state, "Succeeded")) {
    return /^(failed|deleting)$/i.test(state)
      ? { status: "no", reason: `is in state ${state}` }
      : { status: "unknown", reason: `is still in state ${state}` };
  }
  if (globalService && eqi(endpoint.service, globalService)) return { status: "yes", reason: "serves every region" };
  const locations = endpoint.locations.map((location) => (location === "*" ? "*" : normaliseRegion(location)));
  if (locations.includes("*")) return { status: "yes", reason: "serves every region" };
  if (locations.length > 0) {
    return region && locations.includes(region)
      ? { status: "yes", reason: `serves ${region}` }
      : {
          status: "no",
          reason: `serves only ${endpoint.locations.join(", ")}, not the resource's region ${region || "(unknown)"}`,
        };
  }
  // ARM named no regions: the endpoint serves at least the VNet's own; another region's is not known here.
  if (region && region === vnetRegion) return { status: "yes", reason: `serves the VNet's region ${region}` };
  return {
    status: "unknown",
    reason: `names no regions, and the resource is in ${region || "an unknown region"} while the VNet is in ${vnetRegion || "an unknown region"}`,
  };
}

/** What the private endpoints a dependency's connections name reach from the compute's VNet. */
export interface EndpointPaths {
  reached: Reach["endpoints"];
  unresolved: Unresolved[];
  /** Each connection looked at, as evidence shows it. */
  considered: Array<Record<string, unknown>>;
  viaPeering: boolean;
}

function reachThroughEndpoints(
  dependency: NetworkAccessView,
  computeVnetId: string,
  context: ReachContext,
  evidence: Record<string, unknown>,
): Reach {
  const { reached, unresolved, considered, viaPeering } = endpointPaths(dependency, computeVnetId, context);
  evidence.privateEndpoints = considered;
  if (unresolved.length > 0) evidence.unreadable = unreadableEvidence(unresolved);
  if (reached.length > 0) {
    const sameVnet = reached.some((endpoint) => sameId(endpoint.vnetId, computeVnetId));
    return {
      status: "reachable",
      path: sameVnet || !viaPeering ? "private-endpoint" : "peered-private-endpoint",
      reason: sameVnet
        ? "an approved private endpoint sits in the compute's virtual network"
        : "an approved private endpoint sits in a virtual network peered to the compute's (peering Connected)",
      endpoints: reached,
      unresolved,
      evidence: { ...evidence, reachedEndpoints: reached.map((endpoint) => endpoint.id) },
    };
  }
  if (unresolved.length > 0) {
    const reason = unresolved.map((gap) => `${gap.resourceId}: ${gap.reason}`).join("; ");
    return { status: "unknown", path: "none", reason, endpoints: [], unresolved, evidence };
  }
  return plainAnswer(
    "unreachable",
    "none",
    dependency.publicDisabled
      ? "public access is disabled and no approved private endpoint sits in the compute's virtual network or a connected peer"
      : "its virtual-network rules omit the compute's subnet and no approved private endpoint sits in the compute's virtual network or a connected peer",
    evidence,
  );
}

/** A resource whose private endpoint connections lead to it: the workspace or one of its dependencies. */
export interface EndpointOwner {
  id: string;
  connections: EndpointConnectionView[];
}

/**
 * The approved private endpoints of `dependency` that sit in the compute's VNet or a VNet peered with it
 * (peering Connected), and the reads that could have added one.
 */
export function endpointPaths(
  dependency: EndpointOwner,
  computeVnetId: string,
  context: Pick<ReachContext, "privateEndpoints" | "virtualNetworks">,
): EndpointPaths {
  const paths: EndpointPaths = { reached: [], unresolved: [], considered: [], viaPeering: false };
  let computeVnet: Lookup<VirtualNetworkView> | undefined;
  for (const connection of dependency.connections) {
    if (!connection.privateEndpointId) continue;
    const endpoint = context.privateEndpoints(connection.privateEndpointId);
    const link = endpoint.ok
      ? (endpoint.value.links.find((candidate) => sameId(candidate.targetId, dependency.id)) ?? endpoint.value.links[0])
      : undefined;
    const status = connection.status ?? link?.status;
    const entry: Record<string, unknown> = {
      privateEndpoint: connection.privateEndpointId,
      connectionState: status ?? null,
    };
    paths.considered.push(entry);
    if (status !== undefined && !eqi(status, USABLE_CONNECTION)) continue;
    if (!endpoint.ok) {
      // ARM says the endpoint does not exist: no traffic flows through it. Any other failure leaves it open.
      if (endpoint.error?.statusCode === 404) entry.exists = false;
      else paths.unresolved.push(unresolvedRead(connection.privateEndpointId, endpoint));
      continue;
    }
    const endpointVnetId = endpoint.value.vnetId;
    entry.vnet = endpointVnetId ?? null;
    if (!endpointVnetId) continue;
    const hit = { id: endpoint.value.id, vnetId: endpointVnetId, groupIds: link?.groupIds ?? [] };
    if (sameId(endpointVnetId, computeVnetId)) {
      paths.reached.push(hit);
      continue;
    }
    // A Connected peering is recorded on both VNets; either side's record is enough to know.
    const endpointVnet = context.virtualNetworks(endpointVnetId);
    if (endpointVnet.ok && endpointVnet.value.connectedPeers.some((peer) => sameId(peer, computeVnetId))) {
      paths.viaPeering = true;
      paths.reached.push(hit);
      continue;
    }
    computeVnet ??= context.virtualNetworks(computeVnetId);
    if (!computeVnet.ok) {
      if (!paths.unresolved.some((gap) => sameId(gap.resourceId, computeVnetId))) {
        paths.unresolved.push(
          unresolvedRead(computeVnetId, {
            ...computeVnet,
            reason: `its peerings could not be checked: ${computeVnet.reason}`,
          }),
        );
      }
      continue;
    }
    if (computeVnet.value.connectedPeers.some((peer) => sameId(peer, endpointVnetId))) {
      paths.viaPeering = true;
      paths.reached.push(hit);
    } else {
      entry.peerings = computeVnet.value.peerings;
    }
  }
  return paths;
}

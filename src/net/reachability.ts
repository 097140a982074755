// Can a compute reach a dependency (storage account, registry) over the network the dependency
// admits? Shared by subnet-colocation and acr-vnet-image-build, so both judge alike.

import type { Lookup } from "../snapshot/types.js";
import {
  eqi,
  sameId,
  vnetIdOfSubnet,
  type ComputeView,
  type NetworkAccessView,
  type PrivateEndpointView,
  type VirtualNetworkView,
} from "../snapshot/model.js";
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
}

/** A read that could have changed the answer and failed, with why (what the engine's lookup said). */
type Unresolved = FailedRead & { reason: string };

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
    return plainAnswer("reachable", "service-endpoint", "its virtual-network rules list the compute's subnet", {
      ...evidence,
      virtualNetworkRule: compute.subnetId,
    });
  }
  evidence.virtualNetworkRules = dependency.subnetRules;
  return reachThroughEndpoints(dependency, computeVnetId, context, evidence);
}

/** What the private endpoints a dependency's connections name reach from the compute's VNet. */
interface EndpointPaths {
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

function endpointPaths(dependency: NetworkAccessView, computeVnetId: string, context: ReachContext): EndpointPaths {
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

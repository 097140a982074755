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

interface Unresolved {
  resourceId: string;
  reason: string;
  operation?: string;
  statusCode?: number;
  code?: string;
  missingPermission?: string;
}

export interface ReachContext {
  privateEndpoints: (id: string) => Lookup<PrivateEndpointView>;
  virtualNetworks: (id: string) => Lookup<VirtualNetworkView>;
  /** The workspace uses a managed network: computes without a subnet live in it. */
  managedNetwork: boolean;
}

const USABLE_CONNECTION = "Approved";

function unresolvedRead(resourceId: string, lookup: { error?: CollectionError; reason: string }): Unresolved {
  const error = lookup.error;
  return {
    resourceId,
    reason: lookup.reason,
    ...(error?.operation ? { operation: error.operation } : {}),
    ...(error?.statusCode !== undefined ? { statusCode: error.statusCode } : {}),
    ...(error?.code ? { code: error.code } : {}),
    ...(error?.permission ? { missingPermission: error.permission } : {}),
  };
}

export { unresolvedRemediation } from "../core/remediation.js";

export function reachDependency(compute: ComputeView, dependency: NetworkAccessView, context: ReachContext): Reach {
  const access = {
    dependency: dependency.id,
    publicNetworkAccess: dependency.publicNetworkAccess ?? "Enabled (default)",
    defaultAction: dependency.defaultAction ?? "Allow (default)",
  };
  if (!dependency.restricted) {
    return {
      status: "reachable",
      path: "public",
      reason: "it admits traffic from all networks",
      endpoints: [],
      unresolved: [],
      evidence: access,
    };
  }
  if (!compute.subnetId) {
    if (context.managedNetwork) {
      return {
        status: "reachable",
        path: "managed-network",
        reason: "the compute runs in the workspace's managed network",
        endpoints: [],
        unresolved: [],
        evidence: { ...access, computeSubnet: null },
      };
    }
    return {
      status: "unreachable",
      path: "none",
      reason: "the compute is not in a virtual network, and the resource admits only selected networks",
      endpoints: [],
      unresolved: [],
      evidence: { ...access, computeSubnet: null },
    };
  }
  const computeVnetId = vnetIdOfSubnet(compute.subnetId);
  const evidence: Record<string, unknown> = { ...access, computeSubnet: compute.subnetId };
  if (!computeVnetId) {
    return {
      status: "unknown",
      path: "none",
      reason: `the compute's subnet "${compute.subnetId}" is not a subnet resource ID`,
      endpoints: [],
      unresolved: [],
      evidence,
    };
  }

  if (!dependency.publicDisabled && dependency.subnetRules.some((rule) => sameId(rule, compute.subnetId))) {
    return {
      status: "reachable",
      path: "service-endpoint",
      reason: "its virtual-network rules list the compute's subnet",
      endpoints: [],
      unresolved: [],
      evidence: { ...evidence, virtualNetworkRule: compute.subnetId },
    };
  }
  evidence.virtualNetworkRules = dependency.subnetRules;

  const unresolved: Unresolved[] = [];
  const reached: Reach["endpoints"] = [];
  const considered: Array<Record<string, unknown>> = [];
  let computeVnet: Lookup<VirtualNetworkView> | undefined;
  let viaPeering = false;

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
    considered.push(entry);
    if (status !== undefined && !eqi(status, USABLE_CONNECTION)) continue;
    if (!endpoint.ok) {
      // ARM says the endpoint does not exist: no traffic flows through it. Any other failure leaves it open.
      if (endpoint.error?.statusCode === 404) entry.exists = false;
      else unresolved.push(unresolvedRead(connection.privateEndpointId, endpoint));
      continue;
    }
    const endpointVnetId = endpoint.value.vnetId;
    entry.vnet = endpointVnetId ?? null;
    if (!endpointVnetId) continue;
    const groupIds = link?.groupIds ?? [];
    if (sameId(endpointVnetId, computeVnetId)) {
      reached.push({ id: endpoint.value.id, vnetId: endpointVnetId, groupIds });
      continue;
    }
    // A Connected peering is recorded on both VNets; either side's record is enough to know.
    const endpointVnet = context.virtualNetworks(endpointVnetId);
    if (endpointVnet.ok && endpointVnet.value.connectedPeers.some((peer) => sameId(peer, computeVnetId))) {
      viaPeering = true;
      reached.push({ id: endpoint.value.id, vnetId: endpointVnetId, groupIds });
      continue;
    }
    computeVnet ??= context.virtualNetworks(computeVnetId);
    if (!computeVnet.ok) {
      if (!unresolved.some((gap) => sameId(gap.resourceId, computeVnetId))) {
        unresolved.push(
          unresolvedRead(computeVnetId, {
            ...computeVnet,
            reason: `its peerings could not be checked: ${computeVnet.reason}`,
          }),
        );
      }
      continue;
    }
    if (computeVnet.value.connectedPeers.some((peer) => sameId(peer, endpointVnetId))) {
      viaPeering = true;
      reached.push({ id: endpoint.value.id, vnetId: endpointVnetId, groupIds });
    } else {
      entry.peerings = computeVnet.value.peerings;
    }
  }
  evidence.privateEndpoints = considered;
  if (unresolved.length > 0) evidence.unreadable = unresolved;

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
  return {
    status: "unreachable",
    path: "none",
    reason: dependency.publicDisabled
      ? "public access is disabled and no approved private endpoint sits in the compute's virtual network or a connected peer"
      : "its virtual-network rules omit the compute's subnet and no approved private endpoint sits in the compute's virtual network or a connected peer",
    endpoints: [],
    unresolved: [],
    evidence,
  };
}

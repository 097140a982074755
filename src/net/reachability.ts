// Can a compute reach a dependency (storage account, registry) over the network the dependency
// admits? Shared by subnet-colocation and acr-vnet-image-build, so both judge alike.

import type { Lookup } from "../engine/types.js";
import {
  eqi,
  sameId,
  vnetIdOfSubnet,
  type ComputeView,
  type NetworkAccessView,
  type PrivateEndpointView,
  type VirtualNetworkView,
} from "../snapshot/model.js";

export type ReachPath = "public" | "service-endpoint" | "private-endpoint" | "peered-private-endpoint" | "managed-network" | "none";

export interface Reach {
  status: "reachable" | "unreachable" | "unknown";
  path: ReachPath;
  /** Human reason, a clause: "storage account allows public traffic". */
  reason: string;
  /** Private endpoints the compute reaches, with their group IDs (blob, file, registry…). */
  endpoints: Array<{ id: string; vnetId: string; groupIds: string[] }>;
  evidence: Record<string, unknown>;
}

export interface ReachContext {
  privateEndpoints: (id: string) => Lookup<PrivateEndpointView>;
  virtualNetworks: (id: string) => Lookup<VirtualNetworkView>;
  /** The workspace uses a managed network: computes without a subnet live in it. */
  managedNetwork: boolean;
}

const USABLE_CONNECTION = "Approved";

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
        evidence: { ...access, computeSubnet: null },
      };
    }
    return {
      status: "unreachable",
      path: "none",
      reason: "the compute is not in a virtual network, and the resource admits only selected networks",
      endpoints: [],
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
      evidence,
    };
  }

  if (!dependency.publicDisabled && dependency.subnetRules.some((rule) => sameId(rule, compute.subnetId))) {
    return {
      status: "reachable",
      path: "service-endpoint",
      reason: "its virtual-network rules list the compute's subnet",
      endpoints: [],
      evidence: { ...evidence, virtualNetworkRule: compute.subnetId },
    };
  }
  evidence.virtualNetworkRules = dependency.subnetRules;

  const uncertain: string[] = [];
  const reached: Reach["endpoints"] = [];
  const considered: Array<Record<string, unknown>> = [];
  let computeVnet: Lookup<VirtualNetworkView> | undefined;
  let viaPeering = false;

  for (const connection of dependency.connections) {
    if (!connection.privateEndpointId) continue;
    const endpoint = context.privateEndpoints(connection.privateEndpointId);
    const link = endpoint.ok
      ? endpoint.value.links.find((candidate) => sameId(candidate.targetId, dependency.id)) ?? endpoint.value.links[0]
      : undefined;
    const status = connection.status ?? link?.status;
    const entry: Record<string, unknown> = { privateEndpoint: connection.privateEndpointId, connectionState: status ?? null };
    considered.push(entry);
    if (status !== undefined && !eqi(status, USABLE_CONNECTION)) continue;
    if (!endpoint.ok) {
      uncertain.push(`${connection.privateEndpointId}: ${endpoint.reason}`);
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
    computeVnet ??= context.virtualNetworks(computeVnetId);
    if (!computeVnet.ok) {
      uncertain.push(`peerings of ${computeVnetId}: ${computeVnet.reason}`);
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

  if (reached.length > 0) {
    const sameVnet = reached.some((endpoint) => sameId(endpoint.vnetId, computeVnetId));
    return {
      status: "reachable",
      path: sameVnet || !viaPeering ? "private-endpoint" : "peered-private-endpoint",
      reason: sameVnet
        ? "an approved private endpoint sits in the compute's virtual network"
        : "an approved private endpoint sits in a virtual network peered to the compute's (peering Connected)",
      endpoints: reached,
      evidence: { ...evidence, reachedEndpoints: reached.map((endpoint) => endpoint.id) },
    };
  }
  if (uncertain.length > 0) {
    return { status: "unknown", path: "none", reason: uncertain.join("; "), endpoints: [], evidence };
  }
  return {
    status: "unreachable",
    path: "none",
    reason: dependency.publicDisabled
      ? "public access is disabled and no approved private endpoint sits in the compute's virtual network or a connected peer"
      : "its virtual-network rules omit the compute's subnet and no approved private endpoint sits in the compute's virtual network or a connected peer",
    endpoints: [],
    evidence,
  };
}

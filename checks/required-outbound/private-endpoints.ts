// The private endpoints a compute subnet sends to, and the flows to them its NSG must allow. Learn's
// outbound table (learn.microsoft.com/azure/machine-learning/how-to-access-azureml-behind-firewall):
// `VirtualNetwork` TCP 443, "required when private endpoints are present in the virtual network or peered
// virtual networks"; and TCP 445 to the storage account for training
// (learn.microsoft.com/azure/machine-learning/how-to-secure-training-vnet, "Port 445 must be open").

import type { Parts } from "../../src/engine/types.js";
import { endpointDestination, evaluateEndpointFlow, type EndpointFlowVerdict } from "../../src/net/endpoint-flows.js";
import type { Flow, NsgRule } from "../../src/net/nsg.js";
import { endpointPaths, type EndpointOwner, type Unresolved } from "../../src/net/reachability.js";
import { privateEndpointConnections, sameId, vnetIdOfSubnet } from "../../src/snapshot/model.js";
import { nameOf } from "../../src/snapshot/ids.js";

type EndpointParts = Pick<
  Parts,
  "workspace" | "storage" | "registry" | "keyVault" | "privateEndpoints" | "virtualNetworks"
>;

/** One flow a compute subnet needs to one private endpoint. */
export interface EndpointFlow {
  privateEndpoint: string;
  /** "workspace", "storage account", "container registry", "key vault". */
  ownerKind: string;
  owner: string;
  groupIds: string[];
  protocol: "Tcp";
  port: number;
  /** What it is for, a clause. */
  purpose: string;
}

/** The flows to the private endpoints in reach of a subnet, and the reads that could have added one. */
export interface SubnetEndpointFlows {
  flows: EndpointFlow[];
  unresolved: Unresolved[];
}

const HTTPS = 443;
const SMB = 445;

/** The workspace and each dependency it names, with their private endpoint connections. */
function owners(parts: EndpointParts): Array<EndpointOwner & { kind: string }> {
  const list: Array<EndpointOwner & { kind: string }> = [
    { kind: "workspace", id: parts.workspace.id, connections: privateEndpointConnections(parts.workspace.raw) },
  ];
  const dependencies = [
    ["storage account", parts.storage],
    ["container registry", parts.registry],
    ["key vault", parts.keyVault],
  ] as const;
  for (const [kind, dependency] of dependencies)
    if (dependency.state === "present")
      list.push({ kind, id: dependency.value.id, connections: dependency.value.connections });
  return list;
}

/**
 * Every approved private endpoint of the workspace and its dependencies in the subnet's VNet or a VNet
 * peered with it (peering Connected), with TCP 443 to each and, for clusters and instances, TCP 445 to
 * the storage account's file endpoint.
 */
export function subnetEndpointFlows(parts: EndpointParts, subnetId: string, batch: boolean): SubnetEndpointFlows {
  const vnetId = vnetIdOfSubnet(subnetId);
  const result: SubnetEndpointFlows = { flows: [], unresolved: [] };
  if (!vnetId) return result;
  for (const owner of owners(parts)) {
    const paths = endpointPaths(owner, vnetId, parts);
    for (const gap of paths.unresolved)
      if (!result.unresolved.some((known) => sameId(known.resourceId, gap.resourceId))) result.unresolved.push(gap);
    for (const endpoint of paths.reached) {
      const base = {
        privateEndpoint: endpoint.id,
        ownerKind: owner.kind,
        owner: owner.id,
        groupIds: endpoint.groupIds,
        protocol: "Tcp" as const,
      };
      const groups = endpoint.groupIds.length > 0 ? ` (${endpoint.groupIds.join(", ")})` : "";
      const what = `the ${owner.kind} ${nameOf(owner.id)}${groups} through private endpoint ${nameOf(endpoint.id)}`;
      result.flows.push({ ...base, port: HTTPS, purpose: what });
      if (batch && owner.kind === "storage account" && endpoint.groupIds.some((group) => /^file$/i.test(group)))
        result.flows.push({ ...base, port: SMB, purpose: `the workspace's file share on ${what}` });
    }
  }
  return result;
}

export type EndpointJudgement =
  | { decided: true; verdict: EndpointFlowVerdict; evidence: Record<string, unknown> }
  | { decided: false; reason: string; evidence: Record<string, unknown> };

/** Evaluates one endpoint flow against the subnet's rules, at the endpoint's address (or its subnet's prefixes). */
export function judgeEndpointFlow(
  parts: Pick<Parts, "privateEndpoints" | "virtualNetworks">,
  rules: readonly NsgRule[],
  base: Omit<Flow, "destination" | "port" | "protocol" | "direction">,
  flow: EndpointFlow,
): EndpointJudgement {
  const endpoint = parts.privateEndpoints(flow.privateEndpoint);
  if (!endpoint.ok) return { decided: false, reason: endpoint.reason, evidence: {} };
  const endpointVnetId = endpoint.value.vnetId;
  const destination = endpointDestination(
    endpoint.value,
    endpointVnetId ? parts.virtualNetworks(endpointVnetId) : undefined,
  );
  if (!destination.ok)
    return {
      decided: false,
      reason: `the address of private endpoint ${nameOf(flow.privateEndpoint)} is not known: ${destination.reason}`,
      evidence: {},
    };
  const verdict = evaluateEndpointFlow(
    rules,
    { ...base, direction: "Outbound", protocol: flow.protocol, port: flow.port },
    destination.value,
  );
  return {
    decided: true,
    verdict,
    evidence: { destinationPrefixes: destination.value.prefixes, destinationFrom: destination.value.from },
  };
}

// Helpers several checks share. Pure: no I/O, no SDK.

import { failedRead, failedReadEvidence, failedReadRemediation } from "../src/core/failed-read.js";
import { shWords, type ShellWords } from "../src/core/visible.js";
import type { FindingReport, Parts } from "../src/engine/types.js";
import { idKey, nameOf, sameId, vnetIdOfSubnet, type ComputeView } from "../src/snapshot/model.js";
import { eqi } from "../src/snapshot/json.js";
import { type SubnetView, type VirtualNetworkView } from "../src/snapshot/network-views.js";
import type { SnapshotTarget } from "../src/snapshot/types.js";

/** Compute types that run jobs and image builds in a subnet of the customer's VNet. */
export const NETWORKED_COMPUTE_TYPES = ["AmlCompute", "ComputeInstance", "AKS"];

/** Compute types Azure ML runs on an Azure Batch back end (node management, public-IP inbound): not AKS. */
export function isBatchCompute(compute: ComputeView): boolean {
  return eqi(compute.computeType, "AmlCompute") || eqi(compute.computeType, "ComputeInstance");
}

export function networkedComputes(computes: ComputeView[]): ComputeView[] {
  return computes.filter((compute) => NETWORKED_COMPUTE_TYPES.some((type) => eqi(compute.computeType, type)));
}

/** The workspace isolates its computes in a managed network (isolation mode other than Disabled). */
export function isManagedNetwork(parts: Pick<Parts, "workspace">): boolean {
  const mode = parts.workspace.managedNetworkIsolation;
  return mode !== undefined && !eqi(mode, "Disabled");
}

/**
 * The workspace judged is a Foundry hub (a project is judged through its hub, `parts.workspace`): its
 * container registry is optional, not one the service creates on the first image build.
 */
export function isHub(parts: Pick<Parts, "workspace">): boolean {
  return eqi(parts.workspace.kind, "Hub");
}

/** `-n WS -g RG` (plus the subscription) for `az ml workspace …` commands. */
export function workspaceArgs(target: SnapshotTarget): ShellWords {
  return shWords`-n ${target.workspace} -g ${target.resourceGroup} --subscription ${target.subscriptionId}`;
}

/** Each subnet that holds a networked compute, once, with the computes in it (in compute order). */
export function computeSubnets(computes: ComputeView[]): Array<{ subnetId: string; computes: ComputeView[] }> {
  const bySubnet = new Map<string, { subnetId: string; computes: ComputeView[] }>();
  for (const compute of networkedComputes(computes)) {
    if (!compute.subnetId) continue;
    const key = idKey(compute.subnetId);
    const entry = bySubnet.get(key) ?? { subnetId: compute.subnetId, computes: [] };
    entry.computes.push(compute);
    bySubnet.set(key, entry);
  }
  return [...bySubnet.values()];
}

/**
 * The one finding of a check about the customer's VNet when the workspace isolates its computes in a
 * managed network: nothing of the customer's VNet is on their path.
 */
export function managedNetworkSkip(
  parts: Pick<Parts, "workspace">,
  target: SnapshotTarget,
  report: FindingReport<"managed-network">,
): void {
  const isolationMode = parts.workspace.managedNetworkIsolation;
  report.skip(
    "managed-network",
    target.workspaceId,
    { isolationMode: isolationMode ?? "" },
    { isolationMode: isolationMode ?? null },
  );
}

/** The skip of a network check when no compute sits in a subnet: nothing there for it to judge. */
export function noSubnetsSkip(
  parts: Pick<Parts, "computes">,
  target: SnapshotTarget,
  report: FindingReport<"no-subnets">,
): void {
  report.skip("no-subnets", parts.computes[0]?.id ?? target.workspaceId, undefined, {
    computes: parts.computes.map((compute) => compute.id),
  });
}

export type SubnetResolution =
  | { ok: true; vnet: VirtualNetworkView; subnet: SubnetView }
  | { ok: false; reason: string; evidence: Record<string, unknown>; remediation?: string };

/** A compute subnet's VNet and its entry in it, or why they cannot be read (for an `unknown`). */
export function resolveSubnet(subnetId: string, virtualNetworks: Parts["virtualNetworks"]): SubnetResolution {
  const vnetId = vnetIdOfSubnet(subnetId);
  if (!vnetId) return { ok: false, reason: `"${subnetId}" is not a subnet resource ID`, evidence: {} };
  const vnet = virtualNetworks(vnetId);
  if (!vnet.ok) {
    return {
      ok: false,
      reason: vnet.reason,
      evidence: { vnet: vnetId, ...failedReadEvidence(vnet.error) },
      remediation: failedReadRemediation([failedRead(vnetId, vnet.error)]),
    };
  }
  const subnet =
    vnet.value.subnets.find((candidate) => sameId(candidate.id, subnetId)) ??
    vnet.value.subnets.find((candidate) => eqi(candidate.name, nameOf(subnetId)));
  if (!subnet)
    return { ok: false, reason: `subnet not found in virtual network ${nameOf(vnetId)}`, evidence: { vnet: vnetId } };
  return { ok: true, vnet: vnet.value, subnet };
}

/** The Azure ML default: a cluster or instance without `enableNodePublicIp` gets a public IP. */
export function hasPublicIp(compute: ComputeView): boolean {
  return compute.enableNodePublicIp !== false;
}

// Helpers several checks share. Pure: no I/O, no SDK.

import type { Parts } from "../src/engine/types.js";
import { eqi, type ComputeView } from "../src/snapshot/model.js";
import type { CollectionError, SnapshotTarget } from "../src/snapshot/types.js";

/** Compute types that run jobs and image builds in a subnet of the customer's VNet. */
export const NETWORKED_COMPUTE_TYPES = ["AmlCompute", "ComputeInstance", "AKS"];

export function networkedComputes(computes: ComputeView[]): ComputeView[] {
  return computes.filter((compute) => NETWORKED_COMPUTE_TYPES.some((type) => eqi(compute.computeType, type)));
}

/** The workspace isolates its computes in a managed network (isolation mode other than Disabled). */
export function isManagedNetwork(parts: Pick<Parts, "workspace">): boolean {
  const mode = parts.workspace.managedNetworkIsolation;
  return mode !== undefined && !eqi(mode, "Disabled");
}

/** Last segment of an ARM ID, for messages. */
export function nameOf(id: string): string {
  return id.split("/").filter(Boolean).pop() ?? id;
}

/** `-n WS -g RG` (plus the subscription) for `az ml workspace …` commands. */
export function workspaceArgs(target: SnapshotTarget): string {
  return `-n ${target.workspace} -g ${target.resourceGroup} --subscription ${target.subscriptionId}`;
}

/** The fields of a failed read that explain an `unknown`. */
export function errorEvidence(error: CollectionError | undefined): Record<string, unknown> {
  if (!error) return {};
  return {
    operation: error.operation,
    statusCode: error.statusCode ?? null,
    code: error.code ?? null,
    ...(error.permission ? { missingPermission: error.permission } : {}),
  };
}

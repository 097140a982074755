import { nameOf } from "../src/snapshot/ids.js";
import { defineCheck } from "../src/engine/types.js";
import { placeholder, sh, shWords, type ShellWords } from "../src/core/visible.js";
import { normaliseRegion, vnetIdOfSubnet, type ComputeView } from "../src/snapshot/model.js";
import { eqi } from "../src/snapshot/json.js";
import type { SnapshotTarget } from "../src/snapshot/types.js";
import { NETWORKED_COMPUTE_TYPES } from "./shared.js";

export default defineCheck({
  id: "compute-region",
  title: "With a workspace private endpoint, every compute is in the workspace's region",
  severity: "medium",
  requires: ["workspace", "computes"],
  messages: {
    "same-region": "{compute} ({computeType}) is in {region}, the workspace's region.",
    "other-region":
      "{compute} ({computeType}) is in {computeRegion} but the workspace, which has a private endpoint, is in {workspaceRegion}: a compute in another region than a private endpoint workspace is not supported.",
    "attached-other-region":
      "Attached compute {compute} ({computeType}) is in {computeRegion}, not the workspace's {workspaceRegion}: it reaches the workspace's private endpoint only across regions (global peering), which Azure ML does not document as supported.",
    "location-missing": "Cannot compare the region of {compute} ({computeType}) with the workspace's: {reason}.",
    "no-computes": "The workspace has no computes.",
    "no-private-endpoint": "The workspace has no private endpoint; computes may run in other regions.",
  },
  remediation:
    "Recreate the compute in the workspace's region: az ml compute delete -n NAME -g RG -w WS --yes, then az ml compute create -n NAME --type amlcompute --size SIZE --location WS_REGION -g RG -w WS (in a subnet of a VNet in that region).",
  run(parts, report, context) {
    const workspace = parts.workspace;
    const endpoints = workspace.privateEndpointIds;
    if (endpoints.length === 0) {
      report.skip("no-private-endpoint", workspace.id, undefined, { privateEndpoints: [] });
      return;
    }
    if (parts.computes.length === 0) {
      report.skip("no-computes", workspace.id, undefined, { privateEndpoints: endpoints, computes: [] });
      return;
    }
    for (const compute of parts.computes) {
      const data = { compute: compute.name, computeType: compute.computeType || "unknown type" };
      const evidence = {
        compute: compute.id,
        computeType: compute.computeType || null,
        computeLocation: compute.location ?? null,
        workspaceRegion: workspace.location || null,
        privateEndpoints: endpoints,
      };
      const missing = !compute.location
        ? "the compute reports no location"
        : !workspace.location
          ? "the workspace reports no location"
          : undefined;
      if (missing) {
        report.unknown("location-missing", compute.id, { ...data, reason: missing }, evidence);
        continue;
      }
      const computeRegion = compute.location as string;
      if (normaliseRegion(computeRegion) === normaliseRegion(workspace.location)) {
        report.pass("same-region", compute.id, { ...data, region: computeRegion }, evidence);
        continue;
      }
      const regions = { ...data, computeRegion, workspaceRegion: workspace.location };
      if (NETWORKED_COMPUTE_TYPES.some((type) => eqi(compute.computeType, type))) {
        report.fail(
          "other-region",
          compute.id,
          regions,
          evidence,
          recreate(compute, workspace.location, context.target),
        );
      } else {
        report.warn(
          "attached-other-region",
          compute.id,
          regions,
          evidence,
          `Attach a resource in ${workspace.location} instead: ${sh`az ml compute detach -n ${compute.name} ${computeArgs(context.target)}`}, then ${sh`az ml compute attach -n ${compute.name} --type ${compute.computeType} --resource-id <resource in ${workspace.location}> ${computeArgs(context.target)}`}`,
        );
      }
    }
  },
});

/** `-g RG -w WS --subscription S` for `az ml compute …` commands. */
function computeArgs(target: SnapshotTarget): ShellWords {
  return shWords`-g ${target.resourceGroup} -w ${target.workspace} --subscription ${target.subscriptionId}`;
}

/** Delete, then create again with the same name in the workspace's region (names are unique in a workspace). */
function recreate(compute: ComputeView, region: string, target: SnapshotTarget): string {
  const args = computeArgs(target);
  if (eqi(compute.computeType, "AKS")) {
    return `Detach it and attach an AKS cluster in ${region}: ${sh`az ml compute detach -n ${compute.name} ${args}`}, then ${sh`az ml compute attach -n ${compute.name} --type Kubernetes --resource-id <AKS cluster in ${region}> ${args}`}`;
  }
  const type = eqi(compute.computeType, "ComputeInstance") ? "computeinstance" : "amlcompute";
  const vnetId = vnetIdOfSubnet(compute.subnetId);
  const network = vnetId ? shWords` --vnet-name <VNet in ${region}> --subnet <subnet>` : undefined;
  const notes = vnetId ? ` (in a subnet of a VNet in ${region}; it is now in ${nameOf(vnetId)})` : "";
  return `Recreate it in ${region}${notes}: ${sh`az ml compute delete -n ${compute.name} ${args} --yes`}, then ${sh`az ml compute create -n ${compute.name} --type ${type} --size ${compute.vmSize ?? placeholder("<vm-size>")} --location ${region}${network} ${args}`}`;
}

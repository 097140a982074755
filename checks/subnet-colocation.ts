import { nameOf, parseResourceId, resourceGroupOf } from "../src/snapshot/ids.js";
import { defineCheck, type FindingReportOf } from "../src/engine/types.js";
import { failedReadRemediation } from "../src/core/failed-read.js";
import { sh, shWords } from "../src/core/visible.js";
import { reachDependency, type Reach, type ServiceEndpointGap } from "../src/net/reachability.js";
import type { ComputeView, NetworkAccessView } from "../src/snapshot/model.js";
import { isManagedNetwork, networkedComputes } from "./shared.js";

const MESSAGES = {
  reachable: "{compute} reaches {kind} {dependency}: {reason}.",
  unreachable: "{compute} cannot reach {kind} {dependency}: {reason}.",
  "service-endpoint-missing":
    "{compute} cannot reach {kind} {dependency}: {reason}. Subnet {subnet} needs the {service} service endpoint.",
  undetermined: "Cannot decide whether {compute} reaches {kind} {dependency}: {reason}.",
  "storage-blob-endpoint-missing":
    "{compute} reaches storage account {dependency} only through private endpoints without the blob sub-resource; image builds and jobs read and write blobs.",
  "storage-file-endpoint-missing":
    "{compute} reaches storage account {dependency} through a blob private endpoint but no file private endpoint; the workspace's file share is unreachable.",
  "managed-network": "{compute} runs in the workspace's managed network; its reach is the managed network's to judge.",
  "no-computes": "The workspace has no compute clusters, instances or AKS computes.",
  "no-restricted-dependency":
    "None of the storage account, key vault and registry restricts network access; every compute reaches them.",
} as const satisfies Record<string, string>;

type Report = FindingReportOf<typeof MESSAGES>;

export default defineCheck({
  id: "subnet-colocation",
  title:
    "Every compute reaches the workspace's storage account, key vault and container registry over a network they admit",
  severity: "high",
  requires: ["workspace", "storage", "registry", "keyVault", "computes", "privateEndpoints", "virtualNetworks"],
  messages: MESSAGES,
  remediation:
    "Put the compute in a subnet the resource admits: give the subnet the service's endpoint (az network vnet subnet update --service-endpoints, naming the endpoints it has too) and add it to the resource's virtual-network rules (az storage account network-rule add / az keyvault network-rule add / az acr network-rule add), or create an approved private endpoint in the compute's VNet or a peered VNet (az network private-endpoint create).",
  run(parts, report) {
    const computes = networkedComputes(parts.computes);
    if (computes.length === 0) {
      report.skip("no-computes", parts.workspace.id, undefined, {
        computes: parts.computes.map((compute) => compute.id),
      });
      return;
    }
    const dependencies: Array<{ kind: string; value: NetworkAccessView }> = [];
    if (parts.storage.state === "present") dependencies.push({ kind: "storage account", value: parts.storage.value });
    // Jobs read their datastores' secrets from the key vault (how-to-identity-based-service-authentication:
    // "The Azure Machine Learning compute cluster uses a managed identity to retrieve connection information
    // for datastores from Azure Key Vault"), and a vault admits only the networks it lists.
    if (parts.keyVault.state === "present") dependencies.push({ kind: "key vault", value: parts.keyVault.value });
    if (parts.registry.state === "present")
      dependencies.push({ kind: "container registry", value: parts.registry.value });
    if (!dependencies.some((dependency) => dependency.value.restricted)) {
      report.pass(
        "no-restricted-dependency",
        parts.workspace.id,
        undefined,
        Object.fromEntries(
          dependencies.map((dependency) => [
            dependency.kind,
            {
              id: dependency.value.id,
              publicNetworkAccess: dependency.value.publicNetworkAccess ?? null,
              defaultAction: dependency.value.defaultAction ?? null,
            },
          ]),
        ),
      );
      return;
    }
    const managedNetwork = isManagedNetwork(parts);
    for (const compute of computes) {
      if (!compute.subnetId && managedNetwork) {
        report.skip(
          "managed-network",
          compute.id,
          { compute: compute.name },
          { isolationMode: parts.workspace.managedNetworkIsolation ?? null },
        );
        continue;
      }
      for (const dependency of dependencies) {
        const reach = reachDependency(compute, dependency.value, { ...parts, managedNetwork });
        judgeReach(report, compute, dependency.kind, dependency.value, reach);
      }
    }
  },
});

/** One finding: whether the compute reaches the dependency, and for storage, through blob and file endpoints. */
function judgeReach(
  report: Report,
  compute: ComputeView,
  kind: string,
  dependency: NetworkAccessView,
  reach: Reach,
): void {
  const data = { compute: compute.name, kind, dependency: nameOf(dependency.id), reason: reach.reason };
  const evidence = { compute: compute.id, computeType: compute.computeType, path: reach.path, ...reach.evidence };
  if (reach.status === "unknown") {
    report.unknown("undetermined", compute.id, data, evidence, failedReadRemediation(reach.unresolved));
    return;
  }
  if (reach.status === "unreachable") {
    const gap = reach.serviceEndpointGap;
    if (gap) {
      report.fail(
        "service-endpoint-missing",
        compute.id,
        { ...data, subnet: nameOf(gap.subnetId), service: gap.add },
        { ...evidence, serviceEndpointGap: gap },
        serviceEndpointCommand(gap),
      );
      return;
    }
    report.fail("unreachable", compute.id, data, evidence);
    return;
  }
  if (kind === "storage account" && reach.endpoints.length > 0 && reach.path !== "public") {
    const groups = new Set(
      reach.endpoints.flatMap((endpoint) => endpoint.groupIds.map((group) => group.toLowerCase())),
    );
    const missing = ["blob", "file"].filter((group) => !groups.has(group));
    if (groups.size > 0 && missing.length > 0 && reach.unresolved.length > 0) {
      // An endpoint that could not be read may be the missing blob or file one: say so, not fail or warn.
      const reason = `the private endpoints it reaches serve only ${[...groups].join(", ")}, and ${reach.unresolved.map((gap) => `${gap.resourceId}: ${gap.reason}`).join("; ")}`;
      report.unknown(
        "undetermined",
        compute.id,
        { ...data, reason },
        { ...evidence, groupIds: [...groups] },
        failedReadRemediation(reach.unresolved),
      );
      return;
    }
    if (groups.size > 0 && !groups.has("blob")) {
      report.fail("storage-blob-endpoint-missing", compute.id, data, { ...evidence, groupIds: [...groups] });
      return;
    }
    if (groups.size > 0 && !groups.has("file")) {
      report.warn("storage-file-endpoint-missing", compute.id, data, { ...evidence, groupIds: [...groups] });
      return;
    }
  }
  report.pass("reachable", compute.id, data, evidence);
}

/** The subnet update that adds the missing endpoint; `--service-endpoints` replaces the list, so all are named. */
function serviceEndpointCommand(gap: ServiceEndpointGap): string {
  const vnet = gap.subnetId.split(/\/subnets\//i)[0] ?? "";
  const subscription = parseResourceId(gap.subnetId)?.subscriptionId;
  return sh`az network vnet subnet update -g ${resourceGroupOf(gap.subnetId)} --vnet-name ${nameOf(vnet)} -n ${nameOf(gap.subnetId)}${subscription ? shWords` --subscription ${subscription}` : undefined} --service-endpoints ${gap.wanted}`;
}

import { defineCheck, type CheckFinding } from "../src/engine/types.js";
import { reachDependency, unresolvedRemediation } from "../src/net/reachability.js";
import type { NetworkAccessView } from "../src/snapshot/model.js";
import { isManagedNetwork, nameOf, networkedComputes } from "./shared.js";

type MessageId =
  | "reachable"
  | "unreachable"
  | "undetermined"
  | "storage-file-endpoint-missing"
  | "storage-blob-endpoint-missing"
  | "managed-network"
  | "no-computes"
  | "no-restricted-dependency";

export default defineCheck<
  "workspace" | "storage" | "registry" | "computes" | "privateEndpoints" | "virtualNetworks",
  MessageId
>({
  id: "subnet-colocation",
  title: "Every compute reaches the workspace's storage account and container registry over a network they admit",
  severity: "high",
  requires: ["workspace", "storage", "registry", "computes", "privateEndpoints", "virtualNetworks"],
  messages: {
    reachable: "{compute} reaches {kind} {dependency}: {reason}.",
    unreachable: "{compute} cannot reach {kind} {dependency}: {reason}.",
    undetermined: "Cannot decide whether {compute} reaches {kind} {dependency}: {reason}.",
    "storage-blob-endpoint-missing":
      "{compute} reaches storage account {dependency} only through private endpoints without the blob sub-resource; image builds and jobs read and write blobs.",
    "storage-file-endpoint-missing":
      "{compute} reaches storage account {dependency} through a blob private endpoint but no file private endpoint; the workspace's file share is unreachable.",
    "managed-network":
      "{compute} runs in the workspace's managed network; its reach is the managed network's to judge.",
    "no-computes": "The workspace has no compute clusters, instances or AKS computes.",
    "no-restricted-dependency":
      "Neither the storage account nor the registry restricts network access; every compute reaches them.",
  },
  remediation:
    "Put the compute in a subnet the resource admits: add the subnet to its virtual-network rules (az storage account network-rule add / az acr network-rule add), or create an approved private endpoint in the compute's VNet or a peered VNet (az network private-endpoint create).",
  run(parts) {
    const computes = networkedComputes(parts.computes);
    if (computes.length === 0) {
      return [
        {
          status: "skip",
          messageId: "no-computes",
          resourceId: parts.workspace.id,
          evidence: { computes: parts.computes.map((compute) => compute.id) },
        },
      ];
    }
    const dependencies: Array<{ kind: string; value: NetworkAccessView }> = [];
    if (parts.storage.state === "present") dependencies.push({ kind: "storage account", value: parts.storage.value });
    if (parts.registry.state === "present")
      dependencies.push({ kind: "container registry", value: parts.registry.value });
    if (!dependencies.some((dependency) => dependency.value.restricted)) {
      return [
        {
          status: "pass",
          messageId: "no-restricted-dependency",
          resourceId: parts.workspace.id,
          evidence: Object.fromEntries(
            dependencies.map((dependency) => [
              dependency.kind,
              {
                id: dependency.value.id,
                publicNetworkAccess: dependency.value.publicNetworkAccess ?? null,
                defaultAction: dependency.value.defaultAction ?? null,
              },
            ]),
          ),
        },
      ];
    }
    const managedNetwork = isManagedNetwork(parts);
    const findings: Array<CheckFinding<MessageId>> = [];
    for (const compute of computes) {
      if (!compute.subnetId && managedNetwork) {
        findings.push({
          status: "skip",
          messageId: "managed-network",
          resourceId: compute.id,
          data: { compute: compute.name },
          evidence: { isolationMode: parts.workspace.managedNetworkIsolation ?? null },
        });
        continue;
      }
      for (const dependency of dependencies) {
        const reach = reachDependency(compute, dependency.value, { ...parts, managedNetwork });
        const data = {
          compute: compute.name,
          kind: dependency.kind,
          dependency: nameOf(dependency.value.id),
          reason: reach.reason,
        };
        const evidence = { compute: compute.id, computeType: compute.computeType, path: reach.path, ...reach.evidence };
        if (reach.status === "unknown") {
          findings.push({
            status: "unknown",
            messageId: "undetermined",
            resourceId: compute.id,
            data,
            evidence,
            remediation: unresolvedRemediation(reach.unresolved),
          });
          continue;
        }
        if (reach.status === "unreachable") {
          findings.push({ status: "fail", messageId: "unreachable", resourceId: compute.id, data, evidence });
          continue;
        }
        if (dependency.kind === "storage account" && reach.endpoints.length > 0 && reach.path !== "public") {
          const groups = new Set(
            reach.endpoints.flatMap((endpoint) => endpoint.groupIds.map((group) => group.toLowerCase())),
          );
          const missing = ["blob", "file"].filter((group) => !groups.has(group));
          if (groups.size > 0 && missing.length > 0 && reach.unresolved.length > 0) {
            // An endpoint that could not be read may be the missing blob or file one: say so, not fail or warn.
            const reason = `the private endpoints it reaches serve only ${[...groups].join(", ")}, and ${reach.unresolved.map((gap) => `${gap.resourceId}: ${gap.reason}`).join("; ")}`;
            findings.push({
              status: "unknown",
              messageId: "undetermined",
              resourceId: compute.id,
              data: { ...data, reason },
              evidence: { ...evidence, groupIds: [...groups] },
              remediation: unresolvedRemediation(reach.unresolved),
            });
            continue;
          }
          if (groups.size > 0 && !groups.has("blob")) {
            findings.push({
              status: "fail",
              messageId: "storage-blob-endpoint-missing",
              resourceId: compute.id,
              data,
              evidence: { ...evidence, groupIds: [...groups] },
            });
            continue;
          }
          if (groups.size > 0 && !groups.has("file")) {
            findings.push({
              status: "warn",
              messageId: "storage-file-endpoint-missing",
              resourceId: compute.id,
              data,
              evidence: { ...evidence, groupIds: [...groups] },
            });
            continue;
          }
        }
        findings.push({ status: "pass", messageId: "reachable", resourceId: compute.id, data, evidence });
      }
    }
    return findings;
  },
});

import { defineCheck, type CheckFinding } from "../src/engine/types.js";
import { reachDependency, unresolvedRemediation } from "../src/net/reachability.js";
import { eqi, isGpuVmSize, type NetworkAccessView } from "../src/snapshot/model.js";
import { isManagedNetwork, nameOf, workspaceArgs } from "./shared.js";

type MessageId =
  | "serverless-build-works"
  | "image-build-compute-unset"
  | "image-build-compute-missing"
  | "image-build-compute-wrong-type"
  | "image-build-compute-not-ready"
  | "image-build-compute-state-unknown"
  | "image-build-compute-gpu"
  | "image-build-compute-unreachable"
  | "image-build-compute-undetermined"
  | "image-build-compute-ready";

export default defineCheck<
  "workspace" | "storage" | "registry" | "computes" | "privateEndpoints" | "virtualNetworks",
  MessageId
>({
  id: "acr-vnet-image-build",
  title:
    "Environment images can be built: a network-restricted registry or storage has a healthy CPU image-build cluster that reaches both",
  severity: "high",
  requires: ["workspace", "storage", "registry", "computes", "privateEndpoints", "virtualNetworks"],
  messages: {
    "serverless-build-works":
      "Neither the registry nor the storage account restricts network access, so the default serverless image build can reach them.",
    "image-build-compute-unset":
      "{restricted} {verb} network access, but the workspace has no imageBuildCompute: the serverless image build cannot reach {pronoun} and environment builds fail.",
    "image-build-compute-missing": 'imageBuildCompute names "{compute}", which is not a compute of this workspace.',
    "image-build-compute-wrong-type":
      'imageBuildCompute "{compute}" is a {computeType}; image builds run only on a compute cluster (AmlCompute).',
    "image-build-compute-not-ready": 'imageBuildCompute "{compute}" is in provisioning state {state}, not Succeeded.',
    "image-build-compute-state-unknown":
      'Cannot decide whether imageBuildCompute "{compute}" is healthy: ARM returned no {missing} for it.',
    "image-build-compute-gpu": 'imageBuildCompute "{compute}" uses GPU size {vmSize}; image builds need a CPU cluster.',
    "image-build-compute-unreachable": 'imageBuildCompute "{compute}" cannot reach {kind} {dependency}: {reason}.',
    "image-build-compute-undetermined":
      'Cannot decide whether imageBuildCompute "{compute}" reaches {kind} {dependency}: {reason}.',
    "image-build-compute-ready":
      'imageBuildCompute "{compute}" is a healthy CPU cluster that reaches the registry and storage account.',
  },
  remediation:
    "Create a CPU compute cluster in a subnet that reaches the registry and storage, then: az ml workspace update -n WS -g RG --image-build-compute NAME",
  run(parts, context) {
    const dependencies: Array<{ kind: string; value: NetworkAccessView }> = [];
    if (parts.registry.state === "present")
      dependencies.push({ kind: "container registry", value: parts.registry.value });
    if (parts.storage.state === "present") dependencies.push({ kind: "storage account", value: parts.storage.value });
    const restricted = dependencies.filter((dependency) => dependency.value.restricted);
    const accessEvidence = Object.fromEntries(
      dependencies.map((dependency) => [
        dependency.kind,
        {
          id: dependency.value.id,
          publicNetworkAccess: dependency.value.publicNetworkAccess ?? null,
          defaultAction: dependency.value.defaultAction ?? null,
          restricted: dependency.value.restricted,
        },
      ]),
    );
    const workspaceId = parts.workspace.id;
    const fix = `az ml workspace update ${workspaceArgs(context.target)} --image-build-compute <cpu-cluster-name>`;
    if (restricted.length === 0) {
      return [
        { status: "pass", messageId: "serverless-build-works", resourceId: workspaceId, evidence: accessEvidence },
      ];
    }
    const restrictedNames = restricted
      .map((dependency) => `${dependency.kind} ${nameOf(dependency.value.id)}`)
      .join(" and ");
    const name = parts.workspace.imageBuildCompute;
    const evidence = { ...accessEvidence, imageBuildCompute: name ?? null };
    if (!name) {
      return [
        {
          status: "fail",
          messageId: "image-build-compute-unset",
          data: {
            restricted: capitalise(restrictedNames),
            verb: restricted.length > 1 ? "restrict" : "restricts",
            pronoun: restricted.length > 1 ? "them" : "it",
          },
          resourceId: workspaceId,
          evidence,
          remediation: fix,
        },
      ];
    }
    const compute = parts.computes.find((candidate) => eqi(candidate.name, name));
    if (!compute) {
      return [
        {
          status: "fail",
          messageId: "image-build-compute-missing",
          data: { compute: name },
          resourceId: workspaceId,
          evidence: { ...evidence, computes: parts.computes.map((candidate) => candidate.name) },
          remediation: `Create a CPU compute cluster named ${name} in a subnet that reaches the registry and storage (az ml compute create --type AmlCompute --name ${name} --size Standard_DS3_v2 --vnet-name <vnet> --subnet <subnet>), or point the workspace at an existing one: ${fix}`,
        },
      ];
    }
    const computeEvidence = {
      ...evidence,
      compute: compute.id,
      computeType: compute.computeType,
      provisioningState: compute.provisioningState ?? null,
      vmSize: compute.vmSize ?? null,
    };
    const data = {
      compute: compute.name,
      computeType: compute.computeType || "compute of unknown type",
      state: compute.provisioningState ?? "unknown",
      vmSize: compute.vmSize ?? "unknown",
    };
    const findings: Array<CheckFinding<MessageId>> = [];
    // A field ARM did not return is not evidence of a bad cluster: unknown, never a guessed fail.
    const missing = [
      !compute.computeType && "computeType",
      compute.provisioningState === undefined && "provisioningState",
    ]
      .filter(Boolean)
      .join(" or ");
    if (missing) {
      findings.push({
        status: "unknown",
        messageId: "image-build-compute-state-unknown",
        data: { ...data, missing },
        resourceId: compute.id,
        evidence: computeEvidence,
        remediation: `Check the cluster: az ml compute show -n ${compute.name} -w ${context.target.workspace} -g ${context.target.resourceGroup}`,
      });
    }
    if (compute.computeType && !eqi(compute.computeType, "AmlCompute")) {
      findings.push({
        status: "fail",
        messageId: "image-build-compute-wrong-type",
        data,
        resourceId: compute.id,
        evidence: computeEvidence,
        remediation: fix,
      });
    }
    if (compute.provisioningState !== undefined && !eqi(compute.provisioningState, "Succeeded")) {
      findings.push({
        status: "fail",
        messageId: "image-build-compute-not-ready",
        data,
        resourceId: compute.id,
        evidence: computeEvidence,
        remediation: `Repair or recreate the cluster (az ml compute show -n ${compute.name} -w ${context.target.workspace} -g ${context.target.resourceGroup}), or choose another: ${fix}`,
      });
    }
    if (compute.vmSize && isGpuVmSize(compute.vmSize)) {
      findings.push({
        status: "fail",
        messageId: "image-build-compute-gpu",
        data,
        resourceId: compute.id,
        evidence: computeEvidence,
        remediation: fix,
      });
    }
    const managedNetwork = isManagedNetwork(parts);
    for (const dependency of restricted) {
      const reach = reachDependency(compute, dependency.value, { ...parts, managedNetwork });
      const reachData = {
        ...data,
        kind: dependency.kind,
        dependency: nameOf(dependency.value.id),
        reason: reach.reason,
      };
      const reachEvidence = { ...computeEvidence, path: reach.path, ...reach.evidence };
      if (reach.status === "unreachable") {
        findings.push({
          status: "fail",
          messageId: "image-build-compute-unreachable",
          data: reachData,
          resourceId: compute.id,
          evidence: reachEvidence,
        });
      } else if (reach.status === "unknown") {
        findings.push({
          status: "unknown",
          messageId: "image-build-compute-undetermined",
          data: reachData,
          resourceId: compute.id,
          evidence: reachEvidence,
          remediation: unresolvedRemediation(reach.unresolved),
        });
      }
    }
    if (findings.length === 0) {
      findings.push({
        status: "pass",
        messageId: "image-build-compute-ready",
        data,
        resourceId: compute.id,
        evidence: computeEvidence,
      });
    }
    return findings;
  },
});

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

import { nameOf } from "../src/snapshot/ids.js";
import { defineCheck, type FindingReportOf, type Parts } from "../src/engine/types.js";
import { failedReadRemediation } from "../src/core/failed-read.js";
import { reachDependency } from "../src/net/reachability.js";
import { isGpuVmSize, type ComputeView, type NetworkAccessView } from "../src/snapshot/model.js";
import { eqi } from "../src/snapshot/json.js";
import type { SnapshotTarget } from "../src/snapshot/types.js";
import { sh, shWords } from "../src/core/visible.js";
import { isHub, isManagedNetwork, workspaceArgs } from "./shared.js";

const MESSAGES = {
  "serverless-build-works":
    "Neither the registry nor the storage account restricts network access, so the default serverless image build can reach them.",
  "image-build-compute-unset":
    "{restricted} {verb} network access, but {owner} has no imageBuildCompute: the serverless image build cannot reach {pronoun} and environment builds fail.",
  "image-build-compute-missing":
    'The imageBuildCompute of {owner} names "{compute}", which is not one of its computes.',
  "image-build-compute-wrong-type":
    'imageBuildCompute "{compute}" is a {computeType}; image builds run only on {allowed}.',
  "image-build-compute-not-ready": 'imageBuildCompute "{compute}" is in provisioning state {state}, not Succeeded.',
  "image-build-compute-state-unknown":
    'Cannot decide whether imageBuildCompute "{compute}" is healthy: ARM returned no {missing} for it.',
  "image-build-compute-gpu":
    'imageBuildCompute "{compute}" uses GPU size {vmSize}; only a CPU SKU is supported for image builds.',
  "image-build-compute-unreachable": 'imageBuildCompute "{compute}" cannot reach {kind} {dependency}: {reason}.',
  "image-build-compute-undetermined":
    'Cannot decide whether imageBuildCompute "{compute}" reaches {kind} {dependency}: {reason}.',
  "image-build-compute-ready":
    'imageBuildCompute "{compute}" is a healthy CPU {kind} that reaches the registry and storage account.',
} as const satisfies Record<string, string>;

type Report = FindingReportOf<typeof MESSAGES>;

/** The registry or storage account an image build reads and writes, named for messages. */
interface BuildDependency {
  kind: string;
  value: NetworkAccessView;
}

/** What every finding about the named image-build compute carries. */
interface ImageBuildCompute {
  compute: ComputeView;
  data: { compute: string; computeType: string; state: string; vmSize: string };
  evidence: Record<string, unknown>;
}

export default defineCheck({
  id: "acr-vnet-image-build",
  title:
    "Environment images can be built: a network-restricted registry or storage has a healthy CPU image-build compute that reaches both",
  severity: "high",
  requires: ["workspace", "storage", "registry", "computes", "privateEndpoints", "virtualNetworks"],
  messages: MESSAGES,
  remediation:
    "Create a CPU compute cluster in a subnet that reaches the registry and storage, then: az ml workspace update -n WS -g RG --image-build-compute NAME",
  run(parts, report, context) {
    const dependencies: BuildDependency[] = [];
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
    const fix = sh`az ml workspace update ${workspaceArgs(context.target)} --image-build-compute <cpu-cluster-name>`;
    // A project's image builds are set on its hub (context.target): messages name the hub, as the fix does.
    const owner = isHub(parts) ? `the hub ${context.target.workspace}` : "the workspace";
    const managedNetwork = isManagedNetwork(parts);
    if (restricted.length === 0) {
      report.pass("serverless-build-works", workspaceId, undefined, accessEvidence);
      return;
    }
    const restrictedNames = restricted
      .map((dependency) => `${dependency.kind} ${nameOf(dependency.value.id)}`)
      .join(" and ");
    const name = parts.workspace.imageBuildCompute;
    const evidence = { ...accessEvidence, imageBuildCompute: name ?? null };
    if (!name) {
      report.fail(
        "image-build-compute-unset",
        workspaceId,
        {
          restricted: capitalise(restrictedNames),
          owner,
          verb: restricted.length > 1 ? "restrict" : "restricts",
          pronoun: restricted.length > 1 ? "them" : "it",
        },
        evidence,
        fix,
      );
      return;
    }
    const compute = parts.computes.find((candidate) => eqi(candidate.name, name));
    if (!compute) {
      report.fail(
        "image-build-compute-missing",
        workspaceId,
        { compute: name, owner },
        { ...evidence, computes: parts.computes.map((candidate) => candidate.name), managedNetwork },
        missingComputeRemediation(name, context.target, managedNetwork),
      );
      return;
    }
    const build: ImageBuildCompute = {
      compute,
      data: {
        compute: compute.name,
        computeType: compute.computeType || "compute of unknown type",
        state: compute.provisioningState ?? "unknown",
        vmSize: compute.vmSize ?? "unknown",
      },
      evidence: {
        ...evidence,
        compute: compute.id,
        computeType: compute.computeType,
        provisioningState: compute.provisioningState ?? null,
        vmSize: compute.vmSize ?? null,
      },
    };
    // Both are judged, in this order: every problem is reported, and the compute passes only without one.
    const unhealthy = judgeComputeHealth(report, build, fix, context.target, managedNetwork);
    const unreached = judgeComputeReach(report, build, restricted, parts);
    if (!unhealthy && !unreached) {
      const kind = eqi(compute.computeType, "ComputeInstance") ? "compute instance" : "compute cluster";
      report.pass("image-build-compute-ready", compute.id, { ...build.data, kind }, build.evidence);
    }
  },
});

/**
 * Create the named cluster, then name it as the image-build compute (of the hub, for a project). Under a
 * managed network the service places the cluster (how-to-managed-network, "Configure image builds": "a
 * compute cluster or compute instance"), so no VNet is named; with the customer's own VNet it goes in a
 * subnet that reaches the registry and storage (how-to-secure-workspace-vnet, "Enable Azure Container
 * Registry": "a CPU SKU compute cluster in the same VNet as your workspace-dependent resources").
 */
function missingComputeRemediation(name: string, target: SnapshotTarget, managedNetwork: boolean): string {
  const where = shWords`-w ${target.workspace} -g ${target.resourceGroup} --subscription ${target.subscriptionId}`;
  const create = sh`az ml compute create -n ${name} --type amlcompute --size Standard_DS3_v2 ${where}`;
  const update = sh`az ml workspace update ${workspaceArgs(target)} --image-build-compute ${name}`;
  return managedNetwork
    ? `Create the CPU compute cluster in the managed network: ${create}; then: ${update}`
    : `Create the CPU compute cluster in a subnet that reaches the registry and storage: ${create} --vnet-name <vnet> --subnet <subnet>; then: ${update}`;
}

/**
 * The compute types that may build images. A compute cluster always. A compute instance too under a managed
 * network: how-to-managed-network ("Configure image builds") and how-to-secure-online-endpoint both say "a
 * compute cluster or compute instance"; with the customer's own VNet, how-to-secure-workspace-vnet ("Enable
 * Azure Container Registry") asks for a CPU compute cluster.
 */
function imageBuildTypes(managedNetwork: boolean): string[] {
  return managedNetwork ? ["AmlCompute", "ComputeInstance"] : ["AmlCompute"];
}

/** Reports what makes the compute unfit to build images (or undecidable); true when it reported any. */
function judgeComputeHealth(
  report: Report,
  build: ImageBuildCompute,
  fix: string,
  target: SnapshotTarget,
  managedNetwork: boolean,
): boolean {
  const { compute, data, evidence } = build;
  let reported = false;
  const allowedTypes = imageBuildTypes(managedNetwork);
  const allowedType = allowedTypes.some((type) => eqi(compute.computeType, type));
  // A field ARM did not return is not evidence of a bad compute: unknown, never a guessed fail. Without a
  // vmSize, whether it is a CPU SKU cannot be told.
  const missing = [
    !compute.computeType && "computeType",
    compute.provisioningState === undefined && "provisioningState",
    allowedType && compute.vmSize === undefined && "vmSize",
  ]
    .filter(Boolean)
    .join(" or ");
  if (missing) {
    reported = true;
    report.unknown(
      "image-build-compute-state-unknown",
      compute.id,
      { ...data, missing },
      evidence,
      `Check the cluster: ${sh`az ml compute show -n ${compute.name} -w ${target.workspace} -g ${target.resourceGroup}`}`,
    );
  }
  if (compute.computeType && !allowedType) {
    reported = true;
    const allowed = managedNetwork
      ? "a compute cluster (AmlCompute) or a compute instance"
      : "a compute cluster (AmlCompute) when the workspace uses its own virtual network";
    report.fail(
      "image-build-compute-wrong-type",
      compute.id,
      { ...data, allowed },
      { ...evidence, managedNetwork, allowedComputeTypes: allowedTypes },
      fix,
    );
  }
  if (compute.provisioningState !== undefined && !eqi(compute.provisioningState, "Succeeded")) {
    reported = true;
    report.fail(
      "image-build-compute-not-ready",
      compute.id,
      data,
      evidence,
      `Repair or recreate the cluster (${sh`az ml compute show -n ${compute.name} -w ${target.workspace} -g ${target.resourceGroup}`}), or choose another: ${fix}`,
    );
  }
  if (compute.vmSize && isGpuVmSize(compute.vmSize)) {
    reported = true;
    report.fail("image-build-compute-gpu", compute.id, data, evidence, fix);
  }
  return reported;
}

/** Reports each restricted dependency the cluster cannot reach (or may not); true when it reported any. */
function judgeComputeReach(
  report: Report,
  build: ImageBuildCompute,
  restricted: BuildDependency[],
  parts: Pick<Parts, "workspace" | "privateEndpoints" | "virtualNetworks">,
): boolean {
  const { compute, data, evidence } = build;
  let reported = false;
  const managedNetwork = isManagedNetwork(parts);
  for (const dependency of restricted) {
    const reach = reachDependency(compute, dependency.value, { ...parts, managedNetwork });
    const reachData = {
      ...data,
      kind: dependency.kind,
      dependency: nameOf(dependency.value.id),
      reason: reach.reason,
    };
    const reachEvidence = { ...evidence, path: reach.path, ...reach.evidence };
    if (reach.status === "unreachable") {
      reported = true;
      report.fail("image-build-compute-unreachable", compute.id, reachData, reachEvidence);
    } else if (reach.status === "unknown") {
      reported = true;
      report.unknown(
        "image-build-compute-undetermined",
        compute.id,
        reachData,
        reachEvidence,
        failedReadRemediation(reach.unresolved),
      );
    }
  }
  return reported;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

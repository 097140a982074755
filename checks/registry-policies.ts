import { nameOf, resourceGroupOf } from "../src/snapshot/ids.js";
import { defineCheck, type FindingReportOf } from "../src/engine/types.js";
import {
  parseResourceId,
  registryAdminUserEnabled,
  registryPolicyView,
  type ComputeView,
} from "../src/snapshot/model.js";
import { asObject, eqi } from "../src/snapshot/json.js";
import type { SnapshotTarget } from "../src/snapshot/types.js";
import { sh, shWords, type ShellWords } from "../src/core/visible.js";
import { isHub, workspaceArgs } from "./shared.js";

const MESSAGES = {
  "quarantine-enabled":
    "Registry {registry} has its quarantine policy enabled: images Azure Machine Learning builds and pushes stay quarantined and cannot be pulled, so jobs wait on the image until they time out.",
  "quarantine-off": "Registry {registry} quarantines no images (quarantine policy {quarantine}).",
  "admin-enabled": "Registry {registry} has its admin user enabled: the workspace can sign in with its password.",
  "admin-disabled-identity":
    "Registry {registry} has its admin user disabled: Azure Machine Learning builds and pulls images with managed identities ({clusters}).",
  "cluster-without-identity":
    "Compute cluster {compute}{role} has no managed identity while registry {registry} has its admin user disabled: it cannot pull images from the registry, so jobs on it fail.",
  "cluster-identity-unknown":
    "Cannot tell whether compute cluster {compute} has a managed identity: its identity has no readable type.",
  undetermined: "Cannot judge {setting} of registry {registry}: {reason}.",
  "no-registry":
    "The workspace names no container registry yet (one is created on the first image build); nothing to check.",
  "no-registry-hub":
    "Hub {hub} names no container registry; a Foundry hub's registry is optional (learn.microsoft.com/azure/ai-foundry/concepts/ai-resources), so there is nothing to check.",
} as const satisfies Record<string, string>;

type Report = FindingReportOf<typeof MESSAGES>;

export default defineCheck({
  id: "registry-policies",
  title:
    "The workspace's registry has no image quarantine, and its admin user is enabled or every compute cluster has a managed identity",
  severity: "medium",
  requires: ["workspace", "registry", "computes"],
  messages: MESSAGES,
  remediation:
    "az resource update --ids REGISTRY_ID --set properties.policies.quarantinePolicy.status=disabled; az ml compute update -n CLUSTER -w WS -g RG --identity-type system_assigned",
  run(parts, report, context) {
    const workspaceId = parts.workspace.id || context.target.workspaceId;
    if (parts.registry.state === "none") {
      if (isHub(parts))
        report.skip("no-registry-hub", workspaceId, { hub: parts.workspace.name }, { containerRegistry: null });
      else report.skip("no-registry", workspaceId, undefined, { containerRegistry: null });
      return;
    }
    const raw = parts.registry.raw;
    const policy = registryPolicyView(raw);
    const id = policy.id || parts.registry.value.id;
    const registry = nameOf(id);
    const subscription = parseResourceId(id)?.subscriptionId;
    const acrWhere = shWords`-n ${registry} -g ${resourceGroupOf(id)}${subscription ? shWords` --subscription ${subscription}` : undefined}`;

    // ---- quarantine: ARM sends "enabled"/"disabled" in lower case; absent means the preview feature is off.
    const quarantineEvidence = { registry: id, quarantinePolicy: policy.quarantine ?? null };
    if (policy.quarantine === undefined || eqi(policy.quarantine, "disabled")) {
      report.pass("quarantine-off", id, { registry, quarantine: policy.quarantine ?? "absent" }, quarantineEvidence);
    } else if (eqi(policy.quarantine, "enabled")) {
      report.fail(
        "quarantine-enabled",
        id,
        { registry },
        quarantineEvidence,
        // No `az acr` command sets this policy; it is an ARM property.
        sh`az resource update --ids ${id} --set properties.policies.quarantinePolicy.status=disabled`,
      );
    } else {
      report.unknown(
        "undetermined",
        id,
        {
          setting: "the quarantine policy",
          registry,
          reason: `its status is "${policy.quarantine}", neither enabled nor disabled`,
        },
        quarantineEvidence,
        sh`az resource show --ids ${id} --query properties.policies.quarantinePolicy`,
      );
    }

    // ---- admin user: off, Azure ML builds and pulls with managed identities (a cached password no longer matters).
    const adminEvidence = { registry: id, adminUserEnabled: asObject(raw.properties)?.adminUserEnabled ?? null };
    // The same reading as key-sync's (absent is ACR's default, disabled).
    if (registryAdminUserEnabled(raw)) {
      report.pass("admin-enabled", id, { registry }, adminEvidence);
      return;
    }
    const clusters = parts.computes.filter((compute) => eqi(compute.computeType, "AmlCompute"));
    const withIdentity = clusters.filter((cluster) => hasManagedIdentity(cluster) === true);
    report.pass(
      "admin-disabled-identity",
      id,
      {
        registry,
        clusters:
          clusters.length === 0
            ? "the workspace has no compute cluster"
            : `${withIdentity.length} of ${clusters.length} compute clusters have one`,
      },
      {
        ...adminEvidence,
        clusters: clusters.map((cluster) => ({ compute: cluster.id, identityType: cluster.identityType ?? null })),
      },
    );
    for (const cluster of clusters) {
      judgeClusterIdentity(report, cluster, {
        registryId: id,
        acrWhere,
        imageBuildCompute: eqi(parts.workspace.imageBuildCompute, cluster.name),
        target: context.target,
      });
    }
  },
});

/** true: a system- or user-assigned identity; false: none; undefined: a type this check cannot read. */
function hasManagedIdentity(compute: ComputeView): boolean | undefined {
  const type = compute.identityType;
  if (type === undefined) return undefined;
  if (eqi(type, "None")) return false;
  const kinds = type.split(",").map((kind) => kind.trim());
  if (kinds.length > 0 && kinds.every((kind) => eqi(kind, "SystemAssigned") || eqi(kind, "UserAssigned"))) return true;
  return undefined;
}

interface ClusterContext {
  registryId: string;
  acrWhere: ShellWords;
  imageBuildCompute: boolean;
  target: SnapshotTarget;
}

/**
 * With the admin user off, a cluster pulls the workspace's images with its own managed identity (Learn,
 * how-to-identity-based-service-authentication): one without an identity cannot. Whether the identity holds
 * AcrPull is not read (role assignments are not in the snapshot); the remediation says how to grant it.
 */
function judgeClusterIdentity(report: Report, cluster: ComputeView, context: ClusterContext): void {
  const { registryId, acrWhere, imageBuildCompute, target } = context;
  const computeWhere = shWords`-n ${cluster.name} -w ${target.workspace} -g ${target.resourceGroup} --subscription ${target.subscriptionId}`;
  const evidence = {
    registry: registryId,
    adminUserEnabled: false,
    compute: cluster.id,
    identityType: cluster.identityType ?? null,
    imageBuildCompute,
  };
  const identity = hasManagedIdentity(cluster);
  if (identity === true) return;
  if (identity === undefined) {
    report.unknown(
      "cluster-identity-unknown",
      cluster.id,
      { compute: cluster.name },
      evidence,
      `Check the cluster's identity: ${sh`az ml compute show ${computeWhere} --query identity`}`,
    );
    return;
  }
  report.fail(
    "cluster-without-identity",
    cluster.id,
    {
      compute: cluster.name,
      role: imageBuildCompute ? " (the workspace's image-build compute)" : "",
      registry: nameOf(registryId),
    },
    evidence,
    [
      `Give the cluster a system-assigned identity: ${sh`az ml compute update ${computeWhere} --identity-type system_assigned`}`,
      `if it still cannot pull, grant that identity AcrPull on the registry: ${sh`az role assignment create --assignee $(az ml compute show ${computeWhere} --query identity.principal_id -o tsv) --role AcrPull --scope ${registryId}`}`,
      `or re-enable the admin user and sync the workspace's keys: ${sh`az acr update ${acrWhere} --admin-enabled true && az ml workspace sync-keys ${workspaceArgs(target)}`}`,
    ].join("\n"),
  );
}

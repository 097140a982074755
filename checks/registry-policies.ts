import { nameOf, resourceGroupOf } from "../src/snapshot/ids.js";
import { defineCheck } from "../src/engine/types.js";
import { failedRead, failedReadRemediation } from "../src/core/failed-read.js";
import { asObject, eqi, parseResourceId, registryPolicyView } from "../src/snapshot/model.js";
import { workspaceArgs } from "./shared.js";

export default defineCheck({
  id: "registry-policies",
  title:
    "The workspace's registry has no image quarantine, and its admin user is enabled whenever the workspace signs in with the admin password",
  severity: "medium",
  requires: ["workspace", "registry", "keys"],
  messages: {
    "quarantine-enabled":
      "Registry {registry} has its quarantine policy enabled: images Azure Machine Learning builds and pushes stay quarantined and cannot be pulled, so jobs wait on the image until they time out.",
    "quarantine-off": "Registry {registry} quarantines no images (quarantine policy {quarantine}).",
    "admin-enabled":
      "Registry {registry} has its admin user enabled; the workspace can sign in with its password (needed only when it reaches the registry with credentials rather than its identity).",
    "admin-disabled-identity":
      "Registry {registry} has its admin user disabled and the workspace holds no cached registry password: it signs in with its managed identity.",
    "admin-disabled-cached-password":
      "Registry {registry} has its admin user disabled, but the workspace still signs in with a cached admin password: image builds and pulls are refused with 401 Unauthorized.",
    undetermined: "Cannot judge {setting} of registry {registry}: {reason}.",
    "no-registry":
      "The workspace names no container registry yet (one is created on the first image build); nothing to check.",
  },
  remediation:
    "az resource update --ids REGISTRY_ID --set properties.policies.quarantinePolicy.status=disabled; az acr update -n REGISTRY --admin-enabled true && az ml workspace sync-keys -n WS -g RG",
  run(parts, report, context) {
    const workspaceId = parts.workspace.id || context.target.workspaceId;
    if (parts.registry.state === "none") {
      report.skip("no-registry", workspaceId, undefined, { containerRegistry: null });
      return;
    }
    const raw = parts.registry.raw;
    const policy = registryPolicyView(raw);
    const id = policy.id || parts.registry.value.id;
    const registry = nameOf(id);
    const subscription = parseResourceId(id)?.subscriptionId;
    const acrWhere = `-n ${registry} -g ${resourceGroupOf(id)}${subscription ? ` --subscription ${subscription}` : ""}`;

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
        `az resource update --ids ${id} --set properties.policies.quarantinePolicy.status=disabled`,
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
        `az resource show --ids ${id} --query properties.policies.quarantinePolicy`,
      );
    }

    // ---- admin user: matters only against how the workspace signs in (cached password or identity).
    const comparison = parts.keys.registry;
    const adminRaw = asObject(raw.properties)?.adminUserEnabled;
    const adminEvidence: Record<string, unknown> = {
      registry: id,
      adminUserEnabled: adminRaw ?? null,
      cachedCredentials: comparison.cachedCredentials ?? null,
    };
    const sync = `az ml workspace sync-keys ${workspaceArgs(context.target)}`;
    if (policy.adminUserEnabled) {
      report.pass("admin-enabled", id, { registry }, adminEvidence);
    } else if (comparison.cachedCredentials === true) {
      report.fail(
        "admin-disabled-cached-password",
        id,
        { registry },
        adminEvidence,
        [
          `Re-enable the admin user and refresh the workspace's copy of its password: az acr update ${acrWhere} --admin-enabled true && ${sync}`,
          `or keep it disabled and let the workspace sign in with its managed identity (it needs a role on the registry that can push and pull), then sync so the cached password is dropped: ${sync}`,
        ].join("\n"),
      );
    } else if (comparison.cachedCredentials === false) {
      report.pass("admin-disabled-identity", id, { registry }, adminEvidence);
    } else {
      // The workspace's keys were not read (--no-keys, or listKeys failed): how it signs in is unknown.
      const reason = comparison.reason ?? "the workspace's keys were not read";
      report.unknown(
        "undetermined",
        id,
        {
          setting: "the disabled admin user",
          registry,
          reason: `whether the workspace holds a cached registry password is unknown (${reason})`,
        },
        {
          ...adminEvidence,
          keysOutcome: comparison.outcome ?? null,
          reason,
          ...(comparison.failedOperation ? { failedOperation: comparison.failedOperation } : {}),
          ...(comparison.statusCode !== undefined ? { statusCode: comparison.statusCode } : {}),
          ...(comparison.permission ? { missingPermission: comparison.permission } : {}),
        },
        comparison.failedOperation
          ? failedReadRemediation([
              failedRead(workspaceId, { permission: comparison.permission, statusCode: comparison.statusCode }),
            ])
          : "Run again without --no-keys (needs Microsoft.MachineLearningServices/workspaces/listKeys/action on the workspace) to learn whether it holds a cached registry password.",
      );
    }
  },
});

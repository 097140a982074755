import { defineCheck, type CheckFinding, type Parts } from "../src/engine/types.js";
import { asObject, asString, eqi, idKey, parseResourceId, type NetworkAccessView } from "../src/snapshot/model.js";
import { nameOf, resourceGroupOf } from "./shared.js";

type MessageId =
  | "storage-open"
  | "storage-resource-rule"
  | "storage-trusted-services"
  | "storage-blocked"
  | "registry-open"
  | "registry-trusted-services"
  | "registry-blocked"
  | "registry-premium"
  | "registry-not-premium"
  | "undetermined"
  | "no-storage"
  | "no-registry";

type Finding = CheckFinding<MessageId>;

/** What the tenant ID is when the workspace's identity does not say: the signed-in tenant, resolved by az. */
const CURRENT_TENANT = "$(az account show --query tenantId -o tsv)";

export default defineCheck<"workspace" | "storage" | "registry", MessageId>({
  id: "trusted-access",
  title:
    "A network-restricted storage account and registry let the workspace in as a trusted service, and a restricted registry is Premium",
  severity: "high",
  requires: ["workspace", "storage", "registry"],
  messages: {
    "storage-open": "Storage account {storage} accepts traffic from all networks; no trusted-access rule is needed.",
    "storage-resource-rule":
      "Storage account {storage} lets workspace {workspace} in through a resource-instance rule{wildcard}.",
    "storage-trusted-services":
      "Storage account {storage} lets trusted Azure services, the workspace among them, bypass its network rules (bypass: {bypass}).",
    "storage-blocked":
      "Storage account {storage} is network-restricted ({restriction}) and has neither a resource-instance rule for workspace {workspace} nor the AzureServices bypass (bypass: {bypass}): the workspace's own calls to it are refused.",
    "registry-open": "Registry {registry} accepts traffic from all networks; no trusted-services exception is needed.",
    "registry-trusted-services":
      "Registry {registry} lets trusted Azure services, Azure Machine Learning among them, bypass its network rules (networkRuleBypassOptions: {bypass}).",
    "registry-blocked":
      "Registry {registry} is network-restricted ({restriction}) and refuses trusted Azure services (networkRuleBypassOptions: {bypass}): Azure Machine Learning cannot reach it to build or pull images.",
    "registry-premium": "Registry {registry} uses {features} on the Premium SKU, the only SKU that supports them.",
    "registry-not-premium":
      "Registry {registry} uses {features} but its SKU is {sku}; only Premium supports private endpoints and network rules.",
    undetermined: "Cannot decide whether {resource} lets the workspace in: {reason}.",
    "no-storage": "The workspace names no storage account; nothing to check.",
    "no-registry":
      "The workspace names no container registry yet (one is created on the first image build); nothing to check.",
  },
  remediation:
    "Add a resource-instance rule for the workspace (az storage account network-rule add -g RG --account-name NAME --resource-id WORKSPACE_ID --tenant-id TENANT) or allow trusted services (az storage account update -g RG -n NAME --bypass AzureServices; az acr update --name NAME --allow-trusted-services true).",
  run(parts, context) {
    const findings: Finding[] = [];
    const workspaceId = parts.workspace.id || context.target.workspaceId;

    if (parts.storage.state === "none") {
      findings.push({
        status: "skip",
        messageId: "no-storage",
        resourceId: workspaceId,
        evidence: { storageAccount: null },
      });
    } else {
      findings.push(judgeStorage(parts.storage.value, parts.workspace, workspaceId));
    }

    if (parts.registry.state === "none") {
      findings.push({
        status: "skip",
        messageId: "no-registry",
        resourceId: workspaceId,
        evidence: { containerRegistry: null },
      });
    } else {
      findings.push(...judgeRegistry(parts.registry.value));
    }
    return findings;
  },
});

// ---- storage ------------------------------------------------------------------------------------

function judgeStorage(storage: NetworkAccessView, workspace: Parts["workspace"], workspaceId: string): Finding {
  const name = nameOf(storage.id);
  const tenantId = asString(asObject(workspace.raw.identity)?.tenantId);
  const bypassList = splitBypass(storage.bypass);
  const evidence: Record<string, unknown> = {
    storageAccount: storage.id,
    workspace: workspaceId,
    publicNetworkAccess: storage.publicNetworkAccess ?? null,
    defaultAction: storage.defaultAction ?? null,
    bypass: storage.bypass ?? null,
    resourceAccessRules: storage.resourceAccessRules,
    workspaceTenantId: tenantId ?? null,
  };
  const base = { resourceId: storage.id, evidence };

  if (!storage.restricted) return { ...base, status: "pass", messageId: "storage-open", data: { storage: name } };

  // A network security perimeter in enforced mode overrides the account's own firewall, trusted-service
  // exceptions included; its mode and access rules live on the perimeter, which is not read.
  if (eqi(storage.publicNetworkAccess, "SecuredByPerimeter")) {
    return {
      ...base,
      status: "unknown",
      messageId: "undetermined",
      data: {
        resource: `storage account ${name}`,
        reason:
          "its public network access is SecuredByPerimeter, so a network security perimeter's access rules decide, and preflight does not read them",
      },
      remediation: `See the perimeter's mode and access rules for this account, and allow the workspace there: az storage account network-security-perimeter-configuration list -g ${resourceGroupOf(storage.id)} --account-name ${name}`,
    };
  }

  // Resource-instance rules and the trusted-services exception stay in effect with public access
  // Disabled (Azure Storage network security overview, "Restrictions and considerations").
  const rule = storage.resourceAccessRules.find((candidate) => ruleAdmits(candidate, workspaceId, tenantId));
  if (rule) {
    const wildcard = (rule.resourceId ?? "").includes("*");
    return {
      ...base,
      status: "pass",
      messageId: "storage-resource-rule",
      data: {
        storage: name,
        workspace: nameOf(workspaceId),
        wildcard: wildcard ? ` (a wildcard rule: ${rule.resourceId})` : "",
      },
      evidence: {
        ...evidence,
        matchedRule: { resourceId: rule.resourceId ?? null, tenantId: rule.tenantId ?? null },
        wildcard,
      },
    };
  }
  if (bypassList.some((entry) => eqi(entry, "AzureServices"))) {
    return {
      ...base,
      status: "pass",
      messageId: "storage-trusted-services",
      data: { storage: name, bypass: storage.bypass ?? "" },
    };
  }
  if (storage.bypass === undefined) {
    // ARM always returns `networkAcls.bypass` for an account; its absence is not a "no".
    return {
      ...base,
      status: "unknown",
      messageId: "undetermined",
      data: {
        resource: `storage account ${name}`,
        reason:
          "the account is network-restricted, has no resource-instance rule for the workspace, and ARM returned no networkAcls.bypass",
      },
      remediation: `Look at the account's network rules: az storage account show --ids ${storage.id} --query networkRuleSet`,
    };
  }

  const group = resourceGroupOf(storage.id);
  const subscription = parseResourceId(storage.id)?.subscriptionId;
  const where = `-g ${group} --account-name ${name}${subscription ? ` --subscription ${subscription}` : ""}`;
  // `--bypass` replaces the list: keep what is there (Logging, Metrics) and add AzureServices.
  const keep = bypassList.filter((entry) => !eqi(entry, "None") && !eqi(entry, "AzureServices"));
  return {
    ...base,
    status: "fail",
    messageId: "storage-blocked",
    data: { storage: name, workspace: nameOf(workspaceId), restriction: restriction(storage), bypass: storage.bypass },
    remediation: [
      `Let this workspace in: az storage account network-rule add ${where} --resource-id ${workspaceId} --tenant-id ${tenantId ?? CURRENT_TENANT}`,
      `or allow every trusted Azure service: az storage account update -g ${group} -n ${name}${subscription ? ` --subscription ${subscription}` : ""} --bypass ${[...keep, "AzureServices"].join(" ")}`,
    ].join("\n"),
  };
}

/** "Logging, Metrics, AzureServices" → its entries. */
function splitBypass(bypass: string | undefined): string[] {
  return (bypass ?? "").split(/[,\s]+/).filter(Boolean);
}

/**
 * A resource-instance rule names this workspace: its ID, case-insensitively, where `*` stands for any one
 * segment (the portal's "all workspaces in this resource group / subscription" rules); and, when both
 * are known, the rule's tenant is the workspace's.
 */
function ruleAdmits(
  rule: { tenantId?: string; resourceId?: string },
  workspaceId: string,
  tenantId: string | undefined,
): boolean {
  if (!rule.resourceId) return false;
  if (rule.tenantId && tenantId && rule.tenantId.toLowerCase() !== tenantId.toLowerCase()) return false;
  const want = idKey(workspaceId).split("/");
  const have = idKey(rule.resourceId).split("/");
  return want.length === have.length && have.every((segment, index) => segment === "*" || segment === want[index]);
}

function restriction(view: NetworkAccessView): string {
  return view.publicDisabled
    ? `public network access ${view.publicNetworkAccess}`
    : `default action ${view.defaultAction ?? "Deny"}`;
}

// ---- registry -----------------------------------------------------------------------------------

function judgeRegistry(registry: NetworkAccessView): Finding[] {
  const name = nameOf(registry.id);
  const group = resourceGroupOf(registry.id);
  const subscription = parseResourceId(registry.id)?.subscriptionId;
  const where = `--name ${name} -g ${group}${subscription ? ` --subscription ${subscription}` : ""}`;
  // ARM's default for networkRuleBypassOptions is AzureServices ("allow trusted services" is on in a new registry).
  const bypass = registry.bypass ?? "AzureServices";
  const evidence: Record<string, unknown> = {
    registry: registry.id,
    sku: registry.sku ?? null,
    publicNetworkAccess: registry.publicNetworkAccess ?? null,
    defaultAction: registry.defaultAction ?? null,
    networkRuleBypassOptions: registry.bypass ?? null,
    effectiveBypass: bypass,
    privateEndpointConnections: registry.connections.length,
  };
  const findings: Finding[] = [];

  if (!registry.restricted) {
    findings.push({
      status: "pass",
      messageId: "registry-open",
      resourceId: registry.id,
      data: { registry: name },
      evidence,
    });
  } else if (eqi(bypass, "AzureServices")) {
    findings.push({
      status: "pass",
      messageId: "registry-trusted-services",
      resourceId: registry.id,
      data: { registry: name, bypass },
      evidence,
    });
  } else if (eqi(bypass, "None")) {
    findings.push({
      status: "fail",
      messageId: "registry-blocked",
      resourceId: registry.id,
      data: { registry: name, restriction: restriction(registry), bypass },
      evidence,
      remediation: `az acr update ${where} --allow-trusted-services true`,
    });
  } else {
    findings.push({
      status: "unknown",
      messageId: "undetermined",
      resourceId: registry.id,
      data: {
        resource: `registry ${name}`,
        reason: `networkRuleBypassOptions is "${bypass}", which is neither AzureServices nor None`,
      },
      evidence,
      remediation: `Look at the registry's setting: az acr show ${where} --query networkRuleBypassOptions`,
    });
  }

  // Private endpoints and network rules exist only on Premium.
  const features = [
    ...(registry.connections.length > 0 ? ["private endpoints"] : []),
    ...(registry.publicDisabled ? ["public network access Disabled"] : []),
    ...(eqi(registry.defaultAction, "Deny") ? ["network rules (default action Deny)"] : []),
  ];
  if (features.length === 0) return findings;
  const skuEvidence = { ...evidence, features };
  if (registry.sku === undefined) {
    findings.push({
      status: "unknown",
      messageId: "undetermined",
      resourceId: registry.id,
      data: {
        resource: `registry ${name}`,
        reason: `it uses ${listed(features)}, which need the Premium SKU, and ARM returned no sku.name`,
      },
      evidence: skuEvidence,
      remediation: `Look at the registry's SKU: az acr show ${where} --query sku.name`,
    });
  } else if (eqi(registry.sku, "Premium")) {
    findings.push({
      status: "pass",
      messageId: "registry-premium",
      resourceId: registry.id,
      data: { registry: name, features: listed(features) },
      evidence: skuEvidence,
    });
  } else {
    findings.push({
      status: "fail",
      messageId: "registry-not-premium",
      resourceId: registry.id,
      data: { registry: name, features: listed(features), sku: registry.sku },
      evidence: skuEvidence,
      remediation: `az acr update ${where} --sku Premium`,
    });
  }
  return findings;
}

/** ["a", "b", "c"] → "a, b and c". */
function listed(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

import { nameOf, resourceGroupOf } from "../src/snapshot/ids.js";
import { defineCheck, type FindingReportOf, type Parts } from "../src/engine/types.js";
import { idKey, parseResourceId, type NetworkAccessView } from "../src/snapshot/model.js";
import { asObject, asString, eqi } from "../src/snapshot/json.js";
import { sh, shWords } from "../src/core/visible.js";
import { isHub } from "./shared.js";

/** What the tenant ID is when the workspace's identity does not say: the signed-in tenant, resolved by az. */
const CURRENT_TENANT = shWords`$(az account show --query tenantId -o tsv)`;

const MESSAGES = {
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
  "no-registry-hub":
    "Hub {hub} names no container registry; a Foundry hub's registry is optional (learn.microsoft.com/azure/ai-foundry/concepts/ai-resources), so there is nothing to check.",
} as const satisfies Record<string, string>;

type Report = FindingReportOf<typeof MESSAGES>;

export default defineCheck({
  id: "trusted-access",
  title:
    "A network-restricted storage account and registry let the workspace in as a trusted service, and a restricted registry is Premium",
  severity: "high",
  requires: ["workspace", "storage", "registry"],
  messages: MESSAGES,
  remediation:
    "Add a resource-instance rule for the workspace (az storage account network-rule add -g RG --account-name NAME --resource-id WORKSPACE_ID --tenant-id TENANT) or allow trusted services (az storage account update -g RG -n NAME --bypass AzureServices; az acr update --name NAME --allow-trusted-services true).",
  run(parts, report, context) {
    const workspaceId = parts.workspace.id || context.target.workspaceId;

    if (parts.storage.state === "none") {
      report.skip("no-storage", workspaceId, undefined, { storageAccount: null });
    } else {
      judgeStorage(report, parts.storage.value, parts.workspace, workspaceId);
    }

    if (parts.registry.state === "none") {
      if (isHub(parts))
        report.skip("no-registry-hub", workspaceId, { hub: parts.workspace.name }, { containerRegistry: null });
      else report.skip("no-registry", workspaceId, undefined, { containerRegistry: null });
    } else {
      judgeRegistry(report, parts.registry.value);
    }
  },
});

// ---- storage ------------------------------------------------------------------------------------

function judgeStorage(
  report: Report,
  storage: NetworkAccessView,
  workspace: Parts["workspace"],
  workspaceId: string,
): void {
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

  if (!storage.restricted) {
    report.pass("storage-open", storage.id, { storage: name }, evidence);
    return;
  }

  // A network security perimeter in enforced mode overrides the account's own firewall, trusted-service
  // exceptions included; its mode and access rules live on the perimeter, which is not read.
  if (eqi(storage.publicNetworkAccess, "SecuredByPerimeter")) {
    report.unknown(
      "undetermined",
      storage.id,
      {
        resource: `storage account ${name}`,
        reason:
          "its public network access is SecuredByPerimeter, so a network security perimeter's access rules decide, and preflight does not read them",
      },
      evidence,
      `See the perimeter's mode and access rules for this account, and allow the workspace there: ${sh`az storage account network-security-perimeter-configuration list -g ${resourceGroupOf(storage.id)} --account-name ${name}`}`,
    );
    return;
  }

  // Resource-instance rules and the trusted-services exception stay in effect with public access
  // Disabled (Azure Storage network security overview, "Restrictions and considerations").
  const rule = storage.resourceAccessRules.find((candidate) => ruleAdmits(candidate, workspaceId, tenantId));
  if (rule) {
    const wildcard = (rule.resourceId ?? "").includes("*");
    report.pass(
      "storage-resource-rule",
      storage.id,
      {
        storage: name,
        workspace: nameOf(workspaceId),
        wildcard: wildcard ? ` (a wildcard rule: ${rule.resourceId})` : "",
      },
      {
        ...evidence,
        matchedRule: { resourceId: rule.resourceId ?? null, tenantId: rule.tenantId ?? null },
        wildcard,
      },
    );
    return;
  }
  if (bypassList.some((entry) => eqi(entry, "AzureServices"))) {
    report.pass("storage-trusted-services", storage.id, { storage: name, bypass: storage.bypass ?? "" }, evidence);
    return;
  }
  if (storage.bypass === undefined) {
    // ARM always returns `networkAcls.bypass` for an account; its absence is not a "no".
    report.unknown(
      "undetermined",
      storage.id,
      {
        resource: `storage account ${name}`,
        reason:
          "the account is network-restricted, has no resource-instance rule for the workspace, and ARM returned no networkAcls.bypass",
      },
      evidence,
      `Look at the account's network rules: ${sh`az storage account show --ids ${storage.id} --query networkRuleSet`}`,
    );
    return;
  }

  const group = resourceGroupOf(storage.id);
  const subscription = parseResourceId(storage.id)?.subscriptionId;
  const inSubscription = subscription ? shWords` --subscription ${subscription}` : undefined;
  const where = shWords`-g ${group} --account-name ${name}${inSubscription}`;
  // `--bypass` replaces the list: keep what is there (Logging, Metrics) and add AzureServices.
  const keep = bypassList.filter((entry) => !eqi(entry, "None") && !eqi(entry, "AzureServices"));
  report.fail(
    "storage-blocked",
    storage.id,
    { storage: name, workspace: nameOf(workspaceId), restriction: restriction(storage), bypass: storage.bypass },
    evidence,
    [
      `Let this workspace in: ${sh`az storage account network-rule add ${where} --resource-id ${workspaceId} --tenant-id ${tenantId ?? CURRENT_TENANT}`}`,
      `or allow every trusted Azure service: ${sh`az storage account update -g ${group} -n ${name}${inSubscription} --bypass ${[...keep, "AzureServices"]}`}`,
    ].join("\n"),
  );
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

function judgeRegistry(report: Report, registry: NetworkAccessView): void {
  const name = nameOf(registry.id);
  const group = resourceGroupOf(registry.id);
  const subscription = parseResourceId(registry.id)?.subscriptionId;
  const where = shWords`--name ${name} -g ${group}${subscription ? shWords` --subscription ${subscription}` : undefined}`;
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

  if (!registry.restricted) {
    report.pass("registry-open", registry.id, { registry: name }, evidence);
  } else if (eqi(bypass, "AzureServices")) {
    report.pass("registry-trusted-services", registry.id, { registry: name, bypass }, evidence);
  } else if (eqi(bypass, "None")) {
    report.fail(
      "registry-blocked",
      registry.id,
      { registry: name, restriction: restriction(registry), bypass },
      evidence,
      sh`az acr update ${where} --allow-trusted-services true`,
    );
  } else {
    report.unknown(
      "undetermined",
      registry.id,
      {
        resource: `registry ${name}`,
        reason: `networkRuleBypassOptions is "${bypass}", which is neither AzureServices nor None`,
      },
      evidence,
      `Look at the registry's setting: ${sh`az acr show ${where} --query networkRuleBypassOptions`}`,
    );
  }

  // Private endpoints and network rules exist only on Premium.
  const features = [
    ...(registry.connections.length > 0 ? ["private endpoints"] : []),
    ...(registry.publicDisabled ? ["public network access Disabled"] : []),
    ...(eqi(registry.defaultAction, "Deny") ? ["network rules (default action Deny)"] : []),
  ];
  if (features.length === 0) return;
  const skuEvidence = { ...evidence, features };
  if (registry.sku === undefined) {
    report.unknown(
      "undetermined",
      registry.id,
      {
        resource: `registry ${name}`,
        reason: `it uses ${listed(features)}, which need the Premium SKU, and ARM returned no sku.name`,
      },
      skuEvidence,
      `Look at the registry's SKU: ${sh`az acr show ${where} --query sku.name`}`,
    );
  } else if (eqi(registry.sku, "Premium")) {
    report.pass("registry-premium", registry.id, { registry: name, features: listed(features) }, skuEvidence);
  } else {
    report.fail(
      "registry-not-premium",
      registry.id,
      { registry: name, features: listed(features), sku: registry.sku },
      skuEvidence,
      sh`az acr update ${where} --sku Premium`,
    );
  }
}

/** ["a", "b", "c"] → "a, b and c". */
function listed(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

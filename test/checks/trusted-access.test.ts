// trusted-access: does a network-restricted storage account let the workspace in (resource-instance
// rule or the AzureServices bypass), does a restricted registry allow trusted services, and is a
// registry with private endpoints or network rules Premium? Each case is the healthy workspace (ARM
// wire format) with one thing changed, named for its verdict; assertions are statuses, message ids and
// evidence, end to end through the fake ARM.

import { describe, test } from "vitest";
import type { Scenario } from "../fake-arm/scenario.js";
import { HEALTHY } from "../harness.js";
import {
  ACR_ID,
  RG_ID,
  STORAGE_ID,
  WS_ID,
  expectReadsOnlyWhatItRequires,
  fault,
  makePublic,
  partUnreadableCase,
  registry,
  ruleSet,
  storage,
  testCaseTables,
  workspace,
  type Case,
  type ExpectedFinding,
  type Json,
} from "./mutations.js";
import { armExample } from "../fixtures/arm-examples.js";

const CHECK = "trusted-access";
const TENANT = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
const OTHER_TENANT = "99999999-8888-7777-6666-555555555555";
const SUB = HEALTHY.subscriptionId;
const ML = "providers/Microsoft.MachineLearningServices/workspaces";

/** A resource-instance rule entry exactly as Azure's example shows one (StorageAccountUpdateDisablePublicNetworkAccess.json). */
const EXAMPLE_RULE = (
  armExample("Microsoft.Storage/2026-09-01/StorageAccountUpdateDisablePublicNetworkAccess.json") as Json
).responses["200"].body.properties.networkAcls.resourceAccessRules[0] as { resourceId: string; tenantId: string };

/** The registry body of Azure's RegistryGet example: Standard SKU, public, networkRuleBypassOptions AzureServices. */
const EXAMPLE_REGISTRY = (armExample("Microsoft.ContainerRegistry/2025-11-01/RegistryGet.json") as Json).responses[
  "200"
].body as Json;

// ---- scenario mutations (ARM wire format) -------------------------------------------------------

function setBypass(s: Scenario, bypass: string | undefined): void {
  const acls = ruleSet(storage(s));
  if (bypass === undefined) delete acls.bypass;
  else acls.bypass = bypass;
}

function addResourceRule(s: Scenario, resourceId: string, tenantId = TENANT): void {
  (ruleSet(storage(s)).resourceAccessRules ??= []).push({ ...EXAMPLE_RULE, resourceId, tenantId });
}

/** The healthy registry replaced by Azure's RegistryGet example, renamed to the healthy registry's ID. */
function useExampleRegistry(s: Scenario): Json {
  const index = s.resources.findIndex((candidate) => candidate.id.toLowerCase() === ACR_ID.toLowerCase());
  const example = { ...structuredClone(EXAMPLE_REGISTRY), id: ACR_ID, name: "mlresearchacr", location: "westeurope" };
  s.resources[index] = example;
  return example;
}

// ---- expectations -------------------------------------------------------------------------------

const storageTrusted = (evidence: Record<string, unknown> = {}): ExpectedFinding => ({
  status: "pass",
  messageId: "storage-trusted-services",
  resourceId: STORAGE_ID,
  evidence: {
    storageAccount: STORAGE_ID,
    workspace: WS_ID,
    publicNetworkAccess: "Disabled",
    defaultAction: "Deny",
    bypass: "AzureServices",
    ...evidence,
  },
});
const registryTrusted = (evidence: Record<string, unknown> = {}): ExpectedFinding => ({
  status: "pass",
  messageId: "registry-trusted-services",
  resourceId: ACR_ID,
  evidence: {
    registry: ACR_ID,
    publicNetworkAccess: "Disabled",
    networkRuleBypassOptions: "AzureServices",
    effectiveBypass: "AzureServices",
    ...evidence,
  },
});
const registryPremium = (
  features: string[] = ["private endpoints", "public network access Disabled", "network rules (default action Deny)"],
): ExpectedFinding => ({
  status: "pass",
  messageId: "registry-premium",
  resourceId: ACR_ID,
  evidence: { sku: "Premium", features },
});
const HEALTHY_REGISTRY = [registryTrusted(), registryPremium()];

// ---- cases --------------------------------------------------------------------------------------

const passCases: Case[] = [
  {
    name: "pass: healthy, public access Disabled with bypass AzureServices on both (exceptions stay in effect when Disabled)",
    expect: {
      status: "pass",
      findings: [storageTrusted({ resourceAccessRules: [], workspaceTenantId: TENANT }), ...HEALTHY_REGISTRY],
    },
  },
  {
    name: "pass: a resource-instance rule names this workspace (ID in other casing, bypass Logging, Metrics only)",
    mutate: (s) => {
      setBypass(s, "Logging, Metrics");
      addResourceRule(s, WS_ID.toLowerCase().replace("/resourcegroups/", "/resourceGroups/"));
    },
    expect: {
      status: "pass",
      findings: [
        {
          status: "pass",
          messageId: "storage-resource-rule",
          resourceId: STORAGE_ID,
          evidence: {
            bypass: "Logging, Metrics",
            wildcard: false,
            matchedRule: {
              resourceId: WS_ID.toLowerCase().replace("/resourcegroups/", "/resourceGroups/"),
              tenantId: TENANT,
            },
          },
        },
        ...HEALTHY_REGISTRY,
      ],
    },
  },
  {
    name: "pass: a wildcard resource-instance rule for every workspace in the resource group",
    mutate: (s) => {
      setBypass(s, "None");
      addResourceRule(s, `${RG_ID}/${ML}/*`);
    },
    expect: {
      status: "pass",
      findings: [
        {
          status: "pass",
          messageId: "storage-resource-rule",
          resourceId: STORAGE_ID,
          evidence: {
            bypass: "None",
            wildcard: true,
            matchedRule: { resourceId: `${RG_ID}/${ML}/*`, tenantId: TENANT },
          },
        },
        ...HEALTHY_REGISTRY,
      ],
    },
  },
  {
    name: "pass: a subscription-wide wildcard rule (resourcegroups/*) with the workspace's tenant",
    mutate: (s) => {
      setBypass(s, "None");
      addResourceRule(s, `/subscriptions/${SUB}/resourcegroups/*/${ML}/*`);
    },
    expect: {
      status: "pass",
      findings: [
        { status: "pass", messageId: "storage-resource-rule", resourceId: STORAGE_ID, evidence: { wildcard: true } },
        ...HEALTHY_REGISTRY,
      ],
    },
  },
  {
    name: "pass: public access Enabled, default Deny, bypass as ARM lists it ('Logging, Metrics, AzureServices')",
    mutate: (s) => {
      storage(s).properties.publicNetworkAccess = "Enabled";
      setBypass(s, "Logging, Metrics, AzureServices");
    },
    expect: {
      status: "pass",
      findings: [
        storageTrusted({ publicNetworkAccess: "Enabled", bypass: "Logging, Metrics, AzureServices" }),
        ...HEALTHY_REGISTRY,
      ],
    },
  },
  {
    name: "pass: both open to all networks (Enabled, Allow), no private endpoints: no Premium needed",
    mutate: (s) => {
      makePublic(storage(s));
      setBypass(s, "None");
      makePublic(registry(s));
      registry(s).properties.networkRuleBypassOptions = "None";
      registry(s).properties.privateEndpointConnections = [];
    },
    expect: {
      status: "pass",
      findings: [
        {
          status: "pass",
          messageId: "storage-open",
          resourceId: STORAGE_ID,
          evidence: { publicNetworkAccess: "Enabled", defaultAction: "Allow", bypass: "None" },
        },
        {
          status: "pass",
          messageId: "registry-open",
          resourceId: ACR_ID,
          evidence: {
            publicNetworkAccess: "Enabled",
            defaultAction: "Allow",
            networkRuleBypassOptions: "None",
            privateEndpointConnections: 0,
          },
        },
      ],
    },
  },
  {
    name: "pass: Azure's RegistryGet example (Standard, public, no endpoints) needs neither bypass nor Premium",
    mutate: (s) => void useExampleRegistry(s),
    expect: {
      status: "pass",
      findings: [
        storageTrusted(),
        {
          status: "pass",
          messageId: "registry-open",
          resourceId: ACR_ID,
          evidence: { sku: "Standard", publicNetworkAccess: "Enabled", defaultAction: "Allow" },
        },
      ],
    },
  },
  {
    name: "pass: public registry that also has a private endpoint is Premium",
    mutate: (s) => makePublic(registry(s)),
    expect: {
      status: "pass",
      findings: [
        storageTrusted(),
        { status: "pass", messageId: "registry-open", resourceId: ACR_ID },
        registryPremium(["private endpoints"]),
      ],
    },
  },
  {
    name: "pass: networkRuleBypassOptions absent on a restricted registry reads as ARM's default, AzureServices",
    mutate: (s) => void delete registry(s).properties.networkRuleBypassOptions,
    expect: {
      status: "pass",
      findings: [
        storageTrusted(),
        registryTrusted({ networkRuleBypassOptions: null, effectiveBypass: "AzureServices" }),
        registryPremium(),
      ],
    },
  },
];

const failCases: Case[] = [
  {
    name: "fail: restricted storage, bypass None, no resource-instance rule",
    mutate: (s) => setBypass(s, "None"),
    expect: {
      status: "fail",
      findings: [
        {
          status: "fail",
          messageId: "storage-blocked",
          resourceId: STORAGE_ID,
          evidence: {
            publicNetworkAccess: "Disabled",
            bypass: "None",
            resourceAccessRules: [],
            workspaceTenantId: TENANT,
          },
          remediation: [
            `az storage account network-rule add -g ${HEALTHY.resourceGroup} --account-name mlresearchstore --subscription ${SUB} --resource-id ${WS_ID} --tenant-id ${TENANT}`,
            `az storage account update -g ${HEALTHY.resourceGroup} -n mlresearchstore --subscription ${SUB} --bypass AzureServices`,
          ],
        },
        ...HEALTHY_REGISTRY,
      ],
    },
  },
  {
    name: "fail: bypass Logging, Metrics and a rule for another workspace; the fix keeps Logging and Metrics",
    mutate: (s) => {
      setBypass(s, "Logging, Metrics");
      addResourceRule(s, `${RG_ID}/${ML}/other-workspace`);
      addResourceRule(s, EXAMPLE_RULE.resourceId, EXAMPLE_RULE.tenantId);
    },
    expect: {
      status: "fail",
      findings: [
        {
          status: "fail",
          messageId: "storage-blocked",
          resourceId: STORAGE_ID,
          evidence: {
            bypass: "Logging, Metrics",
            resourceAccessRules: [{ tenantId: TENANT, resourceId: `${RG_ID}/${ML}/other-workspace` }, EXAMPLE_RULE],
          },
          remediation: ["--bypass Logging Metrics AzureServices", `--resource-id ${WS_ID}`],
        },
        ...HEALTHY_REGISTRY,
      ],
    },
  },
  {
    name: "fail: a rule with this workspace's ID but another tenant does not let it in",
    mutate: (s) => {
      setBypass(s, "None");
      addResourceRule(s, WS_ID, OTHER_TENANT);
    },
    expect: {
      status: "fail",
      findings: [{ status: "fail", messageId: "storage-blocked", resourceId: STORAGE_ID }, ...HEALTHY_REGISTRY],
    },
  },
  {
    name: "fail: default Deny with public access Enabled counts as restricted too",
    mutate: (s) => {
      storage(s).properties.publicNetworkAccess = "Enabled";
      setBypass(s, "Metrics");
    },
    expect: {
      status: "fail",
      findings: [
        {
          status: "fail",
          messageId: "storage-blocked",
          resourceId: STORAGE_ID,
          evidence: { defaultAction: "Deny" },
          remediation: ["--bypass Metrics AzureServices"],
        },
        ...HEALTHY_REGISTRY,
      ],
    },
  },
  {
    name: "fail: the workspace's identity names no tenant: the fix asks az for the signed-in tenant",
    mutate: (s) => {
      setBypass(s, "None");
      delete workspace(s).identity;
    },
    expect: {
      status: "fail",
      findings: [
        {
          status: "fail",
          messageId: "storage-blocked",
          resourceId: STORAGE_ID,
          evidence: { workspaceTenantId: null },
          remediation: ["--tenant-id $(az account show --query tenantId -o tsv)"],
        },
        ...HEALTHY_REGISTRY,
      ],
    },
  },
  {
    name: "fail: restricted registry refuses trusted services (networkRuleBypassOptions None)",
    mutate: (s) => void (registry(s).properties.networkRuleBypassOptions = "None"),
    expect: {
      status: "fail",
      findings: [
        storageTrusted(),
        {
          status: "fail",
          messageId: "registry-blocked",
          resourceId: ACR_ID,
          evidence: { networkRuleBypassOptions: "None", effectiveBypass: "None", publicNetworkAccess: "Disabled" },
          remediation: [
            `az acr update --name mlresearchacr -g ${HEALTHY.resourceGroup} --subscription ${SUB} --allow-trusted-services true`,
          ],
        },
        registryPremium(),
      ],
    },
  },
  {
    name: "fail: Azure's RegistryGet example (Standard) given a private endpoint and default Deny",
    mutate: (s) => {
      const example = useExampleRegistry(s);
      example.properties.networkRuleSet.defaultAction = "Deny";
      example.properties.privateEndpointConnections = registryConnections();
    },
    expect: {
      status: "fail",
      findings: [
        storageTrusted(),
        registryTrusted({ publicNetworkAccess: "Enabled", defaultAction: "Deny", sku: "Standard" }),
        {
          status: "fail",
          messageId: "registry-not-premium",
          resourceId: ACR_ID,
          evidence: {
            sku: "Standard",
            features: ["private endpoints", "network rules (default action Deny)"],
            privateEndpointConnections: 1,
          },
          remediation: [
            `az acr update --name mlresearchacr -g ${HEALTHY.resourceGroup} --subscription ${SUB} --sku Premium`,
          ],
        },
      ],
    },
  },
  {
    name: "fail: the registry names a resource that no longer exists (404): the engine answers dangling-reference",
    mutate: (s) => fault(s, "/registries/mlresearchacr$", 404, "ResourceNotFound"),
    expect: {
      status: "fail",
      findings: [
        { status: "fail", messageId: "dangling-reference", resourceId: ACR_ID, evidence: { part: "registry" } },
      ],
    },
  },
];

/** The healthy registry's private endpoint connection (captured before a case replaces the registry). */
function registryConnections(): Json[] {
  return [
    {
      id: `${ACR_ID}/privateEndpointConnections/pe-mlresearchacr`,
      name: "pe-mlresearchacr",
      type: "Microsoft.ContainerRegistry/registries/privateEndpointConnections",
      properties: {
        privateEndpoint: { id: `${RG_ID}/providers/Microsoft.Network/privateEndpoints/pe-mlresearchacr` },
        privateLinkServiceConnectionState: {
          status: "Approved",
          description: "Auto-Approved",
          actionsRequired: "None",
        },
        provisioningState: "Succeeded",
      },
    },
  ];
}

const unknownCases: Case[] = [
  {
    name: "unknown: storage secured by a network security perimeter (its rules decide, and they are not read)",
    mutate: (s) => void (storage(s).properties.publicNetworkAccess = "SecuredByPerimeter"),
    expect: {
      status: "unknown",
      findings: [
        {
          status: "unknown",
          messageId: "undetermined",
          resourceId: STORAGE_ID,
          evidence: { publicNetworkAccess: "SecuredByPerimeter" },
          remediation: [
            `az storage account network-security-perimeter-configuration list -g ${HEALTHY.resourceGroup} --account-name mlresearchstore`,
          ],
        },
        ...HEALTHY_REGISTRY,
      ],
    },
  },
  {
    name: "unknown: restricted storage, no rule for the workspace, and ARM returned no bypass",
    mutate: (s) => setBypass(s, undefined),
    expect: {
      status: "unknown",
      findings: [
        {
          status: "unknown",
          messageId: "undetermined",
          resourceId: STORAGE_ID,
          evidence: { bypass: null, resourceAccessRules: [] },
          remediation: [`az storage account show --ids ${STORAGE_ID}`],
        },
        ...HEALTHY_REGISTRY,
      ],
    },
  },
  {
    name: "unknown: a restricted registry with a networkRuleBypassOptions value that is neither AzureServices nor None",
    mutate: (s) => void (registry(s).properties.networkRuleBypassOptions = "AzureServicesAndTasks"),
    expect: {
      status: "unknown",
      findings: [
        storageTrusted(),
        {
          status: "unknown",
          messageId: "undetermined",
          resourceId: ACR_ID,
          evidence: { networkRuleBypassOptions: "AzureServicesAndTasks" },
        },
        registryPremium(),
      ],
    },
  },
  {
    // (A body with no `sku` at all fails the SDK's deserialiser: the engine's part-unreadable covers that.)
    name: "unknown: a registry with private endpoints whose sku carries no name",
    mutate: (s) => void (registry(s).sku = { tier: "Premium" }),
    expect: {
      status: "unknown",
      findings: [
        storageTrusted(),
        registryTrusted({ sku: null }),
        {
          status: "unknown",
          messageId: "undetermined",
          resourceId: ACR_ID,
          evidence: {
            sku: null,
            features: ["private endpoints", "public network access Disabled", "network rules (default action Deny)"],
          },
        },
      ],
    },
  },
  partUnreadableCase("unknown: the storage account returns 403", "storage"),
  partUnreadableCase("unknown: the registry returns 403", "registry"),
];

const skipCases: Case[] = [
  {
    name: "skip registry part: the workspace names no registry yet; storage still judged",
    mutate: (s) => void delete workspace(s).properties.containerRegistry,
    expect: {
      status: "pass",
      findings: [
        storageTrusted(),
        { status: "skip", messageId: "no-registry", resourceId: WS_ID, evidence: { containerRegistry: null } },
      ],
    },
  },
  {
    name: "skip: the workspace names neither a storage account nor a registry",
    mutate: (s) => {
      delete workspace(s).properties.storageAccount;
      delete workspace(s).properties.containerRegistry;
    },
    expect: {
      status: "skip",
      findings: [
        { status: "skip", messageId: "no-storage", resourceId: WS_ID, evidence: { storageAccount: null } },
        { status: "skip", messageId: "no-registry", resourceId: WS_ID },
      ],
    },
  },
];

describe(CHECK, () => {
  testCaseTables(CHECK, [
    ["pass", passCases],
    ["fail", failCases],
    ["unknown", unknownCases],
    ["skip", skipCases],
  ]);

  test("reads only what it requires: no keys, no computes, no network reads, no writes", async () => {
    await expectReadsOnlyWhatItRequires(
      CHECK,
      /computes|virtualNetworks|networkSecurityGroups|privateEndpoints\/|availablePrivateEndpointTypes|listKeys|listCredentials|\/vaults\//i,
    );
  });
});

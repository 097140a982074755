// managed-network: one small scenario per case, the healthy workspace given a managed network in
// ARM wire format (properties.managedNetwork), collected through the real collector against the
// fake ARM. Assertions are statuses, message ids and evidence, never prose.

import { describe, expect, test } from "vitest";
import { findCheck } from "../../checks/index.js";
import { runCheck } from "../../src/engine/run.js";
import type { Scenario } from "../fake-arm/scenario.js";
import { auditScenario, healthyScenario, removeResource } from "../harness.js";
import {
  ACR_ID,
  STORAGE_ID,
  WS_ID,
  expectReadsOnlyWhatItRequires,
  partUnreadableCase,
  testCaseTables,
  workspace,
  type Case,
  type ExpectedFinding,
  type Json,
} from "./mutations.js";
import { armExample } from "../fixtures/arm-examples.js";

const CHECK = "managed-network";
const SUB = "6f1c2b3a-4d5e-4f60-8a71-92b3c4d5e6f7";
const MCR = "mcr.microsoft.com";
const MCR_DATA = "*.data.mcr.microsoft.com";

/** `properties.managedNetwork` of Azure's own Workspace GET example (approved outbound, Active, one Inactive FQDN rule). */
const AZURE_EXAMPLE = (armExample("Microsoft.MachineLearningServices/2025-12-01/Workspace/get.json") as Json).responses[
  "200"
].body.properties.managedNetwork as Json;

// ---- outbound rules as the workspace GET shows them --------------------------------------------

function serviceTagRule(serviceTag: string, protocol: string, portRanges: string, extra: Json = {}): Json {
  return {
    type: "ServiceTag",
    category: "Required",
    status: "Active",
    destination: { serviceTag, protocol, portRanges, action: "Allow", addressPrefixes: [] },
    ...extra,
  };
}

function privateEndpointRule(serviceResourceId: string, subresourceTarget: string, extra: Json = {}): Json {
  return {
    type: "PrivateEndpoint",
    category: "Required",
    status: "Active",
    destination: { serviceResourceId, subresourceTarget, sparkEnabled: true, sparkStatus: "Active" },
    ...extra,
  };
}

function fqdnRule(destination: string, extra: Json = {}): Json {
  return { type: "FQDN", category: "UserDefined", status: "Active", destination, ...extra };
}

/** The Required rules Azure adds to an approved-outbound managed network (names and shapes as ARM lists them). */
function requiredRules(): Record<string, Json> {
  return {
    __SYS_ST_AzureActiveDirectory_TCP: serviceTagRule("AzureActiveDirectory", "TCP", "80, 443"),
    __SYS_ST_AzureMachineLearning_TCP: serviceTagRule("AzureMachineLearning", "TCP", "443"),
    "__SYS_ST_MicrosoftContainerRegistry.westeurope_TCP": serviceTagRule(
      "MicrosoftContainerRegistry.westeurope",
      "TCP",
      "443",
    ),
    "__SYS_ST_AzureFrontDoor.FirstParty": serviceTagRule("AzureFrontDoor.FirstParty", "*", "*"),
    __SYS_ST_VirtualNetwork: serviceTagRule("VirtualNetwork", "*", "*"),
    __SYS_PE_mlresearchacr_registry_1a2b3c4d: privateEndpointRule(ACR_ID, "registry"),
    __SYS_PE_mlresearchstore_blob_1a2b3c4d: privateEndpointRule(STORAGE_ID, "blob"),
  };
}

const REGISTRY_PE = "__SYS_PE_mlresearchacr_registry_1a2b3c4d";
const MCR_TAG = "__SYS_ST_MicrosoftContainerRegistry.westeurope_TCP";
const AFD_TAG = "__SYS_ST_AzureFrontDoor.FirstParty";

/** Gives the workspace a managed network; `status` undefined leaves `managedNetwork.status` out. */
function managed(
  s: Scenario,
  isolationMode: string,
  status: string | undefined,
  outboundRules: Record<string, Json> = {},
): void {
  workspace(s).properties.managedNetwork = {
    isolationMode,
    ...(status !== undefined ? { status: { status, sparkReady: false } } : {}),
    outboundRules,
  };
}

function rules(s: Scenario): Record<string, Json> {
  return workspace(s).properties.managedNetwork.outboundRules as Record<string, Json>;
}

/** Every rule reads Inactive, as ARM shows them before the network is provisioned. */
function allInactive(outboundRules: Record<string, Json>): Record<string, Json> {
  for (const rule of Object.values(outboundRules)) rule.status = "Inactive";
  return outboundRules;
}

/** The case on an approved-outbound, provisioned network with the Required rules (engine cases). */
function approvedOutbound(c: Case): Case {
  return {
    ...c,
    mutate: (s) => {
      managed(s, "AllowOnlyApprovedOutbound", "Active", requiredRules());
      c.mutate?.(s);
    },
  };
}

// ---- expected findings -----------------------------------------------------------------------------

const PROVISION = [
  `az ml workspace provision-network -g ml-platform-rg -n ml-research --subscription ${SUB}`,
  "--include-spark",
  "--query managed_network",
];

const provisioned = (mode = "AllowOnlyApprovedOutbound"): ExpectedFinding => ({
  status: "pass",
  messageId: "provisioned",
  resourceId: WS_ID,
  evidence: { isolationMode: mode, networkStatus: "Active" },
});

function registry(
  status: "pass" | "fail" | "unknown",
  allowing: string[] = [],
  evidence: Record<string, unknown> = {},
): ExpectedFinding {
  const messageId = { pass: "registry-allowed", fail: "registry-blocked", unknown: "registry-uncertain" }[status];
  return {
    status,
    messageId,
    resourceId: WS_ID,
    evidence: {
      registry: ACR_ID,
      loginServer: "mlresearchacr.azurecr.io",
      allowingRules: allowing.map((name) => expect.objectContaining({ name })),
      ...evidence,
    },
    ...(status === "fail"
      ? {
          remediation: [
            "az ml workspace outbound-rule set",
            "--workspace-name ml-research",
            "--type private_endpoint",
            `--service-resource-id ${ACR_ID}`,
            "--subresource-target registry",
            "--spark-enabled false",
          ],
        }
      : {}),
  };
}

function images(
  endpoint: string,
  status: "pass" | "fail" | "unknown",
  allowing: string[] = [],
  evidence: Record<string, unknown> = {},
): ExpectedFinding {
  const messageId = { pass: "images-allowed", fail: "images-blocked", unknown: "images-uncertain" }[status];
  const tag = endpoint === MCR ? "MicrosoftContainerRegistry" : "AzureFrontDoor.FirstParty";
  return {
    status,
    messageId,
    resourceId: WS_ID,
    evidence: {
      endpoint,
      serviceTag: tag,
      fqdn: endpoint,
      port: 443,
      allowingRules: allowing.map((name) => expect.objectContaining({ name })),
      ...evidence,
    },
    ...(status === "fail"
      ? {
          remediation: [
            "az ml workspace outbound-rule set",
            "--type service_tag",
            `--service-tag ${tag}`,
            "--protocol TCP",
            "--port-ranges 443",
            `--type fqdn --destination '${endpoint}'`,
          ],
        }
      : {}),
  };
}

// ---- cases ------------------------------------------------------------------------------------------

const passCases: Case[] = [
  {
    name: "pass: approved outbound, provisioned, with the Required rules Azure adds (registry endpoint, regional MCR tag, Front Door */*)",
    mutate: (s) => managed(s, "AllowOnlyApprovedOutbound", "Active", requiredRules()),
    expect: {
      status: "pass",
      findings: [
        provisioned(),
        registry("pass", [REGISTRY_PE], { pendingProvisioning: false, inactiveRules: [] }),
        images(MCR, "pass", [MCR_TAG]),
        images(MCR_DATA, "pass", [AFD_TAG]),
      ],
    },
  },
  {
    name: "pass: approved outbound reached through FQDN rules only (*.azurecr.io, mcr.microsoft.com, *.data.mcr.microsoft.com)",
    mutate: (s) =>
      managed(s, "AllowOnlyApprovedOutbound", "Active", {
        acr: fqdnRule("*.azurecr.io"),
        mcr: fqdnRule("MCR.microsoft.com."),
        "mcr-data": fqdnRule("*.data.mcr.microsoft.com"),
      }),
    expect: {
      status: "pass",
      findings: [
        provisioned(),
        registry("pass", ["acr"]),
        images(MCR, "pass", ["mcr"]),
        images(MCR_DATA, "pass", ["mcr-data"]),
      ],
    },
  },
  {
    name: 'pass: the global MicrosoftContainerRegistry tag on ports "80, 443" and an exact login-server FQDN rule',
    mutate: (s) =>
      managed(s, "AllowOnlyApprovedOutbound", "Active", {
        "acr-login": fqdnRule("mlresearchacr.azurecr.io"),
        mcr: serviceTagRule("MicrosoftContainerRegistry", "TCP", "80, 443", { category: "UserDefined" }),
        afd: serviceTagRule("AzureFrontDoor.FirstParty", "TCP", "400-500", { category: "UserDefined" }),
      }),
    expect: {
      status: "pass",
      findings: [
        provisioned(),
        registry("pass", ["acr-login"]),
        images(MCR, "pass", ["mcr"]),
        images(MCR_DATA, "pass", ["afd"]),
      ],
    },
  },
  {
    name: "pass: allow internet outbound, provisioned: only the provisioning is judged (no outbound rules needed)",
    mutate: (s) => managed(s, "AllowInternetOutbound", "Active"),
    expect: { status: "pass", findings: [provisioned("AllowInternetOutbound")] },
  },
  {
    name: "pass: provisioned with serverless Spark (sparkReady true)",
    mutate: (s) => {
      managed(s, "AllowInternetOutbound", "Active");
      workspace(s).properties.managedNetwork.status.sparkReady = true;
    },
    expect: {
      status: "pass",
      findings: [{ ...provisioned("AllowInternetOutbound"), evidence: { networkStatus: "Active", sparkReady: true } }],
    },
  },
  {
    name: "pass: provisioned without serverless Spark (sparkReady false): Spark is intent the snapshot does not hold",
    mutate: (s) => managed(s, "AllowInternetOutbound", "Active"),
    expect: {
      status: "pass",
      findings: [{ ...provisioned("AllowInternetOutbound"), evidence: { sparkReady: false } }],
    },
    also: (audit) => {
      expect(audit.check(CHECK).findings[0]!.message).toContain("--include-spark");
    },
  },
];

// learn.microsoft.com/azure/machine-learning/how-to-managed-network, "Manually provision a managed VNet": Azure
// provisions the network with the first compute, or when asked. Not provisioned yet is that default; what must
// wait for it (online deployments, serverless Spark) is intent the snapshot does not hold, so a warning.
const notProvisioned = (mode: string): ExpectedFinding => ({
  status: "warn",
  messageId: "not-provisioned",
  resourceId: WS_ID,
  evidence: { isolationMode: mode, networkStatus: "Inactive", sparkReady: false },
  remediation: PROVISION,
});

const warnCases: Case[] = [
  {
    name: "warn: allow internet outbound, not provisioned yet (status Inactive, Microsoft's default before the first compute)",
    mutate: (s) => managed(s, "AllowInternetOutbound", "Inactive"),
    expect: { status: "warn", findings: [notProvisioned("AllowInternetOutbound")] },
  },
  {
    name: "warn: approved outbound not provisioned; its rules, all Inactive until then, still count as configured",
    mutate: (s) => managed(s, "AllowOnlyApprovedOutbound", "Inactive", allInactive(requiredRules())),
    expect: {
      status: "warn",
      findings: [
        notProvisioned("AllowOnlyApprovedOutbound"),
        registry("pass", [REGISTRY_PE], { pendingProvisioning: true }),
        images(MCR, "pass", [MCR_TAG], { pendingProvisioning: true }),
        images(MCR_DATA, "pass", [AFD_TAG], { pendingProvisioning: true }),
      ],
    },
  },
  {
    name: 'warn: status "inactive" in another casing',
    mutate: (s) => managed(s, "AllowInternetOutbound", "inactive"),
    expect: {
      status: "warn",
      findings: [{ ...notProvisioned("AllowInternetOutbound"), evidence: { networkStatus: "inactive" } }],
    },
  },
];

const failCases: Case[] = [
  {
    name: "fail: approved outbound not provisioned and no rule reaches the registry or MCR (the rules, not the provisioning, fail)",
    mutate: (s) => managed(s, "AllowOnlyApprovedOutbound", "Inactive"),
    expect: {
      status: "fail",
      findings: [
        notProvisioned("AllowOnlyApprovedOutbound"),
        registry("fail", [], { pendingProvisioning: true }),
        images(MCR, "fail", [], { pendingProvisioning: true }),
        images(MCR_DATA, "fail", [], { pendingProvisioning: true }),
      ],
    },
  },
  {
    name: 'fail: the managedNetwork of Azure\'s own Workspace GET example (its one rule, FQDN "some_string", reaches nothing)',
    mutate: (s) => {
      workspace(s).properties.managedNetwork = structuredClone(AZURE_EXAMPLE);
    },
    expect: {
      status: "fail",
      findings: [
        provisioned(),
        registry("fail", [], { inactiveRules: [], uncertainRules: [] }),
        images(MCR, "fail", [], { inactiveRules: [] }),
        images(MCR_DATA, "fail", [], { inactiveRules: [] }),
      ],
    },
  },
  {
    name: "fail: approved outbound, provisioned, with no outbound rules at all",
    mutate: (s) => managed(s, "AllowOnlyApprovedOutbound", "Active"),
    expect: {
      status: "fail",
      findings: [provisioned(), registry("fail"), images(MCR, "fail"), images(MCR_DATA, "fail")],
    },
  },
  {
    name: "fail: the registry's private endpoint rule was turned off (Inactive on a provisioned network)",
    mutate: (s) => {
      managed(s, "AllowOnlyApprovedOutbound", "Active", requiredRules());
      rules(s)[REGISTRY_PE]!.status = "Inactive";
    },
    expect: {
      status: "fail",
      findings: [
        provisioned(),
        {
          ...registry("fail", [], {
            inactiveRules: [expect.objectContaining({ name: REGISTRY_PE, status: "Inactive" })],
          }),
          remediation: [REGISTRY_PE, "--subresource-target registry"],
        },
        images(MCR, "pass", [MCR_TAG]),
        images(MCR_DATA, "pass", [AFD_TAG]),
      ],
    },
  },
  {
    name: "fail: rules that miss: a private endpoint to another registry, MCR of another region, Front Door on UDP only",
    mutate: (s) =>
      managed(s, "AllowOnlyApprovedOutbound", "Active", {
        "other-acr": privateEndpointRule(ACR_ID.replace("mlresearchacr", "otheracr"), "registry"),
        "acr-blob": privateEndpointRule(ACR_ID, "blob"),
        "mcr-eastus": serviceTagRule("MicrosoftContainerRegistry.eastus", "TCP", "443"),
        "afd-udp": serviceTagRule("AzureFrontDoor.FirstParty", "UDP", "443"),
        "mcr-8080": serviceTagRule("MicrosoftContainerRegistry", "TCP", "8080-8089"),
        "login-other": fqdnRule("otheracr.azurecr.io"),
      }),
    expect: {
      status: "fail",
      findings: [
        provisioned(),
        registry("fail", [], { uncertainRules: [], inactiveRules: [] }),
        images(MCR, "fail", [], { uncertainRules: [] }),
        images(MCR_DATA, "fail", [], { uncertainRules: [] }),
      ],
    },
  },
  {
    name: "fail: a Deny service tag rule for Front Door and no allow",
    mutate: (s) => {
      const outbound = requiredRules();
      delete outbound[AFD_TAG];
      outbound["deny-afd"] = serviceTagRule("AzureFrontDoor.FirstParty", "TCP", "443", { category: "UserDefined" });
      outbound["deny-afd"].destination.action = "Deny";
      managed(s, "AllowOnlyApprovedOutbound", "Active", outbound);
    },
    expect: {
      status: "fail",
      findings: [
        provisioned(),
        registry("pass", [REGISTRY_PE]),
        images(MCR, "pass", [MCR_TAG]),
        images(MCR_DATA, "fail", [], { denyingRules: [expect.objectContaining({ name: "deny-afd", action: "Deny" })] }),
      ],
    },
  },
  approvedOutbound({
    name: "fail (dangling-reference): the workspace's registry returns 404",
    mutate: (s) => removeResource(s, "/registries/mlresearchacr"),
    expect: {
      status: "fail",
      findings: [
        {
          status: "fail",
          messageId: "dangling-reference",
          resourceId: ACR_ID,
          evidence: { part: "registry", statusCode: 404 },
        },
      ],
    },
  }),
];

const unknownCases: Case[] = [
  {
    name: 'unknown: a status neither Active nor Inactive ("Failed")',
    mutate: (s) => managed(s, "AllowInternetOutbound", "Failed"),
    expect: {
      status: "unknown",
      findings: [
        {
          status: "unknown",
          messageId: "status-unrecognised",
          resourceId: WS_ID,
          evidence: { networkStatus: "Failed" },
          remediation: ["az ml workspace show", "--query managed_network"],
        },
      ],
    },
  },
  {
    name: "unknown: the workspace reports no managedNetwork.status (never a guessed pass)",
    mutate: (s) => managed(s, "AllowOnlyApprovedOutbound", undefined, requiredRules()),
    expect: {
      status: "unknown",
      findings: [
        {
          status: "unknown",
          messageId: "status-unknown",
          resourceId: WS_ID,
          evidence: { networkStatus: null },
          remediation: ["az ml workspace show", "az ml workspace provision-network"],
        },
        registry("pass", [REGISTRY_PE]),
        images(MCR, "pass", [MCR_TAG]),
        images(MCR_DATA, "pass", [AFD_TAG]),
      ],
    },
  },
  {
    name: "unknown: only wider wildcards (*.io, *.mcr.microsoft.com) or an AzureContainerRegistry tag may cover the endpoints",
    mutate: (s) =>
      managed(s, "AllowOnlyApprovedOutbound", "Active", {
        io: fqdnRule("*.io"),
        "acr-tag": serviceTagRule("AzureContainerRegistry", "TCP", "443"),
        mcr: fqdnRule("mcr.microsoft.com"),
        "mcr-wide": fqdnRule("*.mcr.microsoft.com"),
      }),
    expect: {
      status: "unknown",
      findings: [
        provisioned(),
        registry("unknown", [], {
          uncertainRules: [expect.objectContaining({ name: "io" }), expect.objectContaining({ name: "acr-tag" })],
        }),
        images(MCR, "pass", ["mcr"]),
        images(MCR_DATA, "unknown", [], { uncertainRules: [expect.objectContaining({ name: "mcr-wide" })] }),
      ],
    },
  },
  {
    name: "unknown: an Allow and a Deny rule both match Microsoft Container Registry",
    mutate: (s) => {
      const outbound = requiredRules();
      outbound["deny-mcr"] = serviceTagRule("MicrosoftContainerRegistry", "*", "*", { category: "UserDefined" });
      outbound["deny-mcr"].destination.action = "Deny";
      managed(s, "AllowOnlyApprovedOutbound", "Active", outbound);
    },
    expect: {
      status: "unknown",
      findings: [
        provisioned(),
        registry("pass", [REGISTRY_PE]),
        images(MCR, "unknown", [MCR_TAG], { denyingRules: [expect.objectContaining({ name: "deny-mcr" })] }),
        images(MCR_DATA, "pass", [AFD_TAG]),
      ],
    },
  },
  {
    name: "unknown: an isolation mode this check does not know",
    mutate: (s) => managed(s, "AllowSomethingNew", "Active", requiredRules()),
    expect: {
      status: "unknown",
      findings: [
        provisioned("AllowSomethingNew"),
        {
          status: "unknown",
          messageId: "unrecognised-mode",
          resourceId: WS_ID,
          evidence: { isolationMode: "AllowSomethingNew" },
        },
      ],
    },
  },
  approvedOutbound(partUnreadableCase("unknown (part-unreadable): the registry returns 403", "registry")),
];

const skipCases: Case[] = [
  {
    name: "skip: the healthy workspace uses its own VNet (isolation mode Disabled)",
    expect: {
      status: "skip",
      findings: [
        { status: "skip", messageId: "not-managed", resourceId: WS_ID, evidence: { isolationMode: "Disabled" } },
      ],
    },
  },
  {
    name: "skip: no managedNetwork at all (older workspaces)",
    mutate: (s) => {
      delete workspace(s).properties.managedNetwork;
    },
    expect: {
      status: "skip",
      findings: [{ status: "skip", messageId: "not-managed", resourceId: WS_ID, evidence: { isolationMode: null } }],
    },
  },
  {
    name: "skip (that finding): approved outbound with no registry named yet; Microsoft's images still judged",
    mutate: (s) => {
      managed(s, "AllowOnlyApprovedOutbound", "Active", requiredRules());
      delete workspace(s).properties.containerRegistry;
    },
    expect: {
      status: "pass",
      findings: [
        provisioned(),
        { status: "skip", messageId: "no-registry", resourceId: WS_ID, evidence: { registry: null } },
        images(MCR, "pass", [MCR_TAG]),
        images(MCR_DATA, "pass", [AFD_TAG]),
      ],
    },
  },
];

describe(CHECK, () => {
  testCaseTables(CHECK, [
    ["pass", passCases],
    ["warn", warnCases],
    ["fail", failCases],
    ["unknown", unknownCases],
    ["skip", skipCases],
  ]);

  test("unknown (part-not-collected): a snapshot collected without the registry", async () => {
    const scenario = healthyScenario();
    managed(scenario, "AllowOnlyApprovedOutbound", "Active", requiredRules());
    const { snapshot } = await auditScenario(scenario, { only: [CHECK] });
    const edited = { ...snapshot, parts: snapshot.parts.filter((part) => part !== "registry") };
    const result = runCheck(findCheck(CHECK)!, edited);
    expect(result.findings.map((f) => `${f.status}:${f.messageId}`)).toEqual(["unknown:part-not-collected"]);
    expect(result.findings[0]!.evidence).toEqual({ missingParts: ["registry"] });
  });

  test("remediation names the real workspace, resource group and subscription", async () => {
    const scenario = healthyScenario();
    managed(scenario, "AllowOnlyApprovedOutbound", "Inactive");
    const audit = await auditScenario(scenario, { only: [CHECK] });
    const problems = audit.check(CHECK).findings.filter((f) => f.status === "fail" || f.status === "warn");
    expect(problems.map((f) => f.messageId)).toContain("not-provisioned");
    for (const finding of problems) {
      expect(finding.remediation).toContain(`--subscription ${SUB}`);
      expect(finding.remediation).toContain("ml-research");
      expect(finding.remediation).toContain("ml-platform-rg");
    }
  });

  test("reads only what it requires: the workspace and its registry, no writes", async () => {
    await expectReadsOnlyWhatItRequires(
      CHECK,
      /computes|virtualNetworks|networkSecurityGroups|privateEndpoints|listKeys|listCredentials|storageAccounts|\/vaults\/|diagnose/i,
    );
  });
});

// registry-policies: registry hardening that breaks Azure ML. Quarantine keeps built images from ever
// being pulled; a disabled admin user breaks a workspace that still signs in with a cached password.
// Each case is the healthy workspace (ARM wire format) with one thing changed, collected by the real
// collector (the keys outcome comes from the scenario's listKeys/listCredentials bodies).

import { describe, expect, test } from "vitest";
import type { Scenario } from "../fake-arm/scenario.js";
import { HEALTHY, auditScenario, findingIds, healthyScenario } from "../harness.js";
import {
  ACR_ID,
  WS_ID,
  partUnreadableCase,
  registry,
  testCaseTables,
  workspace,
  type Case,
  type ExpectedFinding,
  type Json,
} from "./mutations.js";
import { armExample } from "../fixtures/arm-examples.js";

const CHECK = "registry-policies";
const SUB = HEALTHY.subscriptionId;
const WORKSPACE_KEYS = `${WS_ID}/listKeys`;
const LIST_KEYS_PERMISSION = "Microsoft.MachineLearningServices/workspaces/listKeys/action";
const SYNC = `az ml workspace sync-keys -n ${HEALTHY.workspace} -g ${HEALTHY.resourceGroup} --subscription ${SUB}`;

/** The registry body of Azure's RegistryGet example: adminUserEnabled false, quarantine disabled. */
const EXAMPLE_REGISTRY = (armExample("Microsoft.ContainerRegistry/2025-11-01/RegistryGet.json") as Json).responses[
  "200"
].body as Json;

// ---- scenario mutations (ARM wire format) -------------------------------------------------------

function setQuarantine(s: Scenario, status: string): void {
  registry(s).properties.policies.quarantinePolicy.status = status;
}

function disableAdmin(s: Scenario): void {
  registry(s).properties.adminUserEnabled = false;
}

/** The workspace's listKeys answers without registry credentials: it signs in with its identity. */
function noCachedPassword(s: Scenario): void {
  delete (s.actions?.[WORKSPACE_KEYS] as Json).containerRegistryCredentials;
}

/** The healthy registry replaced by Azure's RegistryGet example, under the healthy registry's ID. */
function useExampleRegistry(s: Scenario): void {
  const index = s.resources.findIndex((candidate) => candidate.id.toLowerCase() === ACR_ID.toLowerCase());
  s.resources[index] = {
    ...structuredClone(EXAMPLE_REGISTRY),
    id: ACR_ID,
    name: "mlresearchacr",
    location: "westeurope",
  };
}

// ---- expectations -------------------------------------------------------------------------------

const quarantineOff = (quarantinePolicy: string | null = "disabled"): ExpectedFinding => ({
  status: "pass",
  messageId: "quarantine-off",
  resourceId: ACR_ID,
  evidence: { registry: ACR_ID, quarantinePolicy },
});
const adminEnabled: ExpectedFinding = {
  status: "pass",
  messageId: "admin-enabled",
  resourceId: ACR_ID,
  evidence: { registry: ACR_ID, adminUserEnabled: true, cachedCredentials: true },
};

// ---- cases --------------------------------------------------------------------------------------

const passCases: Case[] = [
  {
    name: "pass: healthy, quarantine disabled, admin user enabled and the workspace caches its password",
    expect: { status: "pass", findings: [quarantineOff(), adminEnabled] },
  },
  {
    name: "pass: no policies block at all (quarantine is off unless enabled)",
    mutate: (s) => void delete registry(s).properties.policies,
    expect: { status: "pass", findings: [quarantineOff(null), adminEnabled] },
  },
  {
    name: "pass: admin user disabled and the workspace holds no registry password (identity-based)",
    mutate: (s) => {
      disableAdmin(s);
      noCachedPassword(s);
    },
    expect: {
      status: "pass",
      findings: [
        quarantineOff(),
        {
          status: "pass",
          messageId: "admin-disabled-identity",
          resourceId: ACR_ID,
          evidence: { adminUserEnabled: false, cachedCredentials: false },
        },
      ],
    },
    also: (audit) => {
      // With the admin user off, the registry's credentials are never asked for.
      expect(audit.requests.filter((request) => /listCredentials/i.test(request.path))).toEqual([]);
    },
  },
  {
    name: "pass: Azure's RegistryGet example (admin user off, quarantine disabled) with an identity-based workspace",
    mutate: (s) => {
      useExampleRegistry(s);
      noCachedPassword(s);
    },
    expect: {
      status: "pass",
      findings: [
        quarantineOff(),
        {
          status: "pass",
          messageId: "admin-disabled-identity",
          resourceId: ACR_ID,
          evidence: { adminUserEnabled: false },
        },
      ],
    },
  },
  {
    name: "pass: admin user enabled though the workspace caches no password (enabled is never the problem)",
    mutate: noCachedPassword,
    expect: {
      status: "pass",
      findings: [quarantineOff(), { ...adminEnabled, evidence: { adminUserEnabled: true, cachedCredentials: false } }],
    },
  },
];

const failCases: Case[] = [
  {
    name: "fail: quarantine policy enabled",
    mutate: (s) => setQuarantine(s, "enabled"),
    expect: {
      status: "fail",
      findings: [
        {
          status: "fail",
          messageId: "quarantine-enabled",
          resourceId: ACR_ID,
          evidence: { registry: ACR_ID, quarantinePolicy: "enabled" },
          remediation: [
            `az resource update --ids ${ACR_ID} --set properties.policies.quarantinePolicy.status=disabled`,
          ],
        },
        adminEnabled,
      ],
    },
  },
  {
    name: "fail: quarantine policy 'Enabled' in another casing",
    mutate: (s) => setQuarantine(s, "Enabled"),
    expect: {
      status: "fail",
      findings: [
        {
          status: "fail",
          messageId: "quarantine-enabled",
          resourceId: ACR_ID,
          evidence: { quarantinePolicy: "Enabled" },
        },
        adminEnabled,
      ],
    },
  },
  {
    name: "fail: admin user disabled while the workspace still caches the admin password",
    mutate: disableAdmin,
    expect: {
      status: "fail",
      findings: [
        quarantineOff(),
        {
          status: "fail",
          messageId: "admin-disabled-cached-password",
          resourceId: ACR_ID,
          evidence: { registry: ACR_ID, adminUserEnabled: false, cachedCredentials: true },
          remediation: [
            `az acr update -n mlresearchacr -g ${HEALTHY.resourceGroup} --subscription ${SUB} --admin-enabled true && ${SYNC}`,
            "managed identity",
          ],
        },
      ],
    },
  },
  {
    name: "fail: both hardenings at once give two failures",
    mutate: (s) => {
      setQuarantine(s, "enabled");
      disableAdmin(s);
    },
    expect: {
      status: "fail",
      findings: [
        { status: "fail", messageId: "quarantine-enabled", resourceId: ACR_ID },
        { status: "fail", messageId: "admin-disabled-cached-password", resourceId: ACR_ID },
      ],
    },
  },
];

const unknownCases: Case[] = [
  {
    name: "unknown: a quarantine status that is neither enabled nor disabled",
    mutate: (s) => setQuarantine(s, "pending"),
    expect: {
      status: "unknown",
      findings: [
        {
          status: "unknown",
          messageId: "undetermined",
          resourceId: ACR_ID,
          evidence: { quarantinePolicy: "pending" },
          remediation: [`az resource show --ids ${ACR_ID}`],
        },
        adminEnabled,
      ],
    },
  },
  {
    name: "unknown: admin user disabled and the workspace's listKeys returns 403",
    mutate: (s) => {
      disableAdmin(s);
      s.faults = [{ method: "POST", path: "/workspaces/[^/]+/listKeys$", status: 403, code: "AuthorizationFailed" }];
    },
    expect: {
      status: "unknown",
      findings: [
        quarantineOff(),
        {
          status: "unknown",
          messageId: "undetermined",
          resourceId: ACR_ID,
          evidence: {
            adminUserEnabled: false,
            cachedCredentials: null,
            keysOutcome: "unknown",
            failedOperation: "workspace listKeys",
            statusCode: 403,
            missingPermission: LIST_KEYS_PERMISSION,
          },
          remediation: [`Grant the identity running preflight ${LIST_KEYS_PERMISSION}`, WS_ID],
        },
      ],
    },
  },
  {
    name: "pass despite a 403 on the workspace's listKeys: an enabled admin user needs no keys to judge",
    mutate: (s) => {
      s.faults = [{ method: "POST", path: "/workspaces/[^/]+/listKeys$", status: 403, code: "AuthorizationFailed" }];
    },
    expect: {
      status: "pass",
      findings: [quarantineOff(), { ...adminEnabled, evidence: { adminUserEnabled: true, cachedCredentials: null } }],
    },
  },
  partUnreadableCase("unknown: the registry returns 403", "registry"),
];

const skipCases: Case[] = [
  {
    name: "skip: the workspace names no registry yet",
    mutate: (s) => void delete workspace(s).properties.containerRegistry,
    expect: {
      status: "skip",
      findings: [
        { status: "skip", messageId: "no-registry", resourceId: WS_ID, evidence: { containerRegistry: null } },
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

  describe("--no-keys (readKeys false): nothing is POSTed", () => {
    test("unknown: admin user disabled, so how the workspace signs in cannot be known", async () => {
      const s = healthyScenario();
      disableAdmin(s);
      const audit = await auditScenario(s, { only: [CHECK], readKeys: false });
      const result = audit.check(CHECK);
      expect(findingIds(result).sort()).toEqual(["pass:quarantine-off", "unknown:undetermined"]);
      expect(result.status).toBe("unknown");
      const finding = result.findings.find((candidate) => candidate.status === "unknown");
      expect(finding).toMatchObject({
        resourceId: ACR_ID,
        evidence: {
          adminUserEnabled: false,
          cachedCredentials: null,
          keysOutcome: "not-applicable",
          reason: "keys were not read (--no-keys)",
        },
      });
      expect(finding?.remediation).toContain("without --no-keys");
      expect(audit.requests.filter((request) => request.method === "POST")).toEqual([]);
    });

    test("pass: admin user enabled is judged without keys", async () => {
      const audit = await auditScenario(healthyScenario(), { only: [CHECK], readKeys: false });
      expect(findingIds(audit.check(CHECK)).sort()).toEqual(["pass:admin-enabled", "pass:quarantine-off"]);
      expect(audit.requests.filter((request) => request.method === "POST")).toEqual([]);
    });
  });

  test("reads only what it requires: the registry and the keys (POST reads), no storage, computes or network, no writes", async () => {
    const audit = await auditScenario(healthyScenario(), { only: [CHECK] });
    expect(audit.report.checks.map((result) => result.id)).toEqual([CHECK]);
    expect(audit.requests.filter((request) => !["GET", "POST"].includes(request.method))).toEqual([]);
    expect(
      audit.requests
        .filter((request) => request.method === "POST")
        .map((request) => request.path.split("?")[0])
        .sort(),
    ).toEqual([`${ACR_ID}/listCredentials`, WORKSPACE_KEYS].sort());
    expect(
      audit.requests.filter((request) =>
        /storageAccounts|computes|virtualNetworks|networkSecurityGroups|privateEndpoints\/|availablePrivateEndpointTypes|\/vaults\//i.test(
          request.path,
        ),
      ),
    ).toEqual([]);
    expect(audit.snapshot.errors).toEqual([]);
  });
});

// registry-policies: registry hardening that breaks Azure ML. Quarantine keeps built images from ever
// being pulled. A disabled admin user is Microsoft's documented identity workflow
// (learn.microsoft.com/azure/machine-learning/how-to-identity-based-service-authentication, "Scenario:
// Azure Container Registry without admin user"): Azure ML then builds and pulls with managed identities, so
// what breaks is a compute cluster without one, never the workspace's cached admin password.
// Each case is the healthy workspace (ARM wire format) with one thing changed, collected by the real
// collector against the fake ARM.

import { describe, expect, test } from "vitest";
import type { Scenario } from "../fake-arm/scenario.js";
import { HEALTHY, auditScenario, findingIds, healthyScenario } from "../harness.js";
import {
  ACR_ID,
  WS_ID,
  addCompute,
  compute,
  computeId,
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
const CPU_BUILD = computeId("cpu-build");
const GPU_TRAIN = computeId("gpu-train");
/** `-n NAME -w WS -g RG --subscription SUB` for `az ml compute` commands. */
const computeWhere = (name: string) =>
  `-n ${name} -w ${HEALTHY.workspace} -g ${HEALTHY.resourceGroup} --subscription ${SUB}`;

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

/** The compute's `identity` as ARM returns it; `undefined` removes it (ARM leaves it out when there is none). */
function setIdentity(s: Scenario, name: string, identity: Json | undefined): void {
  if (identity === undefined) delete compute(s, name).identity;
  else compute(s, name).identity = identity;
}

const SYSTEM_ASSIGNED = {
  type: "SystemAssigned",
  principalId: "00000000-0000-0000-0000-00000000c0de",
  tenantId: "00000000-0000-0000-0000-00000000beef",
};
const USER_ASSIGNED = {
  type: "UserAssigned",
  userAssignedIdentities: {
    [`/subscriptions/${SUB}/resourceGroups/${HEALTHY.resourceGroup}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ml-pull`]:
      { principalId: "00000000-0000-0000-0000-0000000000aa", clientId: "00000000-0000-0000-0000-0000000000bb" },
  },
};

/** Both clusters of the healthy workspace get a managed identity (the compute instance is not judged). */
function identitiesOnClusters(s: Scenario): void {
  setIdentity(s, "cpu-build", SYSTEM_ASSIGNED);
  setIdentity(s, "gpu-train", USER_ASSIGNED);
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
  evidence: { registry: ACR_ID, adminUserEnabled: true },
};
/** The registry's admin-user finding with the admin user off; `clusters`, when given, is its evidence exactly. */
const adminDisabled = (clusters?: Array<{ compute: string; identityType: string | null }>): ExpectedFinding => ({
  status: "pass",
  messageId: "admin-disabled-identity",
  resourceId: ACR_ID,
  evidence: { registry: ACR_ID, adminUserEnabled: false, ...(clusters ? { clusters } : {}) },
});
const withoutIdentity = (name: string, imageBuildCompute: boolean, identityType = "None"): ExpectedFinding => ({
  status: "fail",
  messageId: "cluster-without-identity",
  resourceId: computeId(name),
  evidence: { registry: ACR_ID, adminUserEnabled: false, compute: computeId(name), identityType, imageBuildCompute },
  remediation: [
    `az ml compute update ${computeWhere(name)} --identity-type system_assigned`,
    `--role AcrPull --scope ${ACR_ID}`,
    "--admin-enabled true",
  ],
});

// ---- cases --------------------------------------------------------------------------------------

const passCases: Case[] = [
  {
    name: "pass: healthy, quarantine disabled and admin user enabled",
    expect: { status: "pass", findings: [quarantineOff(), adminEnabled] },
  },
  {
    name: "pass: no policies block at all (quarantine is off unless enabled)",
    mutate: (s) => void delete registry(s).properties.policies,
    expect: { status: "pass", findings: [quarantineOff(null), adminEnabled] },
  },
  {
    name: "pass: admin user disabled and every compute cluster has a managed identity (Learn: identity builds and pulls)",
    mutate: (s) => {
      disableAdmin(s);
      identitiesOnClusters(s);
    },
    expect: {
      status: "pass",
      findings: [
        quarantineOff(),
        adminDisabled([
          { compute: CPU_BUILD, identityType: "SystemAssigned" },
          { compute: GPU_TRAIN, identityType: "UserAssigned" },
        ]),
      ],
    },
  },
  {
    name: "pass: admin user disabled after Azure ML created it, the workspace still caching its password (never a 401 verdict)",
    mutate: (s) => {
      disableAdmin(s);
      identitiesOnClusters(s);
      // The workspace's listKeys still returns containerRegistryCredentials: it does not matter, and is not read.
      expect((s.actions?.[`${WS_ID}/listKeys`] as Json).containerRegistryCredentials.passwords.length).toBeGreaterThan(
        0,
      );
    },
    expect: { status: "pass", findings: [quarantineOff(), adminDisabled()] },
    also: (audit) => {
      expect(audit.requests.filter((request) => request.method === "POST")).toEqual([]);
    },
  },
  {
    name: 'pass: a cluster with both identities ("SystemAssigned, UserAssigned", as some API versions space it)',
    mutate: (s) => {
      disableAdmin(s);
      setIdentity(s, "cpu-build", { ...USER_ASSIGNED, type: "SystemAssigned, UserAssigned" });
      setIdentity(s, "gpu-train", { type: "systemassigned" });
    },
    expect: {
      status: "pass",
      findings: [
        quarantineOff(),
        adminDisabled([
          { compute: CPU_BUILD, identityType: "SystemAssigned, UserAssigned" },
          { compute: GPU_TRAIN, identityType: "systemassigned" },
        ]),
      ],
    },
  },
  {
    name: "pass: admin user disabled and no compute cluster at all (the compute instance is not judged: Learn is silent on it)",
    mutate: (s) => {
      disableAdmin(s);
      s.resources = s.resources.filter((resource) => ![CPU_BUILD, GPU_TRAIN].includes(resource.id));
    },
    expect: { status: "pass", findings: [quarantineOff(), adminDisabled([])] },
  },
  {
    name: "pass: Azure's RegistryGet example (admin user off, quarantine disabled) with clusters that have identities",
    mutate: (s) => {
      useExampleRegistry(s);
      identitiesOnClusters(s);
    },
    expect: {
      status: "pass",
      findings: [quarantineOff(), adminDisabled()],
    },
  },
  {
    name: "pass: admin user enabled: clusters without an identity sign in with its password",
    mutate: (s) => setIdentity(s, "cpu-build", { type: "None" }),
    expect: { status: "pass", findings: [quarantineOff(), adminEnabled] },
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
    name: "fail: admin user disabled and the clusters have no managed identity (Learn: create the cluster with one)",
    mutate: disableAdmin,
    expect: {
      status: "fail",
      findings: [
        quarantineOff(),
        adminDisabled([
          { compute: CPU_BUILD, identityType: "None" },
          { compute: GPU_TRAIN, identityType: "None" },
        ]),
        withoutIdentity("cpu-build", true),
        withoutIdentity("gpu-train", false),
      ],
    },
  },
  {
    name: 'fail: identity type "None" on one cluster, the other has one',
    mutate: (s) => {
      disableAdmin(s);
      setIdentity(s, "cpu-build", SYSTEM_ASSIGNED);
      setIdentity(s, "gpu-train", { type: "None" });
    },
    expect: { status: "fail", findings: [quarantineOff(), adminDisabled(), withoutIdentity("gpu-train", false)] },
  },
  {
    name: 'fail: a cluster added without an identity, the admin user off (the string "False" reads as false)',
    mutate: (s) => {
      registry(s).properties.adminUserEnabled = "False";
      identitiesOnClusters(s);
      addCompute(s, "cpu-etl", {
        computeType: "AmlCompute",
        provisioningState: "Succeeded",
        properties: { vmSize: "Standard_D4s_v3" },
      });
    },
    expect: {
      status: "fail",
      findings: [
        quarantineOff(),
        { ...adminDisabled(), evidence: { adminUserEnabled: "False" } },
        withoutIdentity("cpu-etl", false),
      ],
    },
  },
  {
    name: "fail: both hardenings at once",
    mutate: (s) => {
      setQuarantine(s, "enabled");
      disableAdmin(s);
    },
    expect: {
      status: "fail",
      findings: [
        { status: "fail", messageId: "quarantine-enabled", resourceId: ACR_ID },
        adminDisabled(),
        withoutIdentity("cpu-build", true),
        withoutIdentity("gpu-train", false),
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
  ...[
    ["an identity without a type", {}],
    ["an identity type this check does not know", { type: "Federated" }],
  ].map(([what, identity]): Case => ({
    name: `unknown: admin user disabled and a cluster has ${what as string} (never a guessed fail)`,
    mutate: (s) => {
      disableAdmin(s);
      identitiesOnClusters(s);
      setIdentity(s, "gpu-train", identity as Json);
    },
    expect: {
      status: "unknown",
      findings: [
        quarantineOff(),
        adminDisabled(),
        {
          status: "unknown",
          messageId: "cluster-identity-unknown",
          resourceId: GPU_TRAIN,
          evidence: { compute: GPU_TRAIN, identityType: (identity as Json).type ?? null, imageBuildCompute: false },
          remediation: [`az ml compute show ${computeWhere("gpu-train")} --query identity`],
        },
      ],
    },
  })),
  partUnreadableCase("unknown: the registry returns 403", "registry"),
  partUnreadableCase("unknown: the computes list returns 403", "computes", { operation: "computes list" }),
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

  test("agrees with key-sync: admin user disabled under a workspace that still caches the password is the identity path in both", async () => {
    const s = healthyScenario();
    disableAdmin(s);
    identitiesOnClusters(s);
    const audit = await auditScenario(s, { only: [CHECK, "key-sync"] });
    expect(findingIds(audit.check(CHECK)).sort()).toEqual(["pass:admin-disabled-identity", "pass:quarantine-off"]);
    const keySyncRegistry = audit.check("key-sync").findings.find((finding) => finding.resourceId === ACR_ID);
    expect(keySyncRegistry).toMatchObject({
      status: "skip",
      messageId: "not-applicable",
      evidence: { adminUserEnabled: false },
    });
    expect(audit.requests.filter((request) => /listCredentials/i.test(request.path))).toEqual([]);
  });

  test("--no-keys (readKeys false) changes nothing: the verdict never needed the keys", async () => {
    const s = healthyScenario();
    disableAdmin(s);
    const audit = await auditScenario(s, { only: [CHECK], readKeys: false });
    expect(findingIds(audit.check(CHECK)).sort()).toEqual([
      "fail:cluster-without-identity",
      "fail:cluster-without-identity",
      "pass:admin-disabled-identity",
      "pass:quarantine-off",
    ]);
    expect(audit.requests.filter((request) => request.method === "POST")).toEqual([]);
  });

  test("reads only what it requires: the registry and the computes, no keys, storage or network, no writes", async () => {
    const audit = await auditScenario(healthyScenario(), { only: [CHECK] });
    expect(audit.report.checks.map((result) => result.id)).toEqual([CHECK]);
    expect(audit.requests.filter((request) => request.method !== "GET")).toEqual([]);
    expect(audit.requests.some((request) => /\/computes$/i.test(request.path.split("?")[0]!))).toBe(true);
    expect(
      audit.requests.filter((request) =>
        /storageAccounts|virtualNetworks|networkSecurityGroups|privateEndpoints\/|availablePrivateEndpointTypes|\/vaults\//i.test(
          request.path,
        ),
      ),
    ).toEqual([]);
    expect(audit.snapshot.errors).toEqual([]);
  });
});

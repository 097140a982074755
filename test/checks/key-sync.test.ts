// key-sync: one small scenario per case, mutated from the healthy workspace, collected through
// the real collector against the fake ARM. Every case plants fresh random secrets and checks
// that none of them leaves memory (snapshot and report).

import { randomBytes } from "node:crypto";
import { describe, expect, test } from "vitest";
import { findCheck } from "../../checks/index.js";
import { runCheck } from "../../src/engine/run.js";
import type { ReportFinding } from "../../src/engine/types.js";
import type { Scenario } from "../fake-arm/scenario.js";
import { auditScenario, healthyScenario, type AuditOptions, type AuditResult } from "../harness.js";
import {
  ACR_ID,
  STORAGE_ID,
  WS_ID,
  expectInReportOrder,
  registry,
  storage,
  workspace,
  type Json,
  type ReportOrderCase,
} from "./mutations.js";

const CHECK = "key-sync";
const WORKSPACE_KEYS = `${WS_ID}/listKeys`;
const STORAGE_KEYS = `${STORAGE_ID}/listKeys`;
const REGISTRY_CREDENTIALS = `${ACR_ID}/listCredentials`;

/** The collection clock of every case: rotation ages are judged against it. */
const NOW = "2026-03-01T12:00:00.000Z";
const minutesBeforeNow = (minutes: number) => new Date(Date.parse(NOW) - minutes * 60_000).toISOString();

function secret(): string {
  return randomBytes(48).toString("base64");
}

function action(scenario: Scenario, path: string): Json {
  const body = scenario.actions?.[path];
  if (!body || typeof body !== "object") throw new Error(`no action ${path}`);
  return body;
}

/** Replace the demo secrets with fresh random ones: the workspace's cache holds the current ones. */
function plantSecrets(scenario: Scenario): void {
  const storageKey1 = secret();
  const storageKey2 = secret();
  const password1 = secret();
  const password2 = secret();
  const workspaceKeys = action(scenario, WORKSPACE_KEYS);
  workspaceKeys.userStorageKey = storageKey1;
  workspaceKeys.containerRegistryCredentials.passwords = [
    { name: "password", value: password1 },
    { name: "password2", value: password2 },
  ];
  const storageKeys = action(scenario, STORAGE_KEYS).keys as Json[];
  storageKeys[0]!.value = storageKey1;
  storageKeys[1]!.value = storageKey2;
  action(scenario, REGISTRY_CREDENTIALS).passwords = [
    { name: "password", value: password1 },
    { name: "password2", value: password2 },
  ];
}

/** Every secret value the scenario's actions hold (after the case's mutation). */
function secretsIn(scenario: Scenario): string[] {
  const out: string[] = [];
  const walk = (value: unknown, key: string): void => {
    if (typeof value === "string") {
      if (/^(value|userStorageKey)$/.test(key)) out.push(value);
      return;
    }
    if (Array.isArray(value)) value.forEach((item) => walk(item, key));
    else if (value && typeof value === "object") for (const [child, inner] of Object.entries(value)) walk(inner, child);
  };
  walk(scenario.actions, "");
  return out;
}

function storageKey(scenario: Scenario, name: "key1" | "key2"): Json {
  const found = (action(scenario, STORAGE_KEYS).keys as Json[]).find((key) => key.keyName === name);
  if (!found) throw new Error(`no storage key ${name}`);
  return found;
}

function finding(result: AuditResult, resourceId: string): ReportFinding {
  const found = result.check(CHECK).findings.find((candidate) => candidate.resourceId === resourceId);
  if (!found) throw new Error(`no ${CHECK} finding for ${resourceId}`);
  return found;
}

function posts(result: AuditResult): string[] {
  return result.requests
    .filter((request) => request.method === "POST")
    .map((request) => request.path.split("?")[0] as string);
}

interface Case extends ReportOrderCase {
  options?: AuditOptions;
}

const cases: Case[] = [
  {
    name: "pass: healthy: cached storage key is key1, cached registry password is 'password'",
    status: "pass",
    ids: ["pass:in-sync", "pass:in-sync"],
    verify(result) {
      expect(finding(result, STORAGE_ID).evidence).toMatchObject({
        outcome: "match",
        matchedName: "key1",
        comparedWith: STORAGE_ID,
      });
      expect(finding(result, ACR_ID).evidence).toMatchObject({
        outcome: "match",
        matchedName: "password",
        comparedWith: ACR_ID,
      });
      expect(posts(result).sort()).toEqual([REGISTRY_CREDENTIALS, STORAGE_KEYS, WORKSPACE_KEYS].sort());
    },
  },
  {
    name: "pass: cached storage key matches key2",
    mutate(scenario) {
      action(scenario, WORKSPACE_KEYS).userStorageKey = storageKey(scenario, "key2").value;
    },
    status: "pass",
    ids: ["pass:in-sync", "pass:in-sync"],
    verify(result) {
      expect(finding(result, STORAGE_ID).evidence).toMatchObject({ outcome: "match", matchedName: "key2" });
    },
  },
  {
    name: "fail: storage key1 regenerated 10 days before collection, the workspace still caches the old one",
    mutate(scenario) {
      Object.assign(storageKey(scenario, "key1"), { value: secret(), creationTime: minutesBeforeNow(10 * 24 * 60) });
    },
    status: "fail",
    ids: ["fail:out-of-sync", "pass:in-sync"],
    verify(result) {
      expect(finding(result, STORAGE_ID).evidence).toMatchObject({
        outcome: "mismatch",
        comparedWith: STORAGE_ID,
        rotatedAt: minutesBeforeNow(10 * 24 * 60),
        keyCreationTimes: { key1: minutesBeforeNow(10 * 24 * 60), key2: "2026-01-10T08:00:00.0000000Z" },
      });
      expect(finding(result, STORAGE_ID).evidence.matchedName).toBeUndefined();
      expect(finding(result, STORAGE_ID).remediation).toContain("az ml workspace sync-keys");
    },
  },
  {
    name: "fail: both storage keys differ and ARM gives no creation times at all",
    mutate(scenario) {
      for (const name of ["key1", "key2"] as const) {
        const key = storageKey(scenario, name);
        key.value = secret();
        delete key.creationTime;
      }
      delete storage(scenario).properties.keyCreationTime;
    },
    status: "fail",
    ids: ["fail:out-of-sync", "pass:in-sync"],
    verify(result) {
      expect(finding(result, STORAGE_ID).evidence).toMatchObject({ outcome: "mismatch", rotatedAt: null });
    },
  },
  {
    name: "warn: storage key1 regenerated 20 minutes before collection (the service syncs within the hour)",
    mutate(scenario) {
      Object.assign(storageKey(scenario, "key1"), { value: secret(), creationTime: minutesBeforeNow(20) });
    },
    status: "warn",
    ids: ["warn:recently-rotated", "pass:in-sync"],
    verify(result) {
      expect(finding(result, STORAGE_ID).evidence).toMatchObject({
        outcome: "mismatch",
        rotatedAt: minutesBeforeNow(20),
      });
    },
  },
  {
    name: "warn: rotation time only in the account's keyCreationTime (listKeys without creationTime)",
    mutate(scenario) {
      for (const name of ["key1", "key2"] as const) delete storageKey(scenario, name).creationTime;
      storageKey(scenario, "key1").value = secret();
      storage(scenario).properties.keyCreationTime.key1 = minutesBeforeNow(20);
    },
    status: "warn",
    ids: ["warn:recently-rotated", "pass:in-sync"],
    verify(result) {
      expect(finding(result, STORAGE_ID).evidence).toMatchObject({
        rotatedAt: minutesBeforeNow(20),
        keyCreationTimes: { key1: minutesBeforeNow(20) },
      });
    },
  },
  {
    name: "fail: storage key1 regenerated 61 minutes before collection (past the sync window)",
    mutate(scenario) {
      Object.assign(storageKey(scenario, "key1"), { value: secret(), creationTime: minutesBeforeNow(61) });
    },
    status: "fail",
    ids: ["fail:out-of-sync", "pass:in-sync"],
    verify(result) {
      expect(finding(result, STORAGE_ID).evidence).toMatchObject({ rotatedAt: minutesBeforeNow(61) });
    },
  },
  {
    name: "warn: the new key's creationTime is 2 minutes ahead of the collection clock (clock skew)",
    mutate(scenario) {
      Object.assign(storageKey(scenario, "key1"), { value: secret(), creationTime: minutesBeforeNow(-2) });
    },
    status: "warn",
    ids: ["warn:recently-rotated", "pass:in-sync"],
    verify(result) {
      expect(finding(result, STORAGE_ID).evidence).toMatchObject({ rotatedAt: minutesBeforeNow(-2) });
    },
  },
  {
    name: "warn: ARM's 7-digit fractional creationTime 20 minutes before collection",
    mutate(scenario) {
      Object.assign(storageKey(scenario, "key2"), { value: secret(), creationTime: "2026-03-01T11:40:00.0000000Z" });
      action(scenario, WORKSPACE_KEYS).userStorageKey = secret();
    },
    status: "warn",
    ids: ["warn:recently-rotated", "pass:in-sync"],
    verify(result) {
      expect(finding(result, STORAGE_ID).evidence).toMatchObject({ rotatedAt: "2026-03-01T11:40:00.000Z" });
    },
  },
  {
    name: "fail: a creationTime days ahead of the collection clock is not a recent rotation",
    mutate(scenario) {
      Object.assign(storageKey(scenario, "key1"), { value: secret(), creationTime: minutesBeforeNow(-3 * 24 * 60) });
    },
    status: "fail",
    ids: ["fail:out-of-sync", "pass:in-sync"],
  },
  {
    name: "fail: the registry password differs (admin user enabled)",
    mutate(scenario) {
      action(scenario, REGISTRY_CREDENTIALS).passwords = [
        { name: "password", value: secret() },
        { name: "password2", value: secret() },
      ];
    },
    status: "fail",
    ids: ["fail:out-of-sync", "pass:in-sync"],
    verify(result) {
      expect(finding(result, ACR_ID).evidence).toMatchObject({
        outcome: "mismatch",
        comparedWith: ACR_ID,
        rotatedAt: null,
      });
      expect(finding(result, STORAGE_ID).evidence).toMatchObject({ outcome: "match", matchedName: "key1" });
    },
  },
  {
    name: "pass: only password2 was regenerated; the cache still holds the current 'password'",
    mutate(scenario) {
      (action(scenario, REGISTRY_CREDENTIALS).passwords as Json[])[1]!.value = secret();
    },
    status: "pass",
    ids: ["pass:in-sync", "pass:in-sync"],
    verify(result) {
      expect(finding(result, ACR_ID).evidence).toMatchObject({ outcome: "match", matchedName: "password" });
    },
  },
  {
    name: "skip registry part: adminUserEnabled false, and listCredentials is never called",
    mutate(scenario) {
      registry(scenario).properties.adminUserEnabled = false;
    },
    status: "pass",
    ids: ["pass:in-sync", "skip:not-applicable"],
    verify(result) {
      expect(finding(result, ACR_ID).status).toBe("skip");
      expect(finding(result, ACR_ID).evidence.outcome).toBe("not-applicable");
      expect(posts(result).filter((path) => /listCredentials$/i.test(path))).toEqual([]);
    },
  },
  {
    // learn.microsoft.com/azure/machine-learning/how-to-identity-based-service-authentication, "Scenario: Azure
    // Container Registry without admin user": Azure ML then builds and pulls with managed identities.
    name: "skip registry part: admin user disabled after Azure ML created it, the cached password stale too (not a mismatch)",
    mutate(scenario) {
      registry(scenario).properties.adminUserEnabled = false;
      action(scenario, REGISTRY_CREDENTIALS).passwords = [
        { name: "password", value: secret() },
        { name: "password2", value: secret() },
      ];
    },
    status: "pass",
    ids: ["pass:in-sync", "skip:not-applicable"],
    verify(result) {
      expect(finding(result, ACR_ID)).toMatchObject({
        status: "skip",
        evidence: { outcome: "not-applicable", adminUserEnabled: false },
      });
      expect(finding(result, ACR_ID).evidence.reason).toEqual(expect.stringContaining("managed identities"));
      expect(posts(result).filter((path) => /listCredentials$/i.test(path))).toEqual([]);
    },
  },
  {
    name: "skip storage part: allowSharedKeyAccess false",
    mutate(scenario) {
      storage(scenario).properties.allowSharedKeyAccess = false;
      // Even a key that no longer matches does not matter: the workspace uses its identity.
      storageKey(scenario, "key1").value = secret();
    },
    status: "pass",
    ids: ["pass:in-sync", "skip:not-applicable"],
    verify(result) {
      expect(finding(result, STORAGE_ID).status).toBe("skip");
      expect(finding(result, STORAGE_ID).evidence.reason).toEqual(expect.stringContaining("allowSharedKeyAccess"));
      expect(finding(result, ACR_ID).status).toBe("pass");
    },
  },
  {
    name: 'skip storage part: allowSharedKeyAccess the string "False" reads as false',
    mutate(scenario) {
      storage(scenario).properties.allowSharedKeyAccess = "False";
      storageKey(scenario, "key1").value = secret();
    },
    status: "pass",
    ids: ["pass:in-sync", "skip:not-applicable"],
    verify(result) {
      expect(finding(result, STORAGE_ID).evidence.reason).toEqual(expect.stringContaining("allowSharedKeyAccess"));
    },
  },
  {
    name: "skip storage part: the workspace's listKeys has userStorageKey null (identity-based access)",
    mutate(scenario) {
      action(scenario, WORKSPACE_KEYS).userStorageKey = null;
    },
    status: "pass",
    ids: ["pass:in-sync", "skip:not-applicable"],
    verify(result) {
      expect(finding(result, STORAGE_ID)).toMatchObject({ status: "skip", evidence: { outcome: "not-applicable" } });
      expect(finding(result, ACR_ID).status).toBe("pass");
    },
  },
  {
    name: "skip: the workspace names no registry yet (created on first image build)",
    mutate(scenario) {
      delete workspace(scenario).properties.containerRegistry;
    },
    status: "pass",
    ids: ["pass:in-sync", "skip:not-applicable"],
    verify(result) {
      expect(result.check(CHECK).findings[1]).toMatchObject({ status: "skip", resourceId: WS_ID });
      expect(posts(result).filter((path) => /listCredentials$/i.test(path))).toEqual([]);
    },
  },
  {
    name: "unknown: storage listKeys returns 403",
    mutate(scenario) {
      scenario.faults = [
        { method: "POST", path: "/storageAccounts/.*/listKeys$", status: 403, code: "AuthorizationFailed" },
      ];
    },
    status: "unknown",
    ids: ["unknown:undetermined", "pass:in-sync"],
    verify(result) {
      const found = finding(result, STORAGE_ID);
      expect(found.evidence).toMatchObject({
        outcome: "unknown",
        operation: "storage listKeys",
        statusCode: 403,
        code: "AuthorizationFailed",
        missingPermission: "Microsoft.Storage/storageAccounts/listKeys/action",
      });
      expect(found.message).toBe(
        "Cannot compare the storage account key: storage listKeys failed (403 AuthorizationFailed; needs Microsoft.Storage/storageAccounts/listKeys/action).",
      );
      // A listKeys action, not a read: the Reader role does not cover it, and the fix does not say it does.
      expect(found.remediation).toBe(
        `Grant the identity running preflight Microsoft.Storage/storageAccounts/listKeys/action on ${STORAGE_ID}, then run again. Or run with --no-keys to skip this check.`,
      );
      expect(result.report.collection.errors).toContainEqual(
        expect.objectContaining({
          resourceId: STORAGE_ID,
          operation: "storage listKeys",
          statusCode: 403,
          permission: "Microsoft.Storage/storageAccounts/listKeys/action",
        }),
      );
    },
  },
  {
    name: "unknown: the workspace's listKeys returns 403 (both parts), and no further key reads",
    mutate(scenario) {
      scenario.faults = [
        { method: "POST", path: "/workspaces/[^/]+/listKeys$", status: 403, code: "AuthorizationFailed" },
      ];
    },
    status: "unknown",
    ids: ["unknown:undetermined", "unknown:undetermined"],
    verify(result) {
      for (const resourceId of [STORAGE_ID, ACR_ID]) {
        expect(finding(result, resourceId).evidence).toMatchObject({
          outcome: "unknown",
          comparedWith: resourceId,
          operation: "workspace listKeys",
          statusCode: 403,
          missingPermission: "Microsoft.MachineLearningServices/workspaces/listKeys/action",
        });
        // The permission is granted on the workspace, whose listKeys was refused, not on the resource compared.
        expect(finding(result, resourceId).remediation).toContain(
          `Microsoft.MachineLearningServices/workspaces/listKeys/action on ${WS_ID}, then run again`,
        );
      }
      // One cause: one missing permission, both findings.
      expect(result.report.rootCauses.filter((cause) => cause.checks.includes(CHECK))).toHaveLength(1);
      expect(posts(result)).toEqual([WORKSPACE_KEYS]);
    },
  },
  {
    name: "unknown: the registry's listCredentials returns 403",
    mutate(scenario) {
      scenario.faults = [
        { method: "POST", path: "/registries/.*/listCredentials$", status: 403, code: "AuthorizationFailed" },
      ];
    },
    status: "unknown",
    ids: ["unknown:undetermined", "pass:in-sync"],
    verify(result) {
      expect(finding(result, ACR_ID).evidence).toMatchObject({
        outcome: "unknown",
        operation: "registry listCredentials",
        statusCode: 403,
        missingPermission: "Microsoft.ContainerRegistry/registries/listCredentials/action",
      });
    },
  },
  {
    name: "unknown: the storage account cannot be read (403 on GET): the engine answers for the check",
    mutate(scenario) {
      scenario.faults = [
        { method: "GET", path: "/storageAccounts/mlresearchstore$", status: 403, code: "AuthorizationFailed" },
      ];
    },
    status: "unknown",
    ids: ["unknown:part-unreadable"],
    verify(result) {
      expect(result.check(CHECK).findings[0]).toMatchObject({
        resourceId: STORAGE_ID,
        // The engine explains a part's failed read as the checks explain theirs.
        message:
          "Cannot decide: the storage account could not be read (403 AuthorizationFailed; needs Microsoft.Storage/storageAccounts/read).",
        evidence: { part: "storage", statusCode: 403, missingPermission: "Microsoft.Storage/storageAccounts/read" },
      });
    },
  },
  {
    name: "unknown: the registry cannot be read (403 on GET): the engine answers for the check",
    mutate(scenario) {
      scenario.faults = [
        { method: "GET", path: "/registries/mlresearchacr$", status: 403, code: "AuthorizationFailed" },
      ];
    },
    status: "unknown",
    ids: ["unknown:part-unreadable"],
    verify(result) {
      expect(result.check(CHECK).findings[0]).toMatchObject({
        resourceId: ACR_ID,
        evidence: {
          part: "registry",
          statusCode: 403,
          missingPermission: "Microsoft.ContainerRegistry/registries/read",
        },
      });
    },
  },
  {
    name: "skip: readKeys false (--no-keys): nothing compared, not a single POST",
    options: { readKeys: false },
    mutate(scenario) {
      // Out of sync, but never read: the verdict must not depend on it.
      storageKey(scenario, "key1").value = secret();
    },
    status: "skip",
    ids: ["skip:not-applicable", "skip:not-applicable"],
    verify(result) {
      expect(posts(result)).toEqual([]);
      expect(finding(result, STORAGE_ID).evidence.outcome).toBe("not-applicable");
      expect(finding(result, ACR_ID).evidence.outcome).toBe("not-applicable");
    },
  },
];

describe(CHECK, () => {
  test("unknown: a snapshot whose key outcome is none of the four (built or edited by hand) says so, never nothing", async () => {
    const { snapshot } = await auditScenario(healthyScenario(), { only: [CHECK], now: NOW });
    const edited = structuredClone(snapshot);
    (edited.keys!.storage as { outcome: string }).outcome = "Match";
    const result = runCheck(findCheck(CHECK)!, edited);
    expect(result.findings.map((f) => `${f.status}:${f.messageId}`)).toEqual([
      "unknown:unrecognised-outcome",
      "pass:in-sync",
    ]);
    expect(result.status).toBe("unknown");
    expect(result.findings[0]).toMatchObject({
      resourceId: STORAGE_ID,
      evidence: { outcome: "Match", comparedWith: STORAGE_ID },
    });
    expect(result.findings[0]!.message).toContain('"Match"');
  });

  test.each(cases)("$name", async (c) => {
    const scenario = healthyScenario();
    plantSecrets(scenario);
    c.mutate?.(scenario);
    const secrets = secretsIn(scenario);
    expect(secrets.length).toBeGreaterThanOrEqual(6);

    const result = await auditScenario(scenario, { only: [CHECK], now: NOW, ...c.options });
    expect(result.snapshot.collectedAt).toBe(NOW);
    expectInReportOrder(result, CHECK, c);

    const snapshotText = JSON.stringify(result.snapshot);
    const reportText = JSON.stringify(result.report);
    for (const planted of secrets) {
      expect(snapshotText.includes(planted), "a secret leaked into the snapshot").toBe(false);
      expect(reportText.includes(planted), "a secret leaked into the report").toBe(false);
    }
  });
});

// Waivers in the engine: which findings a waiver matches (exact ARM IDs and globs, case-insensitive),
// what expiry does (expired counts again, stale matches nothing, expiring is flagged at 14 days), and
// what a waived finding does to its check, the summary, the root causes, the fix plan, the exit code
// and a fleet. On the demo workspace, collected from the fake ARM.

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Ajv } from "ajv";
import { beforeAll, describe, expect, test } from "vitest";
import { CHECKS } from "../../checks/index.js";
import { auditReport } from "../../src/engine/audit.js";
import { buildFleetReport } from "../../src/engine/fleet.js";
import { buildReport, exitCodeFor } from "../../src/engine/run.js";
import type { CheckResult, Report } from "../../src/engine/types.js";
import {
  EXPIRING_DAYS,
  applyWaivers,
  daysBetween,
  resourceMatcher,
  type Waiver,
  type WaiverSet,
} from "../../src/engine/waivers.js";
import type { Snapshot } from "../../src/snapshot/types.js";
import { HEALTHY, ROOT, auditScenario, demoScenario } from "../harness.js";

const RG_ID = `/subscriptions/${HEALTHY.subscriptionId}/resourceGroups/${HEALTHY.resourceGroup}`;
const STORAGE = `${RG_ID}/providers/Microsoft.Storage/storageAccounts/mlresearchstore`;
const SUBNET = `${RG_ID}/providers/Microsoft.Network/virtualNetworks/ml-vnet/subnets/training`;
const WORKSPACE = `${RG_ID}/providers/Microsoft.MachineLearningServices/workspaces/${HEALTHY.workspace}`;
const TODAY = "2026-11-25";
const OPTIONS = { toolVersion: "0.0.0-test", startedAt: "2026-11-25T09:00:00.000Z", durationMs: 0 };

const waiver = (check: string, resource: string, extra: Partial<Waiver> = {}): Waiver => ({
  check,
  resource,
  reason: `accepted: ${check}`,
  expires: "2027-01-31",
  ...extra,
});
const set = (...waivers: Waiver[]): WaiverSet => ({ file: "preflight.config.yaml", today: TODAY, waivers });

let snapshot: Snapshot;
let plain: Report;
beforeAll(async () => {
  ({ snapshot } = await auditScenario(demoScenario(), { now: "2026-11-25T09:00:00.000Z" }));
  plain = buildReport(snapshot, CHECKS, OPTIONS);
});

const check = (report: Report, id: string): CheckResult => {
  const found = report.checks.find((candidate) => candidate.id === id);
  if (!found) throw new Error(`no check ${id}`);
  return found;
};

describe("resourceMatcher", () => {
  test.each([
    ["the ID itself", STORAGE, STORAGE, true],
    ["another casing, as ARM returns IDs", STORAGE, STORAGE.toUpperCase(), true],
    ["a trailing slash", `${STORAGE}/`, STORAGE, true],
    ["an exact ID does not cover a child", STORAGE, `${STORAGE}/blobServices/default`, false],
    ["an exact ID is not a prefix", `${RG_ID}/providers/Microsoft.Storage/storageAccounts/mlresearch`, STORAGE, false],
    ["* at the end covers everything below, / included", `${RG_ID}/*`, STORAGE, true],
    ["** is the same as *", `${RG_ID}/**`, SUBNET, true],
    [
      "* in the middle",
      `/subscriptions/*/resourceGroups/${HEALTHY.resourceGroup}/providers/*/mlresearchstore`,
      STORAGE,
      true,
    ],
    ["a glob of another resource group", `/subscriptions/*/resourceGroups/other-rg/*`, STORAGE, false],
    ["a glob's literal part is case-insensitive", `${RG_ID.toUpperCase()}/*`, SUBNET, true],
    [
      "regex characters are literal",
      `${RG_ID}/providers/Microsoft.Storage/storageAccounts/mlresearch.tore`,
      STORAGE,
      false,
    ],
    ["a name prefix", `${RG_ID}/providers/Microsoft.Storage/storageAccounts/mlresearch*`, STORAGE, true],
  ])("%s", (_name, pattern, id, matches) => {
    expect(resourceMatcher(pattern)(id)).toBe(matches);
  });
});

test("daysBetween counts whole UTC days, negative into the past", () => {
  expect(daysBetween("2026-11-25", "2026-11-25")).toBe(0);
  expect(daysBetween("2026-11-25", "2026-12-09")).toBe(14);
  expect(daysBetween("2026-11-25", "2026-11-24")).toBe(-1);
  // Across a daylight-saving change in most of Europe and the US: UTC has none.
  expect(daysBetween("2026-03-01", "2026-04-01")).toBe(31);
});

describe("applyWaivers", () => {
  test("an exact ID waives the finding: marked with its terms, its status kept, its check passes", () => {
    const { checks, entries, waived } = applyWaivers(
      plain.checks,
      set(waiver("key-sync", STORAGE, { owner: "alice@contoso.com" })),
    );
    const keySync = check({ ...plain, checks }, "key-sync");
    const finding = keySync.findings.find((candidate) => candidate.resourceId === STORAGE);
    expect(finding?.status).toBe("fail");
    expect(finding?.waived).toEqual({
      reason: "accepted: key-sync",
      owner: "alice@contoso.com",
      expires: "2027-01-31",
    });
    expect(keySync.status).toBe("pass");
    expect(check(plain, "key-sync").status).toBe("fail");
    expect(waived).toBe(1);
    expect(entries).toEqual([
      expect.objectContaining({ index: 0, state: "active", daysLeft: 67, findings: [{ check: "key-sync", index: 0 }] }),
    ]);
  });

  test("a glob over the resource group waives every problem of the check there, and no pass finding", () => {
    const { checks, waived } = applyWaivers(plain.checks, set(waiver("required-outbound", `${RG_ID}/*`)));
    const result = check({ ...plain, checks }, "required-outbound");
    const problems = check(plain, "required-outbound").findings.filter((finding) => finding.status === "fail");
    expect(problems.length).toBeGreaterThan(5);
    expect(waived).toBe(problems.length);
    expect(result.findings.filter((finding) => finding.waived)).toHaveLength(problems.length);
    expect(result.findings.filter((finding) => finding.status === "pass" && finding.waived)).toEqual([]);
    expect(result.status).toBe("pass");
  });

  test("check * waives every check's problems on the resource; another check's waiver does not", () => {
    const star = applyWaivers(plain.checks, set(waiver("*", SUBNET)));
    expect(check({ ...plain, checks: star.checks }, "required-outbound").status).toBe("pass");
    expect(check({ ...plain, checks: star.checks }, "service-tags-outbound").status).toBe("pass");
    const other = applyWaivers(plain.checks, set(waiver("private-dns", SUBNET)));
    expect(other.waived).toBe(0);
    expect(other.entries[0]?.state).toBe("stale");
  });

  test("an expired waiver waives nothing: its findings count again and it names them", () => {
    const { checks, entries, waived } = applyWaivers(
      plain.checks,
      set(waiver("key-sync", STORAGE, { expires: "2026-11-24" })),
    );
    expect(waived).toBe(0);
    expect(check({ ...plain, checks }, "key-sync").status).toBe("fail");
    expect(entries[0]).toMatchObject({ state: "expired", daysLeft: -1, findings: [{ check: "key-sync", index: 0 }] });
  });

  test("a waiver is in force through its expiry day, and flagged from 14 days out", () => {
    const states = ["2026-11-25", "2026-12-09", "2026-12-10"].map(
      (expires) => applyWaivers(plain.checks, set(waiver("key-sync", STORAGE, { expires }))).entries[0]?.state,
    );
    expect(EXPIRING_DAYS).toBe(14);
    expect(states).toEqual(["expiring", "expiring", "active"]);
  });

  test("a waiver that matches no problem is stale, expired or not; nothing changes", () => {
    const { checks, entries } = applyWaivers(
      plain.checks,
      set(
        waiver("key-sync", `${RG_ID}/providers/Microsoft.Storage/storageAccounts/gone`),
        waiver("key-sync", WORKSPACE, { expires: "2026-01-01" }),
      ),
    );
    expect(entries.map((entry) => entry.state)).toEqual(["stale", "expired"]);
    expect(checks).toEqual(plain.checks);
  });

  test("the first waiver in force wins; a later one matching the same finding still matches it (not stale)", () => {
    const { checks, entries } = applyWaivers(
      plain.checks,
      set(
        waiver("key-sync", STORAGE, { expires: "2026-01-01", reason: "expired one" }),
        waiver("key-sync", `${RG_ID}/*`, { reason: "first in force" }),
        waiver("*", STORAGE, { reason: "second in force" }),
      ),
    );
    expect(check({ ...plain, checks }, "key-sync").findings[0]?.waived?.reason).toBe("first in force");
    expect(entries.map((entry) => [entry.state, entry.findings.length])).toEqual([
      ["expired", 1],
      ["active", 1],
      ["active", 1],
    ]);
  });
});

describe("a report with waivers", () => {
  const everything = set(
    waiver("key-sync", STORAGE),
    waiver("required-outbound", `${RG_ID}/*`),
    waiver("service-tags-outbound", `${RG_ID}/providers/Microsoft.Network/virtualNetworks/ml-vnet/*`),
    waiver("acr-vnet-image-build", WORKSPACE),
  );

  test("the summary, root causes and exit code leave waived findings out; the waived causes are listed apart", () => {
    const report = buildReport(snapshot, CHECKS, { ...OPTIONS, waivers: set(waiver("key-sync", STORAGE)) });
    expect(report.summary.fail).toBe(plain.summary.fail - 1);
    expect(report.rootCauses.map((cause) => cause.key)).not.toContain("stale-keys");
    expect(report.waivers?.causes.map((cause) => cause.key)).toEqual(["stale-keys"]);
    expect(report.waivers).toMatchObject({ file: "preflight.config.yaml", today: TODAY, waived: 1 });
    // The checks stay sorted worst first with the new statuses.
    expect(report.checks.map((result) => result.status)).toEqual(
      [...report.checks.map((result) => result.status)].sort(
        (a, b) =>
          ["fail", "unknown", "warn", "pass", "skip"].indexOf(a) -
          ["fail", "unknown", "warn", "pass", "skip"].indexOf(b),
      ),
    );
    expect(exitCodeFor(report, "fail")).toBe(1);
  });

  test("with every problem waived: exit 0, no root cause, every cause under waivers; the findings keep their status", () => {
    const report = auditReport(snapshot, CHECKS, { ...OPTIONS, waivers: everything });
    expect(exitCodeFor(report, "fail")).toBe(0);
    expect(exitCodeFor(plain, "fail")).toBe(1);
    expect(report.summary.fail).toBe(0);
    expect(report.rootCauses).toEqual([]);
    expect(report.waivers?.causes).toHaveLength(plain.rootCauses.length);
    expect(report.waivers?.entries.map((entry) => entry.state)).toEqual(["active", "active", "active", "active"]);
    const failing = report.checks.flatMap((result) => result.findings.filter((finding) => finding.status === "fail"));
    expect(failing.length).toBeGreaterThan(10);
    expect(failing.every((finding) => finding.waived)).toBe(true);
    // The fix plan proposes nothing for a waived cause, and counts nothing waived as remaining.
    expect(report.fixPlan).toEqual({ steps: [], unfixed: [], remaining: [] });
  });

  test("a cause partly waived stays a problem with the rest of its findings; its waived part is listed apart", () => {
    const report = auditReport(snapshot, CHECKS, { ...OPTIONS, waivers: set(waiver("required-outbound", SUBNET)) });
    const nsg = report.rootCauses.find((cause) => cause.kind === "nsg-rule");
    expect(nsg?.checks).toEqual(["service-tags-outbound"]);
    expect(report.waivers?.causes.find((cause) => cause.kind === "nsg-rule")?.checks).toEqual(["required-outbound"]);
    expect(report.fixPlan?.steps.map((step) => step.rootCause)).toContain(nsg?.key);
  });
});

test("a fleet: a waiver is stale only when no workspace has what it matches; each workspace names only its own", async () => {
  const waivers = set(
    waiver("key-sync", STORAGE),
    waiver("key-sync", `${RG_ID}/providers/Microsoft.Storage/storageAccounts/gone`),
  );
  const demo = buildReport(snapshot, CHECKS, { ...OPTIONS, waivers });
  const other: Report = {
    ...demo,
    target: { ...demo.target, workspaceId: `${WORKSPACE}-2`, workspace: `${HEALTHY.workspace}-2` },
  };
  const fleet = buildFleetReport([demo, other], {
    toolVersion: "0.0.0-test",
    ticket: null,
    startedAt: OPTIONS.startedAt,
    durationMs: 0,
    scope: { subscriptions: [], managementGroups: [], resourceGroups: [], tags: [], via: "resource-graph" },
    collection: { requests: { resourceGraph: 0, arm: 0 }, resourceGraph: { queries: 0, rows: 0 }, errors: [] },
    waivers,
  });
  expect(fleet.waivers).toMatchObject({ file: "preflight.config.yaml", waived: 2 });
  expect(fleet.waivers?.entries.map((entry) => [entry.state, entry.findings, entry.workspaces])).toEqual([
    ["active", 2, 2],
    ["stale", 0, 0],
  ]);
  for (const report of fleet.workspaces) expect(report.waivers?.entries.map((entry) => entry.index)).toEqual([0]);
  // The fleet report, its workspaces' waivers and the fleet's own, as the schemas say.
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addSchema(JSON.parse(await readFile(join(ROOT, "reports/report.schema.json"), "utf8")) as object);
  const validate = ajv.compile(
    JSON.parse(await readFile(join(ROOT, "reports/fleet-report.schema.json"), "utf8")) as object,
  );
  expect(validate(JSON.parse(JSON.stringify(fleet))), JSON.stringify(validate.errors)).toBe(true);
});

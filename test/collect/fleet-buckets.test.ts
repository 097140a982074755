// A fleet audit under ARM's buckets: the fake throttles reads and writes per subscription (small buckets,
// so the test stays fast), and the fleet paces its key POSTs by the writes header. Every workspace is
// reported, every planted stale key found, no key comparison is lost to throttling, each key is read
// once per run (a shared storage account or registry too), comparisons that cannot change a verdict are
// not paid for, and the floor the report records is the buckets' arithmetic on what was sent.
// No wall-clock assertion: speed is bench/fleet.mjs's.

import { describe, expect, it } from "vitest";
import { CHECKS } from "../../checks/index.js";
import { collectFleet } from "../../src/collect/fleet.js";
import type { KeyReadPlan } from "../../src/collect/key-plan.js";
import { bucketFloorSeconds } from "../../src/collect/request-budget.js";
import { buildReport } from "../../src/engine/run.js";
import type { Report } from "../../src/engine/types.js";
import type { FleetScope } from "../../src/snapshot/fleet.js";
import type { PartName } from "../../src/snapshot/types.js";
import { generateFleetScenario, type FleetScenario } from "../fake-arm/fleet-scenario.js";
import type { Scenario, ThrottleSetting } from "../fake-arm/scenario.js";
import { startFakeArm, type FakeArm, type RequestLogEntry } from "../fake-arm/server.js";
import { testReader } from "../harness.js";

const NOW = new Date("2026-11-25T12:00:00Z");
const PARTS = [...new Set(CHECKS.flatMap((check) => check.requires))] as PartName[];
/** Small buckets, refilled faster than ARM's (the client paces at ARM's rates, so it errs on the slow side). */
const SMALL_BUCKETS: ThrottleSetting = {
  reads: { capacity: 40, refillPerSecond: 80 },
  writes: { capacity: 12, refillPerSecond: 20 },
};

const scope = (via: FleetScope["via"], subscriptions: string[] = []): FleetScope => ({
  subscriptions,
  managementGroups: [],
  resourceGroups: [],
  tags: [],
  via,
});

async function audit(scenario: Scenario, fleetScope: FleetScope = scope("resource-graph")) {
  const fake: FakeArm = await startFakeArm(scenario);
  try {
    const { reader, redactor } = testReader(fake, { maxRetries: 3, maxRetryAfterMs: 5_000 });
    const reports: Report[] = [];
    const unreadable: string[] = [];
    const plans: KeyReadPlan[] = [];
    const result = await collectFleet({
      reader,
      redactor,
      scope: fleetScope,
      parts: PARTS,
      readKeys: true,
      toolVersion: "0.0.0-test",
      workspaceConcurrency: 8,
      now: () => NOW,
      onKeyPlan: (plan) => plans.push(plan),
      onSnapshot: (snapshot) =>
        reports.push(
          buildReport(snapshot, CHECKS, { toolVersion: "0.0.0-test", startedAt: snapshot.collectedAt, durationMs: 0 }),
        ),
      onUnreadable: (target) => unreadable.push(target.workspaceId),
    });
    return { result, reports, unreadable, plans, log: [...fake.requests] };
  } finally {
    await fake.close();
  }
}

const pathOf = (entry: RequestLogEntry) => entry.path.split("?")[0]!.toLowerCase();
const subscriptionOf = (entry: RequestLogEntry) => /^\/subscriptions\/([^/]+)/i.exec(entry.path)?.[1]?.toLowerCase();
const isArmPost = (entry: RequestLogEntry) => entry.method === "POST" && !/resourcegraph/i.test(entry.path);
const keyPosts = (log: RequestLogEntry[], action: RegExp) =>
  log.filter((entry) => isArmPost(entry) && entry.status !== 429 && action.test(pathOf(entry))).map(pathOf);

function keySync(reports: Report[]): Map<string, string> {
  return new Map(
    reports.map((report) => [
      report.target.workspaceId.toLowerCase(),
      report.checks.find((check) => check.id === "key-sync")?.status ?? "missing",
    ]),
  );
}

/** Every workspace reported; the planted stale keys, and only they, fail key-sync; none is unknown. */
function expectEveryStaleKeyFound(fleet: FleetScenario, run: Awaited<ReturnType<typeof audit>>): void {
  expect(run.unreadable).toEqual([]);
  expect(run.reports).toHaveLength(fleet.workspaces.length);
  const statuses = keySync(run.reports);
  const stale = fleet.workspaces.filter((workspace) => workspace.planted.includes("key-sync"));
  expect(stale.length).toBeGreaterThan(0);
  for (const workspace of fleet.workspaces) {
    expect(statuses.get(workspace.id.toLowerCase()), workspace.id).toBe(
      workspace.planted.includes("key-sync") ? "fail" : "pass",
    );
  }
  expect([...statuses.values()]).not.toContain("unknown");
}

describe("a fleet under ARM's read and write buckets", () => {
  const fleet = generateFleetScenario({
    workspaces: 40,
    subscriptions: 2,
    seed: 5,
    failureShare: { "key-sync": 0.25 },
  });

  it("paces its key POSTs: every workspace reported, every stale key found, few 429s, and the floor is the buckets' arithmetic", async () => {
    const run = await audit({ ...fleet.scenario, throttle: SMALL_BUCKETS });
    expectEveryStaleKeyFound(fleet, run);
    const arm = run.log.filter((entry) => subscriptionOf(entry) !== undefined);
    const throttled = arm.filter((entry) => entry.status === 429).length;
    expect(throttled).toBeLessThanOrEqual(Math.ceil(arm.length * 0.02));
    // More POSTs than one write bucket holds: the pacing was needed.
    const posts = arm.filter((entry) => isArmPost(entry) && entry.status !== 429);
    expect(posts.length).toBeGreaterThan(2 * 12);

    // What the report records, per subscription, is what the fake answered, and the floor is its arithmetic.
    const { throttling } = run.result;
    expect(throttling.subscriptions.map((entry) => entry.subscriptionId)).toEqual(
      [...new Set(fleet.workspaces.map((workspace) => workspace.subscriptionId.toLowerCase()))].sort(),
    );
    for (const entry of throttling.subscriptions) {
      const mine = arm.filter((logged) => subscriptionOf(logged) === entry.subscriptionId);
      expect(entry.reads).toBe(mine.filter((logged) => logged.method === "GET" && logged.status !== 429).length);
      expect(entry.writes).toBe(mine.filter((logged) => isArmPost(logged) && logged.status !== 429).length);
      expect(entry.throttled).toBe(mine.filter((logged) => logged.status === 429).length);
      expect(entry.floorSeconds).toBe(Math.round(bucketFloorSeconds(entry.reads, entry.writes) * 10) / 10);
      expect(entry.floorSeconds).toBe(
        Math.round(Math.max(0, (entry.reads - 250) / 25, (entry.writes - 200) / 10) * 10) / 10,
      );
    }
    expect(throttling.floorSeconds).toBe(Math.max(...throttling.subscriptions.map((entry) => entry.floorSeconds)));
    expect(throttling.limits).toEqual({
      reads: { capacity: 250, refillPerSecond: 25 },
      writes: { capacity: 200, refillPerSecond: 10 },
    });

    // The estimate before the first workspace counted exactly the key POSTs that were then sent.
    expect(run.plans).toHaveLength(1);
    const plan = run.plans[0]!;
    expect(plan.posts).toBe(posts.length);
    for (const [subscription, count] of Object.entries(plan.bySubscription))
      expect(posts.filter((entry) => subscriptionOf(entry) === subscription)).toHaveLength(count);
    expect(throttling.estimate).toEqual({ posts: plan.posts, subscriptions: 2, seconds: 0 });
    expect(run.result.keyComparisons.requests).toEqual({
      "workspace listKeys": keyPosts(run.log, /\/workspaces\/[^/]+\/listkeys$/).length,
      "storage listKeys": keyPosts(run.log, /\/storageaccounts\/[^/]+\/listkeys$/).length,
      "registry listCredentials": keyPosts(run.log, /\/listcredentials$/).length,
    });
  });

  it("reads each key once however many workspaces share the storage account and registry", async () => {
    const shared = generateFleetScenario({
      workspaces: 40,
      subscriptions: 2,
      seed: 5,
      sharedDependencies: 5,
      failureShare: { "key-sync": 0.25, "subnet-colocation": 0 },
    });
    const storageAccounts = shared.scenario.resources.filter(
      (resource) => resource.type === "Microsoft.Storage/storageAccounts",
    );
    expect(storageAccounts).toHaveLength(8);
    const run = await audit({ ...shared.scenario, throttle: SMALL_BUCKETS });
    expectEveryStaleKeyFound(shared, run);
    const storageKeys = keyPosts(run.log, /\/storageaccounts\/[^/]+\/listkeys$/);
    expect(storageKeys.sort()).toEqual(
      storageAccounts.map((resource) => `${resource.id.toLowerCase()}/listkeys`).sort(),
    );
    const credentials = keyPosts(run.log, /\/listcredentials$/);
    expect(new Set(credentials).size).toBe(credentials.length);
    expect(keyPosts(run.log, /\/workspaces\/[^/]+\/listkeys$/)).toHaveLength(40);
  });

  it("skips the comparisons key-sync would skip anyway, and says which and why", async () => {
    const scenario = structuredClone(fleet.scenario);
    const storage = scenario.resources.filter((resource) => resource.type === "Microsoft.Storage/storageAccounts");
    // A quarter of the accounts refuse shared keys; a quarter of the workspaces use identity for their datastores.
    for (const resource of storage.slice(0, 10))
      resource.properties = { ...resource.properties, allowSharedKeyAccess: false };
    const workspaces = scenario.resources.filter(
      (resource) => resource.type === "Microsoft.MachineLearningServices/workspaces",
    );
    for (const resource of workspaces.slice(-10))
      resource.properties = { ...resource.properties, systemDatastoresAuthMode: "identity" };
    const run = await audit({ ...scenario, throttle: SMALL_BUCKETS });
    expect(run.reports).toHaveLength(40);
    const storageKeys = keyPosts(run.log, /\/storageaccounts\/[^/]+\/listkeys$/);
    for (const resource of storage.slice(0, 10))
      expect(storageKeys).not.toContain(`${resource.id.toLowerCase()}/listkeys`);
    // Identity datastores are still compared: only the accounts refusing shared keys are left out.
    expect(storageKeys).toHaveLength(30);
    // No registry whose admin user is off was asked for credentials (ACR would answer 400).
    expect(run.log.filter((entry) => /listcredentials/i.test(entry.path) && entry.status !== 200)).toEqual([]);
    const adminOff = run.result.keyComparisons.skipped.find(
      (entry) => entry.reason === "the registry's admin user is disabled",
    );
    expect(adminOff?.kind).toBe("registry");
    expect(adminOff?.workspaces).toBeGreaterThan(0);
    expect(run.result.keyComparisons.skipped.filter((entry) => entry.kind === "storage")).toEqual([
      {
        kind: "storage",
        reason: expect.stringContaining("allowSharedKeyAccess false") as string,
        workspaces: 10,
      },
    ]);
    expect([...keySync(run.reports).values()]).not.toContain("unknown");
    // The estimate counted the same POSTs as were sent.
    expect(run.plans[0]!.posts).toBe(run.log.filter((entry) => isArmPost(entry) && entry.status !== 429).length);
  });

  it("through ARM alone (--via arm) the estimate counts what it cannot know yet as needed, never less than is sent", async () => {
    const subscriptions = [...new Set(fleet.workspaces.map((workspace) => workspace.subscriptionId))];
    const run = await audit({ ...fleet.scenario, throttle: SMALL_BUCKETS }, scope("arm", subscriptions));
    expectEveryStaleKeyFound(fleet, run);
    const sent = run.log.filter((entry) => isArmPost(entry) && entry.status !== 429).length;
    expect(run.plans[0]!.posts).toBeGreaterThanOrEqual(sent);
    expect(run.plans[0]!.posts).toBe(fleet.workspaces.length * 3);
  });
});

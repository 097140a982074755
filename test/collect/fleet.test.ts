// The fleet path against the single-workspace path on one generated fleet: the same verdicts for
// every workspace, whether the fleet reads through Resource Graph, through ARM alone, or through
// Resource Graph with its dependency query failing (everything then comes from ARM).

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHECKS } from "../../checks/index.js";
import { collectSnapshot } from "../../src/collect/collector.js";
import { collectFleet } from "../../src/collect/fleet.js";
import type { FleetScope } from "../../src/snapshot/fleet.js";
import { buildReport } from "../../src/engine/run.js";
import type { Report } from "../../src/engine/types.js";
import type { PartName } from "../../src/snapshot/types.js";
import { SEED_FAILURES } from "../fake-arm/fleet-failures.js";
import { generateFleetScenario, type FleetScenario } from "../fake-arm/fleet-scenario.js";
import { startFakeArm, type FakeArm } from "../fake-arm/server.js";
import { testReader } from "../harness.js";
import type { Fault, Scenario } from "../fake-arm/scenario.js";

const NOW = new Date("2026-11-25T12:00:00Z");
const PARTS = [...new Set(CHECKS.flatMap((check) => check.requires))] as PartName[];

function readerFor(fake: FakeArm) {
  return testReader(fake, { maxRetries: 2, maxRetryAfterMs: 5_000 });
}

/** What a verdict is made of, per workspace and check: the status and each finding's status, message and resource. */
function verdicts(report: Report): Record<string, string[]> {
  return Object.fromEntries(
    report.checks.map((check) => [
      check.id,
      [
        check.status,
        ...check.findings
          .map((finding) => `${finding.status} ${finding.messageId} ${finding.resourceId.toLowerCase()}`)
          .sort(),
      ],
    ]),
  );
}

async function singlePath(fake: FakeArm, fleet: FleetScenario): Promise<Map<string, Record<string, string[]>>> {
  const out = new Map<string, Record<string, string[]>>();
  for (const workspace of fleet.workspaces) {
    const { reader, redactor } = readerFor(fake);
    const snapshot = await collectSnapshot({
      reader,
      redactor,
      workspace: {
        subscriptionId: workspace.subscriptionId,
        resourceGroup: workspace.resourceGroup,
        name: workspace.name,
      },
      parts: PARTS,
      readKeys: true,
      toolVersion: "0.0.0-test",
      now: () => NOW,
    });
    out.set(
      workspace.id.toLowerCase(),
      verdicts(
        buildReport(snapshot, CHECKS, { toolVersion: "0.0.0-test", startedAt: snapshot.collectedAt, durationMs: 0 }),
      ),
    );
  }
  return out;
}

async function fleetPath(fake: FakeArm, scope: FleetScope) {
  const { reader, redactor } = readerFor(fake);
  const reports = new Map<string, Record<string, string[]>>();
  const unreadable: string[] = [];
  const before = fake.requests.length;
  const result = await collectFleet({
    reader,
    redactor,
    scope,
    parts: PARTS,
    readKeys: true,
    toolVersion: "0.0.0-test",
    workspaceConcurrency: 4,
    now: () => NOW,
    onSnapshot: (snapshot) => {
      reports.set(
        snapshot.target.workspaceId.toLowerCase(),
        verdicts(
          buildReport(snapshot, CHECKS, { toolVersion: "0.0.0-test", startedAt: snapshot.collectedAt, durationMs: 0 }),
        ),
      );
    },
    onUnreadable: (target) => unreadable.push(target.workspaceId),
  });
  return { reports, unreadable, result, reader, requests: fake.requests.slice(before) };
}

const everywhere = (via: FleetScope["via"], subscriptions: string[] = []): FleetScope => ({
  subscriptions,
  managementGroups: [],
  resourceGroups: [],
  tags: [],
  via,
});

describe("fleet verdicts equal single-workspace verdicts", () => {
  const fleet = generateFleetScenario({
    workspaces: 24,
    subscriptions: 3,
    seed: 7,
    failureShare: Object.fromEntries(SEED_FAILURES.map((id) => [id, 0.25])),
  });
  const subscriptions = [...new Set(fleet.workspaces.map((workspace) => workspace.subscriptionId))];
  let fake: FakeArm;
  let single: Map<string, Record<string, string[]>>;

  beforeAll(async () => {
    fake = await startFakeArm(fleet.scenario);
    single = await singlePath(fake, fleet);
  }, 120_000);
  afterAll(() => fake?.close());

  it("the single path itself finds each planted failure where it was planted (the comparison is not vacuous)", () => {
    for (const failure of SEED_FAILURES) {
      const failing = fleet.workspaces
        .filter((workspace) => single.get(workspace.id.toLowerCase())?.[failure]?.[0] === "fail")
        .map((workspace) => workspace.id);
      const planted = fleet.workspaces
        .filter((workspace) => workspace.planted.includes(failure))
        .map((workspace) => workspace.id);
      expect(failing.sort(), failure).toEqual(planted.sort());
      expect(planted.length).toBeGreaterThan(0);
    }
  });

  it("through Resource Graph: every workspace, the same verdicts, far fewer ARM reads", async () => {
    const run = await fleetPath(fake, everywhere("resource-graph"));
    expect(run.unreadable).toEqual([]);
    expect(run.result.found).toBe(fleet.workspaces.length);
    expect(run.result.errors).toEqual([]);
    expect(Object.fromEntries(run.reports)).toEqual(Object.fromEntries(single));
    // The sweep answered most reads: ARM GETs are the workspaces and what Resource Graph cannot give.
    expect(run.result.servedFromSweep).toBeGreaterThan(fleet.workspaces.length * 5);
    const graphPosts = run.requests.filter((entry) => entry.method === "POST" && /ResourceGraph/i.test(entry.path));
    expect(graphPosts.length).toBe(run.result.queries);
    expect(run.reader.graphRequests).toBe(graphPosts.length);
  });

  it("through ARM alone (--via arm): the same verdicts", async () => {
    const run = await fleetPath(fake, everywhere("arm", subscriptions));
    expect(run.requests.filter((entry) => /ResourceGraph/i.test(entry.path))).toEqual([]);
    expect(Object.fromEntries(run.reports)).toEqual(Object.fromEntries(single));
  });

  it("a failed dependency query: the fleet reads those resources from ARM and the verdicts hold", async () => {
    // The second Resource Graph query (the dependencies) fails every time; the first (workspaces) answers.
    const failing: Fault = {
      method: "POST",
      path: "/providers/Microsoft.ResourceGraph/resources$",
      status: 500,
      code: "InternalServerError",
    };
    const scenario: Scenario = { ...fleet.scenario, faults: [{ ...failing, status: undefined, times: 1 }, failing] };
    const broken = await startFakeArm(scenario);
    try {
      const run = await fleetPath(broken, everywhere("resource-graph"));
      expect(run.result.errors.map((error) => error.operation)).toEqual(["resource graph query"]);
      expect(run.result.servedFromSweep).toBe(0);
      expect(Object.fromEntries(run.reports)).toEqual(Object.fromEntries(single));
    } finally {
      await broken.close();
    }
  });

  it("types Resource Graph does not index (computes, DNS zone groups): listed through ARM, never taken for none; the verdicts hold", async () => {
    const unindexed = [
      "Microsoft.MachineLearningServices/workspaces/computes",
      "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
    ];
    const partial = await startFakeArm({ ...fleet.scenario, resourceGraph: { unindexedTypes: unindexed } });
    try {
      const run = await fleetPath(partial, everywhere("resource-graph"));
      expect(Object.fromEntries(run.reports)).toEqual(Object.fromEntries(single));
      const listed = (suffix: string) =>
        run.requests.filter(
          (entry) => entry.method === "GET" && entry.path.split("?")[0]!.toLowerCase().endsWith(suffix),
        ).length;
      // Every workspace's computes and every endpoint's zone groups were asked of ARM, the rest came from the sweep.
      expect(listed("/computes")).toBe(fleet.workspaces.length);
      expect(listed("/privatednszonegroups")).toBeGreaterThanOrEqual(fleet.workspaces.length);
      expect(listed("/virtualnetworks")).toBe(0);
    } finally {
      await partial.close();
    }
  });

  it("shared reads: a VNet, NSG or DNS zone used by many workspaces is read once per run", async () => {
    const run = await fleetPath(fake, everywhere("arm", subscriptions));
    const gets = run.requests
      .filter((entry) => entry.method === "GET")
      .map((entry) => entry.path.split("?")[0]!.toLowerCase());
    const twice = gets.filter((path, index) => gets.indexOf(path) !== index);
    expect(twice).toEqual([]);
  });
});

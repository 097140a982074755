// `preflight fleet` (and `preflight --all`) as a user runs it: the built CLI against a generated
// fleet on the fake ARM. What it finds is judged against what the generator planted, and every
// scope flag, the saved fleet snapshot, failures and each report format are exercised.

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Ajv } from "ajv";
import { parse as parseTestResults } from "test-results-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FleetReport } from "../../src/engine/fleet.js";
import { SEED_FAILURES } from "../fake-arm/fleet-failures.js";
import { generateFleetScenario, MANAGEMENT_GROUPS, type FleetScenario } from "../fake-arm/fleet-scenario.js";
import type { Scenario } from "../fake-arm/scenario.js";
import { e2eSession, expectReadOnlyRuns, expectUsageError, pathOf, readLog, type Fake } from "./support.js";
import { ROOT } from "./run-cli.js";

const session = e2eSession("preflight-fleet-e2e-");
const fleet: FleetScenario = generateFleetScenario({
  workspaces: 16,
  subscriptions: 3,
  seed: 11,
  failureShare: Object.fromEntries(SEED_FAILURES.map((id) => [id, 0.25])),
});
const subscriptions = [...new Set(fleet.workspaces.map((workspace) => workspace.subscriptionId))].sort();

const ajv = new Ajv({ strict: false, validateFormats: false });
ajv.addSchema(JSON.parse(await readFile(join(ROOT, "reports/report.schema.json"), "utf8")) as object);
const validateFleet = ajv.compile(
  JSON.parse(await readFile(join(ROOT, "reports/fleet-report.schema.json"), "utf8")) as object,
);

function parseFleet(text: string): FleetReport {
  const fleetReport = JSON.parse(text) as FleetReport;
  expect(validateFleet(fleetReport), JSON.stringify(validateFleet.errors?.slice(0, 3))).toBe(true);
  return fleetReport;
}

/** workspace ID (lower case) → check id → status. */
function verdicts(report: FleetReport): Record<string, Record<string, string>> {
  return Object.fromEntries(
    report.workspaces.map((workspace) => [
      workspace.target.workspaceId.toLowerCase(),
      Object.fromEntries(workspace.checks.map((check) => [check.id, check.status])),
    ]),
  );
}

const ids = (workspaces: ReadonlyArray<{ id: string }>) =>
  workspaces.map((workspace) => workspace.id.toLowerCase()).sort();
const reportIds = (report: FleetReport) =>
  report.workspaces.map((workspace) => workspace.target.workspaceId.toLowerCase()).sort();

/** Every string of the scenario's key actions long enough to be a key: none may be printed or saved. */
function plantedSecrets(scenario: Scenario): string[] {
  const out: string[] = [];
  const walk = (node: unknown): void => {
    if (typeof node === "string" && node.length >= 16) out.push(node);
    else if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === "object") Object.values(node).forEach(walk);
  };
  walk(scenario.actions);
  return out.filter((value) => !value.startsWith("/") && !/^\d{4}-\d\d-\d\dT/.test(value));
}

describe("preflight fleet", () => {
  let fake: Fake;
  let everything: FleetReport;

  beforeAll(async () => {
    fake = await session.fakeArm(fleet.scenario);
  });
  afterAll(async () => {
    expectReadOnlyRuns(await session.allRequests(), session.runs);
  });

  it("audits every workspace in reach: the planted failures fail, the rest pass; exit 1; nothing on stderr when it is not a terminal", async () => {
    const result = await session.live(fake, ["fleet", "--format", "json"]);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toBe("");
    everything = parseFleet(result.stdout);
    expect(everything.summary.workspaces).toBe(fleet.workspaces.length);
    expect(reportIds(everything)).toEqual(ids(fleet.workspaces));
    for (const failure of SEED_FAILURES) {
      const failing = everything.workspaces.filter(
        (workspace) => workspace.checks.find((check) => check.id === failure)?.status === "fail",
      );
      expect(failing.map((workspace) => workspace.target.workspaceId.toLowerCase()).sort(), failure).toEqual(
        ids(fleet.workspaces.filter((workspace) => workspace.planted.includes(failure))),
      );
      expect(everything.summary.checks.find((check) => check.id === failure)?.counts.fail).toBe(failing.length);
    }
    const clean = fleet.workspaces.filter((workspace) => workspace.planted.length === 0);
    expect(clean.length).toBeGreaterThan(0);
    expect(everything.summary.byWorstStatus.fail).toBe(fleet.workspaces.length - clean.length);
    expect(everything.summary.byWorstStatus.pass).toBe(clean.length);
    // Worst first: every failing workspace comes before every passing one.
    const statuses = everything.workspaces.map((workspace) => workspace.summary.fail > 0);
    expect(statuses.indexOf(false)).toBe(statuses.lastIndexOf(true) + 1);
    expect(everything.collection.requests.resourceGraph).toBeGreaterThan(0);
    expect(everything.collection.resourceGraph.rows).toBeGreaterThan(fleet.workspaces.length);
    expect(everything.collection.errors).toEqual([]);
    expect(everything.scope).toEqual({
      subscriptions: [],
      managementGroups: [],
      resourceGroups: [],
      tags: [],
      via: "resource-graph",
    });
  });

  it("`preflight --all` is the same audit", async () => {
    const result = await session.live(fake, ["--all", "--format", "json"]);
    expect(result.code).toBe(1);
    expect(verdicts(parseFleet(result.stdout))).toEqual(verdicts(everything));
  });

  it("--via arm reads every workspace on its own and reaches the same verdicts", async () => {
    const result = await session.live(fake, [
      "fleet",
      "--via",
      "arm",
      ...subscriptions.flatMap((id) => ["--subscription", id]),
      "--format",
      "json",
    ]);
    expect(result.code).toBe(1);
    const viaArm = parseFleet(result.stdout);
    expect(viaArm.collection.requests.resourceGraph).toBe(0);
    expect(viaArm.collection.requests.arm).toBeGreaterThan(everything.collection.requests.arm);
    expect(verdicts(viaArm)).toEqual(verdicts(everything));
  });

  it("scope: --subscription (repeatable and comma-separated), --management-group, --resource-group, --tag", async () => {
    const two = subscriptions.slice(0, 2);
    const bySubscription = parseFleet(
      (await session.live(fake, ["fleet", "--subscription", two.join(","), "--format", "json"])).stdout,
    );
    expect(reportIds(bySubscription)).toEqual(
      ids(fleet.workspaces.filter((workspace) => two.includes(workspace.subscriptionId))),
    );
    expect(bySubscription.scope.subscriptions).toEqual(two);

    const prodSubscriptions =
      (fleet.scenario as Scenario & { managementGroups: Record<string, string[]> }).managementGroups[
        MANAGEMENT_GROUPS.prod
      ] ?? [];
    const byGroup = parseFleet(
      (await session.live(fake, ["fleet", "--management-group", MANAGEMENT_GROUPS.prod, "--format", "json"])).stdout,
    );
    expect(reportIds(byGroup)).toEqual(
      ids(
        fleet.workspaces.filter((workspace) =>
          prodSubscriptions.map((id) => id.toLowerCase()).includes(workspace.subscriptionId.toLowerCase()),
        ),
      ),
    );
    expect(byGroup.summary.workspaces).toBeGreaterThan(0);
    expect(byGroup.summary.workspaces).toBeLessThan(fleet.workspaces.length);

    const group = fleet.workspaces[0]!.resourceGroup;
    const byGroupName = parseFleet(
      (await session.live(fake, ["fleet", "-g", group.toUpperCase(), "--format", "json"])).stdout,
    );
    expect(reportIds(byGroupName)).toEqual(
      ids(fleet.workspaces.filter((workspace) => workspace.resourceGroup.toLowerCase() === group.toLowerCase())),
    );

    const team = fleet.workspaces[1]!.tags.team!;
    const byTag = parseFleet(
      (
        await session.live(fake, [
          "fleet",
          "--tag",
          `team=${team.toUpperCase()}`,
          "--tag",
          "env=prod",
          "--format",
          "json",
        ])
      ).stdout,
    );
    expect(reportIds(byTag)).toEqual(
      ids(fleet.workspaces.filter((workspace) => workspace.tags.team === team && workspace.tags.env === "prod")),
    );
    // The filters are the sweep's own query, and the verdicts do not depend on the scope.
    for (const [id, checks] of Object.entries(verdicts(byTag))) expect(checks).toEqual(verdicts(everything)[id]);
  });

  it("--via arm applies --resource-group and --tag as the Resource Graph query does", async () => {
    const team = fleet.workspaces[2]!.tags.team!;
    const group = fleet.workspaces[2]!.resourceGroup;
    const args = ["fleet", "--via", "arm", "--subscription", subscriptions.join(","), "--format", "json"];
    const byTag = parseFleet((await session.live(fake, [...args, "--tag", `team=${team.toUpperCase()}`])).stdout);
    expect(reportIds(byTag)).toEqual(ids(fleet.workspaces.filter((workspace) => workspace.tags.team === team)));
    const byGroup = parseFleet((await session.live(fake, [...args, "-g", group.toUpperCase()])).stdout);
    expect(reportIds(byGroup)).toEqual(ids(fleet.workspaces.filter((workspace) => workspace.resourceGroup === group)));
    // The tag's key as written: another casing of it matches nothing, on either path.
    expectUsageError(await session.live(fake, [...args, "--tag", `TEAM=${team}`]), /no workspace found/);
    expectUsageError(await session.live(fake, ["fleet", "--tag", `TEAM=${team}`]), /no workspace found/);
  });

  it("--save-snapshot writes every workspace without a secret; `audit --snapshot` gives the same verdicts offline", async () => {
    const dir = await session.scratch("fleet-snapshot-");
    const file = join(dir, "fleet.json");
    const live = await session.live(fake, ["fleet", "--save-snapshot", file, "--format", "json"]);
    expect(live.code).toBe(1);
    expect(live.stderr).toMatch(/wrote the snapshot of 16 workspaces/);
    const saved = await readFile(file, "utf8");
    const secrets = plantedSecrets(fleet.scenario);
    expect(secrets.length).toBeGreaterThan(fleet.workspaces.length);
    expect(secrets.filter((secret) => saved.includes(secret))).toEqual([]);
    expect(secrets.filter((secret) => live.stdout.includes(secret))).toEqual([]);
    const offline = await session.cli(["audit", "--snapshot", file, "--format", "json"]);
    expect(offline.code).toBe(1);
    const again = parseFleet(offline.stdout);
    expect(verdicts(again)).toEqual(verdicts(parseFleet(live.stdout)));
    expect(again.collection.requests).toEqual(parseFleet(live.stdout).collection.requests);
  });

  it("text, markdown, junit (a suite per workspace) and sarif from one run", async () => {
    const dir = await session.scratch("fleet-formats-");
    const result = await session.live(fake, [
      "fleet",
      "--out",
      join(dir, "fleet.txt"),
      "--report",
      `junit=${join(dir, "fleet.xml")}`,
      "--report",
      `markdown=${join(dir, "fleet.md")}`,
      "--report",
      `sarif=${join(dir, "fleet.sarif")}`,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /16 workspaces \(\d+ fail, \d+ pass\)\nexit 1: \d+ workspaces at or above --fail-on fail/,
    );
    const text = await readFile(join(dir, "fleet.txt"), "utf8");
    expect(text).toContain("16 workspaces");
    const junit = parseTestResults({ type: "junit", files: [join(dir, "fleet.xml")] });
    expect(junit.suites).toHaveLength(16);
    const sarif = JSON.parse(await readFile(join(dir, "fleet.sarif"), "utf8")) as {
      runs: Array<{ results: unknown[] }>;
    };
    expect(sarif.runs).toHaveLength(1);
    expect(sarif.runs[0]!.results.length).toBeGreaterThan(0);
    expect(await readFile(join(dir, "fleet.md"), "utf8")).toMatch(/<details>/);
  });

  it("--progress draws whole lines when stderr is not a terminal", async () => {
    const result = await session.live(fake, ["fleet", "--progress", "--format", "json"]);
    const lines = result.stderr.trim().split("\n");
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.at(-1)).toBe("preflight: 16/16 workspaces read and audited");
    for (const line of lines) expect(line).toMatch(/^preflight: \d+\/16 workspaces read and audited$/);
  });
});

describe("preflight fleet when things go wrong", () => {
  it("a workspace that cannot be read is unknown on every check, named with the reason; the others are audited", async () => {
    const victim = fleet.workspaces.find((workspace) => workspace.planted.length === 0)!;
    const fake = await session.fakeArm({
      ...fleet.scenario,
      faults: [{ method: "GET", path: `${victim.id}$`, status: 403, code: "AuthorizationFailed" }],
    });
    const file = join(await session.scratch("fleet-unreadable-"), "fleet.json");
    const result = await session.live(fake, [
      "fleet",
      "--format",
      "json",
      "--fail-on",
      "unknown",
      "--save-snapshot",
      file,
    ]);
    expect(result.code).toBe(1);
    const report = parseFleet(result.stdout);
    const entry = report.workspaces.find(
      (workspace) => workspace.target.workspaceId.toLowerCase() === victim.id.toLowerCase(),
    )!;
    expect(new Set(entry.checks.map((check) => check.status))).toEqual(new Set(["unknown"]));
    const finding = entry.checks[0]!.findings[0]!;
    expect(finding.messageId).toBe("workspace-unreadable");
    expect(finding.message).toMatch(/403|AuthorizationFailed|not allowed/);
    // The workspace's failed read, shown and fixed as any failed read is.
    expect(finding.evidence).toMatchObject({
      operation: "workspace get",
      statusCode: 403,
      code: "AuthorizationFailed",
      missingPermission: "Microsoft.MachineLearningServices/workspaces/read",
    });
    expect(finding.remediation).toBe(
      `Grant the identity running preflight Microsoft.MachineLearningServices/workspaces/read (Reader covers reads) on ${entry.target.workspaceId}, then run again.`,
    );
    expect(report.summary.byWorstStatus.unknown).toBe(1);
    expect(report.summary.workspaces).toBe(fleet.workspaces.length);
    // The saved fleet keeps the failed read: offline, the finding is the same.
    const offline = parseFleet((await session.cli(["audit", "--snapshot", file, "--format", "json"])).stdout);
    const again = offline.workspaces.find((workspace) => workspace.target.workspaceId === entry.target.workspaceId)!;
    expect(again.checks[0]!.findings[0]).toMatchObject({
      evidence: finding.evidence,
      remediation: finding.remediation,
    });
  });

  it("ARM throttling: reads are paced by the remaining-reads header and 429s are waited out; no read is lost", async () => {
    const fake = await session.fakeArm({ ...fleet.scenario, throttle: { capacity: 40, refillPerSecond: 80 } });
    const result = await session.live(
      fake,
      ["fleet", "--via", "arm", ...subscriptions.flatMap((id) => ["--subscription", id]), "--format", "json"],
      { timeoutMs: 90_000 },
    );
    expect(result.code, result.stderr).toBe(1);
    const report = parseFleet(result.stdout);
    expect(report.workspaces.flatMap((workspace) => workspace.collection.errors)).toEqual([]);
    const log = await readLog(fake.logFile);
    const gets = log.filter((entry) => entry.method === "GET");
    // Far more reads than one bucket holds, yet few (if any) were refused: the pacing kept ahead of the bucket.
    expect(gets.length).toBeGreaterThan(3 * 40);
    expect(gets.filter((entry) => entry.status === 429).length).toBeLessThan(gets.length / 10);
  });

  it("ARM's write bucket: the key POSTs are estimated first, paced by the writes header, and the report records the floor", async () => {
    // One subscription, ARM's real buckets: more key POSTs than the write bucket's 200.
    const big = generateFleetScenario({ workspaces: 90, subscriptions: 1, seed: 3, failureShare: { "key-sync": 0.2 } });
    const fake = await session.fakeArm({ ...big.scenario, throttle: true });
    const result = await session.live(fake, ["fleet", "--progress", "--format", "json"], { timeoutMs: 90_000 });
    expect(result.code, result.stderr).toBe(1);
    const report = parseFleet(result.stdout);
    const log = await readLog(fake.logFile);
    const posts = log.filter((entry) => entry.method === "POST" && !/ResourceGraph/i.test(entry.path));
    // The estimate counts the POSTs planned; a 429 and its retry are one of them.
    const planned = posts.filter((entry) => entry.status !== 429).length;
    expect(planned).toBeGreaterThan(200);
    const estimate = result.stderr.split("\n").find((line) => line.includes("key comparisons"));
    expect(estimate).toBe(
      `preflight: key comparisons: ${planned} POSTs over 1 subscription, about ${Math.ceil((planned - 200) / 10)} s at ARM's write limit`,
    );
    expect(report.summary.workspaces).toBe(90);
    const keySync = report.workspaces.map(
      (workspace) => workspace.checks.find((check) => check.id === "key-sync")?.status,
    );
    expect(keySync.filter((status) => status === "fail")).toHaveLength(18);
    expect(keySync).not.toContain("unknown");
    expect(log.filter((entry) => entry.status === 429).length).toBeLessThanOrEqual(Math.ceil(log.length * 0.02));
    const reads = log.filter((entry) => entry.method === "GET" && entry.status !== 429).length;
    const writes = planned;
    const floor = Math.round(Math.max(0, (reads - 250) / 25, (writes - 200) / 10) * 10) / 10;
    expect(report.collection.throttling).toMatchObject({
      floorSeconds: floor,
      estimate: { posts: planned, subscriptions: 1 },
      subscriptions: [{ reads, writes, floorSeconds: floor }],
    });
    expect(report.collection.keyComparisons?.requests["workspace listKeys"]).toBe(90);
  });

  it("Resource Graph refuses the query: exit 2, one line naming what to grant", async () => {
    const fake = await session.fakeArm({
      ...fleet.scenario,
      faults: [{ method: "POST", path: "ResourceGraph/resources$", status: 403, code: "AuthorizationFailed" }],
    });
    const result = await session.live(fake, ["fleet"]);
    expectUsageError(result, /Resource Graph refused the query \(403 AuthorizationFailed\): grant Reader/);
  });

  it("nothing in scope, and bad flags: exit 2 with one line", async () => {
    const fake = await session.fakeArm(fleet.scenario);
    expectUsageError(
      await session.live(fake, ["fleet", "--tag", "team=nobody"]),
      /no workspace found in the subscriptions the credential can see \(tag team=nobody\)/,
    );
    expectUsageError(await session.live(fake, ["fleet", "--via", "arm"]), /--via arm needs --subscription/);
    expectUsageError(await session.live(fake, ["fleet", "--tag", "novalue"]), /--tag "novalue" must be key=value/);
    expectUsageError(
      await session.live(fake, ["fleet", "--subscription", subscriptions[0]!, "--management-group", "mg"]),
      /not both/,
    );
    expectUsageError(await session.live(fake, ["--all", "--workspace", "x"]), /drop --workspace/);
    expectUsageError(await session.live(fake, ["fleet", "--concurrency", "0"]), /--concurrency must be/);
    const requests = await readLog(fake.logFile);
    // Only the first run got as far as asking; the usage errors sent nothing.
    expect(new Set(requests.map((entry) => pathOf(entry)))).toEqual(
      new Set(["/providers/Microsoft.ResourceGraph/resources"]),
    );
  });
});

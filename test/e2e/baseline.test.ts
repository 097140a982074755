// End to end, the built CLI against the fake ARM: yesterday's JSON report as --baseline for today's
// audit (the workspace changed in between), and `preflight diff` of two collected snapshots. What is
// wrong with a baseline or a diff's input is one line and exit 2, before anything is read from ARM;
// no key of the scenarios is in any output.

import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Ajv } from "ajv";
import { beforeAll, describe, expect, test } from "vitest";
import type { Scenario } from "../fake-arm/scenario.js";
import { byName, demoScenario, denyMovedScenario, healthyScenario } from "../harness.js";
import { ROOT } from "./run-cli.js";
import { STORAGE_ID, SUB, TARGET, e2eSession, expectUsageError, parseReport, readLog, type Fake } from "./support.js";

const session = e2eSession("preflight-baseline-");
let dir = "";
let demo: Fake;
/** Yesterday's audit of the demo workspace, as a pipeline keeps it. */
let yesterday = "";

const validateDiff = new Ajv({ strict: false, allErrors: true }).compile(
  JSON.parse(await readFile(join(ROOT, "reports/diff/diff-report.schema.json"), "utf8")) as object,
);

/** The demo workspace after someone ran `az ml workspace sync-keys`: key-sync's failure is gone. */
function keysSynced(): Scenario {
  const scenario = demoScenario();
  scenario.actions = {
    ...scenario.actions,
    [`${STORAGE_ID}/listKeys`]: (healthyScenario().actions ?? {})[`${STORAGE_ID}/listKeys`],
  };
  return scenario;
}

/** Every key and password the scenarios answer listKeys/listCredentials with. */
function plantedSecrets(): string[] {
  const values: string[] = [];
  const visit = (node: unknown, key = ""): void => {
    if (typeof node === "string" && /^(value|password|primaryKey|secondaryKey)$/i.test(key) && node.length >= 16)
      values.push(node);
    else if (Array.isArray(node)) node.forEach((item) => visit(item, key));
    else if (node && typeof node === "object") for (const [k, v] of Object.entries(node)) visit(v, k);
  };
  for (const scenario of [demoScenario(), healthyScenario()]) visit(scenario.actions);
  return values;
}

beforeAll(async () => {
  dir = await session.scratch("baseline-");
  demo = await session.fakeArm(demoScenario());
  yesterday = join(dir, "yesterday.json");
  const run = await session.live(demo, [...TARGET, "-o", "json", "--out", yesterday]);
  expect(run.code, run.stderr).toBe(1);
});

describe.concurrent("--baseline yesterday.json", () => {
  test("the same workspace today: every failure unchanged, --fail-on-new exits 0, and says why", async () => {
    const run = await session.live(demo, [...TARGET, "--baseline", yesterday, "--fail-on-new"]);
    expect(run.code, run.stderr).toBe(0);
    // The header wraps a long path: read it unwrapped.
    expect(run.stdout.replace(/\n +/g, " ")).toMatch(
      / baseline \S*yesterday\.json \(audit of \S+\): 0 new, 15 unchanged, 0 fixed /m,
    );
    expect(run.stdout.replace(/\n +/g, " ")).toMatch(
      /^exit 0: no new finding at or above --fail-on fail \(--fail-on-new; 15 findings unchanged since the baseline\)$/m,
    );
    expect(run.stdout).not.toMatch(/new: /);
    // Without --fail-on-new, the failures still fail the run.
    const plain = await session.live(demo, [...TARGET, "--baseline", yesterday]);
    expect(plain.code).toBe(1);
  });

  test("keys synced since: key-sync listed as fixed, the rest unchanged, JSON schema-valid", async () => {
    const today = await session.fakeArm(keysSynced());
    const run = await session.live(today, [...TARGET, "--baseline", yesterday, "--fail-on-new", "-o", "json"]);
    expect(run.code, run.stderr).toBe(0);
    const report = parseReport(run.stdout) as unknown as {
      baseline: { new: number; unchanged: number; failOnNew: boolean; fixed: Array<{ check: string; status: string }> };
      checks: Array<{ id: string; findings: Array<{ status: string; baseline?: string; fingerprint?: string }> }>;
    };
    expect(report.baseline).toMatchObject({ new: 0, unchanged: 14, failOnNew: true });
    expect(report.baseline.fixed.map((fixed) => [fixed.check, fixed.status])).toEqual([["key-sync", "fail"]]);
    const failing = report.checks.flatMap((check) => check.findings).filter((finding) => finding.status === "fail");
    expect(failing.map((finding) => finding.baseline)).toEqual(failing.map(() => "unchanged"));
    expect(report.checks.flatMap((check) => check.findings).every((finding) => finding.fingerprint)).toBe(true);
    // The text says the same, with the fixed one named.
    const text = await session.live(today, [...TARGET, "--baseline", yesterday]);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^1 finding of the baseline fixed\n {2}✓ key-sync: /m);
  });

  test("a new deny rule since: the new problem marked, --fail-on-new exits 1 naming its check", async () => {
    const scenario = demoScenario();
    byName(scenario, "/networkSecurityGroups/training-nsg").properties.securityRules.push({
      id: `${byName(scenario, "/networkSecurityGroups/training-nsg").id}/securityRules/DenySmbOut`,
      name: "DenySmbOut",
      properties: {
        priority: 101,
        direction: "Outbound",
        access: "Deny",
        protocol: "*",
        sourceAddressPrefix: "*",
        sourcePortRange: "*",
        destinationAddressPrefix: "VirtualNetwork",
        destinationPortRange: "445",
      },
    });
    const today = await session.fakeArm(scenario);
    const sarif = join(dir, "new.sarif");
    const run = await session.live(today, [
      ...TARGET,
      "--baseline",
      yesterday,
      "--fail-on-new",
      "--report",
      `sarif=${sarif}`,
    ]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/: 1 new, 15 unchanged, 0 fixed$/m);
    expect(run.stdout).toMatch(/^✗ new: NSG rule DenySmbOut/m);
    expect(run.stdout).toMatch(
      /^exit 1: 1 new finding at or above --fail-on fail \(--fail-on-new\): in required-outbound$/m,
    );
    const log = JSON.parse(await readFile(sarif, "utf8")) as {
      runs: Array<{ results: Array<{ baselineState: string }> }>;
    };
    expect(log.runs[0]?.results.map((result) => result.baselineState).sort()).toEqual([
      "new",
      "unchanged",
      "unchanged",
      "unchanged",
    ]);
  });

  test("an offline audit of a snapshot takes a baseline too", async () => {
    const snapshot = join(dir, "today.snapshot.json");
    expect((await session.live(demo, ["collect", ...TARGET, "--out", snapshot])).code).toBe(0);
    const run = await session.cli([
      "audit",
      "--snapshot",
      snapshot,
      "--baseline",
      yesterday,
      "--fail-on-new",
      "-o",
      "markdown",
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/\|Baseline\|.*yesterday\.json \(audit of \S+\): 0 new, 15 unchanged, 0 fixed\|/);
    expect(run.stdout).toContain("## Fixed since the baseline\n\nNone: no problem of the baseline is gone.");
  });
});

describe.concurrent("a baseline that cannot be one: exit 2, one line, nothing read from ARM", () => {
  test.each([
    ["missing", () => join(dir, "nope.json"), /cannot read --baseline .*nope\.json: no such file/],
    ["not JSON", async () => writeIn("notjson.json", "not json"), /--baseline .*notjson\.json is not JSON/],
    [
      "a snapshot",
      async () => writeIn("snap.json", JSON.stringify({ schemaVersion: 1, resources: [] })),
      /is a snapshot, not a report/,
    ],
    [
      "another tool's report",
      async () => writeIn("other.json", JSON.stringify({ tool: { name: "x" }, checks: [] })),
      /is not a preflight JSON report/,
    ],
    [
      "another workspace's report",
      async () => {
        const report = JSON.parse(await readFile(yesterday, "utf8")) as {
          target: { workspace: string; workspaceId: string };
        };
        report.target.workspace = "ml-other";
        report.target.workspaceId = report.target.workspaceId.replace(/ml-research$/, "ml-other");
        return writeIn("other-ws.json", JSON.stringify(report));
      },
      /--baseline .*other-ws\.json is a report of .*\/ml-other, not of --workspace ml-research/,
    ],
  ])("%s", async (_name, file, message) => {
    const fake = await session.fakeArm(demoScenario());
    const run = await session.live(fake, [...TARGET, "--baseline", await file(), "--fail-on-new"]);
    expectUsageError(run, message);
    expect(await readLog(fake.logFile)).toEqual([]);
  });

  test("--fail-on-new without --baseline", async () => {
    const run = await session.cli([...TARGET, "--fail-on-new"]);
    expectUsageError(run, /--fail-on-new needs --baseline REPORT\.json/);
  });

  test("a fleet snapshot with --baseline", async () => {
    const fleet = join(dir, "fleet.snapshot.json");
    const saved = await session.live(demo, ["fleet", "--subscription", SUB, "--save-snapshot", fleet, "-o", "json"]);
    expect(saved.code, saved.stderr).toBe(1);
    expectUsageError(
      await session.cli(["audit", "--snapshot", fleet, "--baseline", yesterday]),
      /--baseline compares one workspace's reports; .*fleet\.snapshot\.json is a fleet snapshot/,
    );
  });
});

async function writeIn(name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

describe.concurrent("preflight diff", () => {
  let before = "";
  let after = "";
  beforeAll(async () => {
    before = join(dir, "before.snapshot.json");
    after = join(dir, "after.snapshot.json");
    const [a, b] = await Promise.all([session.fakeArm(healthyScenario()), session.fakeArm(denyMovedScenario())]);
    const runs = await Promise.all([
      session.live(a, ["collect", ...TARGET, "--out", before]),
      session.live(b, ["collect", ...TARGET, "--out", after]),
    ]);
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
  });

  test("two snapshots: names the NSG rule, the property that moved and the checks that got worse; exit 1", async () => {
    const run = await session.cli(["diff", before, after]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toBe("");
    expect(run.stdout).toContain("What changed: 1 resource changed, 0 added, 0 removed\n");
    expect(run.stdout).toContain(
      "  ~ network security group training-nsg\n      DenyInternetOut priority 4000 → 105\n",
    );
    expect(run.stdout).toMatch(
      /^ {2}✗ service-tags-outbound {2}pass → fail {2}\(worse\)\n {6}because training-nsg: DenyInternetOut priority 4000 → 105:$/m,
    );
    expect(run.stdout).toContain("✗ training → AzureFrontDoor.FirstParty TCP 443: pass → fail (allowed → blocked)");
    expect(run.stdout).toMatch(/\nexit 1: 2 checks got worse: required-outbound, service-tags-outbound\n$/);
  });

  test("the other way round: better, exit 0", async () => {
    const run = await session.cli(["diff", after, before]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/\nexit 0: no check got worse \(2 better\)\n$/);
  });

  test("JSON (schema-valid) and Markdown, to stdout and to a file", async () => {
    const json = await session.cli(["diff", before, after, "-o", "json"]);
    expect(json.code).toBe(1);
    const diff: unknown = JSON.parse(json.stdout);
    expect(validateDiff(diff), JSON.stringify(validateDiff.errors)).toBe(true);
    expect(diff).toMatchObject({
      kind: "diff",
      worse: ["required-outbound", "service-tags-outbound"],
      resources: {
        changed: [{ name: "training-nsg", changes: [{ label: "DenyInternetOut priority", before: 4000, after: 105 }] }],
      },
    });
    const file = join(dir, "drift.md");
    const markdown = await session.cli(["diff", before, after, "--out", file]);
    expect(markdown.code).toBe(1);
    expect(markdown.stdout).toBe("");
    expect(markdown.stderr).toMatch(
      /^diff of ml-research: 1 resource changed, 0 added, 0 removed; 2 checks worse, 0 better, 0 otherwise changed\nexit 1: /,
    );
    const page = await readFile(file, "utf8");
    expect(page).toContain("|changed|network security group `training-nsg`|`DenyInternetOut priority`|`4000`|`105`|");
  });

  test("two JSON reports: verdicts only, and it says so", async () => {
    const a = join(dir, "a.report.json");
    const b = join(dir, "b.report.json");
    for (const [snapshot, report] of [
      [before, a],
      [after, b],
    ] as const)
      await session.cli(["audit", "--snapshot", snapshot, "-o", "json", "--out", report]);
    const run = await session.cli(["diff", a, b]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/^Resources not compared: .*a\.report\.json and .*b\.report\.json are reports/m);
    expect(run.stdout).toMatch(/exit 1: 2 checks got worse: required-outbound, service-tags-outbound\n$/);
  });

  test.each([
    [["diff", "only-one.json"], /diff needs two files: preflight diff BEFORE AFTER/],
    [["diff", "nope-a.json", "nope-b.json"], /cannot read nope-[ab]\.json: no such file/],
    [["diff", "-", "b.json"], /diff reads two files, not standard input/],
  ])("%j: exit 2", async (args, message) => {
    expectUsageError(await session.cli(args), message);
  });

  test("a file that is neither, and two workspaces: exit 2", async () => {
    const junk = await writeIn("junk.json", JSON.stringify({ hello: "world" }));
    expectUsageError(await session.cli(["diff", junk, before]), /junk\.json is neither a snapshot nor a JSON report/);
    const other = JSON.parse(await readFile(before, "utf8")) as { target: { workspaceId: string } };
    other.target.workspaceId = other.target.workspaceId.replace(/ml-research$/, "ml-other");
    const otherFile = await writeIn("other.snapshot.json", JSON.stringify(other));
    expectUsageError(await session.cli(["diff", otherFile, after]), /diff compares two states of one workspace/);
  });
});

test("no key or password of the scenarios in any output of this file", async () => {
  const secrets = plantedSecrets();
  expect(secrets.length).toBeGreaterThan(0);
  for (const run of session.runs)
    for (const secret of secrets) {
      expect(run.stdout).not.toContain(secret);
      expect(run.stderr).not.toContain(secret);
    }
});

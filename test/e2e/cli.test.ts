// End to end: the built CLI (`node bin/preflight.js`), spawned as a user would with a minimal
// environment, against the fake ARM on 127.0.0.1. Each case asserts the exit code, the output
// and, across the whole file, the request log (reads only; POSTs only to listKeys/listCredentials).
// Build first (`npx tsc -p tsconfig.json`; `npm test` does it through pretest).

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { CHECKS } from "../../checks/index.js";
import { FORMATS } from "../../reports/formats.js";
import type { RequestLogEntry } from "../fake-arm/server.js";
import type { Scenario } from "../fake-arm/scenario.js";
import { byName, demoScenario, healthyScenario } from "../harness.js";
import { BIN, ROOT, randomSecret } from "./run-cli.js";
import {
  ALL_IDS,
  REGISTRY_ID,
  RG,
  STORAGE_ID,
  SUB,
  TARGET,
  WORKSPACE_ID,
  WS,
  e2eSession,
  expectReadOnlyRuns,
  expectUsageError,
  parseReport,
  pathOf,
  readLog,
  statuses,
  validateSnapshot,
  type ReportJson,
} from "./support.js";

const CONTRACT_FORMATS = ["text", "json", "junit", "sarif", "markdown"];
const DEMO_FAILING = ["acr-vnet-image-build", "key-sync", "required-outbound", "service-tags-outbound"];
/** Checks that do not apply to the healthy and demo workspaces (their own VNet; no --diagnose). */
const NOT_APPLICABLE = ["managed-network", "workspace-diagnose"];
const N = ALL_IDS.length;
/** The summary line of a healthy run. */
const HEALTHY_SUMMARY = `${N} checks: 0 fail, 0 unknown, 0 warn, ${N - NOT_APPLICABLE.length} pass, ${NOT_APPLICABLE.length} skip`;
/** The summary line of the demo. */
const DEMO_SUMMARY = `${N} checks: ${DEMO_FAILING.length} fail, 0 unknown, 0 warn, ${N - DEMO_FAILING.length - NOT_APPLICABLE.length} pass, ${NOT_APPLICABLE.length} skip`;

const session = e2eSession("preflight-e2e-");
const { runs, scratch, fakeArm, cli, live } = session;
let work = "";
let logDir = "";
beforeAll(() => {
  work = session.work;
  logDir = session.logDir;
});

/** The healthy workspace with the storage account's key1 rotated `minutesAgo` minutes ago. */
function rotatedScenario(minutesAgo: number): Scenario {
  const scenario = healthyScenario();
  const keys = (scenario.actions ?? {})[`${STORAGE_ID}/listKeys`] as {
    keys: Array<{ value: string; creationTime: string }>;
  };
  const key1 = keys.keys[0];
  if (!key1) throw new Error("healthy scenario has no storage key1");
  key1.value = randomSecret();
  key1.creationTime = new Date(Date.now() - minutesAgo * 60_000).toISOString();
  return scenario;
}

/** The healthy workspace where reading the NSG is forbidden: service-tags-outbound is unknown. */
function nsgForbiddenScenario(): Scenario {
  const scenario = healthyScenario();
  scenario.faults = [
    {
      method: "GET",
      path: "/networkSecurityGroups(/|$)",
      status: 403,
      code: "AuthorizationFailed",
      message:
        "The client does not have authorization to perform action 'Microsoft.Network/networkSecurityGroups/read'.",
    },
  ];
  return scenario;
}

describe.concurrent("live audit: exit 0 and 1", () => {
  test("healthy workspace, text: exit 0, every check and a summary line", async () => {
    const fake = await fakeArm(healthyScenario());
    const result = await live(fake, TARGET);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe("");
    for (const id of ALL_IDS)
      expect(result.stdout).toMatch(
        new RegExp(`^${NOT_APPLICABLE.includes(id) ? "- skip" : "✓ pass"}\\s+${id}\\s`, "m"),
      );
    // Names, not IDs: the ID is behind --verbose.
    expect(result.stdout).toMatch(
      /^aml-preflight \S+ · workspace ml-research \(ml-platform-rg, westeurope\) · live audit$/m,
    );
    expect(result.stdout).toMatch(/\(\d+ ARM requests in \d+\.\d s\)$/m);
    expect(result.stdout).not.toContain(WORKSPACE_ID);
    expect(result.stdout).toMatch(/^No problems: every check passed or does not apply\.$/m);
    expect(result.stdout).toMatch(new RegExp(`^${HEALTHY_SUMMARY}$`, "m"));
    // Passing findings are shown only with --verbose.
    expect(result.stdout).not.toMatch(/^ {2}✓ /m);
    // No colour when NO_COLOR is set (and stdout is a pipe anyway).
    expect(result.stdout).not.toContain("\u001b[");
  });

  test("healthy workspace, --format json: schema-valid, every applicable check passes, ticket echoed", async () => {
    const fake = await fakeArm(healthyScenario());
    const result = await live(fake, [...TARGET, "--format", "json", "--ticket", "INC-4242"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe("");
    const report = parseReport(result.stdout);
    expect(report.summary).toEqual({
      fail: 0,
      unknown: 0,
      warn: 0,
      pass: N - NOT_APPLICABLE.length,
      skip: NOT_APPLICABLE.length,
    });
    expect(report.checks.map((check) => check.id).sort()).toEqual([...ALL_IDS].sort());
    expect(report.target).toMatchObject({
      workspaceId: WORKSPACE_ID,
      subscriptionId: SUB,
      resourceGroup: RG,
      workspace: WS,
    });
    expect(report.ticket).toBe("INC-4242");
    expect(report.collection.errors).toEqual([]);
    expect(report.collection.requests).toBe((await readLog(fake.logFile)).length);
    for (const check of report.checks) expect(check.docs).toBe(`docs/checks/${check.id}.md`);
  });

  test("demo workspace: exit 1 with its failing checks in the JSON", async () => {
    const fake = await fakeArm(demoScenario());
    const result = await live(fake, [...TARGET, "--format", "json"]);
    expect(result.code, result.stderr).toBe(1);
    const report = parseReport(result.stdout);
    const failing = report.checks
      .filter((check) => check.status === "fail")
      .map((check) => check.id)
      .sort();
    expect(failing).toEqual(DEMO_FAILING);
    expect(report.summary).toEqual({
      fail: DEMO_FAILING.length,
      unknown: 0,
      warn: 0,
      pass: N - DEMO_FAILING.length - NOT_APPLICABLE.length,
      skip: NOT_APPLICABLE.length,
    });
    // Worst first.
    expect(report.checks.slice(0, DEMO_FAILING.length).map((check) => check.status)).toEqual(
      DEMO_FAILING.map(() => "fail"),
    );
    const keySync = report.checks.find((check) => check.id === "key-sync");
    expect(keySync?.findings.find((finding) => finding.status === "fail")).toMatchObject({
      messageId: "out-of-sync",
      resourceId: STORAGE_ID,
      remediation: expect.stringContaining("az ml workspace sync-keys"),
    });
  });

  test("demo workspace, text: exit 1, its root causes with their proven fixes", async () => {
    const fake = await fakeArm(demoScenario());
    const result = await live(fake, TARGET);
    expect(result.code, result.stderr).toBe(1);
    for (const id of DEMO_FAILING) expect(result.stdout).toMatch(new RegExp(`^✗ fail\\s+${id}\\s`, "m"));
    expect(result.stdout).toMatch(/^3 problems \(3 fail\); 3 fixes checked against this state/m);
    expect(result.stdout).toMatch(/^ {2}fix: az network nsg rule update .* -n DenyInternetOut --priority \d+$/m);
    expect(result.stdout).toMatch(/^ {2}fix: az ml workspace update .* --image-build-compute cpu-build$/m);
    expect(result.stdout).toMatch(/^ {2}fix: az ml workspace sync-keys -n ml-research /m);
    // The evidence and the check pages are behind --verbose.
    expect(result.stdout).not.toContain("decidingRule");
    expect(result.stdout).not.toContain("docs: docs/checks/key-sync.md");
    expect(result.stdout).toMatch(new RegExp(`^${DEMO_SUMMARY}$`, "m"));
  });

  test("an unknown (NSG read forbidden): exit 0 by default, 1 with --fail-on unknown and --fail-on warn", async () => {
    const fake = await fakeArm(nsgForbiddenScenario());
    const [plain, onUnknown, onWarn] = await Promise.all([
      live(fake, [...TARGET, "--format", "json"]),
      live(fake, [...TARGET, "--format", "json", "--fail-on", "unknown"]),
      live(fake, [...TARGET, "--format", "json", "--fail-on", "warn"]),
    ]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(onUnknown.code, onUnknown.stderr).toBe(1);
    // Statuses worst first are fail, unknown, warn: --fail-on warn also trips on unknown.
    expect(onWarn.code, onWarn.stderr).toBe(1);
    const report = parseReport(plain.stdout);
    expect(statuses(report)["service-tags-outbound"]).toBe("unknown");
    // The NSG decides required-outbound too.
    expect(statuses(report)["required-outbound"]).toBe("unknown");
    expect(report.summary).toEqual({
      fail: 0,
      unknown: 2,
      warn: 0,
      pass: N - 2 - NOT_APPLICABLE.length,
      skip: NOT_APPLICABLE.length,
    });
    expect(report.collection.errors).toEqual([
      expect.objectContaining({
        operation: "network security group get",
        statusCode: 403,
        code: "AuthorizationFailed",
        permission: "Microsoft.Network/networkSecurityGroups/read",
      }),
    ]);
    expect(parseReport(onUnknown.stdout)).toEqual(expect.objectContaining({ summary: report.summary }));
  });

  test("an unknown from a forbidden NSG read says which permission to grant", async () => {
    const fake = await fakeArm(nsgForbiddenScenario());
    const report = parseReport((await live(fake, [...TARGET, "--format", "json"])).stdout);
    const findings = report.checks.find((check) => check.id === "service-tags-outbound")?.findings ?? [];
    expect(findings.length).toBeGreaterThan(0);
    for (const finding of findings)
      expect(finding.remediation).toContain("Microsoft.Network/networkSecurityGroups/read");
  });

  test("a warn (storage key rotated 10 minutes ago): exit 0 by default and with --fail-on unknown, 1 with --fail-on warn", async () => {
    const fake = await fakeArm(rotatedScenario(10));
    const [plain, onWarn, onUnknown] = await Promise.all([
      live(fake, [...TARGET, "--format", "json"]),
      live(fake, [...TARGET, "--format", "json", "--fail-on", "warn"]),
      live(fake, [...TARGET, "--format", "json", "--fail-on", "unknown"]),
    ]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(onWarn.code, onWarn.stderr).toBe(1);
    expect(onUnknown.code, onUnknown.stderr).toBe(0);
    const report = parseReport(plain.stdout);
    expect(statuses(report)["key-sync"]).toBe("warn");
    expect(report.summary).toEqual({
      fail: 0,
      unknown: 0,
      warn: 1,
      pass: N - 1 - NOT_APPLICABLE.length,
      skip: NOT_APPLICABLE.length,
    });
    const finding = report.checks.find((check) => check.id === "key-sync")?.findings[0];
    expect(finding).toMatchObject({ status: "warn", messageId: "recently-rotated", resourceId: STORAGE_ID });
  });
});

describe.concurrent("exit 2: one line on stderr, no stack trace", () => {
  test("unknown --only id", async () => {
    const fake = await fakeArm(healthyScenario());
    const line = expectUsageError(await live(fake, [...TARGET, "--only", "no-such-check"]), /no-such-check/);
    for (const id of ALL_IDS) expect(line).toContain(id);
    expect(await readLog(fake.logFile)).toEqual([]);
  });

  test("unknown --skip id, even with --verbose", async () => {
    const fake = await fakeArm(healthyScenario());
    expectUsageError(await live(fake, [...TARGET, "--skip", "key-sync,nope", "--verbose"]), /"nope"/);
  });

  test("--format nope", async () => {
    const fake = await fakeArm(healthyScenario());
    expectUsageError(await live(fake, [...TARGET, "--format", "nope"]), /format.*nope/);
  });

  test("--fail-on nope", async () => {
    const fake = await fakeArm(healthyScenario());
    expectUsageError(await live(fake, [...TARGET, "--fail-on", "nope"]), /fail-on/);
  });

  test("no --workspace", async () => {
    expectUsageError(await cli([]), /workspace/);
  });

  test("unknown flag", async () => {
    const fake = await fakeArm(healthyScenario());
    expectUsageError(await live(fake, [...TARGET, "--frobnicate"]), /frobnicate/);
  });

  test("invalid workspace name", async () => {
    const fake = await fakeArm(healthyScenario());
    expectUsageError(
      await live(fake, ["--workspace", "a", "--subscription", SUB]),
      /"a" is not a valid workspace name/,
    );
    expect(await readLog(fake.logFile)).toEqual([]);
  });

  test("malformed resource ID in --workspace", async () => {
    const fake = await fakeArm(healthyScenario());
    const [truncated, wrongType] = await Promise.all([
      live(fake, ["--workspace", `/subscriptions/${SUB}/resourceGroups`]),
      live(fake, ["--workspace", STORAGE_ID]),
    ]);
    expectUsageError(truncated, /not a workspace resource ID/);
    expectUsageError(wrongType, /not a workspace resource ID/);
    expect(await readLog(fake.logFile)).toEqual([]);
  });

  test("workspace not found (404)", async () => {
    const fake = await fakeArm(healthyScenario());
    const missingId = WORKSPACE_ID.replace(/ml-research$/, "no-such-ws");
    const [byId, byName] = await Promise.all([
      live(fake, ["--workspace", missingId]),
      live(fake, ["--workspace", "no-such-ws", "--subscription", SUB, "--resource-group", RG]),
    ]);
    expectUsageError(byId, /workspace not found: .*no-such-ws/);
    expectUsageError(byName, /workspace not found: .*no-such-ws/);
  });

  test("workspace name not in the subscription: exit 2 naming the workspaces there", async () => {
    const fake = await fakeArm(healthyScenario());
    expectUsageError(
      await live(fake, ["--workspace", "no-such-ws", "--subscription", SUB]),
      new RegExp(`not found.*${RG}/${WS}`),
    );
  });

  test("workspace read forbidden (403) names the permission", async () => {
    const scenario = healthyScenario();
    scenario.faults = [
      {
        method: "GET",
        path: "/workspaces/ml-research$",
        status: 403,
        code: "AuthorizationFailed",
        message: "The client does not have authorization to perform this action.",
      },
    ];
    const fake = await fakeArm(scenario);
    expectUsageError(await live(fake, TARGET), /Microsoft\.MachineLearningServices\/workspaces\/read/);
  });

  test("listing the subscription's workspaces forbidden (403) names the permission", async () => {
    const scenario = healthyScenario();
    scenario.faults = [
      {
        method: "GET",
        path: "/providers/Microsoft.MachineLearningServices/workspaces$",
        status: 403,
        code: "AuthorizationFailed",
      },
    ];
    const fake = await fakeArm(scenario);
    expectUsageError(
      await live(fake, ["--workspace", WS, "--subscription", SUB]),
      /Microsoft\.MachineLearningServices\/workspaces\/read/,
    );
  });

  test("missing snapshot file", async () => {
    expectUsageError(
      await cli(["audit", "--snapshot", join(work, "does-not-exist.json")]),
      /does-not-exist\.json.*no such file/,
    );
  });

  test("unreadable snapshot (a directory where the file should be)", async () => {
    const folder = await scratch("snapshot-dir-");
    expectUsageError(await cli(["audit", "--snapshot", folder]), /cannot read snapshot .*a directory/);
  });

  test("snapshot whose collectedAt is not a date", async () => {
    const fake = await fakeArm(healthyScenario());
    const file = join(work, "bad-date.json");
    const collected = await live(fake, ["collect", ...TARGET, "--out", file]);
    expect(collected.code, collected.stderr).toBe(0);
    const snapshot = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
    await writeFile(file, JSON.stringify({ ...snapshot, collectedAt: "yesterday" }), "utf8");
    expectUsageError(await cli(["audit", "--snapshot", file]), /collectedAt that is not a date/);
  });

  test("corrupt snapshot", async () => {
    const file = join(work, "corrupt.json");
    await writeFile(file, '{"schemaVersion": 1, "resources": [', "utf8");
    expectUsageError(await cli(["audit", "--snapshot", file]), /corrupt\.json.*not valid JSON/);
  });

  test("snapshot that is JSON but not a snapshot", async () => {
    const file = join(work, "not-a-snapshot.json");
    await writeFile(file, '{"schemaVersion": 1, "hello": "world"}', "utf8");
    expectUsageError(await cli(["audit", "--snapshot", file]), /not-a-snapshot\.json.*schema/);
  });

  test("snapshot with schemaVersion 99", async () => {
    const file = join(work, "future.json");
    await writeFile(file, JSON.stringify({ schemaVersion: 99, resources: [] }), "utf8");
    expectUsageError(await cli(["audit", "--snapshot", file]), /schemaVersion 99/);
  });

  test("no subscription: no --subscription, no AZURE_SUBSCRIPTION_ID, no ~/.azure", async () => {
    const fake = await fakeArm(healthyScenario());
    const home = await scratch("home-");
    const result = await live(fake, ["--workspace", WS], { home, env: { AZURE_SUBSCRIPTION_ID: undefined } });
    expectUsageError(result, /no subscription.*--subscription.*AZURE_SUBSCRIPTION_ID/);
    expect(await readLog(fake.logFile)).toEqual([]);
  });

  test("no credentials: no PREFLIGHT_ACCESS_TOKEN and no developer tool signed in", async () => {
    const fake = await fakeArm(healthyScenario());
    // An empty PATH: no az, azd or pwsh for DefaultAzureCredential's developer chain to run.
    const emptyBin = await scratch("empty-path-");
    const result = await live(fake, TARGET, { env: { PREFLIGHT_ACCESS_TOKEN: undefined, PATH: emptyBin } });
    expectUsageError(result, /no Azure credentials.*az login.*PREFLIGHT_ACCESS_TOKEN/);
    expect(await readLog(fake.logFile)).toEqual([]);
  });

  test("--arm-endpoint that is not https", async () => {
    expectUsageError(await cli([...TARGET, "--arm-endpoint", "http://127.0.0.1:9"]), /https/);
  });

  test("preflight checks <unknown id>", async () => {
    expectUsageError(await cli(["checks", "no-such-check"]), /no-such-check/);
  });
});

describe.concurrent("which workspace", () => {
  test("--workspace alone with AZURE_SUBSCRIPTION_ID: the resource group is found by listing", async () => {
    const fake = await fakeArm(healthyScenario());
    const result = await live(fake, ["--workspace", WS, "--format", "json"], { env: { AZURE_SUBSCRIPTION_ID: SUB } });
    expect(result.code, result.stderr).toBe(0);
    expect(parseReport(result.stdout).target).toMatchObject({
      workspaceId: WORKSPACE_ID,
      subscriptionId: SUB,
      resourceGroup: RG,
    });
    const log = await readLog(fake.logFile);
    expect(pathOf(log[0] as RequestLogEntry)).toBe(
      `/subscriptions/${SUB}/providers/Microsoft.MachineLearningServices/workspaces`,
    );
  });

  test("--workspace alone with the Azure CLI's default subscription (azureProfile.json with a BOM)", async () => {
    const fake = await fakeArm(healthyScenario());
    const home = await scratch("home-");
    await mkdir(join(home, ".azure"));
    const profile = {
      installationId: "00000000-0000-0000-0000-000000000001",
      subscriptions: [
        {
          id: "00000000-0000-0000-0000-0000000000aa",
          name: "other",
          state: "Enabled",
          isDefault: false,
          tenantId: "t",
          user: { name: "u", type: "user" },
        },
        { id: SUB, name: "ml", state: "Enabled", isDefault: true, tenantId: "t", user: { name: "u", type: "user" } },
      ],
    };
    await writeFile(join(home, ".azure", "azureProfile.json"), `\uFEFF${JSON.stringify(profile)}`, "utf8");
    const result = await live(fake, ["--workspace", WS, "--format", "json"], {
      home,
      env: { AZURE_SUBSCRIPTION_ID: undefined },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(parseReport(result.stdout).target).toMatchObject({ subscriptionId: SUB, resourceGroup: RG, workspace: WS });
  });

  test("--subscription wins over AZURE_SUBSCRIPTION_ID", async () => {
    const fake = await fakeArm(healthyScenario());
    const result = await live(fake, ["--workspace", WS, "--subscription", SUB, "--format", "json"], {
      env: { AZURE_SUBSCRIPTION_ID: "00000000-0000-0000-0000-0000000000aa" },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(parseReport(result.stdout).target.subscriptionId).toBe(SUB);
  });

  test("a workspace name in two resource groups: exit 2 naming both", async () => {
    const scenario = healthyScenario();
    const copy = JSON.parse(JSON.stringify(byName(scenario, `/workspaces/${WS}`))) as { id: string };
    copy.id = copy.id.replace(`/resourceGroups/${RG}/`, "/resourceGroups/ml-sandbox-rg/");
    scenario.resources.push(copy);
    const fake = await fakeArm(scenario);
    const line = expectUsageError(await live(fake, ["--workspace", WS, "--subscription", SUB]), /ambiguous/);
    expect(line).toContain(RG);
    expect(line).toContain("ml-sandbox-rg");
    expect(line).toContain("--resource-group");
  });

  test("a full resource ID needs neither --subscription nor --resource-group", async () => {
    const fake = await fakeArm(healthyScenario());
    const result = await live(fake, ["--workspace", WORKSPACE_ID, "--format", "json"], {
      env: { AZURE_SUBSCRIPTION_ID: undefined },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(parseReport(result.stdout).target.workspaceId).toBe(WORKSPACE_ID);
    const log = await readLog(fake.logFile);
    // No listing: the first read is the workspace itself.
    expect(pathOf(log[0] as RequestLogEntry)).toBe(WORKSPACE_ID);
    expect(
      log.some(
        (entry) => pathOf(entry) === `/subscriptions/${SUB}/providers/Microsoft.MachineLearningServices/workspaces`,
      ),
    ).toBe(false);
  });

  test("PREFLIGHT_ARM_ENDPOINT replaces --arm-endpoint", async () => {
    const fake = await fakeArm(healthyScenario());
    const result = await cli([...TARGET], { caFile: fake.caFile, env: { PREFLIGHT_ARM_ENDPOINT: fake.url } });
    expect(result.code, result.stderr).toBe(0);
    expect((await readLog(fake.logFile)).length).toBeGreaterThan(0);
  });
});

describe.concurrent("outputs, snapshots and the collection plan", () => {
  test("collect then audit gives the live run's checks; the snapshot matches its schema", async () => {
    const fake = await fakeArm(demoScenario());
    const snapshotFile = join(work, "demo-snapshot.json");
    const [liveRun, collectRun] = await Promise.all([
      live(fake, [...TARGET, "--format", "json"]),
      live(fake, ["collect", ...TARGET, "--out", snapshotFile]),
    ]);
    expect(liveRun.code, liveRun.stderr).toBe(1);
    expect(collectRun.code, collectRun.stderr).toBe(0);
    expect(collectRun.stdout).toBe("");
    expect(collectRun.stderr).toMatch(/^preflight: wrote snapshot of ml-research to .*demo-snapshot\.json/);

    const snapshot: unknown = JSON.parse(await readFile(snapshotFile, "utf8"));
    validateSnapshot(snapshot);
    expect(validateSnapshot.errors ?? [], "snapshot matches src/snapshot/snapshot.schema.json").toEqual([]);

    const requestsBefore = (await readLog(fake.logFile)).length;
    const auditRun = await cli(["audit", "--snapshot", snapshotFile, "--format", "json"]);
    expect(auditRun.code, auditRun.stderr).toBe(1);
    // Offline means offline: the audit made no request.
    expect((await readLog(fake.logFile)).length).toBe(requestsBefore);
    const fromLive = parseReport(liveRun.stdout);
    const fromSnapshot = parseReport(auditRun.stdout);
    const comparable = (report: ReportJson) =>
      JSON.parse(
        JSON.stringify(report.checks, (key, value: unknown) =>
          key === "durationMs" || key === "startedAt" ? undefined : value,
        ),
      ) as unknown;
    expect(comparable(fromSnapshot)).toEqual(comparable(fromLive));
    expect(fromSnapshot.summary).toEqual(fromLive.summary);
    expect(fromSnapshot.target).toEqual(fromLive.target);
  });

  test("--out report.json writes the report and prints the summary on stderr only", async () => {
    const fake = await fakeArm(healthyScenario());
    const out = join(work, "report.json");
    const result = await live(fake, [...TARGET, "--format", "json", "--out", out]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(new RegExp(`^${HEALTHY_SUMMARY}\\nexit 0: no check at or above --fail-on fail\\n$`));
    expect(result.stderr.split("\n").filter(Boolean)).toHaveLength(2);
    expect(parseReport(await readFile(out, "utf8")).summary.pass).toBe(N - NOT_APPLICABLE.length);
  });

  test("--out with the demo keeps exit 1 and writes the text report", async () => {
    const fake = await fakeArm(demoScenario());
    const out = join(work, "report.txt");
    const result = await live(fake, [...TARGET, "--out", out]);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(new RegExp(`^${N} checks: ${DEMO_FAILING.length} fail, `));
    const text = await readFile(out, "utf8");
    expect(text).toMatch(/^✗ fail\s+key-sync\s/m);
    expect(text).not.toContain("\u001b[");
  });

  test("--only key-sync reads only what key-sync needs", async () => {
    const fake = await fakeArm(healthyScenario());
    const result = await live(fake, [...TARGET, "--only", "key-sync", "--format", "json"]);
    expect(result.code, result.stderr).toBe(0);
    const report = parseReport(result.stdout);
    expect(report.checks.map((check) => check.id)).toEqual(["key-sync"]);
    expect(report.summary).toEqual({ fail: 0, unknown: 0, warn: 0, pass: 1, skip: 0 });
    const paths = (await readLog(fake.logFile)).map(pathOf);
    expect(paths.filter((path) => /networkSecurityGroups|virtualNetworks/i.test(path))).toEqual([]);
    expect(
      paths.filter((path) => /privateEndpoints|availablePrivateEndpointTypes|\/computes|\/vaults\//i.test(path)),
    ).toEqual([]);
    expect(paths).toEqual(
      expect.arrayContaining([
        WORKSPACE_ID,
        `${WORKSPACE_ID}/listKeys`,
        STORAGE_ID,
        `${STORAGE_ID}/listKeys`,
        REGISTRY_ID,
        `${REGISTRY_ID}/listCredentials`,
      ]),
    );
    expect(report.collection.requests).toBe(paths.length);
  });

  test("--only takes a comma-separated list and repeats", async () => {
    const fake = await fakeArm(healthyScenario());
    const result = await live(fake, [
      ...TARGET,
      "--only",
      "key-sync,subnet-colocation",
      "--only",
      "service-tags-outbound",
      "--format",
      "json",
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(
      parseReport(result.stdout)
        .checks.map((check) => check.id)
        .sort(),
    ).toEqual(["key-sync", "service-tags-outbound", "subnet-colocation"]);
  });

  test("--skip excludes the checks (and key reads only they needed)", async () => {
    const fake = await fakeArm(healthyScenario());
    // key-sync is the one check that needs the keys part.
    const result = await live(fake, [...TARGET, "--skip", "key-sync", "--format", "json"]);
    expect(result.code, result.stderr).toBe(0);
    const report = parseReport(result.stdout);
    expect(report.checks.map((check) => check.id).sort()).toEqual(ALL_IDS.filter((id) => id !== "key-sync").sort());
    expect((await readLog(fake.logFile)).filter((entry) => entry.method === "POST")).toEqual([]);
  });

  test("--no-keys: no POST at all, key-sync is skip", async () => {
    const fake = await fakeArm(demoScenario());
    const result = await live(fake, [...TARGET, "--no-keys", "--format", "json"]);
    const report = parseReport(result.stdout);
    expect(statuses(report)["key-sync"]).toBe("skip");
    // The demo's two network failures remain.
    expect(result.code, result.stderr).toBe(1);
    const log = await readLog(fake.logFile);
    expect(log.length).toBeGreaterThan(0);
    expect(log.filter((entry) => entry.method !== "GET")).toEqual([]);
  });

  test("--verbose shows passing findings", async () => {
    const fake = await fakeArm(healthyScenario());
    const verbose = await live(fake, [...TARGET, "--verbose"]);
    expect(verbose.code, verbose.stderr).toBe(0);
    // Without --verbose a healthy report has no finding lines at all (see the healthy text case).
    expect(verbose.stdout).toMatch(/^ {2}✓ /m);
    expect(verbose.stdout).toMatch(/^ {4}resource: \/subscriptions\//m);
    expect(verbose.stdout).toContain(WORKSPACE_ID);
    expect(verbose.stdout).toMatch(new RegExp(`^${HEALTHY_SUMMARY}$`, "m"));
  });
});

describe.concurrent("--diagnose: Azure's own diagnose, opt-in", () => {
  /** The healthy workspace whose diagnose answers these results after `polls` polls. */
  function diagnosing(results: Record<string, unknown[]>, polls = 2, retryAfter = 0): Scenario {
    const scenario = healthyScenario();
    scenario.asyncActions = { [`${WORKSPACE_ID}/diagnose`]: { polls, retryAfter, body: { value: results } } };
    return scenario;
  }
  const isDiagnose = (entry: RequestLogEntry) =>
    /\/diagnose$/i.test(pathOf(entry)) || /\/operationResults\//i.test(pathOf(entry));

  test("without --diagnose no diagnose is sent and workspace-diagnose is skip", async () => {
    const fake = await fakeArm(
      diagnosing({ dnsResolutionResults: [{ code: "CustomDNSInUse", level: "Warning", message: "custom DNS" }] }),
    );
    const result = await live(fake, [...TARGET, "--format", "json"]);
    expect(result.code, result.stderr).toBe(0);
    expect(statuses(parseReport(result.stdout))["workspace-diagnose"]).toBe("skip");
    expect((await readLog(fake.logFile)).filter(isDiagnose)).toEqual([]);
  });

  test("--diagnose: the POST is polled to its end and each result becomes a finding (Warning → warn, Error → fail)", async () => {
    const fake = await fakeArm(
      diagnosing(
        {
          dnsResolutionResults: [
            {
              code: "CustomDNSInUse",
              level: "Warning",
              message: "We have detected an on-premise dns server is configured.",
            },
          ],
          networkSecurityRuleResults: [
            {
              code: "NsgBlocksOutbound",
              level: "Error",
              message: "The NSG blocks outbound traffic to AzureMachineLearning.",
            },
          ],
        },
        3,
      ),
    );
    const result = await live(fake, [...TARGET, "--format", "json", "--diagnose"]);
    expect(result.code, result.stderr).toBe(1);
    const report = parseReport(result.stdout);
    const check = report.checks.find((candidate) => candidate.id === "workspace-diagnose");
    expect(check?.status).toBe("fail");
    const evidence = (finding: Record<string, unknown>) => finding.evidence as Record<string, unknown>;
    expect(
      check?.findings.map((finding) => [finding.status, evidence(finding).category, evidence(finding).code]).sort(),
    ).toEqual([
      ["fail", "networkSecurityRule", "NsgBlocksOutbound"],
      ["warn", "dnsResolution", "CustomDNSInUse"],
    ]);
    // One POST, then GETs of the operation until it finished (3 polls: 202, 202, 200).
    const log = (await readLog(fake.logFile)).filter(isDiagnose);
    expect(log.map((entry) => [entry.method, entry.status])).toEqual([
      ["POST", 202],
      ["GET", 202],
      ["GET", 202],
      ["GET", 200],
    ]);
    // Only the diagnose check changed: every other check is as on the healthy workspace.
    expect(
      report.checks.filter(
        (candidate) => !["workspace-diagnose", "managed-network"].includes(candidate.id) && candidate.status !== "pass",
      ),
    ).toEqual([]);
  });

  test("--diagnose-timeout shorter than the operation: workspace-diagnose is unknown (Timeout), the rest of the report unaffected", async () => {
    const fake = await fakeArm(diagnosing({}, 50, 1));
    const result = await live(fake, [...TARGET, "--format", "json", "--diagnose", "--diagnose-timeout", "1.5"]);
    expect(result.code, result.stderr).toBe(0);
    // The operation answers after 50 polls a second apart; the run gave up long before its end.
    const polls = (await readLog(fake.logFile)).filter(isDiagnose);
    expect(polls.length).toBeGreaterThan(0);
    expect(polls.every((entry) => entry.status === 202)).toBe(true);
    const report = parseReport(result.stdout);
    const check = report.checks.find((candidate) => candidate.id === "workspace-diagnose");
    expect(check?.status).toBe("unknown");
    expect(report.collection.errors).toEqual([
      expect.objectContaining({
        operation: "workspace diagnose",
        code: "Timeout",
        message: expect.stringContaining("--diagnose-timeout 1.5"),
      }),
    ]);
    expect(
      report.checks.filter(
        (candidate) => !["workspace-diagnose", "managed-network"].includes(candidate.id) && candidate.status !== "pass",
      ),
    ).toEqual([]);
  });

  test("--diagnose-timeout must be a positive number", async () => {
    const fake = await fakeArm(healthyScenario());
    expectUsageError(
      await live(fake, [...TARGET, "--diagnose", "--diagnose-timeout", "0"]),
      /--diagnose-timeout must be a positive number/,
    );
  });
});

describe.concurrent("every --format of docs/cli.md, and --report", () => {
  test("reports/index.ts FORMATS is exactly the formats docs/cli.md promises", () => {
    expect([...FORMATS].sort()).toEqual([...CONTRACT_FORMATS].sort());
  });

  for (const format of CONTRACT_FORMATS.filter((name) => name !== "text" && name !== "json")) {
    test(`--format ${format} renders the demo on stdout, with the ticket, and keeps exit 1`, async () => {
      const fake = await fakeArm(demoScenario());
      const result = await live(fake, [...TARGET, "--format", format, "--ticket", "TKT-0042"]);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toBe("");
      for (const id of DEMO_FAILING) expect(result.stdout).toContain(id);
      expect(result.stdout).toContain("TKT-0042");
      expect(result.stdout).not.toContain("\u001b[");
    });
  }

  test("--report writes every format from one collection; stdout keeps --format; the ticket is in each", async () => {
    const fake = await fakeArm(demoScenario());
    const dir = await scratch("reports-");
    const path = (name: string) => join(dir, "nested", name);
    const result = await live(fake, [
      ...TARGET,
      "--format",
      "json",
      "--ticket",
      "TKT-0042",
      "--report",
      `junit=${path("preflight.xml")}`,
      "--report",
      `sarif=${path("preflight.sarif")}`,
      "--report",
      `markdown=${path("ticket.md")}`,
      "--report",
      `text=${path("report.txt")}`,
      "--report",
      `json=${path("report.json")}`,
    ]);
    expect(result.code, result.stderr).toBe(1);
    const stdoutReport = parseReport(result.stdout);
    expect(stdoutReport.ticket).toBe("TKT-0042");
    for (const file of ["preflight.xml", "preflight.sarif", "ticket.md", "report.txt", "report.json"]) {
      expect(result.stderr).toContain(path(file));
      expect(await readFile(path(file), "utf8")).toContain("TKT-0042");
    }
    // One collection: the JSON file is the stdout report, byte for byte.
    expect(await readFile(path("report.json"), "utf8")).toBe(result.stdout);
    expect(
      (await readLog(fake.logFile)).filter((entry) => pathOf(entry).endsWith("/workspaces/ml-research")).length,
    ).toBe(1);
  });

  test("--report works offline too (audit --snapshot)", async () => {
    const fake = await fakeArm(demoScenario());
    const dir = await scratch("offline-reports-");
    const snapshot = join(dir, "snapshot.json");
    expect((await live(fake, ["collect", ...TARGET, "--out", snapshot])).code).toBe(0);
    const result = await cli([
      "audit",
      "--snapshot",
      snapshot,
      "--format",
      "markdown",
      "--report",
      `junit=${join(dir, "a.xml")}`,
    ]);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toMatch(/^# aml-preflight: workspace `ml-research`/);
    expect(await readFile(join(dir, "a.xml"), "utf8")).toMatch(/^<\?xml /);
  });

  const badReports: Array<[string, string[], RegExp]> = [
    ["no =", ["--report", "junit"], /--report "junit" must be <format>=<path>/],
    [
      "an unknown format",
      ["--report", "html=out.html"],
      /unknown format "html"; known: text, json, junit, sarif, markdown/,
    ],
    ["an empty path", ["--report", "json="], /must be <format>=<path>/],
    [
      "two writers for one path",
      ["--out", "same.json", "--report", "json=same.json"],
      /two reports would be written to .*same\.json/,
    ],
    ["--docs-url without {id}", ["--docs-url", "https://example.org/docs"], /must contain \{id\}/],
    ["--docs-url that is not a URL", ["--docs-url", "docs/{id}.md"], /is not an absolute URL/],
  ];
  test.each(badReports)("%s: exit 2 with one line, before any ARM request", async (_name, args, message) => {
    const fake = await fakeArm(demoScenario());
    const cwd = await scratch("bad-report-");
    const result = await live(fake, [...TARGET, ...args], { cwd });
    expectUsageError(result, message);
    expect(await readLog(fake.logFile)).toEqual([]);
    expect(await readdir(cwd)).toEqual([]);
  });
});

describe.concurrent("checks, help and version", () => {
  test("preflight checks lists every id with its severity", async () => {
    const result = await cli(["checks"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe("");
    for (const check of CHECKS) {
      expect(result.stdout).toMatch(new RegExp(`^${check.id}\\s+${check.severity}\\s+`, "m"));
      expect(result.stdout).toContain(check.title);
      expect(result.stdout).toContain(check.docs);
    }
    const listed = result.stdout
      .split("\n")
      .filter((line) => /^[a-z0-9]+(-[a-z0-9]+)*\s/.test(line))
      .map((line) => line.split(/\s+/)[0]);
    expect(listed).toEqual(ALL_IDS);
  });

  test("preflight checks key-sync prints its documentation", async () => {
    const result = await cli(["checks", "key-sync"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("key-sync");
    const docs = join(ROOT, "docs/checks/key-sync.md");
    if (existsSync(docs)) expect(result.stdout).toBe(await readFile(docs, "utf8"));
  });

  test("--help exits 0 and lists the main flags", async () => {
    const result = await cli(["--help"]);
    expect(result.code, result.stderr).toBe(0);
    for (const flag of [
      "--workspace",
      "--format",
      "--fail-on",
      "--no-keys",
      "--only",
      "--skip",
      "--out",
      "--arm-endpoint",
      "--report",
      "--ticket",
      "--docs-url",
      "--diagnose",
      "--diagnose-timeout",
    ]) {
      expect(result.stdout).toContain(flag);
    }
  });

  test("a copy without its build (no dist/) exits 2 with one line saying to run npm ci", async () => {
    const dir = await scratch("no-build-");
    await mkdir(join(dir, "bin"));
    await writeFile(join(dir, "bin", "preflight.js"), await readFile(BIN, "utf8"));
    await writeFile(join(dir, "package.json"), JSON.stringify({ type: "module" }));
    const child = spawnSync(process.execPath, [join(dir, "bin", "preflight.js"), "checks"], {
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "" },
    });
    expect(child.status).toBe(2);
    expect(child.stdout).toBe("");
    expect(child.stderr.trim().split("\n")).toHaveLength(1);
    expect(child.stderr).toMatch(/^preflight: cannot start: .*run `npm ci`/);
  });

  test("--version prints the package version", async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as { version: string };
    const result = await cli(["--version"]);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(pkg.version);
  });
});

/** The demo workspace (failures print evidence) with `secrets` planted where ARM could return them. */
function plantedSecretsScenario(secrets: Record<string, string>): Scenario {
  const scenario = demoScenario();
  const actions = scenario.actions ?? {};
  actions[`${WORKSPACE_ID}/listKeys`] = {
    userStorageKey: secrets.storageKey1,
    userStorageArmId: STORAGE_ID,
    containerRegistryCredentials: {
      location: "westeurope",
      username: "mlresearchacr",
      passwords: [
        { name: "password", value: secrets.acrPassword1 },
        { name: "password2", value: secrets.acrPassword2 },
      ],
    },
    notebookAccessKeys: { primaryAccessKey: secrets.notebookKey, secondaryAccessKey: secrets.notebookKey },
    appInsightsInstrumentationKey: secrets.insightsKey,
  };
  actions[`${STORAGE_ID}/listKeys`] = {
    keys: [
      // Rotated two days ago: the cached key1 is stale, so key-sync fails and prints evidence.
      {
        keyName: "key1",
        value: secrets.storageKey2,
        permissions: "FULL",
        creationTime: new Date(Date.now() - 2 * 86_400_000).toISOString(),
      },
      {
        keyName: "key2",
        value: `${secrets.storageKey2}x`,
        permissions: "FULL",
        creationTime: "2026-01-10T08:00:00.0000000Z",
      },
    ],
  };
  actions[`${REGISTRY_ID}/listCredentials`] = {
    username: "mlresearchacr",
    passwords: [
      { name: "password", value: secrets.acrPassword1 },
      { name: "password2", value: secrets.acrPassword2 },
    ],
  };
  scenario.actions = actions;
  // A compute that still carries its admin password in the GET body.
  const compute = byName(scenario, "/computes/cpu-build");
  compute.properties.properties.userAccountCredentials = {
    adminUserName: "azureuser",
    adminUserPassword: secrets.adminPassword,
    adminUserSshPublicKey: null,
  };
  // Someone pasted a storage key into a tag.
  byName(scenario, "/storageAccounts/mlresearchstore").tags = {
    owner: "ml-platform",
    "legacy-connection": secrets.storageKey1,
  };
  // An error message that echoes a secret.
  scenario.faults = [
    {
      method: "GET",
      path: "/vaults/ml-research-kv$",
      status: 403,
      code: "AuthorizationFailed",
      message: `The client with key '${secrets.storageKey2}' and password '${secrets.acrPassword1}' does not have authorization to perform action 'Microsoft.KeyVault/vaults/read'.`,
    },
  ];
  return scenario;
}

describe("planted secrets appear nowhere", () => {
  test("live text, live json, --verbose, --out, collect and audit", async () => {
    const secrets = {
      storageKey1: randomSecret(),
      storageKey2: randomSecret(),
      acrPassword1: randomSecret(),
      acrPassword2: randomSecret(),
      notebookKey: randomSecret(),
      insightsKey: randomSecret(),
      adminPassword: randomSecret(),
    };
    const scenario = plantedSecretsScenario(secrets);
    const fake = await fakeArm(scenario);
    const snapshotFile = join(work, "secret-snapshot.json");
    const reportFile = join(work, "secret-report.json");
    const textReportFile = join(work, "secret-report.txt");
    const reportDir = join(work, "secret-reports");
    const fixScriptFile = join(work, "secret-fix.sh");
    const everyFormat = FORMATS.flatMap((format) => ["--report", `${format}=${join(reportDir, `report.${format}`)}`]);

    const liveRuns = await Promise.all([
      live(fake, TARGET),
      live(fake, [...TARGET, "--format", "json"]),
      live(fake, [...TARGET, "--verbose"]),
      live(fake, [...TARGET, "--verbose", "--format", "json", "--out", reportFile]),
      live(fake, [...TARGET, "--verbose", "--out", textReportFile]),
      live(fake, ["collect", ...TARGET, "--out", snapshotFile, "--verbose"]),
      live(fake, [...TARGET, "--verbose", "--format", "markdown", ...everyFormat]),
      live(fake, [...TARGET, "--format", "junit"]),
      live(fake, [...TARGET, "--format", "sarif"]),
      live(fake, [...TARGET, "--format", "json", "--fix-script", fixScriptFile]),
    ]);
    const offlineRuns = await Promise.all([
      cli(["audit", "--snapshot", snapshotFile]),
      cli(["audit", "--snapshot", snapshotFile, "--verbose"]),
      cli(["audit", "--snapshot", snapshotFile, "--format", "json", "--verbose"]),
    ]);
    const all = [...liveRuns, ...offlineRuns];
    // The runs did what they should, so the absence of secrets means something.
    expect(all.map((run) => run.code)).toEqual([1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1]);
    expect(liveRuns[0]?.stdout).toMatch(/^✗ fail\s+key-sync/m);
    expect(liveRuns[0]?.stdout).toMatch(/lacks Microsoft\.KeyVault\/vaults\/read/);
    expect(liveRuns[2]?.stdout).toMatch(/^ {2}key vault get: 403 AuthorizationFailed /m);
    expect((await readLog(fake.logFile)).filter((entry) => entry.method === "POST").length).toBeGreaterThan(0);

    // The planted places were read, so their absence below means redaction, not a missed read.
    const snapshot = JSON.parse(await readFile(snapshotFile, "utf8")) as {
      resources: Array<Record<string, any>>;
      errors: Array<Record<string, unknown>>;
    };
    const storage = snapshot.resources.find(
      (resource) => String(resource.id).toLowerCase() === STORAGE_ID.toLowerCase(),
    );
    expect(Object.keys(storage?.tags ?? {})).toContain("legacy-connection");
    const cpuBuild = snapshot.resources.find((resource) => String(resource.id).endsWith("/computes/cpu-build"));
    expect(cpuBuild?.properties?.properties?.userAccountCredentials).toBeDefined();
    expect(snapshot.errors).toEqual([expect.objectContaining({ operation: "key vault get", statusCode: 403 })]);

    const texts: Array<[string, string]> = all.flatMap((run, index) => [
      [`run ${index} stdout`, run.stdout] as [string, string],
      [`run ${index} stderr`, run.stderr] as [string, string],
    ]);
    texts.push(["report file (json)", await readFile(reportFile, "utf8")]);
    texts.push(["report file (text)", await readFile(textReportFile, "utf8")]);
    texts.push(["snapshot file", await readFile(snapshotFile, "utf8")]);
    const fixScript = await readFile(fixScriptFile, "utf8");
    expect(fixScript).toMatch(/^az /m);
    texts.push(["--fix-script", fixScript]);
    for (const format of FORMATS) {
      const text = await readFile(join(reportDir, `report.${format}`), "utf8");
      expect(text, `--report ${format} holds the key-sync failure`).toContain("key-sync");
      texts.push([`--report ${format}`, text]);
    }
    const leaks = texts.flatMap(([where, text]) =>
      Object.entries(secrets)
        .filter(([, secret]) => text.includes(secret))
        .map(([name]) => `${name} in ${where}`),
    );
    expect(leaks).toEqual([]);
  });
});

test("request log across every run of this file: reads, plus POSTs to listKeys/listCredentials only", async () => {
  const files = (await readdir(logDir)).filter((name) => name.endsWith(".jsonl"));
  const entries = (await Promise.all(files.map((name) => readLog(join(logDir, name))))).flat();
  expect(runs.length).toBeGreaterThan(30);
  expect(entries.length).toBeGreaterThan(100);
  expectReadOnlyRuns(entries, runs);
  expect(BIN.endsWith("bin/preflight.js")).toBe(true);
});

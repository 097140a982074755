// Shared by the end-to-end files: the healthy workspace's IDs, a per-file session (work dir, fake ARMs
// with JSON-lines request logs, every CLI run kept for file-wide checks), and report parsing against
// reports/report.schema.json.

import { existsSync } from "node:fs";
import { mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { Ajv } from "ajv";
import { afterAll, beforeAll, expect } from "vitest";
import { CHECKS } from "../../checks/index.js";
import { startFakeArm, type FakeArm, type RequestLogEntry } from "../fake-arm/server.js";
import type { Scenario } from "../fake-arm/scenario.js";
import { HEALTHY } from "../harness.js";
import { ROOT, runCli, tempDir, type CliResult, type RunOptions } from "./run-cli.js";

export const SUB = HEALTHY.subscriptionId;
export const RG = HEALTHY.resourceGroup;
export const WS = HEALTHY.workspace;
export const WORKSPACE_ID = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.MachineLearningServices/workspaces/${WS}`;
export const STORAGE_ID = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Storage/storageAccounts/mlresearchstore`;
export const REGISTRY_ID = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.ContainerRegistry/registries/mlresearchacr`;
export const KEY_VAULT_ID = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.KeyVault/vaults/ml-research-kv`;
export const TARGET = ["--workspace", WS, "--subscription", SUB, "--resource-group", RG];
export const ALL_IDS = CHECKS.map((check) => check.id);

const ajv = new Ajv({ strict: false, validateFormats: false });
const reportSchema = JSON.parse(await readFile(join(ROOT, "reports/report.schema.json"), "utf8")) as object;
const snapshotSchema = JSON.parse(await readFile(join(ROOT, "src/snapshot/snapshot.schema.json"), "utf8")) as object;
const validateReport = ajv.compile(reportSchema);
export const validateSnapshot = ajv.compile(snapshotSchema);

export interface Fake extends FakeArm {
  logFile: string;
}

export interface ReportJson {
  schemaVersion: number;
  target: { workspaceId: string; subscriptionId: string; resourceGroup: string; workspace: string };
  ticket: string | null;
  summary: Record<"fail" | "unknown" | "warn" | "pass" | "skip", number>;
  checks: Array<{
    id: string;
    status: string;
    severity: string;
    docs: string;
    findings: Array<Record<string, unknown>>;
  }>;
  collection: {
    requests: number;
    errors: Array<Record<string, unknown>>;
    retries: Array<{ resourceId: string; operation: string; attempts: number; statuses: number[] }>;
  };
}

export async function readLog(logFile: string): Promise<RequestLogEntry[]> {
  if (!existsSync(logFile)) return [];
  const text = await readFile(logFile, "utf8");
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as RequestLogEntry);
}

/** The path of a logged request without its query string. */
export function pathOf(entry: RequestLogEntry): string {
  const query = entry.path.indexOf("?");
  return query === -1 ? entry.path : entry.path.slice(0, query);
}

export function parseReport(text: string): ReportJson {
  const report: unknown = JSON.parse(text);
  const valid = validateReport(report);
  expect(validateReport.errors ?? [], "report matches reports/report.schema.json").toEqual([]);
  expect(valid).toBe(true);
  return report as ReportJson;
}

export function statuses(report: ReportJson): Record<string, string> {
  return Object.fromEntries(report.checks.map((check) => [check.id, check.status]));
}

/** Exit 2: one line on stderr, "preflight: …", no stack trace, nothing on stdout. */
export function expectUsageError(result: CliResult, pattern?: RegExp): string {
  expect(result.code, result.stderr).toBe(2);
  expect(result.stdout).toBe("");
  expect(result.stderr.endsWith("\n")).toBe(true);
  const lines = result.stderr.split("\n").filter((line) => line !== "");
  expect(lines, result.stderr).toHaveLength(1);
  const line = lines[0] ?? "";
  expect(line).toMatch(/^preflight: \S/);
  expect(line).not.toMatch(/\bat .+:\d+:\d+\)?$/);
  if (pattern) expect(line).toMatch(pattern);
  return line;
}

/** One test file's fakes, runs and temp dir; its hooks are registered where it is created. */
export interface E2eSession {
  /** This file's work dir (set in beforeAll, removed in afterAll). */
  readonly work: string;
  /** Where each fake's JSON-lines request log is written. */
  readonly logDir: string;
  /** Every CLI run of the file, for the checks that hold across all of them. */
  readonly runs: CliResult[];
  readonly fakes: Fake[];
  /** A fresh, empty directory inside the work dir (removed after all tests). */
  scratch(this: void, prefix: string): Promise<string>;
  /** A fake ARM serving `scenario`, logging every request to its own JSON-lines file. */
  fakeArm(this: void, scenario: Scenario): Promise<Fake>;
  /** `preflight <args>`; the token given to the run must never be printed, and the run must not be killed. */
  cli(this: void, args: readonly string[], options?: RunOptions): Promise<CliResult>;
  /** `preflight <args> --arm-endpoint <fake>` with the fake's CA trusted. */
  live(this: void, fake: Fake, args: readonly string[], options?: RunOptions): Promise<CliResult>;
  /** Every request of every fake of this file. */
  allRequests(this: void): Promise<RequestLogEntry[]>;
}

/** Registers beforeAll/afterAll in the calling file and returns its session. */
export function e2eSession(prefix = "preflight-e2e-"): E2eSession {
  let work = "";
  let logDir = "";
  let fakeCount = 0;
  const fakes: Fake[] = [];
  const runs: CliResult[] = [];

  beforeAll(async () => {
    if (!existsSync(join(ROOT, "dist/src/cli/bin.js"))) {
      throw new Error("dist/ is missing: build first with `npx tsc -p tsconfig.json` (npm test does it in pretest)");
    }
    work = await tempDir(prefix);
    logDir = join(work, "logs");
    await mkdir(logDir);
  });

  afterAll(async () => {
    await Promise.all(fakes.map((fake) => fake.close()));
    if (work) await rm(work, { recursive: true, force: true });
  });

  const scratch = (dirPrefix: string) => tempDir(dirPrefix, work);

  async function fakeArm(scenario: Scenario): Promise<Fake> {
    fakeCount += 1;
    const logFile = join(logDir, `fake-${fakeCount}.jsonl`);
    const fake = await startFakeArm(scenario, { logFile });
    const entry: Fake = Object.assign(fake, { logFile });
    fakes.push(entry);
    return entry;
  }

  async function cli(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
    const home = options.home ?? (await scratch("home-"));
    const result = await runCli(args, { ...options, home });
    runs.push(result);
    expect(result.signal, `preflight ${args.join(" ")} was killed\n${result.stderr}`).toBeNull();
    if (result.token) {
      expect(result.stdout).not.toContain(result.token);
      expect(result.stderr).not.toContain(result.token);
    }
    return result;
  }

  function live(fake: Fake, args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
    return cli([...args, "--arm-endpoint", fake.url], { caFile: fake.caFile, ...options });
  }

  async function allRequests(): Promise<RequestLogEntry[]> {
    return (await Promise.all(fakes.map((fake) => readLog(fake.logFile)))).flat();
  }

  return {
    get work() {
      return work;
    },
    get logDir() {
      return logDir;
    },
    runs,
    fakes,
    scratch,
    fakeArm,
    cli,
    live,
    allRequests,
  };
}

/** What every run of a file must hold to: reads only, POSTs only to the key actions, diagnose and Resource Graph, no run killed by its guard. */
export function expectReadOnlyRuns(entries: readonly RequestLogEntry[], runs: readonly CliResult[]): void {
  expect(entries.filter((entry) => ["PUT", "PATCH", "DELETE"].includes(entry.method))).toEqual([]);
  expect(entries.filter((entry) => entry.method !== "GET" && entry.method !== "POST")).toEqual([]);
  const posts = entries.filter((entry) => entry.method === "POST");
  expect(posts.length).toBeGreaterThan(0);
  // Resource Graph queries are reads too (the fleet's sweep).
  expect(
    posts
      .map(pathOf)
      .filter(
        (path) =>
          !/\/(listKeys|listCredentials|diagnose)$/.test(path) &&
          !/^\/providers\/Microsoft\.ResourceGraph\/resources$/i.test(path),
      ),
  ).toEqual([]);
  expect(runs.filter((run) => run.signal !== null)).toEqual([]);
}

// azure-pipelines.yml: its structure, its `npx preflight` command line as the CLI's own parser
// reads it, and its audit step's inline script run by bash against the fake ARM, exactly as the
// agent would after expanding `${{ }}` template expressions and `$( )` macros.
// Build first (`npx tsc -p tsconfig.json`; `npm test` does it through pretest).

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createParser, type CommandName } from "../src/cli/main.js";
import { startFakeArm, type FakeArm } from "./fake-arm/server.js";
import type { Scenario } from "./fake-arm/scenario.js";
import { HEALTHY, demoScenario, healthyScenario } from "./harness.js";
import { BIN, ROOT, randomSecret, tempDir } from "./e2e/run-cli.js";

type Json = Record<string, any>;

const pipeline = parse(await readFile(join(ROOT, "azure-pipelines.yml"), "utf8")) as Json;
const params = new Map<string, Json>((pipeline.parameters as Json[]).map((param) => [param.name as string, param]));
const steps = pipeline.steps as Json[];
const EACH = "${{ each workspace in parameters.workspaces }}";
const auditSteps = (steps.find((step) => EACH in step)?.[EACH] ?? []) as Json[];
const audit = auditSteps.find((step) => step.task === "AzureCLI@2") as Json;
const publishTests = steps.find((step) => step.task === "PublishTestResults@2") as Json;
const artifacts = steps.filter((step) => step.task === "PublishPipelineArtifact@1");

const SUB = HEALTHY.subscriptionId;
const WORKSPACE_ID = `/subscriptions/${SUB}/resourceGroups/${HEALTHY.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${HEALTHY.workspace}`;
const REPO_URI = "https://dev.azure.com/contoso/ml/_git/aml-preflight";

let work = "";
let shims = "";
const fakes: FakeArm[] = [];

beforeAll(async () => {
  if (!existsSync(join(ROOT, "dist/src/cli/bin.js"))) {
    throw new Error("dist/ is missing: build first with `npx tsc -p tsconfig.json` (npm test does it in pretest)");
  }
  work = await tempDir("preflight-pipeline-");
  // What the agent has on PATH, reduced to what the script calls: npx (running this repo's
  // built CLI, no registry lookups) and az (logged in by AzureCLI@2 to the test subscription).
  shims = await tempDir("bin-", work);
  const npx = `#!/bin/sh\nif [ "$1" = preflight ]; then shift; exec "${process.execPath}" "${BIN}" "$@"; fi\necho "npx: unexpected $*" >&2; exit 127\n`;
  const az = `#!/bin/sh\nif [ "$*" = "account show --query id -o tsv" ]; then echo ${SUB}; exit 0; fi\necho "az: unexpected $*" >&2; exit 1\n`;
  await writeFile(join(shims, "npx"), npx);
  await writeFile(join(shims, "az"), az);
  await Promise.all([chmod(join(shims, "npx"), 0o755), chmod(join(shims, "az"), 0o755)]);
});

afterAll(async () => {
  await Promise.all(fakes.map((fake) => fake.close()));
  if (work) await rm(work, { recursive: true, force: true });
});

/** Compile time (`${{ parameters.X }}`, `${{ workspace }}`), then run time (`$(Build.X)` macros). */
function expand(text: string, workspace: string, staging: string, overrides: Record<string, string> = {}): string {
  const macros: Record<string, string> = { "Build.ArtifactStagingDirectory": staging, "Build.Repository.Uri": REPO_URI };
  return text
    .replace(/\$\{\{\s*parameters\.(\w+)\s*\}\}/g, (_, name: string) => {
      if (!params.has(name)) throw new Error(`no parameter ${name}`);
      return overrides[name] ?? String(params.get(name)?.default);
    })
    .replace(/\$\{\{\s*workspace\s*\}\}/g, workspace)
    .replace(/\$\(([A-Za-z][\w.]*)\)/g, (_, name: string) => {
      if (!(name in macros)) throw new Error(`no test value for macro $(${name})`);
      return macros[name] as string;
    });
}

interface StepRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The audit step's inline script and env, expanded, run by bash as AzureCLI@2 would (after `prelude`). */
async function runAuditStep(options: { workspace: string; staging: string; env?: Record<string, string>; overrides?: Record<string, string>; prelude?: string }): Promise<StepRun> {
  const { workspace, staging, overrides } = options;
  const stepEnv = Object.fromEntries(Object.entries(audit.env as Record<string, string>).map(([key, value]) => [key, expand(String(value), workspace, staging, overrides)]));
  const script = `${options.prelude ?? ""}\n${expand(audit.inputs.inlineScript as string, workspace, staging, overrides)}`;
  const env = { PATH: `${shims}:/usr/bin:/bin`, HOME: await tempDir("home-", work), NO_COLOR: "1", ...stepEnv, ...options.env };
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", script], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout: Buffer.concat(stdout).toString("utf8"), stderr: Buffer.concat(stderr).toString("utf8") }));
  });
}

/** The arguments the script gives `npx`, bash doing the quoting, expansion and splitting. */
async function npxArgs(workspace: string, overrides?: Record<string, string>): Promise<string[]> {
  const staging = await tempDir("staging-", work);
  const run = await runAuditStep({ workspace, staging, overrides, prelude: "npx() { printf '%s\\0' \"$@\"; }" });
  expect(run.code, run.stderr).toBe(0);
  return run.stdout.split("\0").slice(0, -1);
}

/** What the CLI's own (strict) parser makes of `preflight <args>`; rejects on unknown flags or bad values. */
async function parseCli(args: string[]): Promise<{ command: CommandName; argv: Record<string, unknown> }> {
  const calls: Array<{ command: CommandName; argv: Record<string, unknown> }> = [];
  await createParser(args, async (command, argv) => void calls.push({ command, argv })).parseAsync(args);
  expect(calls).toHaveLength(1);
  return calls[0] as { command: CommandName; argv: Record<string, unknown> };
}

/** A glob as the publish tasks read it (`*` within one folder, `**` across folders). */
function matchesGlob(file: string, glob: string): boolean {
  const escape = (text: string) => text.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
  const source = glob.split("**/").map((part) => part.split("*").map(escape).join("[^/]*")).join("(?:.*/)?");
  return new RegExp(`^${source}$`).test(file);
}

describe("azure-pipelines.yml structure", () => {
  test("runs daily and by hand, never on pushes or pull requests", () => {
    expect(pipeline.trigger).toBe("none");
    expect(pipeline.pr).toBe("none");
    const [schedule] = pipeline.schedules as Json[];
    expect(String(schedule?.cron).trim().split(/\s+/)).toHaveLength(5);
    expect(schedule?.always).toBe(true);
    expect(schedule?.branches?.include).toContain("main");
    expect(pipeline.pool).toEqual({ vmImage: "ubuntu-latest" });
  });

  test("declares the workspaces, serviceConnection, failOn, ticket and docsUrl parameters", () => {
    expect(params.get("workspaces")).toMatchObject({ type: "object" });
    expect(params.get("workspaces")?.default).toEqual([expect.stringMatching(/^\/subscriptions\/.+\/workspaces\/[\w-]+$/)]);
    expect(params.get("serviceConnection")).toMatchObject({ type: "string", default: expect.any(String) });
    expect(params.get("failOn")).toMatchObject({ type: "string", default: "fail", values: ["fail", "warn", "unknown"] });
    expect(params.get("ticket")).toMatchObject({ type: "string", default: "" });
    expect(params.get("docsUrl")?.default).toBe("$(Build.Repository.Uri)?path=/docs/checks/{id}.md");
  });

  test("installs Node 20 and builds, then audits each workspace with AzureCLI@2 even after a failure", () => {
    expect(steps[0]).toEqual({ checkout: "self" });
    expect(steps.find((step) => step.task === "NodeTool@0")?.inputs).toEqual({ versionSpec: "20.x" });
    expect(steps.some((step) => typeof step.script === "string" && step.script.trim() === "npm ci")).toBe(true);
    expect(auditSteps).toHaveLength(1);
    expect(audit).toMatchObject({
      condition: "succeededOrFailed()",
      inputs: { azureSubscription: "${{ parameters.serviceConnection }}", scriptType: "bash", scriptLocation: "inlineScript" },
      env: { PREFLIGHT_WORKSPACE: "${{ workspace }}", AZURE_TOKEN_CREDENTIALS: "AzureCliCredential" },
    });
    const script = audit.inputs.inlineScript as string;
    expect(script.split("\n")[0]).toBe("set -euo pipefail");
    expect(script.match(/^\s*npx preflight\b/gm)).toHaveLength(1);
  });

  test("publishes test results and both artifacts whatever happened before", () => {
    expect(publishTests).toMatchObject({
      condition: "always()",
      inputs: { testResultsFormat: "JUnit", searchFolder: "$(Build.ArtifactStagingDirectory)/preflight", mergeTestResults: true, failTaskOnFailedTests: false },
    });
    expect(artifacts.map((step) => [step.condition, step.inputs.artifact, step.inputs.targetPath])).toEqual([
      ["always()", "preflight-reports", "$(Build.ArtifactStagingDirectory)/preflight"],
      ["always()", "CodeAnalysisLogs", "$(Build.ArtifactStagingDirectory)/CodeAnalysisLogs"],
    ]);
  });
});

describe("the npx preflight command line", () => {
  test("a workspace name: the CLI's parser accepts it, with the subscription az reports", async () => {
    const args = await npxArgs("ml-research");
    expect(args[0]).toBe("preflight");
    const { command, argv } = await parseCli(args.slice(1));
    expect(command).toBe("live");
    expect(argv).toMatchObject({ workspace: "ml-research", subscription: SUB, "fail-on": params.get("failOn")?.default });
    expect(argv["docs-url"]).toBe(`${REPO_URI}?path=/docs/checks/{id}.md`);
    expect(argv.ticket).toBeUndefined();
    const reports = (argv.report as string[]).map((entry) => entry.split("=")[0]);
    expect(reports.sort()).toEqual(["json", "junit", "markdown", "sarif"]);
  });

  test("a resource ID: no --subscription; a ticket and another failOn pass through", async () => {
    const args = await npxArgs(WORKSPACE_ID, { ticket: "INC 4242 \"urgent\"", failOn: "warn" });
    const { command, argv } = await parseCli(args.slice(1));
    expect(command).toBe("live");
    expect(argv).toMatchObject({ workspace: WORKSPACE_ID, ticket: "INC 4242 \"urgent\"", "fail-on": "warn" });
    expect(argv.subscription).toBeUndefined();
  });

  test("the same parser rejects a broken command line", async () => {
    const args = (await npxArgs("ml-research")).slice(1);
    await expect(parseCli([...args, "--no-such-flag"])).rejects.toThrow(/Unknown argument.*such-flag/);
    const failOn = args.indexOf("--fail-on");
    await expect(parseCli(args.map((arg, index) => (index === failOn + 1 ? "nope" : arg)))).rejects.toThrow(/fail-on.*nope/);
  });
});

describe.concurrent("the audit step against the fake ARM", () => {
  async function auditAgainst(scenario: Scenario, workspace: string) {
    const fake = await startFakeArm(scenario);
    fakes.push(fake);
    const staging = await tempDir("staging-", work);
    const token = randomSecret();
    const run = await runAuditStep({
      workspace,
      staging,
      env: { PREFLIGHT_ARM_ENDPOINT: fake.url, NODE_EXTRA_CA_CERTS: fake.caFile, PREFLIGHT_ACCESS_TOKEN: token, AZURE_TOKEN_CREDENTIALS: "dev" },
    });
    expect(`${run.stdout}${run.stderr}`).not.toContain(token);
    // Where the publish steps look.
    const reportDir = expand(publishTests.inputs.searchFolder as string, workspace, staging);
    const sarifDir = expand(artifacts[1]?.inputs.targetPath as string, workspace, staging);
    expect(expand(artifacts[0]?.inputs.targetPath as string, workspace, staging)).toBe(reportDir);
    const reports = (await readdir(reportDir)).sort();
    const junit = reports.filter((file) => matchesGlob(file, publishTests.inputs.testResultsFiles as string));
    expect(junit).toEqual(["ml-research.junit.xml"]);
    expect(reports).toEqual(["ml-research.json", "ml-research.junit.xml", "ml-research.md"]);
    expect(await readdir(sarifDir)).toEqual(["ml-research.sarif"]);
    return {
      run,
      json: JSON.parse(await readFile(join(reportDir, "ml-research.json"), "utf8")) as Json,
      junit: await readFile(join(reportDir, "ml-research.junit.xml"), "utf8"),
      markdown: await readFile(join(reportDir, "ml-research.md"), "utf8"),
      sarif: JSON.parse(await readFile(join(sarifDir, "ml-research.sarif"), "utf8")) as Json,
    };
  }

  test("demo workspace by resource ID: exit 1, its four failing checks in every report", async () => {
    const { run, json, junit, markdown, sarif } = await auditAgainst(demoScenario(), WORKSPACE_ID);
    expect(run.code, run.stderr).toBe(1);
    // acr-vnet-image-build, key-sync, required-outbound, service-tags-outbound; managed-network and workspace-diagnose do not apply.
    expect(run.stdout).toMatch(/^13 checks: 4 fail, 0 unknown, 0 warn, 7 pass, 2 skip · /m);
    expect(json.summary).toEqual({ fail: 4, unknown: 0, warn: 0, pass: 7, skip: 2 });
    expect(json.target).toMatchObject({ workspaceId: WORKSPACE_ID, subscriptionId: SUB });
    expect(json.ticket).toBeNull();
    expect(junit.match(/<failure\b/g)?.length).toBeGreaterThanOrEqual(4);
    expect(markdown).toContain(`${REPO_URI}?path=/docs/checks/key-sync.md`);
    const rules = sarif.runs[0].tool.driver.rules as Json[];
    expect(rules.find((rule) => rule.id === "key-sync")?.helpUri).toBe(`${REPO_URI}?path=/docs/checks/key-sync.md`);
  });

  test("healthy workspace by name: exit 0, the subscription from az, nothing failing", async () => {
    const { run, json, junit, sarif } = await auditAgainst(healthyScenario(), HEALTHY.workspace);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^13 checks: 0 fail, 0 unknown, 0 warn, 11 pass, 2 skip · /m);
    expect(json.summary).toEqual({ fail: 0, unknown: 0, warn: 0, pass: 11, skip: 2 });
    expect(json.target).toMatchObject({ workspaceId: WORKSPACE_ID, subscriptionId: SUB });
    expect(junit).not.toMatch(/<failure\b/);
    expect(sarif.version).toBe("2.1.0");
  });
});

// azure-pipelines.yml: its structure (both modes: a step per listed workspace, or one
// `preflight fleet` step), its `npx preflight` command lines as the CLI's own parser reads them, and
// its audit steps' inline scripts run by bash against the fake ARM, exactly as the agent would after
// expanding `${{ }}` template expressions and `$( )` macros.
// Build first (`npx tsc -p tsconfig.json`; `npm test` does it through pretest).

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, cp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parse as parseTestResults } from "test-results-parser";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { fleetSettings } from "../src/cli/fleet-options.js";
import { createParser, type CommandName } from "../src/cli/main.js";
import type { FleetReport } from "../src/engine/fleet.js";
import { SEED_FAILURES } from "./fake-arm/fleet-failures.js";
import { generateFleetScenario } from "./fake-arm/fleet-scenario.js";
import { startFakeArm, type FakeArm } from "./fake-arm/server.js";
import type { Scenario } from "./fake-arm/scenario.js";
import { HEALTHY, demoScenario, healthyScenario } from "./harness.js";
import { BIN, ROOT, randomSecret, tempDir } from "./e2e/run-cli.js";

type Json = Record<string, any>;

const pipeline = parse(await readFile(join(ROOT, "azure-pipelines.yml"), "utf8")) as Json;
const params = new Map<string, Json>((pipeline.parameters as Json[]).map((param) => [param.name as string, param]));
const steps = pipeline.steps as Json[];
const FLEET_IF = "${{ if eq(parameters.fleet, true) }}";
const ELSE = "${{ else }}";
const EACH = "${{ each workspace in parameters.workspaces }}";
const fleetIndex = steps.findIndex((step) => FLEET_IF in step);
const fleetSteps = (steps[fleetIndex]?.[FLEET_IF] ?? []) as Json[];
const listSteps = (steps[fleetIndex + 1]?.[ELSE] ?? []) as Json[];
const auditSteps = (listSteps.find((step) => EACH in step)?.[EACH] ?? []) as Json[];
/** The per-workspace step, as written (before `${{ workspace }}` is expanded). */
const audit = auditSteps.find((step) => step.task === "AzureCLI@2") as Json;
const fleetAudit = fleetSteps.find((step) => step.task === "AzureCLI@2") as Json;
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

/**
 * Template expansion of the step list, for these parameter values, as Azure Pipelines compiles it:
 * `${{ if eq(parameters.X, true|false) }}` with the `${{ else }}` right after it, and
 * `${{ each workspace in parameters.workspaces }}` (its `${{ workspace }}` substituted). Any other
 * `${{ }}` key is an error here, so the file cannot grow a construct these tests do not read.
 */
function compileSteps(list: Json[], values: { fleet: boolean; workspaces: string[] }): Json[] {
  const out: Json[] = [];
  let previousIf: boolean | undefined;
  for (const item of list) {
    const [key] = Object.keys(item);
    if (key === undefined || !key.startsWith("${{")) {
      out.push(item);
      previousIf = undefined;
      continue;
    }
    const children = item[key] as Json[];
    const condition = /^\$\{\{ if eq\(parameters\.(\w+), (true|false)\) \}\}$/.exec(key);
    if (condition) {
      const value = condition[1] === "fleet" ? values.fleet : params.get(condition[1] as string)?.default;
      previousIf = String(value) === condition[2];
      if (previousIf) out.push(...compileSteps(children, values));
    } else if (key === ELSE) {
      if (previousIf === undefined) throw new Error("${{ else }} without the ${{ if }} right before it");
      if (!previousIf) out.push(...compileSteps(children, values));
      previousIf = undefined;
    } else if (key === EACH) {
      for (const workspace of values.workspaces) {
        const substituted = JSON.parse(
          JSON.stringify(children).replace(/\$\{\{\s*workspace\s*\}\}/g, workspace.replace(/["\\]/g, "\\$&")),
        ) as Json[];
        out.push(...compileSteps(substituted, values));
      }
      previousIf = undefined;
    } else {
      throw new Error(`template expression not handled by this test: ${key}`);
    }
  }
  return out;
}

interface Expansion {
  staging: string;
  /** $(Pipeline.Workspace): where the previous run's reports are downloaded (`previous/`). */
  pipelineWorkspace?: string;
  /** $(Build.SourcesDirectory): the repository checkout, the audit steps' working directory. */
  sources?: string;
  /** The `${{ workspace }}` of the per-workspace step; absent for a step outside the loop. */
  workspace?: string;
  overrides?: Record<string, string>;
}

/** Compile time (`${{ parameters.X }}`, `${{ workspace }}`), then run time (`$(Build.X)` macros). */
function expand(text: string, { staging, workspace, overrides = {}, pipelineWorkspace, sources }: Expansion): string {
  const macros: Record<string, string> = {
    "Build.ArtifactStagingDirectory": staging,
    "Build.Repository.Uri": REPO_URI,
    "Pipeline.Workspace": pipelineWorkspace ?? join(staging, "no-pipeline-workspace"),
    "Build.SourcesDirectory": sources ?? ROOT,
  };
  return text
    .replace(/\$\{\{\s*parameters\.(\w+)\s*\}\}/g, (_, name: string) => {
      if (!params.has(name)) throw new Error(`no parameter ${name}`);
      return overrides[name] ?? String(params.get(name)?.default);
    })
    .replace(/\$\{\{\s*workspace\s*\}\}/g, () => {
      if (workspace === undefined) throw new Error("${{ workspace }} outside the each loop");
      return workspace;
    })
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

/** An AzureCLI@2 step's inline script and env, expanded, run by bash as the task would (after `prelude`). */
async function runStep(
  step: Json,
  options: Expansion & { env?: Record<string, string>; prelude?: string },
): Promise<StepRun> {
  const stepEnv = Object.fromEntries(
    Object.entries(step.env as Record<string, string>).map(([key, value]) => [key, expand(String(value), options)]),
  );
  const script = `${options.prelude ?? ""}\n${expand(step.inputs.inlineScript as string, options)}`;
  const env = {
    PATH: `${shims}:/usr/bin:/bin`,
    HOME: await tempDir("home-", work),
    NO_COLOR: "1",
    ...stepEnv,
    ...options.env,
  };
  return new Promise((resolve, reject) => {
    const cwd = step.inputs.workingDirectory ? expand(String(step.inputs.workingDirectory), options) : ROOT;
    const child = spawn("bash", ["-c", script], { cwd, env, stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({ code, stdout: Buffer.concat(stdout).toString("utf8"), stderr: Buffer.concat(stderr).toString("utf8") }),
    );
  });
}

/** The arguments a step's script gives `npx`, bash doing the quoting, expansion and splitting. */
async function npxArgs(step: Json, options: Omit<Expansion, "staging"> = {}): Promise<string[]> {
  const staging = await tempDir("staging-", work);
  const run = await runStep(step, { ...options, staging, prelude: "npx() { printf '%s\\0' \"$@\"; }" });
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
  const source = glob
    .split("**/")
    .map((part) => part.split("*").map(escape).join("[^/]*"))
    .join("(?:.*/)?");
  return new RegExp(`^${source}$`).test(file);
}

/** The four `--report` entries of a parsed command line, by format. */
function reportPaths(argv: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    (argv.report as string[]).map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]),
  );
}

const isAudit = (step: Json) => step.task === "AzureCLI@2";

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

  test("declares the workspaces, serviceConnection, failOn, failOnNew, ticket, docsUrl, fleet and fleetScope parameters", () => {
    expect(params.get("workspaces")).toMatchObject({ type: "object" });
    expect(params.get("workspaces")?.default).toEqual([
      expect.stringMatching(/^\/subscriptions\/.+\/workspaces\/[\w-]+$/),
    ]);
    expect(params.get("serviceConnection")).toMatchObject({ type: "string", default: expect.any(String) });
    expect(params.get("failOn")).toMatchObject({
      type: "string",
      default: "fail",
      values: ["fail", "warn", "unknown"],
    });
    expect(params.get("failOnNew")).toMatchObject({ type: "boolean", default: false });
    expect(params.get("ticket")).toMatchObject({ type: "string", default: "" });
    expect(params.get("docsUrl")?.default).toBe("$(Build.Repository.Uri)?path=/docs/checks/{id}.md");
    expect(params.get("fleet")).toMatchObject({
      type: "boolean",
      default: false,
      displayName: expect.stringMatching(/preflight fleet/),
    });
    expect(params.get("fleetScope")).toMatchObject({ type: "string", default: "" });
  });

  test("installs Node 24 and builds, then audits each workspace with AzureCLI@2 even after a failure", () => {
    expect(steps[0]).toEqual({ checkout: "self" });
    expect(steps.find((step) => step.task === "NodeTool@0")?.inputs).toEqual({ versionSpec: "24.x" });
    expect(steps.some((step) => typeof step.script === "string" && step.script.trim() === "npm ci")).toBe(true);
    expect(auditSteps).toHaveLength(1);
    expect(audit).toMatchObject({
      condition: "succeededOrFailed()",
      inputs: {
        azureSubscription: "${{ parameters.serviceConnection }}",
        scriptType: "bash",
        scriptLocation: "inlineScript",
      },
      env: { PREFLIGHT_WORKSPACE: "${{ workspace }}", AZURE_TOKEN_CREDENTIALS: "AzureCliCredential" },
    });
    const script = audit.inputs.inlineScript as string;
    expect(script.split("\n")[0]).toBe("set -euo pipefail");
    expect(script.match(/^\s*npx preflight\b/gm)).toHaveLength(1);
  });

  test("fleet false (the default): one audit step per listed workspace, and no preflight fleet", () => {
    const workspaces = ["ml-research", WORKSPACE_ID];
    const compiled = compileSteps(steps, { fleet: params.get("fleet")?.default as boolean, workspaces });
    const audits = compiled.filter(isAudit);
    expect(audits.map((step) => step.env.PREFLIGHT_WORKSPACE)).toEqual(workspaces);
    expect(audits.map((step) => step.displayName)).toEqual(workspaces.map((workspace) => `Audit ${workspace}`));
    expect(JSON.stringify(compiled)).not.toMatch(/preflight fleet/);
    // The build comes before the audits, the publish steps after them.
    const tasks = compiled.map((step) => step.task ?? step.script?.trim() ?? Object.keys(step)[0]);
    expect(tasks).toEqual([
      "checkout",
      "NodeTool@0",
      "npm ci",
      "DownloadPipelineArtifact@2",
      "AzureCLI@2",
      "AzureCLI@2",
      "PublishTestResults@2",
      "PublishPipelineArtifact@1",
      "PublishPipelineArtifact@1",
    ]);
  });

  test("fleet true: exactly one audit step, running preflight fleet, in place of the per-workspace ones", () => {
    expect(steps[fleetIndex + 1], "${{ else }} right after the ${{ if }}").toHaveProperty([ELSE]);
    expect(fleetSteps).toEqual([fleetAudit]);
    const compiled = compileSteps(steps, { fleet: true, workspaces: ["ml-research", WORKSPACE_ID] });
    expect(compiled.filter(isAudit)).toEqual([fleetAudit]);
    expect(compiled.filter((step) => step.task?.startsWith("Publish"))).toEqual([publishTests, ...artifacts]);
    expect(fleetAudit).toMatchObject({
      inputs: {
        azureSubscription: "${{ parameters.serviceConnection }}",
        scriptType: "bash",
        scriptLocation: "inlineScript",
        failOnStandardError: false,
      },
      env: {
        PREFLIGHT_FLEET_SCOPE: "${{ parameters.fleetScope }}",
        PREFLIGHT_TICKET: "${{ parameters.ticket }}",
        AZURE_TOKEN_CREDENTIALS: "AzureCliCredential",
      },
    });
    const script = fleetAudit.inputs.inlineScript as string;
    expect(script.split("\n")[0]).toBe("set -euo pipefail");
    expect(script.match(/^\s*npx preflight\b.*$/gm)).toEqual([expect.stringMatching(/^\s*npx preflight fleet\b/)]);
    // The scope and ticket reach the script as variables only: their text is never part of it.
    expect(script).not.toMatch(/parameters\.(fleetScope|ticket|docsUrl)/);
    expect(script).toMatch(/read -r -a \w+ <<< "\$\{?PREFLIGHT_FLEET_SCOPE/);
  });

  test("downloads the previous run's reports, failed runs included, without failing the first run", () => {
    const download = steps.find((step) => step.task === "DownloadPipelineArtifact@2") as Json;
    expect(steps.indexOf(download)).toBeLessThan(fleetIndex);
    expect(download).toMatchObject({
      continueOnError: true,
      inputs: {
        source: "specific",
        pipeline: "$(System.DefinitionId)",
        runVersion: "latestFromBranch",
        allowFailedBuilds: true,
        artifact: artifacts[0]?.inputs.artifact,
        path: "$(Pipeline.Workspace)/previous",
      },
    });
    // Both audit steps run from the repository root, where preflight.config.yaml is looked for.
    for (const step of [audit, fleetAudit]) expect(step.inputs.workingDirectory).toBe("$(Build.SourcesDirectory)");
    expect(audit.env.PREFLIGHT_PREVIOUS).toBe(download.inputs.path);
  });

  test("publishes test results and both artifacts whatever happened before", () => {
    expect(publishTests).toMatchObject({
      condition: "always()",
      inputs: {
        testResultsFormat: "JUnit",
        searchFolder: "$(Build.ArtifactStagingDirectory)/preflight",
        mergeTestResults: true,
        failTaskOnFailedTests: false,
      },
    });
    expect(artifacts.map((step) => [step.condition, step.inputs.artifact, step.inputs.targetPath])).toEqual([
      ["always()", "preflight-reports", "$(Build.ArtifactStagingDirectory)/preflight"],
      ["always()", "CodeAnalysisLogs", "$(Build.ArtifactStagingDirectory)/CodeAnalysisLogs"],
    ]);
  });
});

describe("the npx preflight command line", () => {
  test("a workspace name: the CLI's parser accepts it, with the subscription az reports", async () => {
    const args = await npxArgs(audit, { workspace: "ml-research" });
    expect(args[0]).toBe("preflight");
    const { command, argv } = await parseCli(args.slice(1));
    expect(command).toBe("live");
    expect(argv).toMatchObject({
      workspace: "ml-research",
      subscription: SUB,
      "fail-on": params.get("failOn")?.default,
    });
    expect(argv["docs-url"]).toBe(`${REPO_URI}?path=/docs/checks/{id}.md`);
    expect(argv.ticket).toBeUndefined();
    const reports = (argv.report as string[]).map((entry) => entry.split("=")[0]);
    expect(reports.sort()).toEqual(["json", "junit", "markdown", "sarif"]);
  });

  test("a resource ID: no --subscription; a ticket and another failOn pass through", async () => {
    const args = await npxArgs(audit, {
      workspace: WORKSPACE_ID,
      overrides: { ticket: 'INC 4242 "urgent"', failOn: "warn" },
    });
    const { command, argv } = await parseCli(args.slice(1));
    expect(command).toBe("live");
    expect(argv).toMatchObject({ workspace: WORKSPACE_ID, ticket: 'INC 4242 "urgent"', "fail-on": "warn" });
    expect(argv.subscription).toBeUndefined();
  });

  test("the same parser rejects a broken command line", async () => {
    const args = (await npxArgs(audit, { workspace: "ml-research" })).slice(1);
    await expect(parseCli([...args, "--no-such-flag"])).rejects.toThrow(/Unknown argument.*such-flag/);
    const failOn = args.indexOf("--fail-on");
    await expect(parseCli(args.map((arg, index) => (index === failOn + 1 ? "nope" : arg)))).rejects.toThrow(
      /fail-on.*nope/,
    );
  });

  test("fleet: the parser reads the fleet command, the scope's words, the ticket, failOn and every report", async () => {
    const fleetScopeValue =
      "--management-group mg-ml-prod  --tag env=prod\t-g rg-ml-weu-01,rg-ml-neu-02 --tag team=vision";
    const args = await npxArgs(fleetAudit, {
      overrides: { fleetScope: fleetScopeValue, ticket: 'INC 4242 "urgent"', failOn: "warn" },
    });
    expect(args.slice(0, 2)).toEqual(["preflight", "fleet"]);
    const { command, argv } = await parseCli(args.slice(1));
    expect(command).toBe("fleet");
    expect(argv).toMatchObject({
      ticket: 'INC 4242 "urgent"',
      "fail-on": "warn",
      "docs-url": `${REPO_URI}?path=/docs/checks/{id}.md`,
    });
    expect(fleetSettings(argv, {}).scope).toEqual({
      subscriptions: [],
      managementGroups: ["mg-ml-prod"],
      resourceGroups: ["rg-ml-weu-01", "rg-ml-neu-02"],
      tags: [
        { key: "env", value: "prod" },
        { key: "team", value: "vision" },
      ],
      via: "resource-graph",
    });
    const reports = reportPaths(argv);
    expect(Object.keys(reports).sort()).toEqual(["json", "junit", "markdown", "sarif"]);
    expect(
      reports.junit &&
        matchesGlob(
          reports.junit.slice(reports.junit.lastIndexOf("/") + 1),
          publishTests.inputs.testResultsFiles as string,
        ),
    ).toBe(true);
    expect(reports).toMatchObject({
      junit: expect.stringMatching(/\/preflight\/fleet\.junit\.xml$/),
      json: expect.stringMatching(/\/preflight\/fleet\.json$/),
      markdown: expect.stringMatching(/\/preflight\/fleet\.md$/),
      sarif: expect.stringMatching(/\/CodeAnalysisLogs\/fleet\.sarif$/),
    });
  });

  test("fleet with an empty scope: everything in reach, no stray empty argument", async () => {
    const args = await npxArgs(fleetAudit);
    expect(args.slice(0, 4)).toEqual(["preflight", "fleet", "--progress", "--fail-on"]);
    const { command, argv } = await parseCli(args.slice(1));
    expect(command).toBe("fleet");
    expect(argv.ticket).toBeUndefined();
    // The step log gets whole progress lines although stderr is no terminal there.
    expect(argv.progress).toBe(true);
    expect(fleetSettings(argv, {}).scope).toEqual({
      subscriptions: [],
      managementGroups: [],
      resourceGroups: [],
      tags: [],
      via: "resource-graph",
    });
  });

  test("fleet: the scope is split into words, never run as shell code (and quotes are not interpreted)", async () => {
    const marker = join(work, "scope-ran");
    const args = await npxArgs(fleetAudit, {
      overrides: { fleetScope: `--tag "a b" $(touch ${marker}) ;touch ${marker} *` },
    });
    expect(args.slice(2, 9)).toEqual(["--tag", '"a', 'b"', `$(touch`, `${marker})`, `;touch`, marker]);
    expect(args[9]).toBe("*");
    expect(existsSync(marker)).toBe(false);
  });
});

interface StepReports {
  reportDir: string;
  sarifDir: string;
}

/** Where the publish steps look; asserts the JUnit files the test step picks up are `junitFiles`. */
async function publishedReports(staging: string, junitFiles: string[]): Promise<StepReports> {
  const reportDir = expand(publishTests.inputs.searchFolder as string, { staging });
  const sarifDir = expand(artifacts[1]?.inputs.targetPath as string, { staging });
  expect(expand(artifacts[0]?.inputs.targetPath as string, { staging })).toBe(reportDir);
  const junit = (await readdir(reportDir)).filter((file) =>
    matchesGlob(file, publishTests.inputs.testResultsFiles as string),
  );
  expect(junit.sort()).toEqual(junitFiles);
  return { reportDir, sarifDir };
}

/** Runs `step` against `fake` with a bearer token that must not appear in its output. */
async function runAgainst(
  fake: FakeArm,
  step: Json,
  options: Omit<Expansion, "staging">,
): Promise<StepRun & { staging: string }> {
  const staging = await tempDir("staging-", work);
  const token = randomSecret();
  const run = await runStep(step, {
    ...options,
    staging,
    env: {
      PREFLIGHT_ARM_ENDPOINT: fake.url,
      NODE_EXTRA_CA_CERTS: fake.caFile,
      PREFLIGHT_ACCESS_TOKEN: token,
      AZURE_TOKEN_CREDENTIALS: "dev",
    },
  });
  expect(`${run.stdout}${run.stderr}`).not.toContain(token);
  return { ...run, staging };
}

async function fakeArm(scenario: Scenario): Promise<FakeArm> {
  const fake = await startFakeArm(scenario);
  fakes.push(fake);
  return fake;
}

describe.concurrent("the audit step against the fake ARM", () => {
  async function auditAgainst(scenario: Scenario, workspace: string) {
    const run = await runAgainst(await fakeArm(scenario), audit, { workspace });
    const { reportDir, sarifDir } = await publishedReports(run.staging, ["ml-research.junit.xml"]);
    expect((await readdir(reportDir)).sort()).toEqual(["ml-research.json", "ml-research.junit.xml", "ml-research.md"]);
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
    expect(run.stdout).toMatch(/^13 checks: 4 fail, 0 unknown, 0 warn, 7 pass, 2 skip$/m);
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
    expect(run.stdout).toMatch(/^13 checks: 0 fail, 0 unknown, 0 warn, 11 pass, 2 skip$/m);
    expect(json.summary).toEqual({ fail: 0, unknown: 0, warn: 0, pass: 11, skip: 2 });
    expect(json.target).toMatchObject({ workspaceId: WORKSPACE_ID, subscriptionId: SUB });
    expect(junit).not.toMatch(/<failure\b/);
    expect(sarif.version).toBe("2.1.0");
  });

  test("the next day: yesterday's report as the baseline and the repository's waiver, failOnNew: exit 0, the counts on the summary page", async () => {
    const fake = await fakeArm(demoScenario());
    const yesterday = await runAgainst(fake, audit, { workspace: WORKSPACE_ID });
    expect(yesterday.code, yesterday.stderr).toBe(1);
    // What DownloadPipelineArtifact@2 leaves: the previous run's preflight-reports artifact.
    const pipelineWorkspace = await tempDir("pipeline-", work);
    const previous = join(pipelineWorkspace, "previous");
    await cp(join(yesterday.staging, "preflight"), previous, { recursive: true });
    // The repository checkout, with its config file at the root.
    const sources = await tempDir("sources-", work);
    const expires = new Date(Date.now() + 60 * 86_400_000).toISOString().slice(0, 10);
    await writeFile(
      join(sources, "preflight.config.yaml"),
      [
        "waivers:",
        "  - check: key-sync",
        `    resource: /subscriptions/${SUB}/resourceGroups/${HEALTHY.resourceGroup}/*`,
        "    reason: keys are synced in the Friday change window",
        "    owner: ml-platform",
        `    expires: ${expires}`,
        "",
      ].join("\n"),
    );

    const today = await runAgainst(fake, audit, {
      workspace: WORKSPACE_ID,
      pipelineWorkspace,
      sources,
      overrides: { failOnNew: "True" },
    });
    expect(today.code, today.stderr).toBe(0);
    const { reportDir } = await publishedReports(today.staging, ["ml-research.junit.xml"]);
    const json = JSON.parse(await readFile(join(reportDir, "ml-research.json"), "utf8")) as Json;
    const findings = (json.checks as Json[]).flatMap((check) => check.findings as Json[]);
    const problems = findings.filter((finding) => ["fail", "unknown", "warn"].includes(finding.status as string));
    expect(problems.length).toBeGreaterThan(0);
    expect(new Set(problems.map((finding) => finding.baseline))).toEqual(new Set(["unchanged"]));
    const waived = findings.filter((finding) => finding.waived);
    expect(waived.map((finding) => finding.waived.reason)).toContain("keys are synced in the Friday change window");
    expect(new Set(waived.map((finding) => finding.messageId))).not.toContain(undefined);
    // The summary page gets the Markdown report, which carries the counts.
    expect(today.stdout).toContain(`##vso[task.uploadsummary]${join(reportDir, "ml-research.md")}`);
    const markdown = await readFile(join(reportDir, "ml-research.md"), "utf8");
    expect(markdown).toMatch(/unchanged/i);
    expect(markdown).toMatch(/waived/i);
  });

  test("the fleet step over a generated fleet, scoped by tag: exit 1, one report of each kind, a JUnit suite per workspace in scope", async () => {
    const fleet = generateFleetScenario({
      workspaces: 8,
      subscriptions: 2,
      seed: 3,
      failureShare: Object.fromEntries(SEED_FAILURES.map((id) => [id, 0.25])),
    });
    const inScope = fleet.workspaces.filter((workspace) => workspace.tags.env === "prod");
    // The scope must cut the fleet, and leave something failing in it, for the checks below to mean anything.
    expect(inScope.length).toBeGreaterThan(0);
    expect(inScope.length).toBeLessThan(fleet.workspaces.length);
    expect(inScope.some((workspace) => workspace.planted.length > 0)).toBe(true);

    const run = await runAgainst(await fakeArm(fleet.scenario), fleetAudit, {
      overrides: { fleetScope: "--tag env=prod", ticket: "CHG-77" },
    });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toContain(`fleet audit of ${inScope.length} workspaces`);
    const { reportDir, sarifDir } = await publishedReports(run.staging, ["fleet.junit.xml"]);
    expect((await readdir(reportDir)).sort()).toEqual(["fleet.json", "fleet.junit.xml", "fleet.md"]);
    expect(await readdir(sarifDir)).toEqual(["fleet.sarif"]);

    const lower = (ids: string[]) => ids.map((id) => id.toLowerCase()).sort();
    const report = JSON.parse(await readFile(join(reportDir, "fleet.json"), "utf8")) as FleetReport;
    expect(report.scope).toMatchObject({
      subscriptions: [],
      managementGroups: [],
      tags: [{ key: "env", value: "prod" }],
    });
    expect(report.ticket).toBe("CHG-77");
    expect(lower(report.workspaces.map((workspace) => workspace.target.workspaceId))).toEqual(
      lower(inScope.map((workspace) => workspace.id)),
    );
    const failing = inScope.filter((workspace) => workspace.planted.length > 0);
    expect(report.summary.byWorstStatus.fail).toBe(failing.length);

    // What the Tests tab shows: one suite per workspace in scope, named "<workspace> (<resource group>)".
    const junit = parseTestResults({ type: "junit", files: [join(reportDir, "fleet.junit.xml")] });
    expect(junit.suites.map((suite) => suite.name).sort()).toEqual(
      inScope.map((workspace) => `${workspace.name} (${workspace.resourceGroup})`).sort(),
    );
    expect(junit.suites.filter((suite) => suite.failed > 0)).toHaveLength(failing.length);

    expect(await readFile(join(reportDir, "fleet.md"), "utf8")).toContain(`${REPO_URI}?path=/docs/checks/`);
    const sarif = JSON.parse(await readFile(join(sarifDir, "fleet.sarif"), "utf8")) as Json;
    const sarifWorkspaces = new Set(
      (sarif.runs[0].results as Json[]).map((result) => String(result.properties?.workspaceId).toLowerCase()),
    );
    expect([...sarifWorkspaces].sort()).toEqual(lower(failing.map((workspace) => workspace.id)));
  });
});

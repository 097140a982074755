// The command line of CONTRACTS.md section 1. `main` returns an exit code and never touches
// `process` itself: bin.ts owns argv, env and exit.

import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import yargs, { type Argv } from "yargs";
import { CHECKS, findCheck } from "../../checks/index.js";
import { FORMATS, isFormat, render, type Format } from "../../reports/index.js";
import { exitSentence } from "../../reports/shared.js";
import { summaryLine } from "../../reports/text.js";
import { scrubFreeText, type Redactor } from "../collect/secrets.js";
import { resolveWorkspace } from "../collect/target.js";
import { buildLogCommand, buildLogOptions, envCommand, envOptions, type BuildLogArgs, type EnvArgs } from "./doctor.js";
import type { CliIo } from "./io.js";
import { PreflightError } from "../engine/errors.js";
import { buildReport, exitCodeFor } from "../engine/run.js";
import type { Check } from "../engine/types.js";
import { readSnapshot, writeSnapshot } from "../snapshot/io.js";
import type { PartName, Snapshot } from "../snapshot/types.js";
import packageJson from "../../package.json" with { type: "json" };

export const TOOL_VERSION: string = packageJson.version;

export type { CliIo } from "./io.js";

const FAIL_ON = ["fail", "warn", "unknown"] as const;

interface AuditArgs {
  format: Format;
  out?: string;
  report?: string[];
  "docs-url"?: string;
  only?: string[];
  skip?: string[];
  "fail-on": (typeof FAIL_ON)[number];
  ticket?: string;
  verbose: boolean;
}

interface LiveArgs extends AuditArgs {
  workspace: string;
  "resource-group"?: string;
  subscription?: string;
  "arm-endpoint"?: string;
  keys: boolean;
  "request-timeout": number;
  timeout: number;
  retries: number;
  "retry-delay": number;
  "max-retry-after": number;
  diagnose: boolean;
  "diagnose-timeout": number;
}

function reportOptions(argv: Argv): Argv {
  return argv
    .option("format", { choices: FORMATS, default: "text" as Format, describe: "Report format on stdout" })
    .option("out", { type: "string", describe: "Write the report to this file (the summary still goes to stderr)" })
    .option("only", { type: "string", array: true, describe: "Run only these checks (comma-separated ids)" })
    .option("skip", { type: "string", array: true, describe: "Skip these checks (comma-separated ids)" })
    .option("fail-on", { choices: FAIL_ON, default: "fail" as const, describe: "Lowest status that makes the exit code 1" })
    .option("report", {
      type: "string",
      array: true,
      describe: `Also write <format>=<path> from the same run (repeatable; formats: ${FORMATS.join(", ")})`,
    })
    .option("ticket", { type: "string", describe: "Support ticket id, printed in every report format" })
    .option("docs-url", {
      type: "string",
      describe: "URL of the published check pages, {id} for the check id (default: PREFLIGHT_DOCS_URL; else reports name docs/checks/<id>.md)",
    });
}

function targetOptions(argv: Argv): Argv {
  return argv
    .option("workspace", { alias: "w", type: "string", describe: "Workspace name or full ARM resource ID", demandOption: true })
    .option("resource-group", { alias: "g", type: "string", describe: "Resource group (found by listing the subscription when omitted)" })
    .option("subscription", { alias: "s", type: "string", describe: "Subscription id (default: AZURE_SUBSCRIPTION_ID, then the Azure CLI default)" })
    .option("arm-endpoint", { type: "string", describe: "ARM endpoint (default: PREFLIGHT_ARM_ENDPOINT or https://management.azure.com)" })
    .option("keys", { type: "boolean", default: true, describe: "Read listKeys/listCredentials to compare keys (--no-keys to skip)" })
    .option("request-timeout", { type: "number", default: 30, describe: "Seconds before one ARM request is abandoned (its reads become unknown)" })
    .option("timeout", { type: "number", default: 300, describe: "Seconds for the whole collection; what is unread by then is unknown, the report still comes out" })
    .option("retries", { type: "number", default: 3, describe: "Retries of a throttled (429), failed (5xx) or dropped request" })
    .option("retry-delay", { type: "number", default: 1, describe: "Seconds before the first retry of a 5xx or dropped request; doubles each time" })
    .option("max-retry-after", { type: "number", default: 60, describe: "Longest Retry-After (seconds) waited for; a longer one leaves the read unknown" })
    .option("diagnose", { type: "boolean", default: false, describe: "Also run Azure's own workspace diagnose (a read-only POST) and report its results (workspace-diagnose)" })
    .option("diagnose-timeout", { type: "number", default: 120, describe: "Seconds to wait for --diagnose to finish; past it, workspace-diagnose is unknown" });
}

/** The commands the parser can dispatch to. */
export type CommandName = "live" | "collect" | "audit" | "checks" | "build-log" | "env";

/**
 * The CLI's own parser: flags, choices and commands, with `onCommand` called for the command the
 * arguments name. `main` runs the command; tests (the pipeline file's command line) only record it.
 */
export function createParser(args: string[], onCommand: (command: CommandName, argv: Record<string, unknown>) => Promise<void>): Argv {
  return yargs(args)
    .scriptName("preflight")
    // Options are read by their dashed names; camelCase copies would only double "Unknown argument" messages.
    .parserConfiguration({ "camel-case-expansion": false })
    .usage("$0 --workspace <name | resource ID> [options]\n\nAudits an Azure Machine Learning workspace and its network for what breaks environment image builds.")
    .option("verbose", { type: "boolean", default: false, describe: "Show passing findings, evidence and stack traces" })
    .command("$0", "Collect and audit one workspace", (y) => reportOptions(targetOptions(y)), (argv) => onCommand("live", argv))
    .command(
      "collect",
      "Collect a workspace into a snapshot file (holds no secrets)",
      (y) =>
        targetOptions(y)
          .option("out", { type: "string", demandOption: true, describe: "Snapshot file to write" })
          .option("only", { type: "string", array: true, describe: "Collect only what these checks need" })
          .option("skip", { type: "string", array: true, describe: "Collect nothing only these checks need" }),
      (argv) => onCommand("collect", argv),
    )
    .command(
      "audit",
      "Audit a collected snapshot offline",
      (y) => reportOptions(y).option("snapshot", { type: "string", demandOption: true, describe: "Snapshot file from `preflight collect`" }),
      (argv) => onCommand("audit", argv),
    )
    .command(
      "checks [id]",
      "List the checks, or print one check's documentation",
      (y) => y.positional("id", { type: "string", describe: "Check id" }),
      (argv) => onCommand("checks", argv),
    )
    .command("build-log <file>", "Explain a failed image build log: each known cause with its line and fix", buildLogOptions, (argv) => onCommand("build-log", argv))
    .command("env <file>", "Lint an environment (conda file, requirements, Dockerfile, Azure ML environment) before it is built", envOptions, (argv) => onCommand("env", argv))
    .strict()
    .help()
    .version(TOOL_VERSION)
    .wrap(100)
    .exitProcess(false)
    .fail((message, error) => {
      // yargs spreads some messages over several lines ("Invalid values:\n  Argument: ..."): exit 2 says one.
      throw error ?? new PreflightError(`${oneLine(message ?? "invalid arguments")} (see preflight --help)`);
    });
}

/** yargs-parser reads a lone `-` as an empty flag; `build-log -` and `env -` mean standard input. */
const STDIN_ARGUMENT = "\u0000stdin";

export async function main(rawArgs: string[], io: CliIo): Promise<number> {
  let exitCode = 0;
  const args = rawArgs.map((arg) => (arg === "-" ? STDIN_ARGUMENT : arg));
  const verbose = args.includes("--verbose");
  const parser = createParser(args, async (command, argv) => {
    if (argv.file === STDIN_ARGUMENT) argv.file = "-";
    switch (command) {
      case "live":
        exitCode = await liveAudit(argv as unknown as LiveArgs, io);
        break;
      case "collect":
        exitCode = await collectCommand(argv as unknown as LiveArgs, io);
        break;
      case "audit":
        exitCode = await offlineAudit(argv as unknown as AuditArgs & { snapshot: string }, io);
        break;
      case "checks":
        exitCode = await checksCommand(argv.id as string | undefined, io);
        break;
      case "build-log":
        exitCode = await buildLogCommand(argv as unknown as BuildLogArgs, io, TOOL_VERSION);
        break;
      case "env":
        exitCode = await envCommand(argv as unknown as EnvArgs, io, TOOL_VERSION);
        break;
    }
  });
  try {
    let helpText: string | undefined;
    await parser.parseAsync(args, {}, (_error, _argv, output) => {
      helpText = output;
    });
    if (helpText) io.stdout(`${helpText}\n`);
    return exitCode;
  } catch (error) {
    // Error text can quote a server's answer (an SDK error echoing a body): scrubbed like ARM messages.
    if (error instanceof PreflightError) {
      io.stderr(`preflight: ${scrubFreeText(oneLine(error.message))}\n`);
      return 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`preflight: ${scrubFreeText(firstLine(message))}${verbose ? "" : " (run with --verbose for details)"}\n`);
    if (verbose && error instanceof Error && error.stack) io.stderr(`${scrubFreeText(error.stack)}\n`);
    return 2;
  }
}

function firstLine(text: string): string {
  return text.split(/\r?\n/)[0] ?? "";
}

/** Several lines joined into one, their indentation dropped. */
function oneLine(text: string): string {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .join(" ");
}

/** Ids from repeatable, comma-separated flags; unknown ids are a usage error. */
function selectChecks(only: string[] | undefined, skip: string[] | undefined): Check[] {
  const split = (values: string[] | undefined) =>
    (values ?? []).flatMap((value) => value.split(",")).map((value) => value.trim()).filter(Boolean);
  const onlyIds = split(only);
  const skipIds = split(skip);
  for (const id of [...onlyIds, ...skipIds]) {
    if (!findCheck(id)) throw new PreflightError(`unknown check id "${id}"; known: ${CHECKS.map((check) => check.id).join(", ")}`);
  }
  return CHECKS.filter((check) => (onlyIds.length === 0 || onlyIds.includes(check.id)) && !skipIds.includes(check.id));
}

/** A flag in seconds: a finite number above zero (or zero, where `zeroAllowed`). */
function positiveSeconds(args: LiveArgs, flag: "request-timeout" | "timeout" | "retry-delay" | "max-retry-after" | "diagnose-timeout", zeroAllowed = false): number {
  const value = args[flag];
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || (value === 0 && !zeroAllowed)) {
    throw new PreflightError(`--${flag} must be a ${zeroAllowed ? "non-negative" : "positive"} number of seconds, got ${String(value)}`);
  }
  return value;
}

function partsFor(checks: readonly Check[]): PartName[] {
  return [...new Set(checks.flatMap((check) => check.requires))];
}

async function collect(args: LiveArgs, checks: readonly Check[], io: CliIo): Promise<{ snapshot: Snapshot; redactor: Redactor }> {
  // The Azure SDK takes most of start-up: load it only for commands that talk to ARM.
  const [{ ArmReader, DEFAULT_ARM_ENDPOINT }, { collectSnapshot }, { createCredential, ensureToken }, { Redactor }, { DEFAULT_RETRY }] = await Promise.all([
    import("../collect/arm.js"),
    import("../collect/collector.js"),
    import("../collect/credential.js"),
    import("../collect/secrets.js"),
    import("../collect/retry.js"),
  ]);
  const workspace = await resolveWorkspace(
    { workspace: args.workspace, resourceGroup: args["resource-group"], subscription: args.subscription },
    io.env,
  );
  const endpoint = (args["arm-endpoint"] || io.env.PREFLIGHT_ARM_ENDPOINT || DEFAULT_ARM_ENDPOINT).replace(/\/+$/, "");
  if (!/^https:\/\//i.test(endpoint)) {
    throw new PreflightError(`--arm-endpoint "${endpoint}" must be an https:// URL`);
  }
  const requestTimeout = positiveSeconds(args, "request-timeout");
  const runTimeout = positiveSeconds(args, "timeout");
  const retryDelay = positiveSeconds(args, "retry-delay", true);
  const maxRetryAfter = positiveSeconds(args, "max-retry-after", true);
  const diagnoseTimeout = positiveSeconds(args, "diagnose-timeout");
  const retries = args.retries;
  if (!Number.isInteger(retries) || retries < 0 || retries > 10) throw new PreflightError(`--retries must be a whole number from 0 to 10, got ${String(retries)}`);
  // The deadline runs from here: signing in counts against it too.
  const deadline = AbortSignal.timeout(runTimeout * 1000);
  const credential = createCredential(io.env);
  await ensureToken(credential, endpoint, Math.min(20_000, runTimeout * 1000));
  const redactor = new Redactor();
  const reader = new ArmReader({
    credential,
    endpoint,
    requestTimeoutMs: requestTimeout * 1000,
    retry: { ...DEFAULT_RETRY, maxRetries: retries, retryDelayMs: retryDelay * 1000, maxRetryAfterMs: maxRetryAfter * 1000 },
    deadline,
    deadlineSeconds: runTimeout,
    redactor,
  });
  const snapshot = await collectSnapshot({
    reader,
    redactor,
    workspace,
    parts: partsFor(checks),
    readKeys: args.keys,
    toolVersion: TOOL_VERSION,
    ...(args.diagnose ? { diagnose: { timeoutMs: diagnoseTimeout * 1000 } } : {}),
  });
  return { snapshot, redactor };
}

async function liveAudit(args: LiveArgs, io: CliIo): Promise<number> {
  const checks = selectChecks(args.only, args.skip);
  // Bad report arguments fail before any ARM traffic.
  outputsFor(args);
  docsUrlFor(args, io.env);
  const started = new Date();
  const { snapshot, redactor } = await collect(args, checks, io);
  return emitReport(snapshot, checks, args, io, { startedAt: started.toISOString(), durationMs: Date.now() - started.getTime(), redactor });
}

async function collectCommand(args: LiveArgs, io: CliIo): Promise<number> {
  const checks = selectChecks(args.only, args.skip);
  const { snapshot } = await collect(args, checks, io);
  const out = args.out as string;
  await writeSnapshot(out, snapshot);
  io.stderr(`preflight: wrote snapshot of ${snapshot.target.workspace} to ${out} (${snapshot.resources.length} resources, ${snapshot.errors.length} failed reads, ${snapshot.requests} requests)\n`);
  return 0;
}

async function offlineAudit(args: AuditArgs & { snapshot: string }, io: CliIo): Promise<number> {
  const checks = selectChecks(args.only, args.skip);
  outputsFor(args);
  docsUrlFor(args, io.env);
  const snapshot = await readSnapshot(args.snapshot);
  return emitReport(snapshot, checks, args, io, { startedAt: snapshot.collectedAt, durationMs: snapshot.durationMs });
}

/** One report to write: stdout (path undefined) or a file. */
interface Output {
  format: Format;
  path?: string;
}

/** --format/--out plus every --report <format>=<path>, checked: known formats, one writer per path. */
function outputsFor(args: AuditArgs): Output[] {
  const outputs: Output[] = [{ format: args.format, ...(args.out ? { path: args.out } : {}) }];
  for (const entry of args.report ?? []) {
    const at = entry.indexOf("=");
    const format = at > 0 ? entry.slice(0, at).trim() : "";
    const path = at > 0 ? entry.slice(at + 1).trim() : "";
    if (!format || !path) throw new PreflightError(`--report "${entry}" must be <format>=<path>, e.g. --report junit=out/preflight.xml`);
    if (!isFormat(format)) throw new PreflightError(`--report "${entry}": unknown format "${format}"; known: ${FORMATS.join(", ")}`);
    outputs.push({ format, path });
  }
  const paths = outputs.flatMap((output) => (output.path ? [resolve(output.path)] : []));
  const twice = paths.find((path, index) => paths.indexOf(path) !== index);
  if (twice) throw new PreflightError(`two reports would be written to ${twice}; give each --report/--out its own path`);
  return outputs;
}

/** Where the check pages are published: the --docs-url template, checked; undefined when none is given. */
function docsUrlFor(args: AuditArgs, env: NodeJS.ProcessEnv): ((check: { id: string }) => string) | undefined {
  const template = (args["docs-url"] || env.PREFLIGHT_DOCS_URL || "").trim();
  if (!template) return undefined;
  if (!template.includes("{id}")) throw new PreflightError(`--docs-url "${template}" must contain {id}, e.g. https://example.org/docs/checks/{id}.md`);
  try {
    new URL(template.replaceAll("{id}", "x"));
  } catch {
    throw new PreflightError(`--docs-url "${template}" is not an absolute URL`);
  }
  return (check) => template.replaceAll("{id}", check.id);
}

async function emitReport(
  snapshot: Snapshot,
  checks: readonly Check[],
  args: AuditArgs,
  io: CliIo,
  timing: { startedAt: string; durationMs: number; redactor?: Redactor },
): Promise<number> {
  const report = buildReport(snapshot, checks, {
    toolVersion: TOOL_VERSION,
    ticket: args.ticket ?? null,
    startedAt: timing.startedAt,
    durationMs: timing.durationMs,
  });
  const failOn = args["fail-on"];
  const docsUrl = docsUrlFor(args, io.env);
  for (const output of outputsFor(args)) {
    const colour = !output.path && output.format === "text" && io.stdoutIsTTY && !io.env.NO_COLOR;
    let text = render(output.format, report, {
      colour,
      verbose: args.verbose,
      failOn,
      ...(docsUrl ? { docsUrl } : {}),
      installedDocsUrl: (check) => pathToFileURL(docsPath(check)).href,
    });
    // Last line of defence: nothing seen as a secret during this run is printed.
    if (timing.redactor) text = timing.redactor.redact(text);
    if (!output.path) {
      io.stdout(text);
      continue;
    }
    await mkdir(dirname(resolve(output.path)), { recursive: true });
    await writeFile(output.path, text, "utf8");
    if (output.path !== args.out) io.stderr(`preflight: wrote ${output.format} report to ${output.path}\n`);
  }
  if (args.out) io.stderr(`${summaryLine(report)}\n${exitSentence(report, failOn)}\n`);
  return exitCodeFor(report, failOn);
}

async function checksCommand(id: string | undefined, io: CliIo): Promise<number> {
  if (id) {
    const check = findCheck(id);
    if (!check) throw new PreflightError(`unknown check id "${id}"; known: ${CHECKS.map((candidate) => candidate.id).join(", ")}`);
    const page = await readFile(docsPath(check), "utf8").catch(() => undefined);
    io.stdout(page ?? `${check.id} (${check.severity}): ${check.title}\n`);
    return 0;
  }
  const width = Math.max(...CHECKS.map((check) => check.id.length));
  const lines = CHECKS.map((check) => `${check.id.padEnd(width)}  ${check.severity.padEnd(8)}  ${check.title}\n${"".padEnd(width)}  ${"".padEnd(8)}  ${check.docs}`);
  io.stdout(`${lines.join("\n")}\n`);
  return 0;
}

/** The package root (where docs/checks/ is), from src/cli or dist/src/cli alike. */
function packageRoot(): string {
  const here = fileURLToPath(import.meta.url);
  return here.includes("/dist/") ? here.slice(0, here.lastIndexOf("/dist/")) : here.slice(0, here.lastIndexOf("/src/"));
}

function docsPath(check: { docs: string }): string {
  return join(packageRoot(), check.docs);
}

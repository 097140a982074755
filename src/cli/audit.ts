// The single-workspace commands: a live audit, `collect`, an offline `audit --snapshot` (a fleet
// snapshot too), and `checks`. Loaded only when one of them runs.

import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { CHECKS, findCheck } from "../../checks/index.js";
import { loadRenderer } from "../../reports/index.js";
import { reportExitSentence, waiverNotes } from "../../reports/shared.js";
import { summaryLine } from "../../reports/text.js";
import type { Redactor } from "../core/redact.js";
import { resolveWorkspace } from "../collect/target.js";
import { PreflightError } from "../core/errors.js";
import { stringFlag } from "./args.js";
import { loadConfig, warnAboutWaivers } from "./config.js";
import type { WaiverSet } from "../engine/waivers.js";
import { readBaseline, withBaseline, type Baseline } from "./baseline.js";
import { auditReport } from "../engine/audit.js";
import { exitCodeFor } from "../engine/run.js";
import type { Check, Report } from "../engine/types.js";
import { readAnySnapshot } from "../snapshot/fleet.js";
import { writeSnapshot } from "../snapshot/io.js";
import type { Snapshot } from "../snapshot/types.js";
import {
  auditRenderOptions,
  docsPath,
  openReader,
  reportSettings,
  writeOutputs,
  type ReportSettings,
} from "./common.js";
import type { ParsedArgs } from "./args.js";
import type { CliIo } from "./io.js";
import { progressOnTerminal } from "./progress.js";
import { partsFor, selectChecks } from "./selection.js";
import { collectSettings, targetSettings, type TargetSettings } from "./target-options.js";

async function collect(
  target: TargetSettings,
  checks: readonly Check[],
  io: CliIo,
  toolVersion: string,
): Promise<{ snapshot: Snapshot; redactor: Redactor }> {
  const workspace = await resolveWorkspace(target, io.env);
  const { reader, redactor } = await openReader(target.connection, io);
  const { collectSnapshot } = await import("../collect/collector.js");
  const stop = progressOnTerminal(io, () =>
    reader.diagnosing > 0
      ? `preflight: waiting for Azure's diagnose of ${workspace.name} (${reader.requests} ARM requests)`
      : `preflight: reading ${workspace.name} (${reader.requests} ARM requests)`,
  );
  const snapshot = await collectSnapshot({
    reader,
    redactor,
    workspace,
    parts: partsFor(checks),
    readKeys: target.connection.readKeys,
    toolVersion,
    ...(target.diagnoseSeconds !== undefined ? { diagnose: { timeoutMs: target.diagnoseSeconds * 1000 } } : {}),
  }).finally(stop);
  return { snapshot, redactor };
}

export async function liveAudit(args: ParsedArgs, io: CliIo, toolVersion: string): Promise<number> {
  // Every flag is checked before any ARM traffic, and the config file too.
  const config = await loadConfig(args, io.now?.() ?? new Date());
  const report = reportSettings(args, io.env, config?.defaults);
  const target = targetSettings(args, io.env);
  const checks = selectChecks(report.only, report.skip);
  const baseline = await readBaseline(args, target.workspace);
  const started = new Date();
  const { snapshot, redactor } = await collect(target, checks, io, toolVersion);
  return emitReport(snapshot, checks, report, io, {
    toolVersion,
    startedAt: started.toISOString(),
    durationMs: Date.now() - started.getTime(),
    redactor,
    ...(baseline ? { baseline } : {}),
    ...(config?.waivers ? { waivers: config.waivers } : {}),
  });
}

export async function collectCommand(args: ParsedArgs, io: CliIo, toolVersion: string): Promise<number> {
  const { target, out, only, skip } = collectSettings(args, io.env);
  const checks = selectChecks(only, skip);
  const { snapshot } = await collect(target, checks, io, toolVersion);
  await writeSnapshot(out, snapshot);
  io.stderr(
    `preflight: wrote snapshot of ${snapshot.target.workspace} to ${out} (${snapshot.resources.length} resources, ${snapshot.errors.length} failed reads, ${snapshot.requests} requests)\n`,
  );
  return 0;
}

export async function offlineAudit(args: ParsedArgs, io: CliIo, toolVersion: string): Promise<number> {
  const config = await loadConfig(args, io.now?.() ?? new Date());
  const report = reportSettings(args, io.env, config?.defaults);
  const checks = selectChecks(report.only, report.skip);
  const baseline = await readBaseline(args);
  const read = await readAnySnapshot(stringFlag(args, "snapshot") ?? "");
  if (read.kind === "fleet" && baseline)
    throw new PreflightError(
      `--baseline compares one workspace's reports; ${stringFlag(args, "snapshot") ?? ""} is a fleet snapshot (audit one workspace, or drop --baseline)`,
    );
  if (read.kind === "fleet" && report.fixScript)
    throw new PreflightError(
      `--fix-script is for one workspace; ${stringFlag(args, "snapshot") ?? ""} is a fleet snapshot (audit one workspace's snapshot, or drop --fix-script)`,
    );
  if (read.kind === "fleet")
    return (await import("./fleet.js")).offlineFleetAudit(read.fleet, report, io, toolVersion, config?.waivers);
  const snapshot = read.snapshot;
  return emitReport(snapshot, checks, report, io, {
    toolVersion,
    startedAt: snapshot.collectedAt,
    durationMs: snapshot.durationMs,
    snapshotFile: stringFlag(args, "snapshot") ?? "",
    ...(baseline ? { baseline } : {}),
    ...(config?.waivers ? { waivers: config.waivers } : {}),
  });
}

async function emitReport(
  snapshot: Snapshot,
  checks: readonly Check[],
  settings: ReportSettings,
  io: CliIo,
  timing: {
    toolVersion: string;
    startedAt: string;
    durationMs: number;
    redactor?: Redactor;
    snapshotFile?: string;
    baseline?: Baseline;
    waivers?: WaiverSet;
  },
): Promise<number> {
  const audited = auditReport(snapshot, checks, {
    toolVersion: timing.toolVersion,
    ticket: settings.ticket,
    startedAt: timing.startedAt,
    durationMs: timing.durationMs,
    ...(timing.snapshotFile ? { snapshotFile: timing.snapshotFile } : {}),
    ...(timing.waivers ? { waivers: timing.waivers } : {}),
  });
  const report = withBaseline(audited, timing.baseline);
  const { failOn } = settings;
  if (settings.fixScript) await writeFixScript(settings.fixScript, report, io, timing.redactor);
  await writeOutputs(
    settings.outputs,
    io,
    async (format, base) => (await loadRenderer(format))(report, auditRenderOptions(settings, base)),
    {
      verbose: settings.verbose,
      failOn,
      color: settings.color,
      ...(timing.redactor ? { redactor: timing.redactor } : {}),
      summary: () => `${summaryLine(report)}\n${reportExitSentence(report, failOn)}`,
    },
  );
  if (report.waivers) warnAboutWaivers(io, waiverNotes(report.waivers), settings.outputs);
  return exitCodeFor(report, failOn);
}

export async function checksCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const id = stringFlag(args, "id");
  if (id) {
    const check = findCheck(id);
    if (!check)
      throw new PreflightError(
        `unknown check id "${id}"; known: ${CHECKS.map((candidate) => candidate.id).join(", ")}`,
      );
    const page = await readFile(docsPath(check), "utf8").catch(() => undefined);
    io.stdout(page ?? `${check.id} (${check.severity}): ${check.title}\n`);
    return 0;
  }
  const width = Math.max(...CHECKS.map((check) => check.id.length));
  const lines = CHECKS.map(
    (check) =>
      `${check.id.padEnd(width)}  ${check.severity.padEnd(8)}  ${check.title}\n${"".padEnd(width)}  ${"".padEnd(8)}  ${check.docs}`,
  );
  io.stdout(`${lines.join("\n")}\n`);
  return 0;
}

/**
 * --fix-script: the plan as a bash script, executable, never run by preflight. Like every report, it
 * goes past the run's redactor last: nothing seen as a secret during the run is written.
 */
async function writeFixScript(path: string, report: Report, io: CliIo, redactor?: Redactor): Promise<void> {
  const { renderFixScript } = await import("../../reports/fix-script.js");
  const script = renderFixScript(report);
  await mkdir(dirname(resolve(path)), { recursive: true });
  await writeFile(path, redactor ? redactor.redact(script) : script, { encoding: "utf8", mode: 0o755 });
  const steps = report.fixPlan?.steps.length ?? 0;
  io.stderr(`preflight: wrote ${steps === 1 ? "1 fix" : `${steps} fixes`} to ${path} (review it, then run it)\n`);
}

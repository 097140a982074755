// The single-workspace commands: a live audit, `collect`, an offline `audit --snapshot` (a fleet
// snapshot too), and `checks`. Loaded only when one of them runs.

import { readFile } from "node:fs/promises";
import { CHECKS, findCheck } from "../../checks/index.js";
import { loadRenderer } from "../../reports/load.js";
import { exitSentence } from "../../reports/shared.js";
import { summaryLine } from "../../reports/text.js";
import type { Redactor } from "../core/redact.js";
import { resolveWorkspace } from "../collect/target.js";
import { PreflightError } from "../core/errors.js";
import { buildReport, exitCodeFor } from "../engine/run.js";
import type { Check } from "../engine/types.js";
import { readAnySnapshot } from "../snapshot/fleet.js";
import { writeSnapshot } from "../snapshot/io.js";
import type { Snapshot } from "../snapshot/types.js";
import {
  docsPath,
  docsUrlFor,
  openReader,
  outputsFor,
  positiveSeconds,
  writeOutputs,
  type AuditArgs,
  type ConnectionArgs,
} from "./common.js";
import type { CliIo } from "./io.js";
import { partsFor, selectChecks } from "./selection.js";

export interface LiveArgs extends AuditArgs, ConnectionArgs {
  workspace: string;
  "resource-group"?: string;
  subscription?: string;
  diagnose: boolean;
  "diagnose-timeout": number;
}

async function collect(
  args: LiveArgs,
  checks: readonly Check[],
  io: CliIo,
  toolVersion: string,
): Promise<{ snapshot: Snapshot; redactor: Redactor }> {
  const workspace = await resolveWorkspace(
    { workspace: args.workspace, resourceGroup: args["resource-group"], subscription: args.subscription },
    io.env,
  );
  const diagnoseTimeout = positiveSeconds(args, "diagnose-timeout");
  const { reader, redactor } = await openReader(args, io);
  const { collectSnapshot } = await import("../collect/collector.js");
  const snapshot = await collectSnapshot({
    reader,
    redactor,
    workspace,
    parts: partsFor(checks),
    readKeys: args.keys,
    toolVersion,
    ...(args.diagnose ? { diagnose: { timeoutMs: diagnoseTimeout * 1000 } } : {}),
  });
  return { snapshot, redactor };
}

export async function liveAudit(args: LiveArgs, io: CliIo, toolVersion: string): Promise<number> {
  const checks = selectChecks(args.only, args.skip);
  // Bad report arguments fail before any ARM traffic.
  outputsFor(args);
  docsUrlFor(args, io.env);
  const started = new Date();
  const { snapshot, redactor } = await collect(args, checks, io, toolVersion);
  return emitReport(snapshot, checks, args, io, {
    toolVersion,
    startedAt: started.toISOString(),
    durationMs: Date.now() - started.getTime(),
    redactor,
  });
}

export async function collectCommand(args: LiveArgs, io: CliIo, toolVersion: string): Promise<number> {
  const checks = selectChecks(args.only, args.skip);
  const { snapshot } = await collect(args, checks, io, toolVersion);
  const out = args.out as string;
  await writeSnapshot(out, snapshot);
  io.stderr(
    `preflight: wrote snapshot of ${snapshot.target.workspace} to ${out} (${snapshot.resources.length} resources, ${snapshot.errors.length} failed reads, ${snapshot.requests} requests)\n`,
  );
  return 0;
}

export async function offlineAudit(
  args: AuditArgs & { snapshot: string },
  io: CliIo,
  toolVersion: string,
): Promise<number> {
  const checks = selectChecks(args.only, args.skip);
  outputsFor(args);
  docsUrlFor(args, io.env);
  const read = await readAnySnapshot(args.snapshot);
  if (read.kind === "fleet") return (await import("./fleet.js")).offlineFleetAudit(read.fleet, args, io, toolVersion);
  const snapshot = read.snapshot;
  return emitReport(snapshot, checks, args, io, {
    toolVersion,
    startedAt: snapshot.collectedAt,
    durationMs: snapshot.durationMs,
  });
}

async function emitReport(
  snapshot: Snapshot,
  checks: readonly Check[],
  args: AuditArgs,
  io: CliIo,
  timing: { toolVersion: string; startedAt: string; durationMs: number; redactor?: Redactor },
): Promise<number> {
  const report = buildReport(snapshot, checks, {
    toolVersion: timing.toolVersion,
    ticket: args.ticket ?? null,
    startedAt: timing.startedAt,
    durationMs: timing.durationMs,
  });
  const failOn = args["fail-on"];
  await writeOutputs(
    args,
    io,
    async (format, options) => (await loadRenderer(format))(report, options),
    timing.redactor,
  );
  if (args.out) io.stderr(`${summaryLine(report)}\n${exitSentence(report, failOn)}\n`);
  return exitCodeFor(report, failOn);
}

export async function checksCommand(id: string | undefined, io: CliIo): Promise<number> {
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

// `preflight fleet` (or `preflight --all`): every workspace of some subscriptions, a management
// group or every subscription the credential can see, through one Resource Graph sweep; each
// workspace audited by the same checks as `preflight --workspace`, as soon as it is read.

import { mkdir } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { fleetExitSentence, renderFleet } from "../../reports/fleet/index.js";
import type { Redactor } from "../core/redact.js";
import { PreflightError } from "../core/errors.js";
import { buildFleetReport, fleetExitCode, unreadableWorkspaceReport, type FleetReport } from "../engine/fleet.js";
import type { FleetCollection, FleetScope } from "../snapshot/fleet.js";
import { buildReport } from "../engine/run.js";
import type { Report } from "../engine/types.js";
import type { FleetProgress } from "../collect/fleet.js";
import type { KeyReadPlan } from "../collect/key-plan.js";
import type { FleetSnapshot, UnreadableWorkspace } from "../snapshot/fleet.js";
import { SNAPSHOT_SCHEMA_VERSION, type Snapshot } from "../snapshot/types.js";
import type { ParsedArgs } from "./args.js";
import { auditRenderOptions, openReader, writeOutputs, type ReportSettings } from "./common.js";
import { subscriptionIdOf } from "../collect/target.js";
import { fleetSettings } from "./fleet-options.js";
import { loadConfig, warnAboutWaivers } from "./config.js";
import type { WaiverSet } from "../engine/waivers.js";
import { waiverNotes } from "../../reports/shared.js";
import type { CliIo } from "./io.js";
import { partsFor, selectChecks } from "./selection.js";

export async function fleetCommand(args: ParsedArgs, io: CliIo, toolVersion: string): Promise<number> {
  // Every flag is checked before any ARM traffic, and the config file too.
  const config = await loadConfig(args, io.now?.() ?? new Date());
  const waivers = config?.waivers;
  const settings = fleetSettings(args, io.env, config?.defaults);
  if (settings.report.fixScript)
    throw new PreflightError(
      "--fix-script is for one workspace: audit it with `preflight --workspace` (or its snapshot)",
    );
  const { report: reportFlags, concurrency, saveSnapshot } = settings;
  // Subscriptions may be named as `az` names them; the sweep needs their ids.
  const subscriptions = await Promise.all(settings.scope.subscriptions.map((given) => subscriptionIdOf(given, io.env)));
  const scope = { ...settings.scope, subscriptions };
  const checks = selectChecks(reportFlags.only, reportFlags.skip);

  const started = new Date();
  const { reader, redactor } = await openReader(settings.connection, io, { concurrency });
  const { collectFleet } = await import("../collect/fleet.js");
  const reports: Report[] = [];
  const snapshots: Snapshot[] = [];
  const unreadable: UnreadableWorkspace[] = [];
  const { ticket } = reportFlags;
  const progress = progressLine(io, settings.progress ?? io.stderrIsTTY === true);
  const showKeyPlan = keyPlanLine(io, settings.progress ?? io.stderrIsTTY === true);
  const result = await collectFleet({
    reader,
    redactor,
    scope,
    parts: partsFor(checks),
    readKeys: settings.connection.readKeys,
    toolVersion,
    // Enough workspaces in flight to keep the request pool busy: each has a few reads open at a time.
    workspaceConcurrency: Math.max(2, Math.ceil(concurrency / 2)),
    onProgress: progress,
    onKeyPlan: showKeyPlan,
    onSnapshot: (snapshot) => {
      reports.push(
        buildReport(snapshot, checks, {
          toolVersion,
          ticket,
          startedAt: snapshot.collectedAt,
          durationMs: snapshot.durationMs,
          ...(waivers ? { waivers } : {}),
        }),
      );
      if (saveSnapshot) snapshots.push(snapshot);
    },
    onUnreadable: (target, reason, read) => {
      reports.push(
        unreadableWorkspaceReport(target, reason, checks, {
          toolVersion,
          ticket,
          startedAt: started.toISOString(),
          ...(read ? { read } : {}),
        }),
      );
      unreadable.push({ target, reason, ...(read ? { error: read } : {}) });
    },
  });
  progress(undefined);
  if (result.found === 0) {
    throw new PreflightError(
      `no workspace found in ${describeScope(scope)}; check --subscription/--management-group, --resource-group and --tag, and that the credential can read them`,
    );
  }
  const durationMs = Date.now() - started.getTime();
  const collection: FleetCollection = {
    requests: { resourceGraph: reader.graphRequests, arm: reader.requests - reader.graphRequests },
    resourceGraph: { queries: result.queries, rows: result.rows },
    errors: result.errors.map(({ part: _part, ...error }) => error),
    throttling: result.throttling,
    keyComparisons: result.keyComparisons,
  };
  if (saveSnapshot) {
    const { writeFleetSnapshot } = await import("../snapshot/fleet.js");
    const byId = (a: Snapshot, b: Snapshot) =>
      a.target.workspaceId.toLowerCase().localeCompare(b.target.workspaceId.toLowerCase());
    const fleetSnapshot: FleetSnapshot = {
      schemaVersion: SNAPSHOT_SCHEMA_VERSION,
      kind: "fleet",
      tool: { name: "aml-preflight", version: toolVersion },
      collectedAt: started.toISOString(),
      durationMs,
      scope,
      collection,
      snapshots: snapshots.sort(byId),
      unreadable,
    };
    await mkdir(dirname(resolve(saveSnapshot)), { recursive: true });
    // Every secret of the run, not only those known when a workspace's snapshot was taken.
    await writeFleetSnapshot(saveSnapshot, fleetSnapshot, (value) => redactor.redactDeep(value));
    io.stderr(`preflight: wrote the snapshot of ${snapshots.length} workspaces to ${saveSnapshot}\n`);
  }
  const fleet = buildFleetReport(reports, {
    toolVersion,
    ticket,
    startedAt: started.toISOString(),
    durationMs,
    scope,
    collection,
    ...(waivers ? { waivers } : {}),
  });
  return emitFleetReport(fleet, reportFlags, io, redactor);
}

/** `preflight audit --snapshot <fleet snapshot>`: the fleet's report again, offline. */
export async function offlineFleetAudit(
  fleetSnapshot: FleetSnapshot,
  settings: ReportSettings,
  io: CliIo,
  toolVersion: string,
  waivers?: WaiverSet,
): Promise<number> {
  const checks = selectChecks(settings.only, settings.skip);
  const { ticket } = settings;
  const reports = fleetSnapshot.snapshots.map((snapshot) =>
    buildReport(snapshot, checks, {
      toolVersion,
      ticket,
      startedAt: snapshot.collectedAt,
      durationMs: snapshot.durationMs,
      ...(waivers ? { waivers } : {}),
    }),
  );
  for (const { target, reason, error } of fleetSnapshot.unreadable) {
    reports.push(
      unreadableWorkspaceReport(target, reason, checks, {
        toolVersion,
        ticket,
        startedAt: fleetSnapshot.collectedAt,
        ...(error ? { read: error } : {}),
      }),
    );
  }
  const fleet = buildFleetReport(reports, {
    toolVersion,
    ticket,
    startedAt: fleetSnapshot.collectedAt,
    durationMs: fleetSnapshot.durationMs,
    scope: fleetSnapshot.scope,
    collection: fleetSnapshot.collection,
    ...(waivers ? { waivers } : {}),
  });
  return emitFleetReport(fleet, settings, io);
}

async function emitFleetReport(
  fleet: FleetReport,
  settings: ReportSettings,
  io: CliIo,
  redactor?: Redactor,
): Promise<number> {
  const { failOn } = settings;
  await writeOutputs(
    settings.outputs,
    io,
    (format, base) => renderFleet(format, fleet, auditRenderOptions(settings, base)),
    {
      verbose: settings.verbose,
      failOn,
      ...(redactor ? { redactor } : {}),
      summary: () => {
        const counts = Object.entries(fleet.summary.byWorstStatus)
          .filter(([, count]) => count > 0)
          .map(([status, count]) => `${count} ${status}`);
        return `preflight: ${fleet.summary.workspaces} workspaces (${counts.join(", ")})\n${fleetExitSentence(fleet, failOn)}`;
      },
    },
  );
  if (fleet.waivers) warnAboutWaivers(io, waiverNotes(fleet.waivers), settings.outputs);
  return fleetExitCode(fleet, failOn);
}

function describeScope(scope: FleetScope): string {
  const where = scope.subscriptions.length
    ? `subscription${scope.subscriptions.length > 1 ? "s" : ""} ${scope.subscriptions.join(", ")}`
    : scope.managementGroups.length
      ? `management group${scope.managementGroups.length > 1 ? "s" : ""} ${scope.managementGroups.join(", ")}`
      : "the subscriptions the credential can see";
  const filters = [
    ...scope.resourceGroups.map((group) => `resource group ${group}`),
    ...scope.tags.map((tag) => `tag ${tag.key}=${tag.value}`),
  ];
  return filters.length ? `${where} (${filters.join(", ")})` : where;
}

/**
 * Once the workspaces are known, before they are read: when the key comparisons' POSTs are more than a
 * subscription's write bucket holds (200, refilled 10 a second), how long ARM's write limit will make them
 * take, as one whole line. Fewer go at once and need no line.
 */
function keyPlanLine(io: CliIo, shown: boolean): (plan: KeyReadPlan) => void {
  if (!shown) return () => {};
  return (plan) => {
    if (plan.floorSeconds < 1) return;
    const subscriptions = Object.keys(plan.bySubscription).length;
    const posts = `${plan.posts.toLocaleString("en-US")} POSTs`;
    const over = `over ${subscriptions} subscription${subscriptions === 1 ? "" : "s"}`;
    const time = `about ${Math.ceil(plan.floorSeconds).toLocaleString("en-US")} s at ARM's write limit`;
    io.stderr(`${io.stderrIsTTY ? "\r\u001b[2K" : ""}preflight: key comparisons: ${posts} ${over}, ${time}\n`);
  };
}

/** One line on stderr, rewritten in place; nothing unless asked for (by default: when stderr is a terminal). */
function progressLine(io: CliIo, shown: boolean): (progress: FleetProgress | undefined) => void {
  if (!shown) return () => {};
  const line = ({ read, found }: FleetProgress) => `preflight: ${read}/${found} workspaces read and audited`;
  if (!io.stderrIsTTY) {
    // A log file gets whole lines, one per tenth of the fleet, not carriage returns.
    let reported = -1;
    return (progress) => {
      if (!progress) return;
      const tenth = Math.floor((progress.read * 10) / Math.max(1, progress.found));
      if (tenth === reported) return;
      reported = tenth;
      io.stderr(`${line(progress)}\n`);
    };
  }
  let drawn = false;
  let last = 0;
  return (progress) => {
    if (!progress) {
      if (drawn) io.stderr("\r\u001b[2K");
      return;
    }
    const now = Date.now();
    // A redraw per workspace would flood a slow terminal; ten a second reads as live, and the last one always shows.
    if (drawn && now - last < 100 && progress.read < progress.found) return;
    last = now;
    drawn = true;
    io.stderr(`\r\u001b[2K${line(progress)}`);
  };
}

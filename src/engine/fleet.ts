// A fleet audit: the single-workspace report for every workspace, plus what a platform team reads
// first: how many workspaces are at each worst status and which checks fail most often.

import { failedReadEvidence, failedReadRemediation, type FailedRead } from "../core/failed-read.js";
import type { FleetCollection, FleetScope } from "../snapshot/fleet.js";
import type { SnapshotTarget } from "../snapshot/types.js";
import { rootCausesOf } from "./root-causes.js";
import { UNKNOWN_REMEDIATION } from "./run.js";
import { daysBetween, type WaiverOutcome, type WaiverSet } from "./waivers.js";
import { type Check, type Report } from "./types.js";
import {
  STATUSES,
  countStatuses,
  reachesFailOn,
  worstStatus,
  type FailOn,
  type Severity,
  type Status,
} from "../core/status.js";

/** One check across the fleet: how many workspaces ended at each status. */
export interface FleetCheckSummary {
  id: string;
  title: string;
  severity: Severity;
  counts: Record<Status, number>;
}

interface FleetSummary {
  workspaces: number;
  /** Workspaces by their worst check status (a workspace with one failing check counts as `fail`). */
  byWorstStatus: Record<Status, number>;
  /** Every check that ran, most failing workspaces first (then most unknown, then warn, then id). */
  checks: FleetCheckSummary[];
}

/** `preflight fleet --format json`: one document, a `workspaces` array of single-workspace reports. */
export interface FleetReport {
  schemaVersion: 1;
  kind: "fleet";
  tool: { name: string; version: string };
  scope: FleetScope;
  ticket: string | null;
  startedAt: string;
  durationMs: number;
  summary: FleetSummary;
  /** Sorted worst first, then by workspace ID, so two runs of one fleet diff cleanly. */
  workspaces: Report[];
  /** The Foundry hubs the fleet's projects inherit from, each with its projects; absent when there is no project. */
  hubs?: FleetHub[];
  /** With waivers in the config file: each across the fleet (a waiver is stale only if no workspace has what it matches). */
  waivers?: FleetWaivers;
  collection: FleetCollection;
}

/** A waiver across the fleet: its state there, and how many problem findings in how many workspaces it matches. */
interface FleetWaiverOutcome extends Omit<WaiverOutcome, "findings"> {
  findings: number;
  workspaces: number;
}

interface FleetWaivers {
  file: string;
  today: string;
  /** Problem findings waived across the fleet. */
  waived: number;
  entries: FleetWaiverOutcome[];
}

/** A Foundry hub and the projects of it the fleet audited (each project's own report is in `workspaces`). */
interface FleetHub {
  id: string;
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  /** The hub's own worst status when it was in scope and audited as a workspace; absent otherwise. */
  status?: Status;
  /** Its projects' workspace IDs, sorted. */
  projects: string[];
}

export interface FleetReportOptions {
  toolVersion: string;
  ticket: string | null;
  startedAt: string;
  durationMs: number;
  scope: FleetScope;
  collection: FleetCollection;
  /** The waivers each workspace's report was built with: summed up across the fleet. */
  waivers?: WaiverSet;
}

/** The worst status of a workspace's checks (`skip` when it ran none). */
export function workspaceStatus(report: Report): Status {
  return worstStatus(report.checks.map((check) => check.status)) ?? "skip";
}

export function buildFleetReport(reports: readonly Report[], options: FleetReportOptions): FleetReport {
  const byWorstStatus = countStatuses([]);
  const checks = new Map<string, FleetCheckSummary>();
  for (const report of reports) {
    byWorstStatus[workspaceStatus(report)] += 1;
    for (const check of report.checks) {
      let entry = checks.get(check.id);
      if (!entry) {
        entry = { id: check.id, title: check.title, severity: check.severity, counts: countStatuses([]) };
        checks.set(check.id, entry);
      }
      entry.counts[check.status] += 1;
    }
  }
  const rank = (entry: FleetCheckSummary) => [entry.counts.fail, entry.counts.unknown, entry.counts.warn];
  const sortedChecks = [...checks.values()].sort((a, b) => {
    const [left, right] = [rank(a), rank(b)];
    for (let index = 0; index < left.length; index += 1) {
      const difference = (right[index] ?? 0) - (left[index] ?? 0);
      if (difference !== 0) return difference;
    }
    return a.id.localeCompare(b.id);
  });
  // Each workspace's rank and sort key once, not at every comparison.
  const order = new Map(
    reports.map((report) => [
      report,
      { rank: STATUSES.indexOf(workspaceStatus(report)), id: report.target.workspaceId.toLowerCase() },
    ]),
  );
  const workspaces = [...reports].sort((a, b) => {
    const [left, right] = [order.get(a), order.get(b)];
    return (left?.rank ?? 0) - (right?.rank ?? 0) || (left?.id ?? "").localeCompare(right?.id ?? "");
  });
  const hubs = hubsOf(reports);
  const waivers = options.waivers ? fleetWaivers(workspaces, options.waivers) : undefined;
  return {
    schemaVersion: 1,
    kind: "fleet",
    tool: { name: "aml-preflight", version: options.toolVersion },
    scope: options.scope,
    ticket: options.ticket,
    startedAt: options.startedAt,
    durationMs: options.durationMs,
    summary: { workspaces: reports.length, byWorstStatus, checks: sortedChecks },
    workspaces: waivers ? workspaces.map(withMatchedWaivers) : workspaces,
    ...(hubs.length > 0 ? { hubs } : {}),
    ...(waivers ? { waivers } : {}),
    collection: options.collection,
  };
}

/** Each waiver summed over the workspaces: stale only when it matches a problem in none of them. */
function fleetWaivers(reports: readonly Report[], set: WaiverSet): FleetWaivers {
  const entries = set.waivers.map((waiver, index): FleetWaiverOutcome => {
    const outcomes = reports.flatMap((report) => report.waivers?.entries[index] ?? []);
    const findings = outcomes.reduce((sum, outcome) => sum + outcome.findings.length, 0);
    const daysLeft = daysBetween(set.today, waiver.expires);
    const expiring = outcomes.some((outcome) => outcome.state === "expiring");
    const state = daysLeft < 0 ? "expired" : findings === 0 ? "stale" : expiring ? "expiring" : "active";
    const workspaces = outcomes.filter((outcome) => outcome.findings.length > 0).length;
    return { ...waiver, index, state, daysLeft, findings, workspaces };
  });
  const waived = reports.reduce((sum, report) => sum + (report.waivers?.waived ?? 0), 0);
  return { file: set.file, today: set.today, waived, entries };
}

/** A workspace's report in a fleet names only the waivers that match something of it: the fleet names the rest. */
function withMatchedWaivers(report: Report): Report {
  if (!report.waivers) return report;
  return {
    ...report,
    waivers: { ...report.waivers, entries: report.waivers.entries.filter((entry) => entry.findings.length > 0) },
  };
}

/** Each hub a project of the fleet names, once, with its projects: the fleet shows projects under their hub. */
function hubsOf(reports: readonly Report[]): FleetHub[] {
  const byId = new Map(reports.map((report) => [report.target.workspaceId.toLowerCase(), report]));
  const hubs = new Map<string, FleetHub>();
  for (const report of reports) {
    const hub = report.target.hub;
    if (!hub) continue;
    const key = hub.id.toLowerCase();
    let entry = hubs.get(key);
    if (!entry) {
      const own = byId.get(key);
      entry = { ...hub, ...(own ? { status: workspaceStatus(own) } : {}), projects: [] };
      hubs.set(key, entry);
    }
    entry.projects.push(report.target.workspaceId);
  }
  const sorted = [...hubs.values()].sort((a, b) => a.id.toLowerCase().localeCompare(b.id.toLowerCase()));
  for (const hub of sorted) hub.projects.sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
  return sorted;
}

/** The workspaces at or above --fail-on: the ones that make the fleet's exit code 1. */
export function workspacesAtFailOn(fleet: FleetReport, failOn: FailOn): Report[] {
  return fleet.workspaces.filter((report) => reachesFailOn(workspaceStatus(report), failOn));
}

/**
 * 1 when a workspace reaches --fail-on, or, at --fail-on unknown, when a read outside any workspace
 * failed (a subscription whose workspaces could not be listed may hide failing ones).
 */
export function fleetExitCode(fleet: FleetReport, failOn: FailOn): 0 | 1 {
  if (workspacesAtFailOn(fleet, failOn).length > 0) return 1;
  return failOn === "unknown" && fleet.collection.errors.length > 0 ? 1 : 0;
}

/**
 * The report of a workspace the fleet found but could not read (deleted since the sweep, no read
 * permission on it): every selected check `unknown` with the reason, so it is counted, not dropped.
 * `read`: the workspace's failed read, when known; its evidence and fix are any failed read's.
 */
export function unreadableWorkspaceReport(
  target: SnapshotTarget,
  reason: string,
  checks: readonly Check[],
  options: { toolVersion: string; ticket: string | null; startedAt: string; read?: FailedRead },
): Report {
  const { read } = options;
  const results = checks.map((check) => ({
    id: check.id,
    title: check.title,
    severity: check.severity,
    docs: check.docs,
    status: "unknown" as const,
    findings: [
      {
        status: "unknown" as const,
        messageId: "workspace-unreadable",
        resourceId: target.workspaceId,
        message: `Cannot decide: the workspace could not be read (${reason}).`,
        evidence: { reason, ...failedReadEvidence(read) },
        remediation: (read && failedReadRemediation([read])) ?? UNKNOWN_REMEDIATION,
      },
    ],
  }));
  const summary = countStatuses(results.map(() => "unknown" as const));
  return {
    schemaVersion: 1,
    tool: { name: "aml-preflight", version: options.toolVersion },
    target,
    ticket: options.ticket,
    startedAt: options.startedAt,
    durationMs: 0,
    summary,
    checks: [...results].sort((a, b) => a.id.localeCompare(b.id)),
    rootCauses: rootCausesOf(results),
    collection: { requests: 0, read: {}, errors: [], retries: [] },
  };
}

export type { SnapshotTarget };

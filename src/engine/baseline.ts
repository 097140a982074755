// Baselines: today's report against an earlier JSON report of the same workspace. Each problem
// finding (fail, unknown, warn) is marked `new` or `unchanged`, and the problems the baseline had
// that are gone are listed as fixed. A step after the checks, like root causes: no verdict changes.
// Findings are matched by fingerprint (src/engine/identity.ts), recomputed from the baseline's own
// findings so that a report written before fingerprints existed is a baseline too.

import { PreflightError } from "../core/errors.js";
import { STATUSES, isProblem, reachesFailOn, type FailOn, type Status } from "../core/status.js";
import { idKey } from "../snapshot/ids.js";
import { findingFingerprint } from "./identity.js";
import type { CheckResult, Report, ReportFinding } from "./types.js";

/** A problem of the baseline that today's audit no longer finds. */
export interface FixedFinding {
  check: string;
  status: Status;
  messageId: string;
  resourceId: string;
  message: string;
  fingerprint: string;
}

/** The report's `baseline`: what it was compared with and what came of it. */
export interface ReportBaseline {
  /** The baseline report's file, as given to --baseline. */
  file: string;
  /** When the baseline's audit ran (its `startedAt`), and the snapshot it read when it was offline. */
  startedAt: string;
  collectedAt?: string;
  /** --fail-on-new: only new findings at or above --fail-on make the exit code 1. */
  failOnNew: boolean;
  /** Problem findings of this report the baseline did not have (or had at a better status). */
  new: number;
  /** Problem findings the baseline had too, at the same status or worse. */
  unchanged: number;
  /** The baseline's problems that are gone, of the checks this audit ran. */
  fixed: FixedFinding[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Where a finding of the schema's shape fails it, or undefined. */
function badFinding(finding: unknown): string | undefined {
  if (!isRecord(finding)) return "a finding that is not an object";
  if (!STATUSES.includes(finding.status as Status)) return `a finding status ${JSON.stringify(finding.status)}`;
  if (typeof finding.resourceId !== "string") return "a finding without resourceId";
  if (!isRecord(finding.evidence)) return "a finding without evidence";
  return undefined;
}

/** Parsed JSON held to what a baseline needs of a report; anything else is refused in one line naming the file. */
export function checkBaseline(data: unknown, source: string): Report {
  return checkReportJson(
    data,
    `--baseline ${source}`,
    "give the JSON report of an earlier audit of this workspace (preflight ... --format json --out FILE)",
  );
}

/**
 * Parsed JSON held to what comparing needs of a single-workspace JSON report (reports/report.schema.json):
 * its tool, target and checks with their findings. `subject` names the input, `accepted` what would do.
 */
export function checkReportJson(data: unknown, subject: string, accepted: string): Report {
  const refuse = (why: string) => new PreflightError(`${subject} ${why}; ${accepted}`);
  if (!isRecord(data)) throw refuse("is not a preflight JSON report");
  if (data.kind === "fleet") throw refuse("is a fleet report, not one workspace's");
  if (data.kind === "diff") throw refuse("is the output of preflight diff, not a report");
  if (Array.isArray(data.resources) && data.checks === undefined)
    throw refuse("is a snapshot, not a report (audit it first: preflight audit --snapshot FILE -o json --out REPORT)");
  const tool = isRecord(data.tool) ? data.tool : {};
  if (tool.name !== "aml-preflight" || !Array.isArray(data.checks) || !isRecord(data.target))
    throw refuse("is not a preflight JSON report");
  if (data.schemaVersion !== 1)
    throw refuse(`has schemaVersion ${JSON.stringify(data.schemaVersion ?? null)}, this preflight reads 1`);
  if (typeof data.target.workspaceId !== "string") throw refuse("names no target.workspaceId");
  for (const check of data.checks as unknown[]) {
    if (!isRecord(check) || typeof check.id !== "string" || !Array.isArray(check.findings))
      throw refuse("has a check without id or findings");
    const bad = check.findings.map(badFinding).find((why) => why !== undefined);
    if (bad) throw refuse(`has ${bad} in check ${check.id}`);
  }
  return data as unknown as Report;
}

/** A baseline of another workspace compares nothing: refused, naming both. */
export function refuseOtherWorkspace(report: Report, baseline: Report, source: string): void {
  if (idKey(report.target.workspaceId) === idKey(baseline.target.workspaceId)) return;
  throw new PreflightError(
    `--baseline ${source} is a report of ${baseline.target.workspaceId}, not of ${report.target.workspaceId}; give an earlier report of this workspace`,
  );
}

/** Worse: nearer the front of STATUSES (fail, unknown, warn, ...). */
function worse(status: Status, than: Status): boolean {
  return STATUSES.indexOf(status) < STATUSES.indexOf(than);
}

interface BaselineEntry {
  check: string;
  finding: ReportFinding;
  fingerprint: string;
}

/**
 * `report` with each problem finding marked against `baseline` and `baseline` set: new when the
 * baseline had no finding with its fingerprint, or had it at a better status (a warn that is now a
 * fail is new at the fail level); unchanged otherwise. A check the baseline did not run has only new
 * findings; the baseline's findings of a check this audit did not run are not called fixed.
 */
export function applyBaseline(report: Report, baseline: Report, options: { file: string; failOnNew: boolean }): Report {
  const pool = new Map<string, BaselineEntry[]>();
  for (const check of baseline.checks) {
    for (const finding of check.findings) {
      if (!isProblem(finding.status)) continue;
      // Recomputed, not read: the baseline may predate fingerprints, or have been edited.
      const fingerprint = findingFingerprint(check.id, finding);
      pool.set(fingerprint, [...(pool.get(fingerprint) ?? []), { check: check.id, finding, fingerprint }]);
    }
  }
  let newCount = 0;
  let unchanged = 0;
  const checks = report.checks.map((check): CheckResult => ({
    ...check,
    findings: check.findings.map((finding) => {
      if (!isProblem(finding.status)) return finding;
      const fingerprint = finding.fingerprint ?? findingFingerprint(check.id, finding);
      const candidates = pool.get(fingerprint) ?? [];
      // The baseline's finding at this status or worse, else any one of them (which this one got worse than).
      const at = candidates.findIndex((entry) => !worse(finding.status, entry.finding.status));
      const matched = at >= 0 ? at : candidates.length > 0 ? 0 : -1;
      if (matched >= 0) candidates.splice(matched, 1);
      const state = at >= 0 ? "unchanged" : "new";
      if (state === "new") newCount += 1;
      else unchanged += 1;
      return { ...finding, fingerprint, baseline: state };
    }),
  }));
  const ran = new Set(report.checks.map((check) => check.id));
  const fixed = [...pool.values()]
    .flat()
    .filter((entry) => ran.has(entry.check))
    .map(({ check, finding, fingerprint }): FixedFinding => ({
      check,
      status: finding.status,
      messageId: finding.messageId ?? "",
      resourceId: finding.resourceId,
      message: finding.message ?? "",
      fingerprint,
    }));
  return {
    ...report,
    checks,
    baseline: {
      file: options.file,
      startedAt: baseline.startedAt,
      ...(baseline.snapshot?.collectedAt ? { collectedAt: baseline.snapshot.collectedAt } : {}),
      failOnNew: options.failOnNew,
      new: newCount,
      unchanged,
      fixed,
    },
  };
}

/**
 * With --fail-on-new: the new findings at or above --fail-on, by check (the ones that make the exit
 * code 1). A waived finding does not count here either.
 */
export function newFindingsAtFailOn(
  report: Report,
  failOn: FailOn,
): Array<{ check: CheckResult; finding: ReportFinding }> {
  return report.checks.flatMap((check) =>
    check.findings
      .filter(
        (finding) =>
          finding.baseline === "new" && finding.waived === undefined && reachesFailOn(finding.status, failOn),
      )
      .map((finding) => ({ check, finding })),
  );
}

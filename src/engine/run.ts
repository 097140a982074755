// Runs checks over a snapshot. The engine owns honesty: a part that could not be read makes the
// checks that need it `unknown` (or `fail` for a dangling reference) without calling them; a
// check that throws is `unknown`; a check that returns nothing is reported, never a silent pass.

import { explainFailedRead, failedRead, failedReadEvidence, failedReadRemediation } from "../core/failed-read.js";
import { placeholder, sh } from "../core/visible.js";
import { idKey, nameOf, settingsTarget } from "../snapshot/model.js";
import type { PartName, Snapshot, SnapshotTarget } from "../snapshot/types.js";
import { prepareSnapshot, type PartFailure, type PreparedSnapshot } from "./parts.js";
import { newFindingsAtFailOn } from "./baseline.js";
import { findingFingerprint } from "./identity.js";
import { rootCausesOf } from "./root-causes.js";
import { applyWaivers, type WaiverSet } from "./waivers.js";
import { type Check, type CheckFinding, type CheckResult, type Report, type ReportFinding } from "./types.js";
import { STATUSES, countStatuses, reachesFailOn, worstStatus, type FailOn } from "../core/status.js";

function fillTemplate(template: string, data: Record<string, string | number> | undefined): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => {
    const value = data?.[key];
    return value === undefined ? whole : String(value);
  });
}

/** An unknown is fixed by reading again, not by the check's repair command. */
export const UNKNOWN_REMEDIATION =
  "Run again; if the read keeps failing, grant the permission named in the evidence (the Reader role covers every read but listKeys/listCredentials).";

function failureFinding(check: Check, failure: PartFailure): ReportFinding {
  const error = failure.error;
  return {
    status: failure.dangling ? "fail" : "unknown",
    messageId: failure.dangling ? "dangling-reference" : "part-unreadable",
    resourceId: failure.resourceId,
    message: failure.dangling
      ? `${capitalise(failure.reason)}: ${failure.resourceId}.`
      : `Cannot decide: ${failure.reason}${error ? ` (${explainFailedRead(error)})` : ""}.`,
    evidence: { part: failure.part, ...failedReadEvidence(error) },
    remediation: failure.dangling
      ? `Point the workspace at an existing resource or recreate it; check: ${sh`az resource show --ids ${failure.resourceId}`}`
      : failedReadRemediation([failedRead(failure.resourceId, error)]),
  };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Parts added after snapshots were first saved whose absence a check can judge around: a snapshot
 * collected before them is read as if their reads had not answered (its views say so), rather than
 * leaving every check that consults them undecided.
 */
const JUDGED_WHEN_ABSENT: ReadonlySet<PartName> = new Set(["dnsForwarders"]);

export function runCheck(check: Check, snapshot: Snapshot, prepared = prepareSnapshot(snapshot)): CheckResult {
  const base = { id: check.id, title: check.title, severity: check.severity, docs: check.docs };
  const missing = check.requires.filter((part) => !snapshot.parts.includes(part) && !JUDGED_WHEN_ABSENT.has(part));
  if (missing.length > 0) {
    return finish(base, [
      {
        status: "unknown",
        messageId: "part-not-collected",
        resourceId: snapshot.target.workspaceId,
        message: `Cannot decide: the snapshot was collected without ${missing.join(", ")}.`,
        evidence: { missingParts: missing },
      },
    ]);
  }
  // One failed read behind several parts (a project's hub, behind all it inherits) is one finding.
  const failed = new Map<string, PartFailure>();
  for (const part of check.requires) {
    const failure = prepared.failures.get(part);
    if (!failure) continue;
    const key = `${idKey(failure.resourceId)}|${failure.reason}`;
    if (!failed.has(key)) failed.set(key, failure);
  }
  if (failed.size > 0)
    return finish(
      base,
      [...failed.values()].map((failure) => failureFinding(check, failure)),
    );
  const differences = differenceFindings(check, prepared, snapshot.target);

  let findings: CheckFinding[];
  try {
    findings = check.run(prepared.parts, {
      target: settingsTarget(snapshot.target),
      audited: snapshot.target,
      collectedAt: snapshot.collectedAt,
    });
  } catch (error) {
    return finish(base, [
      {
        status: "unknown",
        messageId: "check-crashed",
        resourceId: snapshot.target.workspaceId,
        message: `Cannot decide: the check stopped on unexpected data (${error instanceof Error ? error.message : String(error)}).`,
        evidence: {},
      },
    ]);
  }
  if (findings.length === 0) {
    return finish(base, [
      {
        status: "skip",
        messageId: "no-findings",
        resourceId: snapshot.target.workspaceId,
        message: "The check returned no findings; nothing was judged.",
        evidence: {},
      },
      ...differences,
    ]);
  }
  return finish(base, [
    ...findings.map((finding) => ({
      status: finding.status,
      messageId: finding.messageId,
      resourceId: finding.resourceId,
      message: fillTemplate(check.messages[finding.messageId] ?? finding.messageId, finding.data),
      evidence: finding.evidence,
      ...(finding.status === "pass" || finding.status === "skip"
        ? {}
        : {
            remediation:
              finding.remediation ?? (finding.status === "unknown" ? UNKNOWN_REMEDIATION : check.remediation),
          }),
    })),
    ...differences,
  ]);
}

/**
 * A warning in each check that judged, from the hub, a setting the project's own body gives otherwise.
 * Learn says a project inherits its hub's and is silent on what a project's own value would do.
 */
function differenceFindings(check: Check, prepared: PreparedSnapshot, target: SnapshotTarget): ReportFinding[] {
  const hub = target.hub?.name ?? "its hub";
  const show = (value: string) => (value === "" ? "none" : value.split(", ").map(nameOf).join(", "));
  return prepared.projectDifferences
    .filter((difference) => check.requires.includes(difference.part))
    .map((difference) => ({
      status: "warn" as const,
      messageId: "project-differs-from-hub",
      resourceId: target.workspaceId,
      message: `Project ${target.workspace} names ${difference.field} ${show(difference.project)}, its hub ${hub} ${show(difference.hub)}: this was judged on the hub's, which a project inherits; what the project's own value does is undocumented.`,
      evidence: {
        field: difference.field,
        project: difference.project,
        hub: difference.hub,
        hubId: target.hub?.id ?? null,
      },
      remediation: `Compare the two (${sh`az resource show --ids ${target.workspaceId} --query ${`properties.${difference.field}`}`}; the same with ${sh`--ids ${target.hub?.id ?? placeholder("<hub ID>")}`}); a project uses its hub's (learn.microsoft.com/azure/machine-learning/concept-hub-workspace).`,
    }));
}

function finish(base: Omit<CheckResult, "status" | "findings">, findings: ReportFinding[]): CheckResult {
  const ordered = [...findings]
    .sort((a, b) => STATUSES.indexOf(a.status) - STATUSES.indexOf(b.status))
    .map((finding) => ({ ...finding, fingerprint: findingFingerprint(base.id, finding) }));
  return { ...base, status: worstStatus(ordered.map((finding) => finding.status)) ?? "skip", findings: ordered };
}

export interface ReportOptions {
  toolVersion: string;
  /** The snapshot file an offline audit read. */
  snapshotFile?: string;
  ticket?: string | null;
  startedAt: string;
  durationMs: number;
  /** The config file's waivers: the findings they match are marked and leave the counts (src/engine/waivers.ts). */
  waivers?: WaiverSet;
}

export function buildReport(snapshot: Snapshot, checks: readonly Check[], options: ReportOptions): Report {
  const prepared = prepareSnapshot(snapshot);
  const judged = checks.map((check) => runCheck(check, snapshot, prepared));
  const waived = options.waivers ? applyWaivers(judged, options.waivers) : undefined;
  const results = (waived?.checks ?? judged).sort(
    (a, b) => STATUSES.indexOf(a.status) - STATUSES.indexOf(b.status) || a.id.localeCompare(b.id),
  );
  const summary = countStatuses(results.map((result) => result.status));
  return {
    schemaVersion: 1,
    tool: { name: "aml-preflight", version: options.toolVersion },
    target: snapshot.target,
    ...(options.snapshotFile ? { snapshot: { file: options.snapshotFile, collectedAt: snapshot.collectedAt } } : {}),
    ticket: options.ticket ?? null,
    startedAt: options.startedAt,
    durationMs: options.durationMs,
    summary,
    checks: results,
    rootCauses: rootCausesOf(results),
    ...(waived && options.waivers
      ? {
          waivers: {
            file: options.waivers.file,
            today: options.waivers.today,
            waived: waived.waived,
            entries: waived.entries,
            causes: rootCausesOf(results, { waived: true }),
          },
        }
      : {}),
    collection: {
      requests: snapshot.requests,
      read: countByType(snapshot),
      errors: snapshot.errors.map(({ part: _part, ...error }) => error),
      retries: snapshot.retries ?? [],
    },
  };
}

/** How many resources of each ARM type the snapshot holds, by type name (reads finish in any order). */
function countByType(snapshot: Snapshot): Record<string, number> {
  // ARM spells a type in more than one casing; each is counted under its first spelling.
  const counts = new Map<string, { type: string; count: number }>();
  for (const resource of snapshot.resources) {
    const type = typeof resource.type === "string" ? resource.type : "unknown";
    const entry = counts.get(type.toLowerCase()) ?? { type, count: 0 };
    entry.count += 1;
    counts.set(type.toLowerCase(), entry);
  }
  return Object.fromEntries(
    [...counts.values()].map(({ type, count }) => [type, count] as const).sort(([a], [b]) => a.localeCompare(b)),
  );
}

/** Exit code (docs/cli.md): 1 when any check reaches the --fail-on level (with --fail-on-new, any new finding). */
export function exitCodeFor(report: Report, failOn: FailOn): 0 | 1 {
  if (report.baseline?.failOnNew) return newFindingsAtFailOn(report, failOn).length > 0 ? 1 : 0;
  return checksAtFailOn(report, failOn).length > 0 ? 1 : 0;
}

/** The checks at or above --fail-on: the ones that make the exit code 1. */
export function checksAtFailOn(report: Report, failOn: FailOn): CheckResult[] {
  return report.checks.filter((check) => reachesFailOn(check.status, failOn));
}

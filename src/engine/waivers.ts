// Waivers: a known problem accepted for a while, with a reason, an owner and an expiry date
// (docs/waivers.md). A step after the checks, like root causes: a waived finding keeps its status
// and is marked `waived`; its check's status, the summary and the exit code are worked out without
// it. A waiver past its expiry waives nothing (its findings count again, and the report names it); one
// that matches no problem is stale. Pure: the run's day comes in as `today`.

import { isProblem, worstStatus } from "../core/status.js";
import { idKey } from "../snapshot/ids.js";
import type { RootCause } from "./root-causes.js";
import type { CheckResult, ReportFinding } from "./types.js";

/** One waiver as the config file gives it (src/cli/config.schema.json). */
export interface Waiver {
  /** A check id, or `*` for every check. */
  check: string;
  /** An ARM resource ID, or a glob over IDs where `*` stands for any run of characters, `/` included. */
  resource: string;
  reason: string;
  /** The last day (UTC) it is in force, YYYY-MM-DD. */
  expires: string;
  owner?: string;
}

/** The waivers of a run: the file they came from and the day (UTC) the run judges expiry by. */
export interface WaiverSet {
  file: string;
  /** YYYY-MM-DD, from the run's clock in UTC. */
  today: string;
  waivers: readonly Waiver[];
}

/** What a waived finding carries in every report. */
export interface FindingWaiver {
  reason: string;
  owner?: string;
  expires: string;
}

/**
 * `active`: in force, and it waived something. `expiring`: the same, with at most EXPIRING_DAYS left.
 * `expired`: past its date; what it matches counts again. `stale`: in force but matches no problem.
 */
export type WaiverState = "active" | "expiring" | "expired" | "stale";

/** A waiver as the report shows it: where it is, what became of it and the problem findings it matches. */
export interface WaiverOutcome extends Waiver {
  /** Its place in the config file's `waivers` list, from 0. */
  index: number;
  state: WaiverState;
  /** Days from the run's day to its expiry date: 0 on its last day, negative once expired. */
  daysLeft: number;
  /** The problem findings it matches: waived unless expired (then they count), by check id and index. */
  findings: Array<{ check: string; index: number }>;
}

/** The report's `waivers`: present when the run had waivers. */
export interface ReportWaivers {
  /** The config file they came from. */
  file: string;
  /** The day (UTC) expiry was judged by. */
  today: string;
  /** How many problem findings are waived: their checks, the summary and the exit code leave them out. */
  waived: number;
  /** Every waiver of the file, in its order. */
  entries: WaiverOutcome[];
  /** The root causes of the waived findings, built as `rootCauses` is for the ones that count. */
  causes: RootCause[];
}

/** A waiver this close to its expiry (in days, its last day being 0) is flagged. */
export const EXPIRING_DAYS = 14;

const DAY_MS = 86_400_000;

/** Whole days from `from` to `to`, both YYYY-MM-DD in UTC. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

/**
 * A matcher of ARM IDs for a waiver's `resource`: without `*` the ID itself, else a glob in which `*`
 * (or `**`) stands for any run of characters, `/` included, as `*` does in Azure RBAC actions and
 * Azure Policy's `like`: `/subscriptions/<id>/resourceGroups/ml-rg/*` is everything in ml-rg. Case
 * and a trailing `/` do not matter, as they do not to ARM.
 */
export function resourceMatcher(pattern: string): (resourceId: string) => boolean {
  const key = idKey(pattern);
  if (!key.includes("*")) return (resourceId) => idKey(resourceId) === key;
  const source = key
    .split(/\*+/)
    .map((literal) => literal.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  const regex = new RegExp(`^${source}$`, "s");
  return (resourceId) => regex.test(idKey(resourceId));
}

/** Whether a waiver's `check` names this check (`*`: every check). */
function checkMatches(waiver: Waiver, checkId: string): boolean {
  return waiver.check === "*" || waiver.check === checkId;
}

/**
 * The checks with every problem finding a waiver in force matches marked `waived` (the first such
 * waiver in the file's order), and each check's status worked out again from its other findings (a
 * check whose findings are all waived passes); and what became of each waiver. Findings keep their
 * order, so root causes point into them as before.
 */
export function applyWaivers(
  results: readonly CheckResult[],
  set: WaiverSet,
): { checks: CheckResult[]; entries: WaiverOutcome[]; waived: number } {
  const waivers = set.waivers.map((waiver, index) => {
    const daysLeft = daysBetween(set.today, waiver.expires);
    return {
      waiver,
      index,
      daysLeft,
      expired: daysLeft < 0,
      matches: resourceMatcher(waiver.resource),
      findings: [] as Array<{ check: string; index: number }>,
    };
  });
  let waived = 0;
  const checks = results.map((result): CheckResult => {
    let changed = false;
    const findings = result.findings.map((finding, index): ReportFinding => {
      if (!isProblem(finding.status)) return finding;
      let chosen: Waiver | undefined;
      for (const entry of waivers) {
        if (!checkMatches(entry.waiver, result.id) || !entry.matches(finding.resourceId)) continue;
        entry.findings.push({ check: result.id, index });
        if (!entry.expired) chosen ??= entry.waiver;
      }
      if (!chosen) return finding;
      changed = true;
      waived += 1;
      const { reason, owner, expires } = chosen;
      return { ...finding, waived: { reason, ...(owner !== undefined ? { owner } : {}), expires } };
    });
    if (!changed) return result;
    const counted = findings.filter((finding) => !finding.waived).map((finding) => finding.status);
    return { ...result, status: worstStatus(counted) ?? "pass", findings };
  });
  const entries = waivers.map(({ waiver, index, daysLeft, expired, findings }): WaiverOutcome => {
    const state: WaiverState = expired
      ? "expired"
      : findings.length === 0
        ? "stale"
        : daysLeft <= EXPIRING_DAYS
          ? "expiring"
          : "active";
    return { ...waiver, index, state, daysLeft, findings };
  });
  return { checks, entries, waived };
}

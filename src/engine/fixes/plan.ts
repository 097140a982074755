// The fix plan: for each root cause, the smallest fix that is proven to work. A candidate is applied
// to a copy of the snapshot and every selected check judges the copy again; it is a fix only when the
// cause's findings all pass and no other finding gets worse. Causes are planned in turn, each on the
// snapshot as the fixes before it leave it, so two fixes never take the same NSG priority.

import { isProblem, STATUSES, type Status } from "../../core/status.js";
import type { Snapshot } from "../../snapshot/types.js";
import { prepareSnapshot } from "../parts.js";
import { findingIdentity, type RootCause } from "../root-causes.js";
import { runCheck } from "../run.js";
import { applyWaivers, type WaiverSet } from "../waivers.js";
import type { Check, CheckResult, ReportFinding } from "../types.js";
import { candidatesFor, type Candidate } from "./candidates.js";
import { applyFix, azLine } from "./commands.js";

/** A proven fix: the commands to run, in order, for one root cause. */
interface FixStep {
  rootCause: string;
  commands: string[];
  why: string;
}

/** A root cause the plan has no proven fix for, and what to do about it instead. */
interface UnfixedCause {
  rootCause: string;
  /** The check's own advice (the finding's remediation), not proven. */
  advice: string;
  reason: string;
}

export interface FixPlan {
  steps: FixStep[];
  unfixed: UnfixedCause[];
  /** The checks that would still fail, warn or be unknown after every step, and their status then. */
  remaining: Array<{ check: string; status: Status }>;
}

/** Every selected check on a snapshot: the results the proof compares. */
function judge(snapshot: Snapshot, checks: readonly Check[]): CheckResult[] {
  const prepared = prepareSnapshot(snapshot);
  return checks.map((check) => runCheck(check, snapshot, prepared));
}

/** Each problem finding's identity and how bad it is. */
function problems(results: readonly CheckResult[]): Map<string, Status> {
  const found = new Map<string, Status>();
  for (const result of results)
    for (const finding of result.findings)
      if (isProblem(finding.status)) found.set(findingIdentity(result.id, finding), finding.status);
  return found;
}

/** The cause's findings all pass now, and nothing is new or worse than before. */
function proves(
  causeIdentities: ReadonlySet<string>,
  before: Map<string, Status>,
  after: Map<string, Status>,
): boolean {
  for (const [identity, status] of after) {
    if (causeIdentities.has(identity)) return false;
    const was = before.get(identity);
    if (was === undefined || STATUSES.indexOf(status) < STATUSES.indexOf(was)) return false;
  }
  return true;
}

/** The cause's findings, as the report holds them. */
function findingsOf(
  cause: RootCause,
  results: readonly CheckResult[],
): Array<{ check: string; finding: ReportFinding }> {
  return cause.findings.flatMap(({ check, index }) => {
    const finding = results.find((result) => result.id === check)?.findings[index];
    return finding ? [{ check, finding }] : [];
  });
}

export function planFixes(
  snapshot: Snapshot,
  checks: readonly Check[],
  results: readonly CheckResult[],
  causes: readonly RootCause[],
  /** The run's waivers: a check whose problems after every step are all waived is not `remaining`. */
  waivers?: WaiverSet,
): FixPlan {
  let working = snapshot;
  let current = problems(results);
  const steps: FixStep[] = [];
  const unfixed: UnfixedCause[] = [];
  for (const cause of causes) {
    const findings = findingsOf(cause, results);
    const identities = new Set(findings.map(({ check, finding }) => findingIdentity(check, finding)));
    // A cause an earlier fix already closed needs nothing more.
    if (![...identities].some((identity) => current.has(identity))) continue;
    const candidates = candidatesFor({ snapshot: working, cause, findings });
    const proven = firstProven(candidates, working, checks, identities, current);
    if (proven) {
      steps.push({ rootCause: cause.key, commands: proven.candidate.commands.map(azLine), why: proven.candidate.why });
      working = proven.snapshot;
      current = proven.after;
      continue;
    }
    unfixed.push({
      rootCause: cause.key,
      advice: findings.find(({ finding }) => finding.remediation)?.finding.remediation ?? "",
      reason:
        candidates.length === 0
          ? "no command preflight can prove fixes this"
          : `none of ${candidates.length} fix${candidates.length === 1 ? "" : "es"} tried turned its findings green without breaking something else`,
    });
  }
  const final = judge(working, checks);
  const remaining = (waivers ? applyWaivers(final, waivers).checks : final)
    .filter((result) => isProblem(result.status))
    .map((result) => ({ check: result.id, status: result.status }));
  return { steps, unfixed, remaining };
}

function firstProven(
  candidates: readonly Candidate[],
  snapshot: Snapshot,
  checks: readonly Check[],
  identities: ReadonlySet<string>,
  before: Map<string, Status>,
): { candidate: Candidate; snapshot: Snapshot; after: Map<string, Status> } | undefined {
  for (const candidate of candidates) {
    const patched = candidate.commands.reduce(applyFix, snapshot);
    const after = problems(judge(patched, checks));
    if (proves(identities, before, after)) return { candidate, snapshot: patched, after };
  }
  return undefined;
}

// One workspace's report as `preflight --workspace` and `audit --snapshot` give it: the checks, their
// root causes and the fix plan proven against the snapshot. A fleet's reports leave the plan out
// (a thousand plans would re-judge a thousand snapshots for a report that prints none of them).

import type { Snapshot } from "../snapshot/types.js";
import { planFixes } from "./fixes/plan.js";
import { buildReport, type ReportOptions } from "./run.js";
import type { Check, Report } from "./types.js";

export function auditReport(snapshot: Snapshot, checks: readonly Check[], options: ReportOptions): Report {
  const report = buildReport(snapshot, checks, options);
  return { ...report, fixPlan: planFixes(snapshot, checks, report.checks, report.rootCauses, options.waivers) };
}

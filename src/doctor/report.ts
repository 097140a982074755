// What both doctor commands share once their findings are made: the report, and the exit code
// (--fail-on means what it means for the audit).

import { scrubFreeText } from "../core/redact.js";
import { countStatuses, exitSentence, reachesFailOn, type FailOn, type Status } from "../core/status.js";
import type { DoctorFinding, DoctorReport } from "./types.js";

export function summarise(findings: readonly { status: Status }[]): Record<Status, number> {
  return countStatuses(findings.map((finding) => finding.status));
}

/** Findings in file order, then line order; a report reads top to bottom like the file. */
export function sortFindings(findings: readonly DoctorFinding[], fileOrder: readonly string[]): DoctorFinding[] {
  const rank = (file: string) => {
    const at = fileOrder.indexOf(file);
    return at < 0 ? fileOrder.length : at;
  };
  return [...findings].sort((left, right) => rank(left.file) - rank(right.file) || left.line - right.line);
}

/** The findings at or above --fail-on: the ones that make the exit code 1. */
function findingsAtFailOn(report: DoctorReport, failOn: FailOn): DoctorFinding[] {
  return report.findings.filter((finding) => reachesFailOn(finding.status, failOn));
}

/**
 * 1 when a finding reaches --fail-on, and for `build-log` whenever the log shows the build failed:
 * a failed build is never exit 0, whether or not its cause was recognised.
 */
export function doctorExitCode(report: DoctorReport, failOn: FailOn): 0 | 1 {
  return findingsAtFailOn(report, failOn).length > 0 || report.outcome === "failed" ? 1 : 0;
}

/** One sentence: the exit code this report gives and why. */
export function doctorExitSentence(report: DoctorReport, failOn: FailOn): string {
  const reached = findingsAtFailOn(report, failOn);
  if (reached.length === 0 && report.outcome === "failed") {
    const unknown = report.summary.unknown > 0 ? ` (${report.summary.unknown} unknown)` : "";
    return `exit 1: the log shows the build failed; no finding at or above --fail-on ${failOn}${unknown}`;
  }
  const ids = [...new Set(reached.map((finding) => `${finding.id} (${finding.status})`))].join(", ");
  return exitSentence({ unit: "finding", reached: reached.length, detail: `: ${ids}`, failOn, counts: report.summary });
}

/**
 * The report with what it quotes scrubbed of secret-looking text. Logs and environment files quote what
 * users wrote (an index URL with its password, a token on a command line); reports go onto tickets.
 * File paths are the user's own arguments, not quotes, and are kept as given: a temp directory's random
 * name would otherwise pass for a key.
 */
export function scrubReport<T>(value: T, key = ""): T {
  if (typeof value === "string") return (key === "file" || key === "path" ? value : scrubFreeText(value)) as T;
  if (Array.isArray(value)) return (value as unknown[]).map((item) => scrubReport(item, key)) as T;
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([name, child]) => [name, scrubReport(child, name)]),
  ) as T;
}

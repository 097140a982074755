// The terminal report, for a person: a header (which workspace, live or from a snapshot), then each
// root cause that fails, is unknown or warns in two or three lines (what, what it breaks, the fix),
// then one line per check, the summary and the exit code explained. Names rather than IDs; evidence
// only with --verbose. Wrapped to the terminal's width; fix commands are never wrapped, so they paste.

import { styleText } from "node:util";
import wrapAnsi from "wrap-ansi";
import type { RootCause } from "../src/engine/root-causes.js";
import type { CheckResult, Report } from "../src/engine/types.js";
import { STATUSES, isProblem, plural, type Status } from "../src/core/status.js";
import {
  DEFAULT_RENDER_OPTIONS,
  STATUS_SYMBOL,
  auditedLabel,
  causeFindings,
  baselineSummary,
  causeIsNew,
  evidenceEntries,
  readSummary,
  reportExitSentence,
  waivedSummary,
  waiverNotes,
  waiverTerms,
  type RenderOptions,
} from "./shared.js";

const COLOUR: Record<Status, Parameters<typeof styleText>[0]> = {
  fail: "red",
  unknown: "magenta",
  warn: "yellow",
  pass: "green",
  skip: "gray",
};

/** How many things a root cause breaks are named before "and N more" (all of them with --verbose). */
const BREAKS_SHOWN = 4;
/** How many fixed findings of the baseline are named (all of them with --verbose). */
const FIXED_SHOWN = 5;

interface Painter {
  paint: (status: Status, text: string) => string;
  dim: (text: string) => string;
  bold: (text: string) => string;
}

function painter(colour: boolean): Painter {
  // The caller has already decided on colour (terminal, NO_COLOR, --color): styleText must not second-guess it.
  const style = (format: Parameters<typeof styleText>[0], text: string) =>
    colour ? styleText(format, text, { validateStream: false }) : text;
  return {
    paint: (status, text) => style(COLOUR[status], text),
    dim: (text) => style("dim", text),
    bold: (text) => style("bold", text),
  };
}

/**
 * `text` wrapped to `width`: the first line starts after `first` spaces, the others after `rest`.
 * Word-wrapped by display width (wide characters count double), colour codes included. A word
 * longer than a line (a resource ID, a URL) is left whole to be copied, even if it overflows.
 */
function wrap(text: string, width: number, rest: number, first = 0): string[] {
  return wrapAnsi(text, Math.max(20, width - rest), { hard: false, trim: true })
    .split("\n")
    .map((line, index) => `${" ".repeat(index === 0 ? first : rest)}${line}`);
}

export function renderText(report: Report, options: RenderOptions = DEFAULT_RENDER_OPTIONS): string {
  const width = options.width ?? 100;
  const style = painter(options.colour);
  const lines = [...header(report, options, style, width), ""];
  const causes = report.rootCauses.filter((cause) => isProblem(cause.status));
  if (causes.length > 0) lines.push(...rootCauseLines(report, causes, options, style, width), "");
  else if (report.waivers?.waived) lines.push(style.bold("No problems but the waived ones below."), "");
  else lines.push(style.bold("No problems: every check passed or does not apply."), "");
  if (report.waivers) lines.push(...waiverLines(report, style, width), "");
  if (report.baseline && report.baseline.fixed.length > 0) lines.push(...fixedLines(report, options, style, width), "");
  lines.push(...checkLines(report.checks, style, width));
  if (options.verbose) lines.push(...details(report, style, width));
  lines.push("", summaryLine(report));
  lines.push(...wrap(reportExitSentence(report, options.failOn), width, 2));
  return `${lines.join("\n")}\n`;
}

function header(report: Report, options: RenderOptions, style: Painter, width: number): string[] {
  const { target } = report;
  const where = [target.resourceGroup, target.location].filter(Boolean).join(", ");
  const how = report.snapshot ? "offline" : "live";
  const ticket = report.ticket ? ` · ticket ${report.ticket}` : "";
  const lines = wrap(
    `${style.bold(`aml-preflight ${report.tool.version}`)} · ${auditedLabel(target, style.bold)} (${where}) · ${how} audit${ticket}`,
    width,
    2,
  );
  // An offline audit says so: what it shows is the state when the snapshot was taken, not now.
  if (report.snapshot)
    lines.push(...wrap(`snapshot ${report.snapshot.file}, collected ${report.snapshot.collectedAt}`, width, 4, 2));
  const baseline = baselineSummary(report);
  if (baseline) lines.push(...wrap(`baseline ${baseline}`, width, 4, 2));
  if (options.verbose) lines.push(style.dim(`  ${target.workspaceId}`));
  if (options.verbose && target.hub) lines.push(style.dim(`  hub ${target.hub.id}`));
  const failed = report.collection.errors.length;
  const retried = report.collection.retries.length;
  // A live audit's time is mostly ARM's: it belongs with the requests.
  const took = report.snapshot ? "" : ` in ${(report.durationMs / 1000).toFixed(1)} s`;
  const counts = [
    `${report.collection.requests} ARM requests${took}`,
    failed > 0 ? `${failed} failed` : "",
    retried > 0 ? `${retried} answered after retries` : "",
  ].filter(Boolean);
  lines.push(...wrap(`read ${readSummary(report)} (${counts.join(", ")})`, width, 4, 2).map(style.dim));
  return lines;
}

function rootCauseLines(
  report: Report,
  causes: readonly RootCause[],
  options: RenderOptions,
  style: Painter,
  width: number,
): string[] {
  const steps = new Map((report.fixPlan?.steps ?? []).map((step) => [step.rootCause, step]));
  const unfixed = new Map((report.fixPlan?.unfixed ?? []).map((entry) => [entry.rootCause, entry]));
  const proven = causes.filter((cause) => steps.has(cause.key)).length;
  const counts = STATUSES.filter((status) => causes.some((cause) => cause.status === status))
    .map((status) => `${causes.filter((cause) => cause.status === status).length} ${status}`)
    .join(", ");
  const lines = wrap(
    `${style.bold(plural(causes.length, "problem"))} (${counts})${report.fixPlan ? `; ${plural(proven, "fix", "fixes")} checked against this state (--fix-script FILE writes a script)` : ""}`,
    width,
    2,
  );
  for (const cause of causes) {
    const fresh = report.baseline && causeIsNew(report, cause) ? `${style.bold("new:")} ` : "";
    lines.push(...wrap(`${style.paint(cause.status, STATUS_SYMBOL[cause.status])} ${fresh}${cause.summary}`, width, 2));
    const shown = options.verbose ? cause.breaks : cause.breaks.slice(0, BREAKS_SHOWN);
    const more = cause.breaks.length - shown.length;
    const what = `${shown.join(", ")}${more > 0 ? ` and ${more} more` : ""}`;
    const computes = cause.computes.length > 0 ? `, for ${cause.computes.join(", ")}` : "";
    lines.push(
      ...wrap(style.dim(`breaks ${cause.checks.join(", ")}${what ? `: ${what}` : ""}${computes}`), width, 4, 2),
    );
    const step = steps.get(cause.key);
    if (step) {
      for (const command of step.commands) lines.push(`  fix: ${command}`);
      lines.push(...wrap(style.dim(`(${step.why})`), width, 7, 7));
      continue;
    }
    const advice = unfixed.get(cause.key)?.advice ?? firstRemediation(report, cause);
    // A command alone is not wrapped, so it pastes; the plan could not prove it, hence "to do", not "fix".
    if (advice)
      lines.push(...(/^az \S+/.test(advice) ? [`  to do: ${advice}`] : wrap(`to do: ${advice}`, width, 4, 2)));
  }
  return lines;
}

/** With --baseline: the baseline's problems that are gone, a few of them (all with --verbose). */
function fixedLines(report: Report, options: RenderOptions, style: Painter, width: number): string[] {
  const fixed = report.baseline?.fixed ?? [];
  const shown = options.verbose ? fixed : fixed.slice(0, FIXED_SHOWN);
  const lines = wrap(style.bold(`${plural(fixed.length, "finding")} of the baseline fixed`), width, 2);
  for (const entry of shown)
    lines.push(...wrap(`${style.paint("pass", STATUS_SYMBOL.pass)} ${entry.check}: ${entry.message}`, width, 4, 2));
  if (shown.length < fixed.length) lines.push(style.dim(`  and ${fixed.length - shown.length} more (--verbose)`));
  return lines;
}

/** The remediation of the cause's first finding that has one. */
function firstRemediation(report: Report, cause: RootCause): string | undefined {
  for (const { check, index } of cause.findings) {
    const remediation = report.checks.find((result) => result.id === check)?.findings[index]?.remediation;
    if (remediation) return remediation;
  }
  return undefined;
}

/** One line per check, worst first, its title cut to the width. */
function checkLines(checks: readonly CheckResult[], style: Painter, width: number): string[] {
  const idWidth = Math.max(...checks.map((check) => check.id.length), 0);
  return checks.map((check) => {
    const head = `${STATUS_SYMBOL[check.status]} ${check.status.padEnd(7)} ${check.id.padEnd(idWidth)}  `;
    const room = width - head.length;
    const waived = check.findings.filter((finding) => finding.waived).length;
    const full = waived > 0 ? `(${waived} waived) ${check.title}` : check.title;
    const title = full.length > room ? `${full.slice(0, Math.max(0, room - 1))}…` : full;
    return `${style.paint(check.status, `${STATUS_SYMBOL[check.status]} ${check.status.padEnd(7)}`)} ${check.id.padEnd(idWidth)}  ${style.dim(title)}`;
  });
}

/** --verbose: every finding of every check, its resource, evidence and fix. */
function details(report: Report, style: Painter, width: number): string[] {
  const lines: string[] = [];
  for (const check of report.checks) {
    lines.push("", `${style.paint(check.status, STATUS_SYMBOL[check.status])} ${style.bold(check.id)}: ${check.title}`);
    for (const finding of check.findings) {
      const fresh = finding.baseline === "new" ? `${style.bold("new:")} ` : "";
      lines.push(
        ...wrap(
          `${style.paint(finding.status, STATUS_SYMBOL[finding.status])} ${fresh}${finding.message}`,
          width,
          4,
          2,
        ),
      );
      if (finding.waived) lines.push(...wrap(`waived: ${waiverTerms(finding.waived)}`, width, 6, 4));
      lines.push(style.dim(`    resource: ${finding.resourceId}`));
      for (const [key, value] of evidenceEntries(finding)) lines.push(style.dim(`    ${key}: ${value}`));
      if (finding.remediation && isProblem(finding.status)) lines.push(`    fix: ${finding.remediation}`);
    }
    if (isProblem(check.status)) lines.push(style.dim(`    docs: ${check.docs} (preflight checks ${check.id})`));
  }
  if (report.collection.errors.length > 0) {
    lines.push("", style.bold("Reads that failed"));
    for (const error of report.collection.errors) {
      const status = [error.statusCode, error.code].filter((part) => part !== undefined && part !== "").join(" ");
      lines.push(...wrap(`${error.operation}: ${status ? `${status} ` : ""}${error.message}`, width, 4, 2));
      lines.push(style.dim(`    resource: ${error.resourceId}`));
      if (error.permission) lines.push(`    needs: ${error.permission}`);
    }
  }
  if (report.collection.retries.length > 0) {
    lines.push("", style.bold("Reads answered after retries"));
    for (const retry of report.collection.retries)
      lines.push(
        `  ${retry.operation} ${retry.resourceId}: ${retry.attempts} attempts (${retry.statuses.map((status) => status || "no answer").join(", ")})`,
      );
  }
  return lines;
}

/** "13 checks: 4 fail, 0 unknown, 0 warn, 7 pass, 2 skip". */
export function summaryLine(report: Report): string {
  const waived = waivedSummary(report);
  return `${report.checks.length} checks: ${STATUSES.map((status) => `${report.summary[status]} ${status}`).join(", ")}${waived ? `; ${waived}` : ""}`;
}

/**
 * The waivers: each root cause whose findings are all waived, with the waiver's terms (they count for
 * nothing: not in the problems, the checks' statuses or the exit code), then the waivers to look at.
 */
function waiverLines(report: Report, style: Painter, width: number): string[] {
  const waivers = report.waivers;
  if (!waivers) return [];
  const lines = wrap(
    style.bold(
      `Waived in ${waivers.file}: ${waivers.causes.length > 0 ? `${plural(waivers.causes.length, "problem")}, left out of the counts` : "nothing"}`,
    ),
    width,
    2,
  );
  for (const cause of waivers.causes) {
    lines.push(...wrap(`${style.dim(STATUS_SYMBOL[cause.status])} ${cause.summary}`, width, 4, 2));
    const terms = new Set(
      causeFindings(report, cause).flatMap(({ finding }) => (finding.waived ? [waiverTerms(finding.waived)] : [])),
    );
    for (const term of terms) lines.push(...wrap(style.dim(`${cause.checks.join(", ")}: ${term}`), width, 6, 4));
  }
  for (const note of waiverNotes(waivers)) lines.push(...wrap(`${style.paint("warn", "!")} ${note.text}`, width, 2));
  return lines;
}

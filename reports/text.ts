// The terminal report: a short header (target, region, what was read), one line per check worst
// first, details only for what did not pass (everything with --verbose), the failed reads, the
// summary, and the exit code explained on the last line. Colour only when the caller allows it.

import { styleText } from "node:util";
import { type Report } from "../src/engine/types.js";
import { STATUSES, type Status, isProblem } from "../src/core/status.js";
import {
  DEFAULT_RENDER_OPTIONS,
  STATUS_SYMBOL,
  evidenceEntries,
  reportExitSentence,
  readSummary,
  type RenderOptions,
} from "./shared.js";

const COLOUR: Record<Status, Parameters<typeof styleText>[0]> = {
  fail: "red",
  unknown: "magenta",
  warn: "yellow",
  pass: "green",
  skip: "gray",
};

export function renderText(report: Report, options: RenderOptions = DEFAULT_RENDER_OPTIONS): string {
  // The caller has already decided on colour (terminal, NO_COLOR): styleText must not second-guess it.
  const style = (format: Parameters<typeof styleText>[0], text: string) =>
    options.colour ? styleText(format, text, { validateStream: false }) : text;
  const paint = (status: Status, text: string) => style(COLOUR[status], text);
  const dim = (text: string) => style("dim", text);
  const bold = (text: string) => style("bold", text);
  const target = report.target;
  const lines: string[] = [];

  const where = [target.location, report.ticket ? `ticket ${report.ticket}` : undefined].filter(Boolean).join(" · ");
  lines.push(
    `${bold(`aml-preflight ${report.tool.version}`)} · workspace ${bold(target.workspace)} in ${target.resourceGroup}${where ? ` · ${where}` : ""}`,
  );
  lines.push(dim(`  ${target.workspaceId}`));
  // An offline audit says so: what it shows is the state when the snapshot was taken, not now.
  if (report.snapshot)
    lines.push(`  offline: snapshot ${report.snapshot.file}, collected ${report.snapshot.collectedAt}`);
  const failed = report.collection.errors.length;
  const retried = report.collection.retries.length;
  const counts = [
    `${report.collection.requests} ARM requests`,
    failed > 0 ? `${failed} failed` : "",
    retried > 0 ? `${retried} answered after retries` : "",
  ];
  lines.push(dim(`  read: ${readSummary(report)} (${counts.filter(Boolean).join(", ")})`));
  lines.push("");

  const width = Math.max(...report.checks.map((check) => check.id.length), 0);
  for (const check of report.checks) {
    lines.push(
      `${paint(check.status, `${STATUS_SYMBOL[check.status]} ${check.status.padEnd(7)}`)} ${check.id.padEnd(width)}  ${dim(check.title)}`,
    );
    // A skipped check says why in one line; a passing one says nothing unless --verbose.
    const shown = options.verbose
      ? check.findings
      : check.findings.filter((finding) => isProblem(finding.status) || check.status === "skip");
    for (const finding of shown) {
      lines.push(`    ${paint(finding.status, STATUS_SYMBOL[finding.status])} ${finding.message}`);
      if (!options.verbose && !isProblem(finding.status)) continue;
      lines.push(dim(`      resource: ${finding.resourceId}`));
      for (const [key, value] of evidenceEntries(finding)) lines.push(dim(`      ${key}: ${value}`));
      if (finding.remediation && isProblem(finding.status)) lines.push(`      fix: ${finding.remediation}`);
    }
    if (isProblem(check.status)) lines.push(dim(`      docs: ${check.docs} (preflight checks ${check.id})`));
  }

  if (failed > 0) {
    lines.push("");
    lines.push(`Reads that failed (${failed}):`);
    for (const error of report.collection.errors) {
      const status = [error.statusCode, error.code].filter(Boolean).join(" ");
      lines.push(
        `  ${error.operation} ${status} ${error.resourceId}${error.permission ? ` (needs ${error.permission})` : ""}`,
      );
      // Timeouts and throttling say what happened only in their message.
      if (!error.permission && error.message) lines.push(dim(`    ${error.message}`));
    }
  }
  if (retried > 0) {
    lines.push("");
    lines.push(`Reads answered after retries (${retried}):`);
    for (const note of report.collection.retries) {
      lines.push(
        `  ${note.operation} after ${note.attempts} attempts (${note.statuses.map((status) => (status === 0 ? "no answer" : status)).join(", ")}) ${note.resourceId}`,
      );
    }
  }
  lines.push("");
  lines.push(summaryLine(report));
  lines.push(reportExitSentence(report, options.failOn));
  return `${lines.join("\n")}\n`;
}

export function summaryLine(report: Report): string {
  const counts = STATUSES.map((status) => `${report.summary[status]} ${status}`).join(", ");
  return `${report.checks.length} checks: ${counts} · ${report.collection.requests} ARM requests in ${(report.durationMs / 1000).toFixed(1)} s`;
}

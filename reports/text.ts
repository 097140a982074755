// The terminal report: grouped by check, worst first; evidence and remediation for what did
// not pass; one summary line. Colour only when the caller says the stream is a colour TTY.

import { styleText } from "node:util";
import { STATUSES, type Report, type Status } from "../src/engine/types.js";

export interface TextOptions {
  colour: boolean;
  verbose: boolean;
}

const SYMBOL: Record<Status, string> = { fail: "✗", unknown: "?", warn: "!", pass: "✓", skip: "-" };
const COLOUR: Record<Status, Parameters<typeof styleText>[0]> = {
  fail: "red",
  unknown: "magenta",
  warn: "yellow",
  pass: "green",
  skip: "gray",
};

export function renderText(report: Report, options: TextOptions = { colour: false, verbose: false }): string {
  const paint = (status: Status, text: string) => (options.colour ? styleText(COLOUR[status], text) : text);
  const dim = (text: string) => (options.colour ? styleText("dim", text) : text);
  const lines: string[] = [];
  const target = report.target;
  lines.push(`aml-preflight ${report.tool.version} · workspace ${target.workspace} (${target.resourceGroup}${target.location ? `, ${target.location}` : ""})`);
  lines.push(dim(`  ${target.workspaceId}`));
  if (report.ticket) lines.push(dim(`  ticket ${report.ticket}`));
  lines.push("");
  for (const check of report.checks) {
    lines.push(`${paint(check.status, `${SYMBOL[check.status]} ${check.status.toUpperCase().padEnd(7)}`)} ${check.id} — ${check.title}`);
    const shown = options.verbose ? check.findings : check.findings.filter((finding) => finding.status !== "pass" && finding.status !== "skip");
    for (const finding of shown) {
      lines.push(`    ${paint(finding.status, SYMBOL[finding.status])} ${finding.message}`);
      lines.push(dim(`      resource: ${finding.resourceId}`));
      const evidence = Object.entries(finding.evidence).filter(([, value]) => value !== null && value !== undefined);
      if (evidence.length > 0 && (options.verbose || finding.status !== "pass")) {
        for (const [key, value] of evidence) lines.push(dim(`      ${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`));
      }
      if (finding.remediation && finding.status !== "pass" && finding.status !== "skip") lines.push(`      fix: ${finding.remediation}`);
    }
    if (shown.length > 0 && check.status !== "pass" && check.status !== "skip") lines.push(dim(`      docs: ${check.docs}`));
  }
  if (report.collection.errors.length > 0) {
    lines.push("");
    lines.push(`Reads that failed (${report.collection.errors.length}):`);
    for (const error of report.collection.errors) {
      lines.push(`  ${error.operation} ${[error.statusCode, error.code].filter(Boolean).join(" ")} ${error.resourceId}${error.permission ? ` (needs ${error.permission})` : ""}`);
    }
  }
  lines.push("");
  lines.push(summaryLine(report));
  return `${lines.join("\n")}\n`;
}

export function summaryLine(report: Report): string {
  const counts = STATUSES.map((status) => `${report.summary[status]} ${status}`).join(", ");
  return `${report.checks.length} checks: ${counts} · ${report.collection.requests} ARM requests in ${(report.durationMs / 1000).toFixed(1)} s`;
}

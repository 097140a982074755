// The terminal page of `preflight build-log` and `preflight env`: what was read, each finding with
// its line, the excerpt and the fix, then the summary and the exit code explained. Passing findings
// (packages found on the index) only with --verbose.

import { styleText } from "node:util";
import { STATUSES, type FailOn, type Status, isProblem } from "../../src/core/status.js";
import { doctorExitSentence } from "../../src/doctor/report.js";
import type { DoctorFinding, DoctorReport } from "../../src/doctor/types.js";
import { STATUS_SYMBOL } from "../shared.js";

export interface DoctorRenderOptions {
  colour: boolean;
  verbose: boolean;
  failOn: FailOn;
}

export const DEFAULT_DOCTOR_OPTIONS: DoctorRenderOptions = { colour: false, verbose: false, failOn: "fail" };

const COLOUR: Record<Status, Parameters<typeof styleText>[0]> = {
  fail: "red",
  unknown: "magenta",
  warn: "yellow",
  pass: "green",
  skip: "gray",
};

const OUTCOME: Record<NonNullable<DoctorReport["outcome"]>, string> = {
  failed: "the build failed",
  succeeded: "the build succeeded",
  "not shown": "the log does not show how the build ended",
};

export function renderDoctorText(report: DoctorReport, options: DoctorRenderOptions = DEFAULT_DOCTOR_OPTIONS): string {
  const style = (format: Parameters<typeof styleText>[0], text: string) =>
    options.colour ? styleText(format, text, { validateStream: false }) : text;
  const dim = (text: string) => style("dim", text);
  const lines: string[] = [];
  lines.push(`${style("bold", `aml-preflight ${report.tool.version}`)} · ${heading(report)}`);
  if (report.files.length > 0)
    lines.push(
      dim(`  also read: ${report.files.map((file) => `${file.path} (${file.kind}, ${file.lines} lines)`).join(", ")}`),
    );
  if (report.index)
    lines.push(
      dim(`  index: ${[...report.index.pip, ...report.index.conda].join(", ")} (${report.index.requests} requests)`),
    );
  lines.push("");

  const shown = report.findings.filter((finding) => options.verbose || isProblem(finding.status));
  if (shown.length === 0) lines.push(nothingFound(report), "");
  const multiFile = report.files.length > 0;
  for (const finding of shown) {
    const where = multiFile ? `${finding.file}:${finding.line}` : `line ${finding.line}`;
    lines.push(
      `${style(COLOUR[finding.status], `${STATUS_SYMBOL[finding.status]} ${finding.status.padEnd(7)}`)} ${finding.id}  ${dim(where)}`,
    );
    lines.push(`    ${finding.message}`);
    if (isProblem(finding.status) || options.verbose) lines.push(...excerpt(finding, dim));
    if (finding.packages && finding.packages.length > 0)
      lines.push(dim(`    packages: ${finding.packages.join(", ")}`));
    if (options.verbose)
      for (const [key, value] of Object.entries(finding.evidence))
        lines.push(dim(`    ${key}: ${Array.isArray(value) ? value.join(", ") : String(value)}`));
    if (finding.fix && isProblem(finding.status)) lines.push(`    fix: ${finding.fix}`);
    if (finding.related) lines.push(`    check the service side: ${finding.related.command}`);
    lines.push("");
  }
  lines.push(summaryLine(report));
  lines.push(doctorExitSentence(report, options.failOn));
  return `${lines.join("\n")}\n`;
}

function heading(report: DoctorReport): string {
  if (report.command === "build-log") {
    return `build log ${report.source.path} (${report.source.lines} lines; ${OUTCOME[report.outcome ?? "not shown"]})`;
  }
  return `environment ${report.source.path} (${report.source.kind}, ${report.source.lines} lines)`;
}

function nothingFound(report: DoctorReport): string {
  if (report.command === "env") return "No findings: nothing in this environment is known to break its image build.";
  return report.outcome === "failed" ? "No known cause." : "No known cause of a failed build in this log.";
}

/** The excerpt with line numbers; the anchor line marked. */
function excerpt(finding: DoctorFinding, dim: (text: string) => string): string[] {
  const width = String(finding.excerpt.at(-1)?.line ?? finding.line).length;
  return finding.excerpt.map(({ line, text }) => {
    const marker = line === finding.line ? ">" : " ";
    return `  ${marker} ${dim(`${String(line).padStart(width)} │`)} ${text}`;
  });
}

export function summaryLine(report: DoctorReport): string {
  const counts = STATUSES.map((status) => `${report.summary[status]} ${status}`).join(", ");
  const total = report.findings.length;
  return `${total} finding${total === 1 ? "" : "s"}: ${counts}`;
}

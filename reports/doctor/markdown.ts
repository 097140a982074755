// The doctor's findings as a ticket-ready page: what was read, a summary table, then each finding
// with its excerpt and fix.

import { markdownTable } from "markdown-table";
import { STATUSES, isProblem } from "../../src/core/status.js";
import { doctorExitSentence } from "../../src/doctor/report.js";
import type { DoctorFinding, DoctorReport } from "../../src/doctor/types.js";
import { cell, code, fence, prose } from "../markdown.js";
import { DEFAULT_DOCTOR_OPTIONS, type DoctorRenderOptions } from "./text.js";

export function renderDoctorMarkdown(
  report: DoctorReport,
  options: DoctorRenderOptions = DEFAULT_DOCTOR_OPTIONS,
): string {
  const out: string[] = [];
  const what = report.command === "build-log" ? "build log" : "environment";
  out.push(`# aml-preflight: ${what} ${code(report.source.path)}`, "");
  out.push(
    markdownTable([
      ["Field", "Value"],
      ["File", cell(`${code(report.source.path)} (${report.source.kind}, ${report.source.lines} lines)`)],
      ...(report.files.length > 0
        ? [["Also read", cell(report.files.map((file) => `${code(file.path)} (${file.kind})`).join(", "))]]
        : []),
      ...(report.outcome ? [["Build", report.outcome]] : []),
      ...(report.index
        ? [
            [
              "Indexes",
              cell(
                `${[...report.index.pip, ...report.index.conda].map(code).join(", ")}; ${report.index.requests} requests`,
              ),
            ],
          ]
        : []),
      ["Tool", `aml-preflight ${report.tool.version}`],
      [
        "Result",
        cell(
          `${STATUSES.map((status) => `${report.summary[status]} ${status}`).join(", ")}; ${doctorExitSentence(report, options.failOn)}`,
        ),
      ],
    ]),
    "",
  );
  const shown = report.findings.filter((finding) => options.verbose || isProblem(finding.status));
  out.push("## Findings", "");
  if (shown.length === 0) {
    out.push(
      report.command === "env"
        ? "None: nothing in this environment is known to break its image build."
        : report.outcome === "failed"
          ? "No known cause."
          : "No known cause of a failed build in this log.",
      "",
    );
  } else {
    out.push(
      markdownTable([
        ["Status", "Id", "Where", "Finding"],
        ...shown.map((finding) => [
          `**${finding.status}**`,
          cell(code(finding.id)),
          cell(`${report.files.length > 0 ? `${finding.file}:` : "line "}${finding.line}`),
          prose(finding.message),
        ]),
      ]),
      "",
    );
    for (const finding of shown) out.push(...findingSection(finding, report));
  }
  out.push(
    "---",
    "",
    "Read-only: aml-preflight read these files and, with --check-index, package indexes; it changed nothing.",
    "",
  );
  return out.join("\n");
}

function findingSection(finding: DoctorFinding, report: DoctorReport): string[] {
  const where = report.files.length > 0 ? `${finding.file}:${finding.line}` : `line ${finding.line}`;
  const lines = [`### ${code(finding.id)} (${finding.status}) at ${cell(where)}`, "", prose(finding.message), ""];
  if (finding.excerpt.length > 0) {
    const width = String(finding.excerpt.at(-1)?.line ?? finding.line).length;
    lines.push(
      ...fence(
        "text",
        finding.excerpt
          .map(({ line, text }) => `${line === finding.line ? ">" : " "} ${String(line).padStart(width)} | ${text}`)
          .join("\n"),
      ).map((line) => line.slice(4)),
      "",
    );
  }
  if (finding.packages && finding.packages.length > 0)
    lines.push(`Packages: ${finding.packages.map(code).join(", ")}`, "");
  if (finding.fix && isProblem(finding.status)) lines.push(`**Fix:** ${ownMarkdown(finding.fix)}`, "");
  if (finding.related)
    lines.push(
      `**Service side:** ${finding.related.checks.map(code).join(", ")}; run`,
      "",
      ...fence("sh", finding.related.command).map((line) => line.slice(4)),
      "",
    );
  return lines;
}

/** Text this tool wrote (fixes): its `code spans` kept, Markdown's other punctuation escaped outside them. */
function ownMarkdown(text: string): string {
  return text
    .split(/(`[^`]*`)/)
    .map((part) => (part.startsWith("`") && part.endsWith("`") && part.length > 1 ? part : prose(part)))
    .join("");
}

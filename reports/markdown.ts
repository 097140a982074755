// A ticket-ready page (GitHub-flavoured Markdown, which Azure DevOps and support portals render):
// target, time, tool version and ticket id; a summary table; every failing, unknown and warning
// check with its evidence and the exact `az` commands that fix it; the reads that failed; and a
// closing line saying that no secret is in it. markdown-table lays out the tables.

import { markdownTable } from "markdown-table";
import { type CheckResult, type Report, type ReportFinding } from "../src/engine/types.js";
import { STATUSES, type Status, isProblem } from "../src/core/status.js";
import {
  DEFAULT_RENDER_OPTIONS,
  azCommands,
  docsLocation,
  reportExitSentence,
  readSummary,
  type RenderOptions,
} from "./shared.js";

export const NO_SECRETS_LINE =
  "This report holds no keys, passwords, tokens or connection strings: aml-preflight compares keys in memory and never writes them.";

const HEADINGS: Array<[Status, string]> = [
  ["fail", "Failing checks"],
  ["unknown", "Checks that could not be decided"],
  ["warn", "Warnings"],
];

export function renderMarkdown(report: Report, options: RenderOptions = DEFAULT_RENDER_OPTIONS): string {
  const target = report.target;
  const out: string[] = [];
  out.push(`# aml-preflight: workspace ${code(target.workspace)}`, "");
  out.push(
    markdownTable([
      ["Field", "Value"],
      ["Workspace", cell(code(target.workspaceId))],
      ["Subscription", cell(code(target.subscriptionId))],
      ["Resource group", cell(code(target.resourceGroup))],
      ["Region", target.location ? cell(code(target.location)) : "unknown"],
      ["Ticket", report.ticket ? cell(code(report.ticket)) : "none"],
      report.snapshot
        ? [
            "Audited",
            cell(`offline, from snapshot ${code(report.snapshot.file)} collected ${report.snapshot.collectedAt}`),
          ]
        : ["Audited at", `${report.startedAt} (${(report.durationMs / 1000).toFixed(1)} s)`],
      ["Tool", `aml-preflight ${report.tool.version}`],
      [
        "Read",
        cell(
          `${readSummary(report)}; ${report.collection.requests} ARM requests, ${report.collection.errors.length} failed${report.collection.retries.length ? `, ${report.collection.retries.length} answered after retries` : ""}`,
        ),
      ],
      [
        "Result",
        cell(
          `${STATUSES.map((status) => `${report.summary[status]} ${status}`).join(", ")}; ${reportExitSentence(report, options.failOn)}`,
        ),
      ],
    ]),
    "",
  );

  out.push("## Summary", "");
  out.push(
    markdownTable([
      ["Check", "Severity", "Status", "Findings", "Title"],
      ...report.checks.map((check) => [
        cell(code(check.id)),
        check.severity,
        `**${check.status}**`,
        findingCounts(check),
        prose(check.title),
      ]),
    ]),
    "",
  );

  for (const [status, heading] of HEADINGS) {
    const checks = report.checks.filter((check) => check.status === status);
    if (checks.length === 0) continue;
    out.push(`## ${heading}`, "");
    for (const check of checks) out.push(...checkSection(check, options));
  }

  out.push("## Reads that failed", "");
  if (report.collection.errors.length === 0) {
    out.push("None: every read succeeded.", "");
  } else {
    out.push(
      markdownTable([
        ["Operation", "Status", "Resource", "Missing permission", "Message"],
        ...report.collection.errors.map((error) => [
          cell(error.operation),
          cell([error.statusCode, error.code].filter(Boolean).join(" ")),
          cell(code(error.resourceId)),
          error.permission ? cell(code(error.permission)) : "",
          prose(error.message),
        ]),
      ]),
      "",
    );
  }
  out.push("---", "", NO_SECRETS_LINE, "");
  return out.join("\n");
}

function checkSection(check: CheckResult, options: RenderOptions): string[] {
  const lines = [
    `### ${code(check.id)}: ${prose(check.title)}`,
    "",
    `Severity ${check.severity}, status **${check.status}**. Documentation: ${docsLink(check, options)}.`,
    "",
  ];
  for (const finding of check.findings.filter((candidate) => isProblem(candidate.status)))
    lines.push(...findingSection(finding));
  return lines;
}

function findingSection(finding: ReportFinding): string[] {
  const lines = [
    `- **${finding.status}** (${code(finding.messageId)}): ${prose(finding.message)}`,
    `  - Resource: ${code(finding.resourceId)}`,
  ];
  if (Object.keys(finding.evidence).length > 0) {
    lines.push("  - Evidence:", "", ...fence("json", JSON.stringify(finding.evidence, null, 2)), "");
  }
  if (finding.remediation) {
    const commands = azCommands(finding.remediation);
    // A remediation that is one command is shown as that command alone.
    const onlyCommand = commands.length === 1 && commands[0] === finding.remediation.trim().replace(/[.,]+$/, "");
    lines.push(onlyCommand ? "  - Fix:" : `  - Fix: ${prose(finding.remediation)}`);
    if (commands.length > 0) lines.push("", ...fence("sh", commands.join("\n")));
  }
  if (lines.at(-1) !== "") lines.push("");
  return lines;
}

function findingCounts(check: CheckResult): string {
  return STATUSES.map(
    (status) => [status, check.findings.filter((finding) => finding.status === status).length] as const,
  )
    .filter(([, count]) => count > 0)
    .map(([status, count]) => `${count} ${status}`)
    .join(", ");
}

function docsLink(check: CheckResult, options: RenderOptions): string {
  const url = docsLocation(check, options);
  // Parentheses and spaces would end a Markdown link destination; encodeURIComponent leaves ( and ) alone.
  const destination = url.replace(
    /[()\s]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`,
  );
  return url === check.docs ? code(check.docs) : `[${check.docs}](${destination})`;
}

/** A fenced block indented under a list item; the fence is longer than any backtick run inside. */
export function fence(language: string, body: string): string[] {
  const longest = Math.max(2, ...[...body.matchAll(/`+/g)].map((match) => match[0].length));
  const marker = "`".repeat(longest + 1);
  return [`    ${marker}${language}`, ...body.split("\n").map((line) => `    ${line}`), `    ${marker}`];
}

/** Inline code that survives backticks inside it (in a table, pass it through `cell` too). */
export function code(text: string): string {
  const flat = oneLine(text);
  const longest = Math.max(0, ...[...flat.matchAll(/`+/g)].map((match) => match[0].length));
  const ticks = "`".repeat(longest + 1);
  return longest > 0 ? `${ticks} ${flat} ${ticks}` : `${ticks}${flat}${ticks}`;
}

/** Text from ARM or a check shown as prose: Markdown's punctuation escaped (`<name>` would vanish as HTML). */
export function prose(text: string): string {
  return oneLine(text).replace(/[\\`*_{}[\]<>|#~]/g, (char) => `\\${char}`);
}

/** A table cell: one line, pipes escaped (GFM unescapes them even inside code spans). */
export function cell(text: string): string {
  return oneLine(text).replace(/\|/g, "\\|");
}

function oneLine(text: string): string {
  return text.replace(/\s*\r?\n\s*/g, " ");
}

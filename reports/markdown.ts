// A ticket-ready page (GitHub-flavoured Markdown, which Azure DevOps and support portals render):
// the facts (target, time, tool version, ticket, result); then each problem, that is each root
// cause, worst first, with what it breaks and the fix (the proven `az` commands, or the advice when
// there is none); then every check in one table; then, per check that did not pass, its findings with
// their evidence folded in <details>; the reads that failed; and a closing line saying that no
// secret is in it. markdown-table lays out the tables, unpadded.

import { markdownTable } from "markdown-table";
import type { RootCause } from "../src/engine/root-causes.js";
import { type CheckResult, type Report, type ReportFinding } from "../src/engine/types.js";
import { STATUSES, isProblem, plural } from "../src/core/status.js";
import {
  DEFAULT_RENDER_OPTIONS,
  auditedLabel,
  azCommands,
  baselineSummary,
  causeIsNew,
  causeFindings,
  causeRemedy,
  docsLocation,
  listSome,
  reportExitSentence,
  readSummary,
  statusLabel,
  waivedSummary,
  waiverNotes,
  waiverTerms,
  type RenderOptions,
} from "./shared.js";

export const NO_SECRETS_LINE =
  "This report holds no keys, passwords, tokens or connection strings: aml-preflight compares keys in memory and never writes them.";

/** Compact tables: a diff or a ticket field does not fill with spaces. */
const TABLE = { alignDelimiters: false, padding: false } as const;

/** How many things a root cause breaks are named before "and N more" (all of them with --verbose). */
const BREAKS_SHOWN = 6;

export function renderMarkdown(report: Report, options: RenderOptions = DEFAULT_RENDER_OPTIONS): string {
  const out: string[] = [`# aml-preflight: ${auditedLabel(report.target, code)}`, ""];
  out.push(facts(report, options), "");
  const causes = report.rootCauses.filter((cause) => isProblem(cause.status));
  out.push("## Problems", "");
  if (causes.length === 0 && report.waivers?.waived) out.push("None but the waived ones below.", "");
  else if (causes.length === 0) out.push("None: no check failed, stayed undecided or warned.", "");
  else
    out.push(
      ...problemsIntro(report, causes),
      ...causes.flatMap((cause, at) => causeSection(report, cause, at, options)),
    );

  if (report.baseline) out.push(...fixedSection(report));
  if (report.waivers) out.push(...waivedSection(report));

  out.push("## Checks", "");
  out.push(
    markdownTable(
      [
        ["Check", "Status", "Severity", "Findings", "Title"],
        ...report.checks.map((check) => [
          cell(code(check.id)),
          statusLabel(check.status),
          check.severity,
          findingCounts(check),
          cell(prose(check.title)),
        ]),
      ],
      TABLE,
    ),
    "",
  );

  const detailed = report.checks.filter(
    (check) => options.verbose || isProblem(check.status) || check.findings.some((finding) => finding.waived),
  );
  if (detailed.length > 0) {
    out.push("## Details", "");
    const numbers = causeNumbers(causes);
    for (const check of detailed) out.push(...checkSection(check, numbers, options));
  }

  out.push("## Reads that failed", "");
  if (report.collection.errors.length === 0) {
    out.push("None: every read succeeded.", "");
  } else {
    out.push(
      markdownTable(
        [
          ["Operation", "Status", "Resource", "Missing permission", "Message"],
          ...report.collection.errors.map((error) => [
            cell(error.operation),
            cell([error.statusCode, error.code].filter(Boolean).join(" ")),
            cell(code(error.resourceId)),
            error.permission ? cell(code(error.permission)) : "",
            cell(prose(error.message)),
          ]),
        ],
        TABLE,
      ),
      "",
    );
  }
  out.push("---", "", NO_SECRETS_LINE, "");
  return out.join("\n");
}

function facts(report: Report, options: RenderOptions): string {
  const { target, collection } = report;
  return markdownTable(
    [
      ["Field", "Value"],
      ["Workspace", cell(code(target.workspaceId))],
      // A project is judged through its hub: the findings about dependencies name the hub's resources.
      ...(target.hub ? [["Hub", cell(code(target.hub.id))]] : []),
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
      ...(report.baseline ? [["Baseline", cell(prose(baselineSummary(report) ?? ""))]] : []),
      ["Tool", `aml-preflight ${report.tool.version}`],
      [
        "Read",
        cell(
          `${readSummary(report)}; ${collection.requests} ARM requests, ${collection.errors.length} failed${collection.retries.length ? `, ${collection.retries.length} answered after retries` : ""}`,
        ),
      ],
      [
        "Result",
        cell(
          `${STATUSES.map((status) => `${report.summary[status]} ${status}`).join(", ")}; ${reportExitSentence(report, options.failOn)}`,
        ),
      ],
      ...(report.waivers
        ? [["Waivers", cell(prose(waivedSummary(report) ?? `none applied (${report.waivers.file})`))]]
        : []),
    ],
    TABLE,
  );
}

/** "3 problems (2 fail, 1 unknown); 2 fixes checked against this state." */
function problemsIntro(report: Report, causes: readonly RootCause[]): string[] {
  const counts = STATUSES.filter((status) => causes.some((cause) => cause.status === status))
    .map((status) => `${causes.filter((cause) => cause.status === status).length} ${status}`)
    .join(", ");
  const proven = causes.filter((cause) => causeRemedy(report, cause)?.kind === "fix").length;
  const checked = "checked against this state: applied to a copy of it, and every check run again";
  let plan = "";
  if (report.fixPlan && proven === causes.length) plan = ` Every fix below was ${checked}.`;
  else if (report.fixPlan && proven > 0) plan = ` The fixes of ${proven} of them were ${checked}.`;
  else if (report.fixPlan) plan = " preflight could prove no fix for them: each says what to do instead.";
  return [`**${plural(causes.length, "problem")}** (${counts}), worst first.${plan}`, ""];
}

/** A root cause: what it is, what it breaks, and the fix or the advice. */
function causeSection(report: Report, cause: RootCause, at: number, options: RenderOptions): string[] {
  const fresh = report.baseline && causeIsNew(report, cause) ? " (new)" : "";
  const lines = [`### ${at + 1}. ${statusLabel(cause.status)}${fresh}: ${prose(cause.summary)}`, ""];
  const what =
    cause.breaks.length > 0
      ? `: ${prose(listSome(cause.breaks, options.verbose ? cause.breaks.length : BREAKS_SHOWN))}`
      : "";
  const computes = cause.computes.length > 0 ? `, for computes ${cause.computes.map(code).join(", ")}` : "";
  lines.push(`Breaks ${cause.checks.map(code).join(", ")}${what}${computes}.`, "");
  const remedy = causeRemedy(report, cause);
  if (remedy?.kind === "fix") {
    lines.push(`**Fix**, checked against this state: ${prose(remedy.why)}.`, "");
    lines.push(...fence("sh", remedy.commands.join("\n"), ""), "");
  } else if (remedy) {
    const unproven = remedy.reason ? ` (no proven fix: ${prose(remedy.reason)})` : "";
    const commands = azCommands(remedy.advice);
    // Advice that is one command is shown as that command alone.
    const onlyCommand = commands.length === 1 && commands[0] === remedy.advice.trim().replace(/[.,]+$/, "");
    if (onlyCommand) lines.push(`**To do**${unproven}, not checked against this state:`, "");
    else lines.push(`**To do**${unproven}: ${prose(remedy.advice)}`, "");
    if (commands.length > 0 && !onlyCommand) lines.push("Its commands, not checked against this state:", "");
    if (commands.length > 0) lines.push(...fence("sh", commands.join("\n"), ""), "");
  }
  return lines;
}

/** With --baseline: the baseline's problems that are gone. */
function fixedSection(report: Report): string[] {
  const fixed = report.baseline?.fixed ?? [];
  const lines = ["## Fixed since the baseline", ""];
  if (fixed.length === 0) return [...lines, "None: no problem of the baseline is gone.", ""];
  for (const entry of fixed)
    lines.push(
      `- ${statusLabel("pass")} (was ${entry.status}) ${code(entry.check)}: ${prose(entry.message)}`,
      "",
      `  Resource: ${code(entry.resourceId)} (${code(entry.messageId)})`,
      "",
    );
  return lines;
}

/** Each problem finding's root cause number, by "check/index". */
function causeNumbers(causes: readonly RootCause[]): Map<string, number> {
  const numbers = new Map<string, number>();
  causes.forEach((cause, at) => {
    for (const { check, index } of cause.findings) numbers.set(`${check}/${index}`, at + 1);
  });
  return numbers;
}

function checkSection(check: CheckResult, numbers: Map<string, number>, options: RenderOptions): string[] {
  const lines = [
    `### ${statusLabel(check.status)}: ${code(check.id)}`,
    "",
    `${prose(check.title)}. Severity ${check.severity}. Documentation: ${docsLink(check, options)}.`,
    "",
  ];
  check.findings.forEach((finding, index) => {
    if (options.verbose || isProblem(finding.status))
      lines.push(...findingItem(finding, numbers.get(`${check.id}/${index}`)));
  });
  return lines;
}

/** A finding: its status and message, its resource, and its evidence folded away. */
function findingItem(finding: ReportFinding, cause: number | undefined): string[] {
  const problem = `${cause === undefined ? "" : ` (problem ${cause})`}${finding.baseline === "new" ? " (new)" : ""}${finding.waived ? " (waived)" : ""}`;
  const lines = [
    // Escaped, so skip's "-" does not open a nested list.
    `- ${statusLabel(finding.status).replace(/^-/, "\\-")}${problem}: ${prose(finding.message)}`,
    "",
    `  Resource: ${code(finding.resourceId)} (${code(finding.messageId)})`,
    ...(finding.waived ? ["", `  Waived ${prose(waiverTerms(finding.waived))}`] : []),
  ];
  if (Object.keys(finding.evidence).length > 0)
    lines.push(
      "",
      "  <details><summary>Evidence</summary>",
      "",
      ...fence("json", JSON.stringify(finding.evidence, null, 2), "  "),
      "",
      "  </details>",
    );
  lines.push("");
  return lines;
}

function findingCounts(check: CheckResult): string {
  return STATUSES.map(
    (status) => [status, check.findings.filter((finding) => finding.status === status).length] as const,
  )
    .filter(([, count]) => count > 0)
    .map(([status, count]) => `${count} ${status}`)
    .concat(
      check.findings.some((finding) => finding.waived)
        ? [`${check.findings.filter((finding) => finding.waived).length} of them waived`]
        : [],
    )
    .join(", ");
}

/** The waivers: each root cause whose findings are all waived with the waiver's terms, then the waivers to look at. */
function waivedSection(report: Report): string[] {
  const waivers = report.waivers;
  if (!waivers) return [];
  const lines = ["## Waived", ""];
  if (waivers.causes.length === 0) lines.push(`Nothing: no waiver of ${code(waivers.file)} covers a problem.`, "");
  else
    lines.push(
      `**${plural(waivers.causes.length, "problem")}** waived in ${code(waivers.file)}: left out of the problems, the checks' statuses and the exit code.`,
      "",
    );
  for (const cause of waivers.causes) {
    lines.push(`- ${statusLabel(cause.status)}: ${prose(cause.summary)} (${cause.checks.map(code).join(", ")})`, "");
    const terms = new Set(
      causeFindings(report, cause).flatMap(({ finding }) => (finding.waived ? [waiverTerms(finding.waived)] : [])),
    );
    for (const term of terms) lines.push(`  Waived ${prose(term)}`, "");
  }
  const notes = waiverNotes(waivers);
  if (notes.length > 0) {
    lines.push("**Waivers to look at**", "");
    for (const note of notes) lines.push(`- ${note.state}: ${prose(note.text)}`);
    lines.push("");
  }
  return lines;
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

/** A fenced block, indented by `indent` (under a list item); the fence is longer than any backtick run inside. */
export function fence(language: string, body: string, indent = "    "): string[] {
  const longest = Math.max(2, ...[...body.matchAll(/`+/g)].map((match) => match[0].length));
  const marker = "`".repeat(longest + 1);
  return [`${indent}${marker}${language}`, ...body.split("\n").map((line) => `${indent}${line}`), `${indent}${marker}`];
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

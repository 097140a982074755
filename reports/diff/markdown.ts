// The diff as a page for a ticket or a pull request: the two states, a table of what changed in the
// workspace (one row per property that moved), then each check whose verdict changed with the
// findings that moved and the changes behind them.

import { markdownTable } from "markdown-table";
import type { CheckChange, DiffReport, DiffSide } from "../../src/engine/diff.js";
import { NO_SECRETS_LINE, cell, code, prose } from "../markdown.js";
import { auditedLabel, resourceTypeName, statusLabel } from "../shared.js";
import {
  causeText,
  checkCounts,
  checkVerdictText,
  diffExitSentence,
  resourceCounts,
  subjectText,
  valueText,
  verdictText,
  type DiffRenderOptions,
} from "./shared.js";

const TABLE = { alignDelimiters: false, padding: false } as const;

export function renderDiffMarkdown(diff: DiffReport, options: DiffRenderOptions): string {
  const out = [`# aml-preflight diff: ${auditedLabel(diff.target, code)}`, ""];
  out.push(
    markdownTable(
      [
        ["Field", "Value"],
        ["Workspace", cell(code(diff.target.workspaceId))],
        ["Before", cell(side(diff.before))],
        ["After", cell(side(diff.after))],
        ["Tool", `aml-preflight ${diff.tool.version}`],
        ["Result", cell(`${resourceCounts(diff)}; ${checkCounts(diff)}; ${diffExitSentence(diff)}`)],
      ],
      TABLE,
    ),
    "",
  );
  out.push("## What changed in the workspace", "");
  if (!diff.resources) out.push(`Not compared: ${prose(diff.note ?? "")}.`, "");
  else if (diff.resources.changed.length + diff.resources.added.length + diff.resources.removed.length === 0)
    out.push("Nothing: every resource read is as it was.", "");
  else {
    const rows = [
      ...diff.resources.changed.flatMap((resource) =>
        resource.changes.map((change) => [
          "changed",
          cell(`${resourceTypeName(resource.type)} ${code(resource.name)}`),
          cell(code(change.label)),
          cell(code(shown(change.before, options.verbose))),
          cell(code(shown(change.after, options.verbose))),
        ]),
      ),
      ...diff.resources.added.map((resource) => [
        "added",
        cell(`${resourceTypeName(resource.type)} ${code(resource.name)}`),
        "",
        "",
        "",
      ]),
      ...diff.resources.removed.map((resource) => [
        "removed",
        cell(`${resourceTypeName(resource.type)} ${code(resource.name)}`),
        "",
        "",
        "",
      ]),
    ];
    out.push(markdownTable([["Change", "Resource", "Property", "Before", "After"], ...rows], TABLE), "");
  }
  out.push("## Verdicts that changed", "");
  if (diff.checks.length === 0) out.push("None.", "");
  for (const check of diff.checks) out.push(...checkSection(diff, check, options));
  out.push("---", "", NO_SECRETS_LINE, "");
  return out.join("\n");
}

/** A whole element (a rule added or removed) is "(present)" unless --verbose: its properties do not fit a cell. */
function shown(value: unknown, verbose: boolean): string {
  const whole = typeof value === "object" && value !== null && !Array.isArray(value);
  return whole && !verbose ? "(present)" : valueText(value, verbose);
}

function side(state: DiffSide): string {
  return `${code(state.file)}, ${state.kind === "snapshot" ? "snapshot collected" : "report of"} ${state.at}`;
}

function checkSection(diff: DiffReport, check: CheckChange, options: DiffRenderOptions): string[] {
  const status = check.after ?? check.before ?? "skip";
  const lines = [
    `### ${statusLabel(status)}: ${code(check.id)} ${checkVerdictText(check)} (${check.movement})`,
    "",
    `${prose(check.title)}.`,
    "",
  ];
  for (const finding of check.findings) {
    const subject = finding.after ?? finding.before;
    if (!subject) continue;
    lines.push(`- ${code(subjectText(subject))}: ${prose(verdictText(finding))}`);
    for (const cause of finding.because) lines.push(`  - because ${prose(causeText(diff, cause, options.verbose))}`);
  }
  if (check.findings.length > 0) lines.push("");
  return lines;
}

// The diff for a person: which two states, what changed in the workspace (one line per resource, one
// per property that moved), then each check whose verdict changed with the findings that moved and
// the changes their evidence names, and the exit code explained. Names rather than IDs.

import type { CheckChange, DiffReport, DiffSide, FindingChange } from "../../src/engine/diff.js";
import { STATUS_SYMBOL, auditedLabel, resourceTypeName } from "../shared.js";
import {
  causeText,
  changeText,
  checkCounts,
  checkVerdictText,
  diffExitSentence,
  resourceCounts,
  subjectText,
  verdictText,
  type DiffRenderOptions,
} from "./shared.js";

/** How many moved findings of one check are shown (all with --verbose). */
const FINDINGS_SHOWN = 5;

export function renderDiffText(diff: DiffReport, options: DiffRenderOptions): string {
  const lines = [
    `aml-preflight ${diff.tool.version} · diff of ${auditedLabel(diff.target)} (${diff.target.resourceGroup})`,
    `  before  ${side(diff.before)}`,
    `  after   ${side(diff.after)}`,
    "",
  ];
  if (diff.resources) {
    lines.push(`What changed: ${resourceCounts(diff)}`);
    for (const resource of diff.resources.changed) {
      lines.push(`  ~ ${resourceTypeName(resource.type)} ${resource.name}`);
      for (const change of resource.changes) lines.push(`      ${changeText(change, options.verbose)}`);
    }
    for (const resource of diff.resources.added) lines.push(`  + ${resourceTypeName(resource.type)} ${resource.name}`);
    for (const resource of diff.resources.removed)
      lines.push(`  - ${resourceTypeName(resource.type)} ${resource.name}`);
    if (options.verbose)
      for (const resource of [...diff.resources.changed, ...diff.resources.added, ...diff.resources.removed])
        lines.push(`    ${resource.id}`);
  } else if (diff.note) {
    lines.push(`Resources not compared: ${diff.note}`);
  }
  lines.push("");
  if (diff.checks.length === 0) lines.push("Verdicts: none changed.");
  else {
    lines.push(`Verdicts that changed: ${checkCounts(diff)}`);
    for (const check of diff.checks) lines.push(...checkLines(diff, check, options));
  }
  lines.push("", diffExitSentence(diff));
  return `${lines.join("\n")}\n`;
}

function side(state: DiffSide): string {
  return `${state.file} (${state.kind === "snapshot" ? "snapshot collected" : "report of"} ${state.at})`;
}

function checkLines(diff: DiffReport, check: CheckChange, options: DiffRenderOptions): string[] {
  const symbol = STATUS_SYMBOL[check.after ?? check.before ?? "skip"];
  const lines = [`  ${symbol} ${check.id}  ${checkVerdictText(check)}  (${check.movement})`];
  // The findings one change explains (one NSG rule, say) under it, the change said once.
  const groups = new Map<string, FindingChange[]>();
  for (const finding of check.findings) {
    const because = finding.because.map((cause) => causeText(diff, cause, options.verbose)).join("; ");
    groups.set(because, [...(groups.get(because) ?? []), finding]);
  }
  for (const [because, findings] of groups) {
    const indent = because ? "        " : "      ";
    if (because) lines.push(`      because ${because}:`);
    const shown = options.verbose ? findings : findings.slice(0, FINDINGS_SHOWN);
    for (const finding of shown) {
      const subject = finding.after ?? finding.before;
      if (!subject) continue;
      const mark = STATUS_SYMBOL[finding.after?.status ?? "pass"];
      lines.push(`${indent}${mark} ${subjectText(subject)}: ${verdictText(finding)}`);
    }
    const more = findings.length - shown.length;
    if (more > 0) lines.push(`${indent}and ${more} more (--verbose shows them)`);
  }
  return lines;
}

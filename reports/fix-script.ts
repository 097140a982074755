// The fix plan as a bash script (--fix-script): one block per root cause with a proven fix, in the
// order to run them, each saying what it fixes and why this fix; what has no proven fix is listed at
// the end as comments. preflight never runs it.

import type { Report } from "../src/engine/types.js";
import { visibleText } from "../src/core/visible.js";
import { auditedLabel } from "./shared.js";

/**
 * A comment line that no text from a report can end early or turn into code, with its control
 * characters written out (a script is read with cat and less). The commands quote their own words.
 */
function comment(text: string): string {
  return `# ${visibleText(text.replace(/[\r\n]+/g, " "))}`;
}

export function renderFixScript(report: Report): string {
  const { target } = report;
  const plan = report.fixPlan;
  const source = report.snapshot
    ? `the snapshot ${report.snapshot.file} (collected ${report.snapshot.collectedAt})`
    : `a live audit started ${report.startedAt}`;
  const lines = [
    "#!/usr/bin/env bash",
    comment(
      `aml-preflight ${report.tool.version}: fixes for ${auditedLabel(target)} in ${target.resourceGroup}, from ${source}.`,
    ),
    comment(
      "Each fix was applied to a copy of the audited state and the checks were run again; read it before you run it.",
    ),
    "set -euo pipefail",
  ];
  const causes = new Map(report.rootCauses.map((cause) => [cause.key, cause]));
  (plan?.steps ?? []).forEach((step, index) => {
    const cause = causes.get(step.rootCause);
    lines.push("", comment(`${index + 1}. ${cause?.summary ?? step.rootCause}`));
    if (cause)
      lines.push(
        comment(
          `   fixes ${cause.checks.join(", ")}: ${cause.breaks.slice(0, 6).join(", ")}${cause.breaks.length > 6 ? ` and ${cause.breaks.length - 6} more` : ""}`,
        ),
      );
    lines.push(comment(`   ${step.why}`), ...step.commands);
  });
  if (!plan || plan.steps.length === 0)
    lines.push("", comment("Nothing to fix that preflight can prove a command for."));
  if (plan && plan.unfixed.length > 0) {
    lines.push("", comment("Not fixed here (no command preflight could prove):"));
    for (const unfixed of plan.unfixed) {
      const cause = causes.get(unfixed.rootCause);
      lines.push(comment(`- ${cause?.summary ?? unfixed.rootCause}`));
      if (unfixed.advice) lines.push(comment(`  ${unfixed.advice}`));
    }
  }
  if (plan && plan.remaining.length > 0)
    lines.push(
      "",
      comment(
        `Still failing after these fixes: ${plan.remaining.map((entry) => `${entry.check} (${entry.status})`).join(", ")}`,
      ),
    );
  return `${lines.join("\n")}\n`;
}

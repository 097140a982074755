// JUnit XML of a fleet for CI test tabs: one <testsuite> per workspace, named "workspace (resource
// group)", and one <testcase> per check (classname = check id, name = the workspace), so a pipeline
// lists which workspaces each check failed in. One case per check, not per finding, keeps a thousand
// workspaces readable; the findings' messages, resources, evidence and fixes are in the case's text.
// fail → <failure>, unknown → <error>, skip → <skipped>; warn passes with its text in <system-out>.

import { isProblem } from "../../src/core/status.js";
import junitModule, { type Builder } from "junit-report-builder";
import { workspaceStatus, type FleetReport } from "../../src/engine/fleet.js";
import type { CheckResult, ReportFinding } from "../../src/engine/types.js";
import {
  DEFAULT_RENDER_OPTIONS,
  docsLocation,
  evidenceEntries,
  reportExitSentence,
  type RenderOptions,
} from "../shared.js";
import { workspaceLabels } from "./text.js";
import { plural } from "../../src/core/status.js";

// The package's types declare an ES default export, but its module.exports is the builder itself.
const junit = ((junitModule as { default?: unknown }).default ?? junitModule) as Builder;

export function renderFleetJunit(fleet: FleetReport, options: RenderOptions = DEFAULT_RENDER_OPTIONS): string {
  const builder = junit
    .newBuilder()
    .name(
      `aml-preflight fleet of ${plural(fleet.summary.workspaces, "workspace")}${fleet.ticket ? ` (ticket ${fleet.ticket})` : ""}`,
    );
  const labels = workspaceLabels(fleet);
  for (const report of fleet.workspaces) {
    const target = report.target;
    const label = labels.get(target.workspaceId) ?? target.workspace;
    const suite = builder
      .testSuite()
      .name(label)
      .timestamp(report.startedAt)
      .property("workspaceId", target.workspaceId)
      .property("subscriptionId", target.subscriptionId)
      .property("resourceGroup", target.resourceGroup)
      .property("status", workspaceStatus(report))
      .property("exit", reportExitSentence(report, options.failOn))
      .property("toolVersion", fleet.tool.version);
    if (target.location) suite.property("location", target.location);
    if (fleet.ticket !== null) suite.property("ticket", fleet.ticket);
    for (const check of report.checks) {
      const testCase = suite.testCase().className(check.id).name(label);
      const messages = check.findings
        .filter((finding) => finding.status === check.status)
        .map((finding) => finding.message);
      switch (check.status) {
        case "fail":
          testCase.failure(messages.join(" | "), "fail").stacktrace(caseText(check, options));
          break;
        case "unknown":
          testCase.error(messages.join(" | "), "unknown", caseText(check, options));
          break;
        case "warn":
          testCase.standardOutput(`WARN ${check.id}: ${caseText(check, options)}`);
          break;
        case "skip":
          testCase.skipped().standardOutput(messages.join("\n"));
          break;
        case "pass":
          if (options.verbose) testCase.standardOutput(messages.join("\n"));
          break;
      }
    }
  }
  // The builder drops characters XML 1.0 cannot carry (ARM data could hold them).
  return `${builder.build()}\n`;
}

/** The body of a case that did not pass: each problem finding with its resource, evidence and fix, then the docs. */
function caseText(check: CheckResult, options: RenderOptions): string {
  const lines: string[] = [];
  for (const finding of check.findings.filter((candidate) => isProblem(candidate.status)))
    lines.push(...findingLines(finding));
  lines.push(`docs: ${docsLocation(check, options)} (${check.severity}: ${check.title})`);
  return lines.join("\n");
}

function findingLines(finding: ReportFinding): string[] {
  const lines = [`[${finding.status}] ${finding.messageId}: ${finding.message}`, `  resource: ${finding.resourceId}`];
  for (const [key, value] of evidenceEntries(finding)) lines.push(`  ${key}: ${value}`);
  if (finding.remediation) lines.push(`  fix: ${finding.remediation}`);
  return lines;
}

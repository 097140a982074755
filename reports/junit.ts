// JUnit XML for the Tests tab of Azure Pipelines (PublishTestResults@2, testResultsFormat JUnit)
// and any CI that reads Jenkins-style JUnit: one <testsuite> per check (the check id is the suite
// name and every case's classname), one <testcase> per finding named by its resource, so the
// pipeline shows which subnet or registry failed. fail → <failure>, unknown → <error>,
// skip → <skipped>; warn passes with its text in <system-out>. junit-report-builder writes the XML
// (escaping, CDATA, the tests/failures/errors/skipped counts).

import junitModule, { type Builder } from "junit-report-builder";
import type { CheckResult, Report, ReportFinding } from "../src/engine/types.js";
import {
  DEFAULT_RENDER_OPTIONS,
  docsLocation,
  evidenceEntries,
  reportExitSentence,
  type RenderOptions,
} from "./shared.js";

// The package's types declare an ES default export, but its module.exports is the builder itself.
const junit = ((junitModule as { default?: unknown }).default ?? junitModule) as Builder;

export function renderJunit(report: Report, options: RenderOptions = DEFAULT_RENDER_OPTIONS): string {
  const builder = junit
    .newBuilder()
    .name(xmlSafe(`aml-preflight ${report.target.workspace}${report.ticket ? ` (ticket ${report.ticket})` : ""}`));
  for (const check of report.checks) {
    const suite = builder
      .testSuite()
      .name(check.id)
      .timestamp(report.startedAt)
      .property("title", xmlSafe(check.title))
      .property("severity", check.severity)
      .property("status", check.status)
      .property("docs", xmlSafe(docsLocation(check, options)))
      .property("workspaceId", xmlSafe(report.target.workspaceId))
      .property("toolVersion", report.tool.version)
      .property("exit", xmlSafe(reportExitSentence(report, options.failOn)));
    if (report.ticket !== null) suite.property("ticket", xmlSafe(report.ticket));
    const names = caseNames(check);
    check.findings.forEach((finding, index) => {
      const testCase = suite
        .testCase()
        .className(check.id)
        .name(xmlSafe(names[index] as string));
      const details = xmlSafe(detailText(check, finding, options));
      const message = xmlSafe(finding.message);
      switch (finding.status) {
        case "fail":
          testCase.failure(message, finding.messageId).stacktrace(details);
          break;
        case "unknown":
          testCase.error(message, finding.messageId, details);
          break;
        case "skip":
          testCase.skipped().standardOutput(message);
          break;
        case "warn":
          testCase.standardOutput(`WARN ${finding.messageId}: ${message}\n${details}`);
          break;
        case "pass":
          testCase.standardOutput(`PASS ${finding.messageId}: ${message}`);
          break;
      }
    });
  }
  return `${builder.build()}\n`;
}

/**
 * Case names: the finding's resource ID; when one check has several findings on one resource, the
 * message id tells them apart, then a counter.
 */
function caseNames(check: CheckResult): string[] {
  const count = (values: string[], value: string) => values.filter((candidate) => candidate === value).length;
  const ids = check.findings.map((finding) => finding.resourceId);
  const withMessage = check.findings.map((finding) =>
    count(ids, finding.resourceId) > 1 ? `${finding.resourceId} [${finding.messageId}]` : finding.resourceId,
  );
  const seen = new Map<string, number>();
  return withMessage.map((name) => {
    if (count(withMessage, name) === 1) return name;
    const ordinal = (seen.get(name) ?? 0) + 1;
    seen.set(name, ordinal);
    return `${name} #${ordinal}`;
  });
}

/** The body of a <failure>/<error>: message id, resource, evidence, fix and docs, one per line. */
function detailText(check: CheckResult, finding: ReportFinding, options: RenderOptions): string {
  const lines = [`${check.id}/${finding.messageId} (${check.severity})`, `resource: ${finding.resourceId}`];
  for (const [key, value] of evidenceEntries(finding)) lines.push(`${key}: ${value}`);
  if (finding.remediation) lines.push(`fix: ${finding.remediation}`);
  lines.push(`docs: ${docsLocation(check, options)}`);
  return lines.join("\n");
}

/** XML 1.0 cannot carry most control characters, even escaped: ARM data could hold them. */
function xmlSafe(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, "\uFFFD");
}

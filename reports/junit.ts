// JUnit XML for the Tests tab of Azure Pipelines (PublishTestResults@2, testResultsFormat JUnit)
// and any CI that reads Jenkins-style JUnit: one <testsuite> per check (the check id is the suite
// name and every case's classname). A problem is one case per root cause per check it affects, so
// eleven flows one NSG rule blocks are one failure, not eleven; each passing or skipped finding is
// a case of its own. Cases are named "subject → what" ("training → MicrosoftContainerRegistry TCP
// 443"), made unique by more context where two would collide, never by a counter.
// fail → <failure>, unknown → <error>, skip → <skipped>; warn passes with its text in <system-out>.
// A waived cause is <skipped>, the waiver's terms first in its <system-out> (the builder writes no
// message on <skipped>).
// junit-report-builder writes the XML (escaping, CDATA, the tests/failures/errors/skipped counts).

import junitModule, { type Builder } from "junit-report-builder";
import type { RootCause } from "../src/engine/root-causes.js";
import type { CheckResult, Report, ReportFinding } from "../src/engine/types.js";
import { isProblem, worstStatus, type Status } from "../src/core/status.js";
import {
  DEFAULT_RENDER_OPTIONS,
  auditedLabel,
  causeRemedy,
  docsLocation,
  evidenceEntries,
  findingTarget,
  listSome,
  messageWords,
  reportExitSentence,
  resourceName,
  waiverTerms,
  type RenderOptions,
} from "./shared.js";

// The package's types declare an ES default export, but its module.exports is the builder itself.
const junit = ((junitModule as { default?: unknown }).default ?? junitModule) as Builder;

/** How many things a case name lists before "and N more". */
const NAMED_IN_CASE = 3;

/** One test case: a root cause's findings in one check, or one passing or skipped finding. */
interface CaseSpec {
  status: Status;
  cause?: RootCause;
  /** A cause whose findings here are all waived (report.waivers.causes): skipped, with the waiver's terms. */
  waived?: boolean;
  findings: Array<{ index: number; finding: ReportFinding }>;
}

export function renderJunit(report: Report, options: RenderOptions = DEFAULT_RENDER_OPTIONS): string {
  // A project is named with its hub, whose storage, network and computes were judged.
  const audited = report.target.hub ? auditedLabel(report.target) : report.target.workspace;
  const builder = junit
    .newBuilder()
    .name(xmlSafe(`aml-preflight ${audited}${report.ticket ? ` (ticket ${report.ticket})` : ""}`));
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
    if (report.target.hub) suite.property("hubId", xmlSafe(report.target.hub.id));
    const specs = caseSpecs(report, check);
    const names = caseNames(specs);
    specs.forEach((spec, at) => {
      const testCase = suite
        .testCase()
        .className(check.id)
        .name(xmlSafe(names[at] as string));
      const first = spec.findings[0]?.finding;
      if (!spec.cause) {
        const message = xmlSafe(first?.message ?? "");
        if (spec.status === "skip") testCase.skipped().standardOutput(message);
        else testCase.standardOutput(`PASS ${first?.messageId ?? ""}: ${message}`);
        return;
      }
      const summary = xmlSafe(spec.cause.summary);
      const details = xmlSafe(causeText(report, check, spec, options));
      if (spec.waived) {
        const terms = [
          ...new Set(spec.findings.flatMap(({ finding }) => (finding.waived ? [waiverTerms(finding.waived)] : []))),
        ];
        testCase.skipped().standardOutput(xmlSafe(`WAIVED ${terms.join("; ")}\n${summary}\n${details}`));
        return;
      }
      switch (spec.status) {
        case "fail":
          testCase.failure(summary, spec.cause.kind).stacktrace(details);
          break;
        case "unknown":
          testCase.error(summary, spec.cause.kind, details);
          break;
        default:
          testCase.standardOutput(`${spec.status.toUpperCase()} ${summary}\n${details}`);
      }
    });
  }
  return `${builder.build()}\n`;
}

/** The check's cases: its root causes, worst first, then each passing or skipped finding in order. */
function caseSpecs(report: Report, check: CheckResult): CaseSpec[] {
  const specs: CaseSpec[] = [];
  const covered = new Set<number>();
  const causes = [
    ...report.rootCauses.map((cause) => ({ cause, waived: false })),
    ...(report.waivers?.causes ?? []).map((cause) => ({ cause, waived: true })),
  ];
  for (const { cause, waived } of causes) {
    const findings = cause.findings.flatMap(({ check: id, index }) => {
      const finding = id === check.id ? check.findings[index] : undefined;
      return finding ? [{ index, finding }] : [];
    });
    if (findings.length === 0) continue;
    for (const { index } of findings) covered.add(index);
    const status = worstStatus(findings.map(({ finding }) => finding.status)) ?? cause.status;
    specs.push({ status, cause, findings, ...(waived ? { waived } : {}) });
  }
  check.findings.forEach((finding, index) => {
    // A problem no root cause holds (a report from before root causes) is a case of its own.
    if (covered.has(index)) return;
    specs.push({ status: finding.status, findings: [{ index, finding }] });
  });
  return specs;
}

/**
 * Case names, "subject → what". Where two would collide, those two name more: the message ids, then
 * the resource types, then the full resource IDs, and at last the findings' places in the check.
 */
function caseNames(specs: readonly CaseSpec[]): string[] {
  const levels = specs.map(() => 0);
  const LAST = 4;
  for (;;) {
    const names = specs.map((spec, at) => caseName(spec, levels[at] ?? 0));
    const counts = new Map<string, number>();
    for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
    let raised = false;
    names.forEach((name, at) => {
      if ((counts.get(name) ?? 0) > 1 && (levels[at] ?? 0) < LAST) {
        levels[at] = (levels[at] ?? 0) + 1;
        raised = true;
      }
    });
    if (!raised) return names;
  }
}

function caseName(spec: CaseSpec, level: number): string {
  const unique = (values: string[]) => [...new Set(values)];
  const findings = spec.findings.map(({ finding }) => finding);
  const subjects = unique(
    findings.map((finding) => {
      if (level >= 3) return finding.resourceId;
      const name = resourceName(finding.resourceId);
      return level >= 2 ? `${name} (${resourceType(finding.resourceId)})` : name;
    }),
  );
  const whats = unique(findings.map((finding) => findingTarget(finding) ?? messageWords(finding.messageId)));
  let name = `${listSome(subjects, NAMED_IN_CASE)} → ${listSome(whats, level >= 1 ? whats.length : NAMED_IN_CASE)}`;
  if (level >= 1) {
    const ids = unique(findings.map((finding) => finding.messageId));
    // Only where the message id is not already the what.
    if (ids.some((id) => !whats.includes(messageWords(id)))) name += ` [${ids.join(", ")}]`;
  }
  if (level >= 4) name += ` (finding ${spec.findings.map(({ index }) => index + 1).join(", ")} of the check)`;
  if (spec.waived) name += " (waived)";
  return name;
}

/** The resource type segment of an ARM ID ("storageAccounts", "subnets"). */
function resourceType(resourceId: string): string {
  const segments = resourceId.split("/").filter(Boolean);
  return segments.length >= 2 ? (segments[segments.length - 2] ?? "resource") : "resource";
}

/** The body of a <failure>/<error>: the cause, what it breaks, the fix, each finding with its evidence, the docs. */
function causeText(report: Report, check: CheckResult, spec: CaseSpec, options: RenderOptions): string {
  const cause = spec.cause as RootCause;
  const lines = [`${cause.summary}`, `root cause: ${cause.kind} (${cause.status}) on ${cause.resourceId}`];
  if (cause.checks.length > 1) lines.push(`also affects: ${cause.checks.filter((id) => id !== check.id).join(", ")}`);
  if (cause.breaks.length > 0) lines.push(`breaks: ${cause.breaks.join(", ")}`);
  if (cause.computes.length > 0) lines.push(`computes: ${cause.computes.join(", ")}`);
  const remedy = causeRemedy(report, cause);
  if (remedy?.kind === "fix") {
    for (const command of remedy.commands) lines.push(`fix: ${command}`);
    lines.push(`why: ${remedy.why}`);
  } else if (remedy) {
    lines.push(`to do: ${remedy.advice}`);
    if (remedy.reason) lines.push(`no proven fix: ${remedy.reason}`);
  }
  const shownAdvice = remedy?.kind === "advice" ? remedy.advice : undefined;
  for (const { finding } of spec.findings) {
    lines.push("", `[${finding.status}] ${check.id}/${finding.messageId}: ${finding.message}`);
    lines.push(`  resource: ${finding.resourceId}`);
    for (const [key, value] of evidenceEntries(finding)) lines.push(`  ${key}: ${value}`);
    if (finding.remediation && isProblem(finding.status) && finding.remediation !== shownAdvice)
      lines.push(`  remediation: ${finding.remediation}`);
  }
  lines.push("", `docs: ${docsLocation(check, options)} (${check.severity})`);
  return lines.join("\n");
}

/** XML 1.0 cannot carry most control characters, even escaped: ARM data could hold them. */
function xmlSafe(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, "\uFFFD");
}

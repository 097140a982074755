// SARIF 2.1.0 for code-scanning views (Azure DevOps' Scans tab, GitHub code scanning, SARIF
// viewers): one rule per check, one result per finding that did not pass or skip, each located
// at its ARM resource as a logical location. The `sarif` types (the spec's object model) let the
// compiler check the shape; the tests validate the output against the official 2.1.0 schema.
//
// Levels: a rule's default level comes from its severity; a `fail` finding takes it, a `warn` is
// "warning", and an `unknown` is kind "open" (SARIF's "could not determine"), whose level must be
// "none".

import type { Log, Notification, ReportingDescriptor, Result } from "sarif";
import type { CheckResult, Report, ReportFinding } from "../src/engine/types.js";
import type { Severity } from "../src/core/status.js";
import { DEFAULT_RENDER_OPTIONS, reportExitSentence, resourceName, type RenderOptions } from "./shared.js";

const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

const LEVEL_BY_SEVERITY: Record<Severity, "error" | "warning" | "note"> = {
  critical: "error",
  high: "error",
  medium: "warning",
  low: "note",
};

export function renderSarif(report: Report, options: RenderOptions = DEFAULT_RENDER_OPTIONS): string {
  const rules = report.checks.map((check) => rule(check, options));
  const results = report.checks.flatMap((check, ruleIndex) =>
    check.findings
      .filter((finding) => finding.status !== "pass" && finding.status !== "skip")
      .map((finding) => result(check, ruleIndex, finding)),
  );
  const endTime = new Date(Date.parse(report.startedAt) + report.durationMs);
  const log: Log = {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: report.tool.name,
            version: report.tool.version,
            semanticVersion: report.tool.version,
            rules,
          },
        },
        // SARIF reads "category/run": one category per workspace, one run per audit.
        automationDetails: { id: `aml-preflight/${report.target.workspace}/${report.startedAt}` },
        invocations: [
          {
            executionSuccessful: true,
            startTimeUtc: report.startedAt,
            ...(Number.isNaN(endTime.getTime()) ? {} : { endTimeUtc: endTime.toISOString() }),
            toolExecutionNotifications: report.collection.errors.map((error): Notification => ({
              level: "warning",
              descriptor: { id: "collection-error" },
              message: {
                text: `${error.operation} failed${error.statusCode ? ` with ${error.statusCode}` : ""}${error.code ? ` ${error.code}` : ""}: ${error.message}${error.permission ? ` (needs ${error.permission})` : ""}`,
              },
              locations: [location(error.resourceId)],
            })),
          },
        ],
        results,
        properties: {
          target: report.target,
          ticket: report.ticket,
          summary: report.summary,
          exit: reportExitSentence(report, options.failOn),
          requests: report.collection.requests,
        },
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

function rule(check: CheckResult, options: RenderOptions): ReportingDescriptor {
  const helpUri = options.docsUrl ?? options.installedDocsUrl;
  return {
    id: check.id,
    name: check.id.replace(/(^|-)([a-z0-9])/g, (_whole, _dash: string, letter: string) => letter.toUpperCase()),
    shortDescription: { text: check.title },
    fullDescription: { text: `${check.title}. Documentation: ${check.docs}.` },
    ...(helpUri ? { helpUri: helpUri(check) } : {}),
    help: {
      text: `See ${check.docs} (or run \`preflight checks ${check.id}\`) for what is checked, why image builds break, and how to fix it.`,
    },
    defaultConfiguration: { level: LEVEL_BY_SEVERITY[check.severity] },
    properties: { severity: check.severity, status: check.status, tags: ["azure-machine-learning", "aml-preflight"] },
  };
}

function result(check: CheckResult, ruleIndex: number, finding: ReportFinding): Result {
  const kindAndLevel: Pick<Result, "kind" | "level"> =
    finding.status === "unknown"
      ? { kind: "open", level: "none" }
      : { kind: "fail", level: finding.status === "warn" ? "warning" : LEVEL_BY_SEVERITY[check.severity] };
  return {
    ruleId: check.id,
    ruleIndex,
    ...kindAndLevel,
    message: { text: finding.remediation ? `${finding.message} Fix: ${finding.remediation}` : finding.message },
    locations: [location(finding.resourceId)],
    // Stable across runs, so a viewer can tell a new finding from one it has seen.
    partialFingerprints: {
      "amlPreflightFinding/v1": `${check.id}|${finding.messageId}|${finding.resourceId.toLowerCase()}`,
    },
    properties: {
      status: finding.status,
      messageId: finding.messageId,
      evidence: finding.evidence,
      ...(finding.remediation ? { remediation: finding.remediation } : {}),
    },
  };
}

function location(resourceId: string) {
  return {
    logicalLocations: [{ name: resourceName(resourceId), fullyQualifiedName: resourceId, kind: "resource" }],
  };
}

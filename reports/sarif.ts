// SARIF 2.1.0 for code-scanning views (Azure DevOps' Scans tab, GitHub code scanning, SARIF
// viewers): one rule per check, and one result per root cause (the problem findings that share a
// cause), located at the resource to change (the NSG, the workspace) as a logical location, with
// the resources of its findings as related locations. Its rule is the first check it affects;
// `properties.checks` names them all. The `sarif` types (the spec's object model) let the compiler
// check the shape; the tests validate the output against the official 2.1.0 schema.
//
// With --baseline, each result's `baselineState` is new (a finding of its cause is new) or unchanged,
// and each fixed finding of the baseline is one more result, `absent`.
//
// Levels: a rule's default level comes from its check's severity; a result's from its cause's status:
// `fail` is "error", `warn` is "warning", and an `unknown` is kind "open" (SARIF's "could not
// determine"), whose level must be "none".
// A root cause whose findings are all waived is a result with `suppressions` (kind "external", status
// "accepted", the waiver's reason as justification), which code-scanning views show as dismissed.

import { safeJson } from "../src/core/visible.js";
import type { Location, Log, Notification, ReportingDescriptor, Result, Suppression } from "sarif";
import { failedReadHeadline } from "../src/core/failed-read.js";
import type { FixedFinding } from "../src/engine/baseline.js";
import type { RootCause } from "../src/engine/root-causes.js";
import type { CheckResult, Report } from "../src/engine/types.js";
import type { Severity } from "../src/core/status.js";
import { idKey } from "../src/snapshot/ids.js";
import {
  DEFAULT_RENDER_OPTIONS,
  auditedLabel,
  causeFindings,
  causeIsNew,
  causeRemedy,
  findingTarget,
  messageWords,
  reportExitSentence,
  resourceName,
  type RenderOptions,
} from "./shared.js";

const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

const LEVEL_BY_SEVERITY: Record<Severity, "error" | "warning" | "note"> = {
  critical: "error",
  high: "error",
  medium: "warning",
  low: "note",
};

export function renderSarif(report: Report, options: RenderOptions = DEFAULT_RENDER_OPTIONS): string {
  const rules = report.checks.map((check) => rule(check, options));
  const ruleIndex = new Map(report.checks.map((check, index) => [check.id, index]));
  const results = [
    ...report.rootCauses.map((cause) => result(report, cause, ruleIndex)),
    // A waived cause is a result too, suppressed by its waivers (SARIF: "external", in the config file).
    ...(report.waivers?.causes ?? []).map((cause) => ({
      ...result(report, cause, ruleIndex),
      suppressions: suppressionsOf(report, cause),
    })),
    ...(report.baseline?.fixed ?? []).map((fixed) => absentResult(fixed, ruleIndex)),
  ];
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
        // SARIF reads "category/run": one category per workspace, one run per audit. A project names its hub,
        // whose settings were judged and whose name alone would not tell two hubs' projects apart.
        automationDetails: {
          id: `aml-preflight/${report.target.hub ? auditedLabel(report.target) : report.target.workspace}/${report.startedAt}`,
        },
        invocations: [
          {
            executionSuccessful: true,
            startTimeUtc: report.startedAt,
            ...(Number.isNaN(endTime.getTime()) ? {} : { endTimeUtc: endTime.toISOString() }),
            toolExecutionNotifications: report.collection.errors.map((error): Notification => ({
              level: "warning",
              descriptor: { id: "collection-error" },
              message: {
                text: `${failedReadHeadline(error)}: ${error.message}`,
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
          ...(report.waivers ? { waived: report.waivers.waived } : {}),
          exit: reportExitSentence(report, options.failOn),
          requests: report.collection.requests,
          ...(report.baseline
            ? {
                baseline: {
                  file: report.baseline.file,
                  startedAt: report.baseline.startedAt,
                  new: report.baseline.new,
                  unchanged: report.baseline.unchanged,
                  fixed: report.baseline.fixed.length,
                },
              }
            : {}),
        },
      },
    ],
  };
  // JSON as the JSON report writes it: what a terminal could act on stays escaped.
  return safeJson(log);
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

function result(report: Report, cause: RootCause, ruleIndex: Map<string, number>): Result {
  const ruleId = cause.checks[0] ?? "";
  const kindAndLevel: Pick<Result, "kind" | "level"> =
    cause.status === "unknown"
      ? { kind: "open", level: "none" }
      : { kind: "fail", level: cause.status === "fail" ? "error" : "warning" };
  const findings = causeFindings(report, cause);
  const remedy = causeRemedy(report, cause);
  const sentence = (text: string) => (/[.!?]$/.test(text) ? text : `${text}.`);
  const message = [
    sentence(cause.summary),
    cause.breaks.length > 0 ? sentence(`Breaks ${cause.breaks.join(", ")}`) : "",
    remedy?.kind === "fix" ? sentence(`Fix: ${remedy.commands.join(" && ")} (${remedy.why})`) : "",
    remedy?.kind === "advice" ? sentence(`To do: ${remedy.advice}`) : "",
  ].filter(Boolean);
  // The distinct resources of its findings, each with what its findings there are about.
  const related = new Map<string, { resourceId: string; about: string[] }>();
  for (const { finding } of findings) {
    const entry = related.get(idKey(finding.resourceId)) ?? { resourceId: finding.resourceId, about: [] };
    const about = findingTarget(finding) ?? messageWords(finding.messageId);
    if (!entry.about.includes(about)) entry.about.push(about);
    related.set(idKey(finding.resourceId), entry);
  }
  return {
    ruleId,
    ...(ruleIndex.has(ruleId) ? { ruleIndex: ruleIndex.get(ruleId) } : {}),
    ...kindAndLevel,
    // With --baseline: SARIF's own word for whether a viewer has seen it before.
    ...(report.baseline ? { baselineState: causeIsNew(report, cause) ? "new" : "unchanged" } : {}),
    message: { text: message.join(" ") },
    locations: [location(cause.resourceId)],
    relatedLocations: [...related.values()].map(({ resourceId, about }, id): Location => ({
      id,
      ...location(resourceId),
      message: { text: `${resourceName(resourceId)}: ${about.join(", ")}` },
    })),
    // Stable across runs, so a viewer can tell a new problem from one it has seen.
    partialFingerprints: { "amlPreflightRootCause/v1": cause.key },
    properties: {
      status: cause.status,
      rootCause: cause.key,
      kind: cause.kind,
      checks: cause.checks,
      breaks: cause.breaks,
      computes: cause.computes,
      ...(remedy?.kind === "fix" ? { fix: { commands: remedy.commands, why: remedy.why } } : {}),
      ...(remedy?.kind === "advice"
        ? { advice: remedy.advice, ...(remedy.reason ? { unfixed: remedy.reason } : {}) }
        : {}),
      findings: findings.map(({ check, finding }) => ({
        check: check.id,
        status: finding.status,
        messageId: finding.messageId,
        resourceId: finding.resourceId,
        message: finding.message,
        evidence: finding.evidence,
        ...(finding.fingerprint ? { fingerprint: finding.fingerprint } : {}),
        ...(finding.baseline ? { baseline: finding.baseline } : {}),
      })),
    },
  };
}

/** A problem of the baseline that is gone: SARIF's `absent`, a pass, located at its resource. */
function absentResult(fixed: FixedFinding, ruleIndex: Map<string, number>): Result {
  return {
    ruleId: fixed.check,
    ...(ruleIndex.has(fixed.check) ? { ruleIndex: ruleIndex.get(fixed.check) } : {}),
    kind: "pass",
    level: "none",
    baselineState: "absent",
    message: { text: `Fixed since the baseline (was ${fixed.status}): ${fixed.message}` },
    locations: [location(fixed.resourceId)],
    partialFingerprints: { "amlPreflightFinding/v1": fixed.fingerprint },
    properties: { status: "pass", was: fixed.status, messageId: fixed.messageId, fingerprint: fixed.fingerprint },
  };
}

/** One suppression per distinct waiver of the cause's findings: accepted, with the reason as justification. */
function suppressionsOf(report: Report, cause: RootCause): Suppression[] {
  const seen = new Map<string, Suppression>();
  for (const { finding } of causeFindings(report, cause)) {
    const waived = finding.waived;
    if (!waived) continue;
    seen.set(JSON.stringify(waived), {
      kind: "external",
      status: "accepted",
      justification: waived.reason,
      properties: {
        expires: waived.expires,
        ...(waived.owner ? { owner: waived.owner } : {}),
        file: report.waivers?.file ?? "",
      },
    });
  }
  return [...seen.values()];
}

function location(resourceId: string): Location {
  return {
    logicalLocations: [{ name: resourceName(resourceId), fullyQualifiedName: resourceId, kind: "resource" }],
  };
}

// SARIF 2.1.0 of a fleet: one run, the rules once (in the fleet summary's order, most failing first),
// and every fail, unknown and warn finding of every workspace as a result, located at its resource
// and tagged with its workspace in `properties.workspaceId`. The rules, results and notifications
// are the single-workspace renderer's (reports/sarif.ts), so both formats stay one shape.

import { safeJson } from "../../src/core/visible.js";
import type { Log, Notification, ReportingDescriptor, Result } from "sarif";
import { failedReadHeadline } from "../../src/core/failed-read.js";
import type { FleetCheckSummary, FleetReport } from "../../src/engine/fleet.js";
import { renderSarif } from "../sarif.js";
import { DEFAULT_RENDER_OPTIONS, resourceName, type RenderOptions } from "../shared.js";
import { fleetExitSentence } from "./text.js";

const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

export function renderFleetSarif(fleet: FleetReport, options: RenderOptions = DEFAULT_RENDER_OPTIONS): string {
  const rulesById = new Map<string, ReportingDescriptor>();
  const results: Result[] = [];
  const notifications: Notification[] = fleet.collection.errors.map((error) => ({
    level: "error",
    descriptor: { id: "fleet-collection-error" },
    message: {
      text: `${failedReadHeadline(error)}: ${error.message}`,
    },
    locations: [
      {
        logicalLocations: [
          { name: resourceName(error.resourceId), fullyQualifiedName: error.resourceId, kind: "resource" },
        ],
      },
    ],
  }));

  for (const report of fleet.workspaces) {
    const workspaceId = report.target.workspaceId;
    const run = (JSON.parse(renderSarif(report, options)) as Log).runs[0];
    for (const rule of run?.tool.driver.rules ?? []) if (!rulesById.has(rule.id)) rulesById.set(rule.id, rule);
    for (const result of run?.results ?? [])
      results.push({ ...result, properties: { ...result.properties, workspaceId } });
    for (const notification of run?.invocations?.[0]?.toolExecutionNotifications ?? []) {
      notifications.push({ ...notification, properties: { ...notification.properties, workspaceId } });
    }
  }

  // A single report's rule carries that workspace's status; the fleet's carries its counts instead.
  const summaries = new Map(fleet.summary.checks.map((check) => [check.id, check]));
  const order = [
    ...fleet.summary.checks.map((check) => check.id),
    ...[...rulesById.keys()].filter((id) => !summaries.has(id)),
  ];
  const rules = order.flatMap((id) => {
    const rule = rulesById.get(id);
    return rule ? [fleetRule(rule, summaries.get(id))] : [];
  });
  const ruleIndex = new Map(rules.map((rule, index) => [rule.id, index]));
  const endTime = new Date(Date.parse(fleet.startedAt) + fleet.durationMs);

  const log: Log = {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: { name: fleet.tool.name, version: fleet.tool.version, semanticVersion: fleet.tool.version, rules },
        },
        automationDetails: { id: `aml-preflight/fleet/${fleet.startedAt}` },
        invocations: [
          {
            executionSuccessful: true,
            startTimeUtc: fleet.startedAt,
            ...(Number.isNaN(endTime.getTime()) ? {} : { endTimeUtc: endTime.toISOString() }),
            toolExecutionNotifications: notifications,
          },
        ],
        results: results.map((result) => ({
          ...result,
          ...(result.ruleId && ruleIndex.has(result.ruleId) ? { ruleIndex: ruleIndex.get(result.ruleId) } : {}),
        })),
        properties: {
          scope: fleet.scope,
          ticket: fleet.ticket,
          summary: { workspaces: fleet.summary.workspaces, byWorstStatus: fleet.summary.byWorstStatus },
          exit: fleetExitSentence(fleet, options.failOn),
          requests: fleet.collection.requests,
          resourceGraph: fleet.collection.resourceGraph,
        },
      },
    ],
  };
  // JSON as the JSON report writes it: what a terminal could act on stays escaped.
  return safeJson(log);
}

function fleetRule(rule: ReportingDescriptor, summary: FleetCheckSummary | undefined): ReportingDescriptor {
  const { status: _workspaceStatus, ...properties } = rule.properties ?? {};
  return { ...rule, properties: { ...properties, ...(summary ? { workspaces: summary.counts } : {}) } };
}

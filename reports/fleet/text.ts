// The terminal page of `preflight fleet`: who was audited and how, workspaces by worst status, the
// checks that fail most often, one line for each of the 20 worst workspaces with a problem (the rest
// counted; passing ones only counted unless --verbose), the fleet's own reads, and the exit code
// explained on the last line. No per-finding detail: at a thousand workspaces that belongs in
// --format json or markdown, or in one workspace's run.
// Also home to what every fleet renderer shares: the exit sentence, the scope and workspace labels.

import { styleText } from "node:util";
import { failedReadHeadline } from "../../src/core/failed-read.js";
import { fleetExitCode, workspaceStatus, workspacesAtFailOn, type FleetReport } from "../../src/engine/fleet.js";
import type { FleetScope } from "../../src/snapshot/fleet.js";
import { type Report } from "../../src/engine/types.js";
import {
  STATUSES,
  countStatuses,
  exitSentence,
  isProblem,
  plural,
  reachesFailOn,
  type FailOn,
  type Status,
} from "../../src/core/status.js";
import { DEFAULT_RENDER_OPTIONS, STATUS_SYMBOL, waiverNotes, type RenderOptions } from "../shared.js";

/** How many of the most common problem checks the text summary lists. */
const TOP_CHECKS = 10;
/** Subscriptions and management groups named in the one-line scope before "and N more". */
const SCOPE_NAMES_SHOWN = 5;
/** Workspaces listed one per line, the worst first; the rest are counted (every one is in JSON and Markdown). */
const WORKSPACES_SHOWN = 20;
/** Projects listed under each hub; the rest are counted. */
const PROJECTS_SHOWN = 10;

const COLOUR: Record<Status, Parameters<typeof styleText>[0]> = {
  fail: "red",
  unknown: "magenta",
  warn: "yellow",
  pass: "green",
  skip: "gray",
};

export const VIA: Record<FleetScope["via"], string> = {
  "resource-graph": "Resource Graph (one bulk sweep, ARM for the rest)",
  arm: "ARM (every workspace read on its own)",
};

/** What was audited, one phrase per scope setting; `limit` shortens long lists of names. */
export function scopeParts(scope: FleetScope, limit = Number.POSITIVE_INFINITY): string[] {
  const names = (values: string[]) =>
    values.length > limit
      ? `${values.slice(0, limit).join(", ")} and ${values.length - limit} more`
      : values.join(", ");
  const parts: string[] = [];
  if (scope.managementGroups.length > 0)
    parts.push(
      `management ${scope.managementGroups.length === 1 ? "group" : "groups"} ${names(scope.managementGroups)}`,
    );
  if (scope.subscriptions.length > 0)
    parts.push(`${scope.subscriptions.length === 1 ? "subscription" : "subscriptions"} ${names(scope.subscriptions)}`);
  if (parts.length === 0) parts.push("every subscription the credential can see");
  if (scope.resourceGroups.length > 0)
    parts.push(
      `${scope.resourceGroups.length === 1 ? "resource group" : "resource groups"} ${names(scope.resourceGroups)}`,
    );
  if (scope.tags.length > 0)
    parts.push(
      `${scope.tags.length === 1 ? "tag" : "tags"} ${scope.tags.map((tag) => `${tag.key}=${tag.value}`).join(", ")}`,
    );
  return parts;
}

/**
 * "name (resource group)" for each workspace, by workspace ID; the subscription is added where two
 * workspaces of the fleet share a name and resource group, so suites and lines stay unique.
 */
export function workspaceLabels(fleet: FleetReport): Map<string, string> {
  const short = (report: Report) => `${report.target.workspace} (${report.target.resourceGroup})`;
  const seen = new Map<string, number>();
  for (const report of fleet.workspaces)
    seen.set(short(report).toLowerCase(), (seen.get(short(report).toLowerCase()) ?? 0) + 1);
  return new Map(
    fleet.workspaces.map((report) => {
      const unique = seen.get(short(report).toLowerCase()) === 1;
      const label = unique
        ? short(report)
        : `${report.target.workspace} (${report.target.resourceGroup}, subscription ${report.target.subscriptionId})`;
      return [report.target.workspaceId, label];
    }),
  );
}

/** The check ids of a workspace by status, for the statuses worth acting on. */
export function problemCheckIds(report: Report): Array<[Status, string[]]> {
  return STATUSES.filter(isProblem)
    .map((status): [Status, string[]] => [
      status,
      report.checks.filter((check) => check.status === status).map((check) => check.id),
    ])
    .filter(([, ids]) => ids.length > 0);
}

/** One sentence: the exit code of the fleet run and why. */
export function fleetExitSentence(fleet: FleetReport, failOn: FailOn): string {
  const counts = fleet.summary.byWorstStatus;
  const reached = workspacesAtFailOn(fleet, failOn).length;
  if (reached === 0 && fleetExitCode(fleet, failOn) === 1)
    return `exit 1: ${plural(fleet.collection.errors.length, "read")} outside any workspace failed, which counts at --fail-on ${failOn}`;
  const byStatus = STATUSES.filter((status) => reachesFailOn(status, failOn) && counts[status] > 0).map(
    (status) => `${counts[status]} ${status}`,
  );
  return exitSentence({ unit: "workspace", reached, detail: ` (${byStatus.join(", ")})`, failOn, counts });
}

export function renderFleetText(fleet: FleetReport, options: RenderOptions = DEFAULT_RENDER_OPTIONS): string {
  // The caller has already decided on colour (terminal, NO_COLOR): styleText must not second-guess it.
  const style = (format: Parameters<typeof styleText>[0], text: string) =>
    options.colour ? styleText(format, text, { validateStream: false }) : text;
  const dim = (text: string) => style("dim", text);
  const lines: string[] = [];

  const ticket = fleet.ticket ? ` · ticket ${fleet.ticket}` : "";
  lines.push(
    `${style("bold", `aml-preflight ${fleet.tool.version}`)} · fleet audit of ${plural(fleet.summary.workspaces, "workspace")}${ticket}`,
  );
  lines.push(dim(`  scope: ${scopeParts(fleet.scope, SCOPE_NAMES_SHOWN).join(" · ")}`));
  lines.push(
    dim(`  via ${VIA[fleet.scope.via]} · started ${fleet.startedAt} · ${(fleet.durationMs / 1000).toFixed(1)} s`),
  );
  lines.push("");

  const counts = fleet.summary.byWorstStatus;
  lines.push(
    `Workspaces by worst status: ${STATUSES.map((status) => style(COLOUR[status], `${counts[status]} ${status}`)).join(", ")}`,
  );
  lines.push("");

  const problemChecks = fleet.summary.checks.filter(
    (check) => check.counts.fail + check.counts.unknown + check.counts.warn > 0,
  );
  if (problemChecks.length === 0) {
    lines.push("No check failed, stayed undecided or warned in any workspace.");
  } else {
    const shown = problemChecks.slice(0, TOP_CHECKS);
    const more =
      problemChecks.length > shown.length
        ? `top ${shown.length} of ${problemChecks.length}`
        : plural(shown.length, "check");
    lines.push(`Most common problems (${more}; workspaces per status):`);
    const idWidth = Math.max("check".length, ...shown.map((check) => check.id.length));
    const columns = ["fail", "unknown", "warn"] as const;
    const widths = columns.map((status) =>
      Math.max(status.length, ...shown.map((check) => String(check.counts[status]).length)),
    );
    const row = (id: string, values: string[], title: string) =>
      `  ${id.padEnd(idWidth)}  ${values.map((value, index) => value.padStart(widths[index] ?? 0)).join("  ")}  ${title}`;
    lines.push(dim(row("check", [...columns], "title")));
    for (const check of shown)
      lines.push(
        row(
          check.id,
          columns.map((status) => String(check.counts[status])),
          dim(check.title),
        ),
      );
  }
  lines.push("");

  lines.push(...workspaceLines(fleet, options, style));
  lines.push(
    dim(
      "  every finding: --format json or --format markdown; one workspace in full: preflight --workspace <workspace ID>",
    ),
  );
  lines.push("");
  lines.push(...hubLines(fleet, style));
  if (fleet.waivers) {
    const { waived, file } = fleet.waivers;
    lines.push(
      `Waivers (${file}): ${waived > 0 ? `${plural(waived, "finding")} waived, left out of the counts` : "nothing waived"}`,
    );
    for (const note of waiverNotes(fleet.waivers)) lines.push(`${style(COLOUR.warn, "!")} ${note.text}`);
    lines.push("");
  }

  lines.push(...collectionLines(fleet, dim));
  lines.push("");
  lines.push(fleetExitSentence(fleet, options.failOn));
  return `${lines.join("\n")}\n`;
}

function workspaceLines(
  fleet: FleetReport,
  options: RenderOptions,
  style: (format: Parameters<typeof styleText>[0], text: string) => string,
): string[] {
  const listed = worstFirst(fleet.workspaces.filter((report) => options.verbose || isProblem(workspaceStatus(report))));
  const quiet =
    fleet.workspaces.length - fleet.workspaces.filter((report) => isProblem(workspaceStatus(report))).length;
  const shown = listed.slice(0, WORKSPACES_SHOWN);
  const worst = listed.length > shown.length ? `, the worst ${shown.length} shown` : "";
  const lines: string[] = [];
  if (fleet.workspaces.length === 0) lines.push("No workspace found in the scope.");
  else if (options.verbose) lines.push(`Workspaces (${fleet.workspaces.length}${worst}):`);
  else if (listed.length === 0)
    lines.push(`No workspace has a problem (${plural(quiet, "workspace")} passing or skipped).`);
  else
    lines.push(
      `Workspaces with problems (${listed.length} of ${fleet.workspaces.length}${worst}${quiet > 0 ? `; ${quiet} passing or skipped not listed, --verbose lists them` : ""}):`,
    );
  if (shown.length === 0) return lines;

  // Columns stay aligned up to a sensible width; a longer name pushes only its own line.
  const width = (values: string[]) => Math.min(40, Math.max(...values.map((value) => value.length)));
  const nameWidth = width(shown.map((report) => report.target.workspace));
  const groupWidth = width(shown.map((report) => report.target.resourceGroup));
  for (const report of shown) {
    const status = workspaceStatus(report);
    const groups = problemCheckIds(report);
    // A workspace whose worst is warn shows its warnings; otherwise what failed or stayed undecided.
    const named = groups.filter(([groupStatus]) => groupStatus !== "warn" || status === "warn" || options.verbose);
    const ids = named.map(([groupStatus, checkIds]) => `${groupStatus}: ${checkIds.join(", ")}`).join(" · ");
    const failedReads =
      report.collection.errors.length > 0
        ? style("dim", ` (${plural(report.collection.errors.length, "read")} failed)`)
        : "";
    const target = report.target;
    lines.push(
      `${style(COLOUR[status], `${STATUS_SYMBOL[status]} ${status.padEnd(7)}`)} ${target.workspace.padEnd(nameWidth)}  ${target.resourceGroup.padEnd(groupWidth)}  ${style("dim", target.subscriptionId)}  ${ids}${failedReads}`.trimEnd(),
    );
  }
  const more = listed.length - shown.length;
  if (more > 0) lines.push(`… and ${plural(more, "more workspace", "more workspaces")}: see --format json or markdown`);
  return lines;
}

/**
 * Each Foundry hub with its projects under it (a project is judged on its hub's dependencies, network
 * and computes), then a blank line; nothing when no workspace is a project.
 */
function hubLines(
  fleet: FleetReport,
  style: (format: Parameters<typeof styleText>[0], text: string) => string,
): string[] {
  const hubs = fleet.hubs ?? [];
  if (hubs.length === 0) return [];
  const reports = new Map(fleet.workspaces.map((report) => [report.target.workspaceId.toLowerCase(), report]));
  const label = (status: Status) => style(COLOUR[status], `${STATUS_SYMBOL[status]} ${status.padEnd(7)}`);
  const projects = hubs.reduce((sum, hub) => sum + hub.projects.length, 0);
  const lines = [`Foundry hubs and their projects (${plural(hubs.length, "hub")}, ${plural(projects, "project")}):`];
  for (const hub of hubs) {
    const where = `${hub.name} (${hub.resourceGroup})`;
    lines.push(
      hub.status ? `  ${label(hub.status)} ${where}` : `  ${where} ${style("dim", "not in the fleet's scope")}`,
    );
    for (const id of hub.projects.slice(0, PROJECTS_SHOWN)) {
      const report = reports.get(id.toLowerCase());
      if (!report) continue;
      const ids = problemCheckIds(report)
        .map(([status, checkIds]) => `${status}: ${checkIds.join(", ")}`)
        .join(" · ");
      const status = workspaceStatus(report);
      lines.push(
        `      ${label(status)} ${report.target.workspace} (${report.target.resourceGroup})  ${ids}`.trimEnd(),
      );
    }
    const more = hub.projects.length - PROJECTS_SHOWN;
    if (more > 0) lines.push(`      … and ${plural(more, "more project")}`);
  }
  lines.push("");
  return lines;
}

/**
 * Worst first: by worst status, then by most failing checks (then undecided, then warning ones); the
 * fleet's own order (by workspace ID) breaks ties.
 */
function worstFirst(reports: readonly Report[]): Report[] {
  const keys = new Map(
    reports.map((report) => {
      const counts = countStatuses(report.checks.map((check) => check.status));
      return [report, [STATUSES.indexOf(workspaceStatus(report)), -counts.fail, -counts.unknown, -counts.warn]];
    }),
  );
  return [...reports].sort((a, b) => {
    const [left, right] = [keys.get(a) ?? [], keys.get(b) ?? []];
    for (let index = 0; index < left.length; index += 1) {
      const difference = (left[index] ?? 0) - (right[index] ?? 0);
      if (difference !== 0) return difference;
    }
    return 0;
  });
}

const thousands = (count: number) => count.toLocaleString("en-US");

/**
 * ARM's buckets as the run met them and what the key comparisons took, one line each, with the comparisons
 * not made indented under it; nothing for a fleet snapshot written before they were recorded.
 */
export function bucketLines(fleet: FleetReport): string[] {
  const { throttling, keyComparisons } = fleet.collection;
  const lines: string[] = [];
  if (throttling) {
    const total = (field: "reads" | "writes" | "throttled") =>
      throttling.subscriptions.reduce((sum, entry) => sum + entry[field], 0);
    const slowest = [...throttling.subscriptions].sort((a, b) => b.floorSeconds - a.floorSeconds)[0];
    const floor =
      throttling.floorSeconds > 0 && slowest
        ? `; the buckets' floor ${throttling.floorSeconds.toFixed(1)} s (subscription ${slowest.subscriptionId})`
        : "; within the buckets' first fill (floor 0 s)";
    lines.push(
      `ARM buckets: ${thousands(total("reads"))} reads and ${thousands(total("writes"))} writes over ${plural(throttling.subscriptions.length, "subscription")}, ${thousands(total("throttled"))} answered 429${floor}`,
    );
  }
  if (keyComparisons) {
    const made = Object.entries(keyComparisons.requests)
      .filter(([, count]) => count > 0)
      .map(([operation, count]) => `${thousands(count)} ${operation}`);
    lines.push(`Key comparisons: ${made.length > 0 ? made.join(", ") : "no key read"}`);
    for (const { kind, reason, workspaces } of keyComparisons.skipped) {
      const what = kind === "storage" ? "storage key" : "registry password";
      lines.push(`  ${what} not compared in ${plural(workspaces, "workspace")}: ${reason}`);
    }
  }
  return lines;
}

function collectionLines(fleet: FleetReport, dim: (text: string) => string): string[] {
  const { requests, resourceGraph, errors } = fleet.collection;
  const lines = [
    `Requests: Resource Graph ${requests.resourceGraph} (${plural(resourceGraph.queries, "page")}, ${plural(resourceGraph.rows, "row")}), ARM ${requests.arm} · ${(fleet.durationMs / 1000).toFixed(1)} s`,
  ];
  lines.push(...bucketLines(fleet).map((line) => (line.startsWith("  ") ? dim(line) : line)));
  const inWorkspaces = fleet.workspaces.filter((report) => report.collection.errors.length > 0);
  if (inWorkspaces.length > 0) {
    const reads = inWorkspaces.reduce((sum, report) => sum + report.collection.errors.length, 0);
    lines.push(
      dim(
        `  ${plural(reads, "read")} failed inside ${plural(inWorkspaces.length, "workspace")} (each workspace's report names them)`,
      ),
    );
  }
  if (errors.length > 0) {
    lines.push(`Reads that failed outside any workspace (${errors.length}):`);
    for (const error of errors) {
      lines.push(`  ${failedReadHeadline(error)} on ${error.resourceId}`);
      lines.push(dim(`    ${error.message}`));
    }
  }
  return lines;
}

// A fleet page for a ticket or a wiki (GitHub-flavoured Markdown): scope and result, workspaces by
// worst status, every check with its counts and documentation, a table of the workspaces with
// problems, then one collapsible <details> per such workspace holding its single-workspace page
// (reports/markdown.ts, headings moved under this page's), and the fleet's own reads.

import { markdownTable } from "markdown-table";
import { failedReadHeadline } from "../../src/core/failed-read.js";
import { workspaceStatus, type FleetReport } from "../../src/engine/fleet.js";
import { type CheckResult, type Report } from "../../src/engine/types.js";
import { STATUSES, isProblem } from "../../src/core/status.js";
import { NO_SECRETS_LINE, cell, code, prose, renderMarkdown } from "../markdown.js";
import { DEFAULT_RENDER_OPTIONS, STATUS_SYMBOL, docsLocation, waiverNotes, type RenderOptions } from "../shared.js";
import { VIA, bucketLines, fleetExitSentence, problemCheckIds, scopeParts, workspaceLabels } from "./text.js";
import { plural } from "../../src/core/status.js";

/** How a single-workspace page ends; the fleet page says it once, at its own end. */
const SINGLE_PAGE_END = `---\n\n${NO_SECRETS_LINE}\n`;
/** The single page's headings go this many levels down, under "## Workspace details". */
const HEADING_SHIFT = 2;

export function renderFleetMarkdown(fleet: FleetReport, options: RenderOptions = DEFAULT_RENDER_OPTIONS): string {
  const out: string[] = [];
  const { requests, resourceGraph } = fleet.collection;
  out.push(`# aml-preflight: fleet of ${plural(fleet.summary.workspaces, "workspace")}`, "");
  const [where, ...filters] = scopeParts(fleet.scope);
  out.push(
    markdownTable([
      ["Field", "Value"],
      ["Scope", cell(prose(where ?? ""))],
      ["Filters", filters.length > 0 ? cell(prose(filters.join("; "))) : "none"],
      ["Read through", cell(VIA[fleet.scope.via])],
      ["Ticket", fleet.ticket ? cell(code(fleet.ticket)) : "none"],
      ["Audited at", `${fleet.startedAt} (${(fleet.durationMs / 1000).toFixed(1)} s)`],
      ["Tool", `aml-preflight ${fleet.tool.version}`],
      [
        "Requests",
        `Resource Graph ${requests.resourceGraph} (${plural(resourceGraph.queries, "page")}, ${plural(resourceGraph.rows, "row")}), ARM ${requests.arm}`,
      ],
      ...bucketLines(fleet)
        .filter((line) => !line.startsWith("  "))
        .map((line) => {
          const [label = "", ...rest] = line.split(": ");
          return [label, cell(prose(rest.join(": ")))];
        }),
      ["Result", cell(fleetExitSentence(fleet, options.failOn))],
      ...(fleet.waivers ? [["Waivers", cell(waiversCell(fleet.waivers))]] : []),
    ]),
    "",
  );

  out.push("## Workspaces by worst status", "");
  out.push(
    markdownTable(
      [
        ["Status", "Workspaces"],
        ...STATUSES.map((status) => [
          `${STATUS_SYMBOL[status]} ${status}`,
          String(fleet.summary.byWorstStatus[status]),
        ]),
      ],
      { align: ["l", "r"] },
    ),
    "",
  );

  out.push("## Checks", "");
  const examples = checkExamples(fleet);
  out.push(
    markdownTable(
      [
        ["Check", "Severity", ...STATUSES.map((status) => status), "Title"],
        ...fleet.summary.checks.map((check) => {
          const example = examples.get(check.id);
          return [
            example ? docsLink(example, options) : cell(code(check.id)),
            check.severity,
            ...STATUSES.map((status) => String(check.counts[status])),
            prose(check.title),
          ];
        }),
      ],
      { align: ["l", "l", ...STATUSES.map(() => "r" as const), "l"] },
    ),
    "",
  );

  const labels = workspaceLabels(fleet);
  const listed = fleet.workspaces.filter((report) => options.verbose || isProblem(workspaceStatus(report)));
  const quiet = fleet.workspaces.filter((report) => !isProblem(workspaceStatus(report))).length;
  out.push(options.verbose ? "## Workspaces" : "## Workspaces with problems", "");
  if (fleet.workspaces.length === 0) {
    out.push("No workspace found in the scope.", "");
  } else if (listed.length === 0) {
    out.push(`None: ${plural(quiet, "workspace")} passed or skipped every check.`, "");
  } else {
    out.push(
      markdownTable([
        ["Status", "Workspace", "Resource group", "Subscription", "Checks with problems"],
        ...listed.map((report) => [
          `**${workspaceStatus(report)}**`,
          cell(code(report.target.workspace)),
          cell(code(report.target.resourceGroup)),
          cell(code(report.target.subscriptionId)),
          cell(
            problemCheckIds(report)
              .map(([status, ids]) => `${status}: ${ids.join(", ")}`)
              .join("; "),
          ),
        ]),
      ]),
      "",
    );
    if (!options.verbose && quiet > 0)
      out.push(
        `${plural(quiet, "workspace")} passed or skipped every check and ${quiet === 1 ? "is" : "are"} not listed.`,
        "",
      );
  }

  out.push(...hubSection(fleet));

  const detailed = fleet.workspaces.filter((report) => isProblem(workspaceStatus(report)));
  if (detailed.length > 0) {
    out.push("## Workspace details", "");
    for (const report of detailed)
      out.push(...workspaceDetails(report, labels.get(report.target.workspaceId) ?? report.target.workspace, options));
  }

  out.push("## Reads that failed outside any workspace", "");
  if (fleet.collection.errors.length === 0) out.push("None.", "");
  for (const error of fleet.collection.errors) {
    const headline = failedReadHeadline({
      ...error,
      ...(error.permission ? { permission: code(error.permission) } : {}),
    });
    out.push(`- ${cell(headline)} on ${code(error.resourceId)}: ${prose(error.message)}`);
  }
  if (fleet.collection.errors.length > 0) out.push("");
  out.push("---", "", NO_SECRETS_LINE, "");
  return out.join("\n");
}

/** Each Foundry hub with its projects listed under it; nothing when no workspace is a project. */
function hubSection(fleet: FleetReport): string[] {
  const hubs = fleet.hubs ?? [];
  if (hubs.length === 0) return [];
  const reports = new Map(fleet.workspaces.map((report) => [report.target.workspaceId.toLowerCase(), report]));
  const out = [
    "## Foundry hubs and their projects",
    "",
    "A project is judged on its hub's storage, key vault, registry, image-build compute, managed network, private endpoints and computes.",
    "",
  ];
  for (const hub of hubs) {
    const status = hub.status ? `**${STATUS_SYMBOL[hub.status]} ${hub.status}**` : "not in the fleet's scope";
    out.push(
      `- hub ${code(hub.name)} (${code(hub.resourceGroup)}, subscription ${code(hub.subscriptionId)}): ${status}`,
    );
    for (const id of hub.projects) {
      const report = reports.get(id.toLowerCase());
      if (!report) continue;
      const status = workspaceStatus(report);
      const problems = problemCheckIds(report)
        .map(([group, ids]) => `${group}: ${ids.join(", ")}`)
        .join("; ");
      out.push(
        `  - project ${code(report.target.workspace)} (${code(report.target.resourceGroup)}): **${STATUS_SYMBOL[status]} ${status}**${problems ? ` (${cell(problems)})` : ""}`,
      );
    }
  }
  out.push("");
  return out;
}

/** A collapsible section: the summary line names the workspace, the body is its own page. */
function workspaceDetails(report: Report, label: string, options: RenderOptions): string[] {
  const status = workspaceStatus(report);
  const counts = STATUSES.filter((candidate) => isProblem(candidate) && report.summary[candidate] > 0).map(
    (candidate) => `${report.summary[candidate]} ${candidate}`,
  );
  let page = renderMarkdown(report, options);
  if (page.endsWith(SINGLE_PAGE_END)) page = page.slice(0, -SINGLE_PAGE_END.length);
  // Fenced blocks in the single page are indented, so a line starting with # is always a heading.
  const shifted = page.replace(
    /^(#{1,6}) /gm,
    (_whole, hashes: string) => `${"#".repeat(Math.min(6, hashes.length + HEADING_SHIFT))} `,
  );
  return [
    "<details>",
    `<summary>${STATUS_SYMBOL[status]} <b>${status}</b> · ${html(label)} · ${html(counts.join(", "))}</summary>`,
    "",
    shifted.trimEnd(),
    "",
    "</details>",
    "",
  ];
}

/** One result of each check id, for its docs location (the fleet summary carries id and title only). */
function checkExamples(fleet: FleetReport): Map<string, CheckResult> {
  const examples = new Map<string, CheckResult>();
  for (const report of fleet.workspaces)
    for (const check of report.checks) if (!examples.has(check.id)) examples.set(check.id, check);
  return examples;
}

function docsLink(check: CheckResult, options: RenderOptions): string {
  // An angle-bracket destination may hold spaces and parentheses; only < > and line breaks would end it.
  const destination = docsLocation(check, options).replace(/[<>\s]/g, encodeURIComponent);
  return cell(`[${code(check.id)}](<${destination}>)`);
}

function html(text: string): string {
  return text.replace(/[&<>"]/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** "2 findings waived (`preflight.config.yaml`); waivers[1] (...) expired on ...": the fleet's waivers in one cell. */
function waiversCell(waivers: NonNullable<FleetReport["waivers"]>): string {
  const notes = waiverNotes(waivers).map((note) => `; ${prose(note.text)}`);
  return `${plural(waivers.waived, "finding")} waived (${code(waivers.file)})${notes.join("")}`;
}

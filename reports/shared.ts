// What every renderer needs: the options a run passes, the exit-code sentence, the friendly names
// of what was read, and the `az` commands inside a remediation. Pure: no I/O.

import { newFindingsAtFailOn } from "../src/engine/baseline.js";
import { checksAtFailOn } from "../src/engine/run.js";
import type { RootCause } from "../src/engine/root-causes.js";
import { type CheckResult, type Report, type ReportFinding } from "../src/engine/types.js";
import { exitSentence, plural, type FailOn, type Status } from "../src/core/status.js";
import type { SnapshotTarget } from "../src/snapshot/types.js";
import type { FindingWaiver, WaiverOutcome, WaiverState } from "../src/engine/waivers.js";

export type { FailOn };

export interface RenderOptions {
  /** ANSI colour (text only; the CLI allows it on a colour terminal without NO_COLOR). */
  colour: boolean;
  /** Show passing and skipped findings too. */
  verbose: boolean;
  /** The --fail-on level, so a report can say why the exit code is what it is. */
  failOn: FailOn;
  /** Columns the text report wraps to (COLUMNS, else the terminal's, else 100). */
  width?: number;
  /**
   * Where a check's documentation page is published (--docs-url): SARIF `helpUri`, JUnit and
   * Markdown links. Absent: reports name the page by its path in the package (`docs/checks/<id>.md`).
   */
  docsUrl?: (check: CheckResult) => string;
  /**
   * The page in this installed copy, as a file:// URL: only for SARIF, whose `helpUri` must be an
   * absolute URI, when no --docs-url is given (a local path means nothing on a ticket).
   */
  installedDocsUrl?: (check: CheckResult) => string;
}

export const DEFAULT_RENDER_OPTIONS: RenderOptions = { colour: false, verbose: false, failOn: "fail" };

export const STATUS_SYMBOL: Record<Status, string> = { fail: "✗", unknown: "?", warn: "!", pass: "✓", skip: "-" };

/** One sentence: the exit code this report gives and why. */
export function reportExitSentence(report: Report, failOn: FailOn): string {
  if (report.baseline?.failOnNew) return newFindingsSentence(report, failOn);
  const reached = checksAtFailOn(report, failOn);
  return exitSentence({
    unit: "check",
    reached: reached.length,
    detail: `: ${reached.map((check) => `${check.id} (${check.status})`).join(", ")}`,
    failOn,
    counts: report.summary,
  });
}

/** With --fail-on-new: only new findings count; the sentence says how many it let through as unchanged. */
function newFindingsSentence(report: Report, failOn: FailOn): string {
  const reached = newFindingsAtFailOn(report, failOn);
  const unchanged = report.baseline?.unchanged ?? 0;
  return exitSentence({
    unit: "new finding",
    reached: reached.length,
    detail: ` (--fail-on-new): in ${[...new Set(reached.map(({ check }) => check.id))].join(", ")}`,
    failOn,
    counts: report.summary,
    passNote: `(--fail-on-new${unchanged > 0 ? `; ${plural(unchanged, "finding")} unchanged since the baseline` : ""})`,
  });
}

/** "yesterday.json (audit of 2026-11-24T09:00:00.000Z): 1 new, 15 unchanged, 2 fixed"; undefined without a baseline. */
export function baselineSummary(report: Report): string | undefined {
  const baseline = report.baseline;
  if (!baseline) return undefined;
  const when = baseline.collectedAt ? `snapshot collected ${baseline.collectedAt}` : `audit of ${baseline.startedAt}`;
  return `${baseline.file} (${when}): ${baseline.new} new, ${baseline.unchanged} unchanged, ${baseline.fixed.length} fixed`;
}

/** With --baseline: whether any finding of a root cause is new since the baseline. */
export function causeIsNew(report: Report, cause: RootCause): boolean {
  return causeFindings(report, cause).some(({ finding }) => finding.baseline === "new");
}

/** Friendly plural names for the resource types the collector reads. */
const TYPE_NAMES: Record<string, [string, string]> = {
  "microsoft.machinelearningservices/workspaces": ["workspace", "workspaces"],
  "microsoft.storage/storageaccounts": ["storage account", "storage accounts"],
  "microsoft.containerregistry/registries": ["container registry", "container registries"],
  "microsoft.keyvault/vaults": ["key vault", "key vaults"],
  "microsoft.machinelearningservices/workspaces/computes": ["compute", "computes"],
  "microsoft.network/privateendpoints": ["private endpoint", "private endpoints"],
  "microsoft.network/virtualnetworks": ["virtual network", "virtual networks"],
  "microsoft.network/virtualnetworks/subnets": ["subnet", "subnets"],
  "microsoft.network/networksecuritygroups": ["network security group", "network security groups"],
  "microsoft.network/routetables": ["route table", "route tables"],
  "microsoft.network/privatednszones": ["private DNS zone", "private DNS zones"],
  "microsoft.network/privatednszones/virtualnetworklinks": ["zone link", "zone links"],
  "microsoft.network/privateendpoints/privatednszonegroups": ["zone group", "zone groups"],
  "microsoft.network/locations/availableprivateendpointtypes": ["endpoint type list", "endpoint type lists"],
};

/** "network security group" for Microsoft.Network/networkSecurityGroups; an unfamiliar type's last segment. */
export function resourceTypeName(type: string): string {
  return TYPE_NAMES[type.toLowerCase()]?.[0] ?? (type.split("/").pop() || "resource");
}

/** "1 workspace, 2 computes, ..." from `collection.read`, in the order above; unfamiliar types last, by their last segment. */
export function readSummary(report: Report): string {
  const order = Object.keys(TYPE_NAMES);
  const rank = (type: string) =>
    order.includes(type.toLowerCase()) ? order.indexOf(type.toLowerCase()) : order.length;
  const entries = Object.entries(report.collection.read ?? {}).sort(
    ([a], [b]) => rank(a) - rank(b) || a.localeCompare(b),
  );
  const parts = entries.map(([type, count]) => {
    const names = TYPE_NAMES[type.toLowerCase()];
    const name = names ? names[count === 1 ? 0 : 1] : (type.split("/").pop() ?? type);
    return `${count} ${name}`;
  });
  return parts.length > 0 ? parts.join(", ") : "nothing";
}

/** A quoted piece of a shell word as shellWord writes them (`'a;b'`, `\'`, `$'\x1b'`), or a double-quoted one. */
const QUOTED = String.raw`\$'(?:[^'\\]|\\.)*'|'[^']*'|"[^"]*"|\\.`;

/**
 * An `az` command in a remediation: it runs to the end of the line, a closing parenthesis, a semicolon, or a
 * full stop or comma that ends a clause (one followed by a space), outside quotes. Quoted words and a command substitution (`--assignee $(az …)`) are kept whole. A
 * backslash and a `$` are read by one alternative only (QUOTED, or a `$` that starts no quote): text from
 * a snapshot with an unclosed `$(` and many backslashes would otherwise be tried every way (exponential).
 */
const AZ_COMMAND = new RegExp(
  String.raw`(?<![\w-])az [a-z](?:${QUOTED}|\$\((?:${QUOTED}|\$(?!')|[^()'"\n\\$])*\)|\$(?![('])|[.,](?!\s)|[^();'"\n\\$.,])*`,
  "g",
);

/**
 * The `az` commands a remediation names, in order (AZ_COMMAND); trailing sentence punctuation is not
 * part of one.
 */
export function azCommands(remediation: string | undefined): string[] {
  if (!remediation) return [];
  return [...remediation.matchAll(AZ_COMMAND)]
    .map((match) => match[0].trim().replace(/[.,]+$/, ""))
    .filter((command) => command.split(/\s+/).length > 2);
}

/** The evidence entries worth printing (null and undefined dropped), values as compact JSON. */
export function evidenceEntries(finding: ReportFinding): Array<[string, string]> {
  return Object.entries(finding.evidence)
    .filter(([, value]) => value !== null && value !== undefined)
    .map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)]);
}

/** "<id>.md" for a link text; the URL when the run has a docs base. */
export function docsLocation(check: CheckResult, options: RenderOptions): string {
  return options.docsUrl ? options.docsUrl(check) : check.docs;
}

/** The last segment of an ARM ID ("training" for .../subnets/training). */
export function resourceName(resourceId: string): string {
  return resourceId.split("/").filter(Boolean).pop() ?? resourceId;
}

/**
 * What was audited, as a person names it: "workspace ws", or "project p of hub h" for a Foundry project
 * (whose hub's dependencies, network and computes the checks judged). `name` dresses each name.
 */
export function auditedLabel(target: SnapshotTarget, name: (text: string) => string = (text) => text): string {
  return target.hub
    ? `project ${name(target.workspace)} of hub ${name(target.hub.name)}`
    : `workspace ${name(target.workspace)}`;
}

/** "✗ fail": a status as its symbol and its word. */
export function statusLabel(status: Status): string {
  return `${STATUS_SYMBOL[status]} ${status}`;
}

/** One finding of a root cause: its check, its index in that check's findings, and the finding. */
export interface CauseFinding {
  check: CheckResult;
  index: number;
  finding: ReportFinding;
}

/** The findings a root cause points at, in its order (a pointer into nothing is dropped). */
export function causeFindings(report: Report, cause: RootCause): CauseFinding[] {
  return cause.findings.flatMap(({ check: id, index }) => {
    const check = report.checks.find((candidate) => candidate.id === id);
    const finding = check?.findings[index];
    return check && finding ? [{ check, index, finding }] : [];
  });
}

/**
 * What to do about a root cause: the fix plan's proven commands and why; else the advice (the plan's,
 * or the first remediation of its findings) and, when the plan has it, why nothing was proven.
 */
export type CauseRemedy =
  { kind: "fix"; commands: string[]; why: string } | { kind: "advice"; advice: string; reason?: string };

export function causeRemedy(report: Report, cause: RootCause): CauseRemedy | undefined {
  const step = report.fixPlan?.steps.find((candidate) => candidate.rootCause === cause.key);
  if (step) return { kind: "fix", commands: step.commands, why: step.why };
  const unfixed = report.fixPlan?.unfixed.find((candidate) => candidate.rootCause === cause.key);
  const advice =
    unfixed?.advice || causeFindings(report, cause).find(({ finding }) => finding.remediation)?.finding.remediation;
  if (!advice) return undefined;
  return { kind: "advice", advice, ...(unfixed ? { reason: unfixed.reason } : {}) };
}

/** Evidence that names where a finding points (after its service tag), most telling first. */
const DESTINATION_EVIDENCE = ["zone", "dependency", "vnet", "privateEndpoint", "endpoint"];

/**
 * What a finding is about beyond its resource, as a person names it: "MicrosoftContainerRegistry TCP
 * 443" for a flow, the zone, dependency or VNet for the others; undefined when only its resource says it.
 */
export function findingTarget(finding: ReportFinding): string | undefined {
  const evidence = finding.evidence;
  if (typeof evidence.tag === "string" && evidence.tag !== "") {
    const protocol =
      typeof evidence.protocol === "string" && evidence.protocol ? evidence.protocol.toUpperCase() : "TCP";
    const port = typeof evidence.port === "number" || typeof evidence.port === "string" ? ` ${evidence.port}` : "";
    // A flow to one private endpoint (required-outbound's VirtualNetwork rows): name the endpoint.
    const endpoint =
      typeof evidence.privateEndpoint === "string" && evidence.privateEndpoint !== ""
        ? ` to ${resourceName(evidence.privateEndpoint)}`
        : "";
    return `${evidence.tag} ${protocol}${port}${endpoint}`;
  }
  const own = resourceName(finding.resourceId).toLowerCase();
  for (const key of DESTINATION_EVIDENCE) {
    const value = evidence[key];
    if (typeof value !== "string" || value === "") continue;
    const name = resourceName(value);
    if (name.toLowerCase() !== own) return name;
  }
  return undefined;
}

/** A message id as words ("out-of-sync" → "out of sync"). */
export function messageWords(messageId: string): string {
  return messageId.replace(/[-_]+/g, " ");
}

/** "a, b, c and 4 more": at most `shown` items named. */
export function listSome(items: readonly string[], shown: number): string {
  const more = items.length - shown;
  return more > 0 ? `${items.slice(0, shown).join(", ")} and ${more} more` : items.join(", ");
}

/** A waiver the report draws attention to: one past its expiry, one that matches nothing, one about to expire. */
export interface WaiverNote {
  state: Exclude<WaiverState, "active">;
  text: string;
}

/** A report's or a fleet's waivers, as the notes need them (`findings`: the list, or how many). */
interface WaiversLike {
  file: string;
  entries: ReadonlyArray<
    Pick<WaiverOutcome, "index" | "check" | "resource" | "expires" | "state" | "daysLeft"> & {
      findings: number | readonly unknown[];
    }
  >;
}

/** "waivers[2] (key-sync on /subscriptions/…)": a waiver as its file has it. */
function waiverName(entry: Pick<WaiverOutcome, "index" | "check" | "resource">): string {
  return `waivers[${entry.index}] (${entry.check} on ${entry.resource})`;
}

/** One line per waiver that needs looking at, expired first, then stale, then expiring; in file order within each. */
export function waiverNotes(waivers: WaiversLike): WaiverNote[] {
  const notes = waivers.entries.flatMap((entry): WaiverNote[] => {
    const count = typeof entry.findings === "number" ? entry.findings : entry.findings.length;
    const name = waiverName(entry);
    switch (entry.state) {
      case "expired":
        return [
          {
            state: "expired",
            text:
              count > 0
                ? `${name} expired on ${entry.expires}: its ${plural(count, "finding")} count again`
                : `${name} expired on ${entry.expires} and matches no problem: remove it from ${waivers.file}`,
          },
        ];
      case "stale":
        return [{ state: "stale", text: `${name} matches no problem: it is stale; remove it from ${waivers.file}` }];
      case "expiring": {
        const when = entry.daysLeft === 0 ? "today" : entry.daysLeft === 1 ? "tomorrow" : `in ${entry.daysLeft} days`;
        return [
          {
            state: "expiring",
            text: `${name} expires ${when} (${entry.expires}): fix what it waives, or review and renew it`,
          },
        ];
      }
      case "active":
        return [];
    }
  });
  const order: Array<WaiverNote["state"]> = ["expired", "stale", "expiring"];
  return notes.sort((a, b) => order.indexOf(a.state) - order.indexOf(b.state));
}

/** "2 findings waived (preflight.config.yaml)", or undefined when nothing is. */
export function waivedSummary(report: Report): string | undefined {
  const waived = report.waivers?.waived ?? 0;
  return waived > 0 ? `${plural(waived, "finding")} waived (${report.waivers?.file ?? ""})` : undefined;
}

/** A waived finding's terms: "until 2026-09-30, owner alice@contoso.com: storage key rotation scheduled". */
export function waiverTerms(waived: FindingWaiver): string {
  return `until ${waived.expires}${waived.owner ? `, owner ${waived.owner}` : ""}: ${waived.reason}`;
}

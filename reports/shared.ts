// What every renderer needs: the options a run passes, the exit-code sentence, the friendly names
// of what was read, and the `az` commands inside a remediation. Pure: no I/O.

import { checksAtFailOn } from "../src/engine/run.js";
import { type CheckResult, type Report, type ReportFinding } from "../src/engine/types.js";
import { exitSentence, type FailOn, type Status } from "../src/core/status.js";

export type { FailOn };

export interface RenderOptions {
  /** ANSI colour (text only; the CLI allows it on a colour terminal without NO_COLOR). */
  colour: boolean;
  /** Show passing and skipped findings too. */
  verbose: boolean;
  /** The --fail-on level, so a report can say why the exit code is what it is. */
  failOn: FailOn;
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
  const reached = checksAtFailOn(report, failOn);
  return exitSentence({
    unit: "check",
    reached: reached.length,
    detail: `: ${reached.map((check) => `${check.id} (${check.status})`).join(", ")}`,
    failOn,
    counts: report.summary,
  });
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
};

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

/**
 * The `az` commands a remediation names, in order. A command runs to the end of the text, a closing
 * parenthesis or a semicolon; trailing sentence punctuation is not part of it.
 */
export function azCommands(remediation: string | undefined): string[] {
  if (!remediation) return [];
  return [...remediation.matchAll(/(?<![\w-])az [a-z][^();]*/g)]
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

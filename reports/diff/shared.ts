// What the diff's renderers share: a change, a cause and a finding as a person reads them, and the
// exit sentence. Pure: no I/O.

import type { CheckChange, DiffCause, DiffReport, FindingChange, PropertyChange } from "../../src/engine/diff.js";
import type { ReportFinding } from "../../src/engine/types.js";
import { plural } from "../../src/core/status.js";
import { idKey } from "../../src/snapshot/ids.js";
import { findingTarget, messageWords, resourceName } from "../shared.js";

export interface DiffRenderOptions {
  /** Every finding and whole values; otherwise a few findings per check and values cut short. */
  verbose: boolean;
}

/** How long a value is shown before it is cut (whole with --verbose). */
const VALUE_SHOWN = 80;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A value in a change: text as it is, anything else as compact JSON, cut short unless verbose. */
export function valueText(value: unknown, verbose: boolean): string {
  if (value === undefined) return "(none)";
  const text = typeof value === "string" ? (value === "" ? '""' : value) : JSON.stringify(value);
  return verbose || text.length <= VALUE_SHOWN ? text : `${text.slice(0, VALUE_SHOWN - 1)}…`;
}

/** "DenyInternetOut priority 4000 → 105", "security rule AllowAcr added". */
export function changeText(change: PropertyChange, verbose: boolean): string {
  if (change.before === undefined && isRecord(change.after)) return `${change.label} added`;
  if (change.after === undefined && isRecord(change.before)) return `${change.label} removed`;
  return `${change.label} ${valueText(change.before, verbose)} → ${valueText(change.after, verbose)}`;
}

/** "training-nsg: DenyInternetOut priority 4000 → 105", "pe-acr added". */
export function causeText(diff: DiffReport, cause: DiffCause, verbose: boolean): string {
  const name = resourceName(cause.resourceId);
  if (cause.change !== "changed") return `${name} ${cause.change}`;
  const resource = diff.resources?.changed.find((candidate) => idKey(candidate.id) === idKey(cause.resourceId));
  const changes = (resource?.changes ?? []).filter((change) => cause.paths.includes(change.path));
  return `${name}: ${changes.map((change) => changeText(change, verbose)).join(", ")}`;
}

/** What a finding is about: "training → MicrosoftContainerRegistry TCP 443", or its resource's name. */
export function subjectText(finding: ReportFinding): string {
  const target = findingTarget(finding);
  return `${resourceName(finding.resourceId)}${target ? ` → ${target}` : ""}`;
}

/** "pass → fail (allowed → blocked)", "new: fail (blocked)", "gone (was fail, blocked)". */
export function verdictText(change: FindingChange): string {
  const { before, after } = change;
  if (!before && after) return `new: ${after.status} (${messageWords(after.messageId)})`;
  if (before && !after) return `gone (was ${before.status}, ${messageWords(before.messageId)})`;
  if (!before || !after) return "";
  const words =
    before.messageId === after.messageId
      ? messageWords(after.messageId)
      : `${messageWords(before.messageId)} → ${messageWords(after.messageId)}`;
  return `${before.status} → ${after.status} (${words})`;
}

/** "pass → fail", "not run → fail". */
export function checkVerdictText(check: CheckChange): string {
  return `${check.before ?? "not run"} → ${check.after ?? "not run"}`;
}

/** "1 resource changed, 1 added, 0 removed". */
export function resourceCounts(diff: DiffReport): string {
  const resources = diff.resources;
  if (!resources) return "resources not compared";
  return `${plural(resources.changed.length, "resource")} changed, ${resources.added.length} added, ${resources.removed.length} removed`;
}

/** "2 checks worse, 1 better, 0 otherwise changed". */
export function checkCounts(diff: DiffReport): string {
  const count = (movement: CheckChange["movement"]) =>
    diff.checks.filter((check) => check.movement === movement).length;
  return `${plural(count("worse"), "check")} worse, ${count("better")} better, ${count("changed")} otherwise changed`;
}

/** The exit code and why: 1 when a check got worse. */
export function diffExitSentence(diff: DiffReport): string {
  if (diff.worse.length > 0) return `exit 1: ${plural(diff.worse.length, "check")} got worse: ${diff.worse.join(", ")}`;
  const better = diff.checks.filter((check) => check.movement === "better").length;
  return `exit 0: no check got worse${better > 0 ? ` (${better} better)` : ""}`;
}

/** The one-line summary for stderr when the diff went to a file. */
export function diffSummaryLine(diff: DiffReport): string {
  return `diff of ${diff.target.workspace}: ${resourceCounts(diff)}; ${checkCounts(diff)}`;
}

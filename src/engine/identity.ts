// A finding's identity across runs: what it is about (its check, its resource, the destination, zone
// or dependency that separates it from its neighbours) and what it says (its message id and its
// cause: the NSG rule that decides a flow, the route, the missing permission). A baseline matches
// yesterday's findings to today's by it, and `preflight diff` pairs two verdicts on one thing by its
// subject. Everything is compared lower-cased: ARM returns one ID in more than one casing.

import { createHash } from "node:crypto";
import { idKey } from "../snapshot/ids.js";
import type { ReportFinding } from "./types.js";

/** Evidence that says what a finding is about, beyond its resource: a flow's destination, a zone, a dependency. */
const SUBJECT_EVIDENCE = [
  "direction",
  "tag",
  "protocol",
  "port",
  "privateEndpoint",
  "endpoint",
  "zone",
  "vnet",
  "dependency",
  "compute",
  "field",
  "part",
] as const;

type Json = Record<string, unknown>;

function record(value: unknown): Json | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

/** A value as it is keyed: strings and numbers as text, anything else as JSON; lower-cased by the caller. */
function keyed(value: unknown): string {
  return typeof value === "string" || typeof value === "number" ? String(value) : JSON.stringify(value);
}

/** `check|resource|key=value...`: what the finding is about, not what it says about it. */
function subjectParts(check: string, finding: Pick<ReportFinding, "resourceId" | "evidence">): string[] {
  const evidence = finding.evidence;
  const parts = SUBJECT_EVIDENCE.flatMap((key) =>
    evidence[key] === undefined || evidence[key] === null ? [] : [`${key}=${keyed(evidence[key])}`],
  );
  return [check, idKey(finding.resourceId), ...parts];
}

/**
 * What decided the finding, as root causes key it: the NSG rule (by its NSG and name, not its priority,
 * which is what a fix changes), the route table and default route, the missing RBAC action, a diagnose
 * result's category and code. Not a failed read's HTTP status: a 429 today and a 500 tomorrow are the
 * same unread resource.
 */
function causeParts(evidence: Json): string[] {
  const parts: string[] = [];
  const rule = record(evidence.decidingRule);
  if (rule && typeof rule.name === "string") {
    const nsg = typeof evidence.networkSecurityGroup === "string" ? idKey(evidence.networkSecurityGroup) : "";
    parts.push(`rule=${nsg}/${rule.name}`);
  }
  if (typeof evidence.routeTable === "string") parts.push(`routeTable=${idKey(evidence.routeTable)}`);
  const route = record(evidence.defaultRoute);
  if (route && Array.isArray(route.names)) parts.push(`route=${route.names.map(keyed).join("+")}`);
  if (typeof evidence.missingPermission === "string") parts.push(`permission=${evidence.missingPermission}`);
  if (typeof evidence.category === "string" && typeof evidence.code === "string")
    parts.push(`diagnose=${evidence.category}/${evidence.code}`);
  return parts;
}

/** What a finding is about: two runs' findings with one subject are two verdicts on one thing. */
export function findingSubject(check: string, finding: Pick<ReportFinding, "resourceId" | "evidence">): string {
  return subjectParts(check, finding).join("|").toLowerCase();
}

/**
 * A finding's fingerprint: its check, resource, message id and cause, hashed (SHA-256, 16 hex digits)
 * so it is short and opaque like SARIF's partialFingerprints. The same on every run that finds the same
 * thing for the same reason, whatever the casing ARM gave the IDs; another message (blocked → allowed)
 * or another deciding rule is another finding.
 */
export function findingFingerprint(
  check: string,
  finding: Pick<ReportFinding, "resourceId" | "evidence"> & { messageId?: string },
): string {
  const key = [...subjectParts(check, finding), `message=${finding.messageId ?? ""}`, ...causeParts(finding.evidence)]
    .join("|")
    .toLowerCase();
  return createHash("sha256").update(key).digest("hex").slice(0, 16);
}

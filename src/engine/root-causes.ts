// Root causes: the findings that share one cause (one deciding NSG rule, one missing permission, one
// failed read, one stale key) grouped, so a report says "this rule breaks these eleven flows" once
// instead of eleven times. A step after the checks: their findings stay as they are in the report.

import { isProblem, worstStatus, type Status } from "../core/status.js";
import { idKey, nameOf } from "../snapshot/ids.js";
import type { CheckResult, ReportFinding } from "./types.js";

export interface RootCause {
  /** Stable across runs for the same cause: `nsg-rule:<nsg>/<rule>`, `permission:<action>`, ... */
  key: string;
  kind: "nsg-rule" | "route" | "permission" | "unreadable" | "stale-keys" | "finding";
  status: Status;
  /** One line, resource names rather than IDs. */
  summary: string;
  /** The resource to change (the NSG, the workspace, ...) or, for an unknown, the one that could not be read. */
  resourceId: string;
  /** The checks it makes fail, warn or unknown. */
  checks: string[];
  /** What it breaks, as a person names it: "MicrosoftContainerRegistry TCP 443", "storage account mlresearchstore". */
  breaks: string[];
  /** The computes it affects, by name. */
  computes: string[];
  /** Its findings: which check, and the finding's index in that check's list. */
  findings: Array<{ check: string; index: number }>;
}

/** What separates two findings of one check on one resource: the destination, the zone, the dependency. */
const DISCRIMINATING_EVIDENCE = [
  "tag",
  "protocol",
  "port",
  "zone",
  "vnet",
  "dependency",
  "privateEndpoint",
  "endpoint",
];

/**
 * A finding's identity across runs and across a fix: its check, resource and what separates it from
 * its neighbours, but not its message (a fixed flow goes from `blocked` to `allowed`).
 */
export function findingIdentity(check: string, finding: ReportFinding): string {
  const parts = DISCRIMINATING_EVIDENCE.flatMap((key) =>
    finding.evidence[key] === undefined ? [] : [`${key}=${JSON.stringify(finding.evidence[key])}`],
  );
  return [check, idKey(finding.resourceId), ...parts].join("|");
}

interface Cause {
  key: string;
  kind: RootCause["kind"];
  resourceId: string;
  summary: (findings: ReportFinding[]) => string;
}

type Json = Record<string, unknown>;

function record(value: unknown): Json | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The cause a finding shares with others, or its own. */
function causeOf(check: string, finding: ReportFinding): Cause {
  const evidence = finding.evidence;
  if (finding.status === "unknown") {
    const permission = text(evidence.missingPermission);
    if (permission)
      return {
        key: `permission:${permission.toLowerCase()}`,
        kind: "permission",
        resourceId: finding.resourceId,
        summary: (all) =>
          `preflight cannot decide ${all.length === 1 ? "1 finding" : `${all.length} findings`}: the identity running it lacks ${permission}`,
      };
    const operation = text(evidence.operation);
    const code = text(evidence.code) ?? (typeof evidence.statusCode === "number" ? String(evidence.statusCode) : "");
    if (operation && code)
      return {
        key: `unreadable:${operation.toLowerCase()}|${code.toLowerCase()}`,
        kind: "unreadable",
        resourceId: finding.resourceId,
        summary: () => `A read failed (${operation}: ${code}), so what depends on it cannot be decided`,
      };
  }
  const rule = record(evidence.decidingRule);
  const nsg = text(evidence.networkSecurityGroup);
  if (rule && nsg && rule.access === "Deny") {
    const name = String(rule.name);
    const priority = String(rule.priority);
    return {
      key: `nsg-rule:${idKey(nsg)}/${name.toLowerCase()}`,
      kind: "nsg-rule",
      resourceId: nsg,
      summary: () =>
        `NSG rule ${name} (priority ${priority}) on ${nameOf(nsg)} blocks ${rule.direction === "Inbound" ? "inbound" : "outbound"} traffic the computes need`,
    };
  }
  const subnet = text(evidence.subnet);
  if (check === "forced-tunneling" && subnet) {
    // The egress of a subnet is decided once for all its computes: one default route, or none at all.
    const route = record(evidence.defaultRoute);
    const routeTable = text(evidence.routeTable);
    const names = Array.isArray(route?.names) ? route.names.map(String).join(" and ") : "";
    const decided = routeTable && names ? `${routeTable}/${names}` : subnet;
    return {
      key: `route:${idKey(decided)}|${finding.messageId}`,
      kind: "route",
      resourceId: routeTable && names ? routeTable : subnet,
      summary: (all) => {
        const others = all.slice(1).flatMap((other) => text(other.evidence.compute) ?? []);
        const first = all[0]?.message ?? "";
        return others.length === 0 ? first : `${first} The same holds for ${others.map(nameOf).join(", ")}.`;
      },
    };
  }
  if (check === "key-sync" && finding.messageId === "out-of-sync") {
    // One `az ml workspace sync-keys` refreshes the storage key and the registry password alike.
    return {
      key: "stale-keys",
      kind: "stale-keys",
      resourceId: finding.resourceId,
      summary: (all) =>
        all.length === 1
          ? (all[0]?.message ?? "")
          : "The workspace's cached storage key and registry password match none of the current ones",
    };
  }
  if (finding.messageId === "project-differs-from-hub") {
    // One setting of a project that differs from its hub's, however many checks judged it.
    const field = text(evidence.field) ?? "";
    return {
      key: `project-differs:${idKey(finding.resourceId)}|${field.toLowerCase()}`,
      kind: "finding",
      resourceId: finding.resourceId,
      summary: (all) => all[0]?.message ?? "",
    };
  }
  return {
    key: `finding:${check}|${finding.messageId}|${idKey(finding.resourceId)}`,
    kind: "finding",
    resourceId: finding.resourceId,
    summary: (all) => all[0]?.message ?? "",
  };
}

/** What a finding says is broken, as a person names it (nothing more than its check, for the workspace itself). */
function brokenThing(finding: ReportFinding): string | undefined {
  const evidence = finding.evidence;
  const tag = text(evidence.tag);
  if (tag) {
    const protocol = text(evidence.protocol)?.toUpperCase() ?? "TCP";
    const port = typeof evidence.port === "number" ? String(evidence.port) : text(evidence.port);
    return `${tag} ${protocol}${port !== undefined ? ` ${port}` : ""}`;
  }
  return /\/workspaces\/[^/]+$/i.test(finding.resourceId) ? undefined : nameOf(finding.resourceId);
}

/** The computes a finding is about: its evidence's list, or the finding's own compute. */
function computesOf(finding: ReportFinding): string[] {
  const listed = finding.evidence.computes;
  if (Array.isArray(listed)) return listed.map((compute) => nameOf(String(compute)));
  return /\/computes\/[^/]+$/i.test(finding.resourceId) ? [nameOf(finding.resourceId)] : [];
}

/**
 * Every problem finding of the report's checks, grouped by cause; worst first, then most findings.
 * Waived findings are left out; with `waived`, only they are grouped (the report's Waived section).
 */
export function rootCausesOf(
  checks: readonly CheckResult[],
  { waived = false }: { waived?: boolean } = {},
): RootCause[] {
  const groups = new Map<
    string,
    { cause: Cause; members: Array<{ check: string; index: number; finding: ReportFinding }> }
  >();
  for (const check of checks) {
    check.findings.forEach((finding, index) => {
      if (!isProblem(finding.status) || (finding.waived !== undefined) !== waived) return;
      const cause = causeOf(check.id, finding);
      const group = groups.get(cause.key) ?? { cause, members: [] };
      group.members.push({ check: check.id, index, finding });
      groups.set(cause.key, group);
    });
  }
  const causes = [...groups.values()].map(({ cause, members }): RootCause => {
    const findings = members.map((member) => member.finding);
    return {
      key: cause.key,
      kind: cause.kind,
      status: worstStatus(findings.map((finding) => finding.status)) ?? "warn",
      summary: cause.summary(findings),
      resourceId: cause.resourceId,
      checks: [...new Set(members.map((member) => member.check))],
      breaks: [...new Set(findings.flatMap((finding) => brokenThing(finding) ?? []))],
      computes: [...new Set(findings.flatMap(computesOf))],
      findings: members.map(({ check, index }) => ({ check, index })),
    };
  });
  const rank: Status[] = ["fail", "unknown", "warn"];
  return causes.sort(
    (a, b) =>
      rank.indexOf(a.status) - rank.indexOf(b.status) ||
      b.findings.length - a.findings.length ||
      a.key.localeCompare(b.key),
  );
}

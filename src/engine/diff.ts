// `preflight diff A B`: two states of one workspace side by side. For two snapshots, the resources
// added, removed and changed (each change the property that moved, an NSG's rules matched by name),
// and the verdicts that changed with them, each linked to the changes its evidence names. For JSON
// reports, which carry verdicts but not what was read, the verdicts only. Pure: the CLI reads the
// files and hands in the checks.

import { PreflightError } from "../core/errors.js";
import { redactFields } from "../core/redact.js";
import { STATUSES, isProblem, type Status } from "../core/status.js";
import { idKey } from "../snapshot/ids.js";
import type { KeyComparison, RawResource, Snapshot, SnapshotTarget } from "../snapshot/types.js";
import { findingFingerprint, findingSubject } from "./identity.js";
import { buildReport } from "./run.js";
import type { Check, CheckResult, Report, ReportFinding } from "./types.js";

/** One side of a diff: the file, what it is, and when its state was read. */
export interface DiffSide {
  file: string;
  kind: "snapshot" | "report";
  /** A snapshot's collectedAt; a report's snapshot collectedAt when it was offline, else its startedAt. */
  at: string;
}

/** A property that moved. `before` absent: it was added; `after` absent: it was removed. */
export interface PropertyChange {
  /** Dotted, with array elements matched by name in brackets: `properties.securityRules[DenyInternetOut].properties.priority`. */
  path: string;
  /** As a person says it: `DenyInternetOut priority`. */
  label: string;
  before?: unknown;
  after?: unknown;
}

interface ResourceRef {
  id: string;
  type: string;
  name: string;
}

interface ResourceChange extends ResourceRef {
  changes: PropertyChange[];
}

interface ResourceDiff {
  added: ResourceRef[];
  removed: ResourceRef[];
  changed: ResourceChange[];
}

/** A change a verdict is linked to: a resource its evidence names, and the paths of it that moved. */
export interface DiffCause {
  resourceId: string;
  change: "added" | "removed" | "changed";
  /** The changes' paths (`changed` only): those of the deciding rule or subnet when the evidence names one. */
  paths: string[];
}

/** worse: nearer fail than before (or a new problem); better: the other way; changed: same level, other verdict. */
type Movement = "worse" | "better" | "changed";

/** One finding whose verdict moved: the same subject (check, resource, destination) before and after. */
export interface FindingChange {
  movement: Movement;
  resourceId: string;
  /** Absent: the finding is new in B. */
  before?: ReportFinding;
  /** Absent: the finding is gone in B. */
  after?: ReportFinding;
  because: DiffCause[];
}

export interface CheckChange {
  id: string;
  title: string;
  /** Absent when the check did not run on that side. */
  before?: Status;
  after?: Status;
  movement: Movement;
  findings: FindingChange[];
}

export interface DiffReport {
  schemaVersion: 1;
  kind: "diff";
  tool: { name: string; version: string };
  target: SnapshotTarget;
  before: DiffSide;
  after: DiffSide;
  /** Present when both sides are snapshots: what changed in what was read. */
  resources?: ResourceDiff;
  /** Why `resources` is absent. */
  note?: string;
  /** The checks whose verdict or problem findings changed, worse first. */
  checks: CheckChange[];
  /** The checks that got worse: their status, or one of their findings (exit 1 when any). */
  worse: string[];
}

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Fields that change on every write and say nothing of their own: ARM's etag and systemData. */
const IGNORED_KEYS = new Set(["etag", "systemData"]);

/** What an element of a named array is called in a label ("security rule DenyInternetOut added"). */
const ELEMENT_NOUNS: Readonly<Record<string, string>> = {
  securityRules: "security rule",
  defaultSecurityRules: "default security rule",
  subnets: "subnet",
  routes: "route",
  virtualNetworkPeerings: "peering",
  privateEndpointConnections: "private endpoint connection",
  privateLinkServiceConnections: "private link connection",
  outboundRules: "outbound rule",
};

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Two spellings of one ARM resource ID: ARM returns `resourcegroups` in one body and `resourceGroups` in the next. */
function sameResourceId(a: unknown, b: unknown): boolean {
  return typeof a === "string" && typeof b === "string" && /^\/subscriptions\//i.test(a) && idKey(a) === idKey(b);
}

/** Whether every element has a distinct (case-insensitive) string `key`. */
function keyedBy(items: readonly unknown[], key: "name" | "id"): boolean {
  const values = items.map((item) => (isRecord(item) && typeof item[key] === "string" ? item[key] : undefined));
  if (values.some((value) => value === undefined)) return false;
  return new Set(values.map((value) => (value as string).toLowerCase())).size === values.length;
}

/** What two arrays' elements are matched by: `name` when each side's are distinct, else `id`; undefined: neither. */
function elementKey(before: readonly unknown[], after: readonly unknown[]): "name" | "id" | undefined {
  if (before.length + after.length === 0) return undefined;
  return (["name", "id"] as const).find((key) => keyedBy(before, key) && keyedBy(after, key));
}

/** "properties.securityRules[DenyInternetOut].properties.priority" → "DenyInternetOut priority". */
function labelOf(segments: readonly string[]): string {
  const shown = segments.filter((segment) => segment !== "properties");
  const element = shown.findIndex((segment) => segment.startsWith("["));
  if (element > 0) {
    const name = (shown[element] ?? "").slice(1, -1);
    const rest = shown.slice(element + 1).join(".");
    return rest ? `${name} ${rest}` : `${ELEMENT_NOUNS[shown[element - 1] ?? ""] ?? shown[element - 1]} ${name}`;
  }
  return shown.join(".") || segments.join(".");
}

function change(segments: readonly string[], before: unknown, after: unknown): PropertyChange {
  return {
    path: segments.join(".").replace(/\.\[/g, "["),
    label: labelOf(segments),
    ...(before !== undefined ? { before } : {}),
    ...(after !== undefined ? { after } : {}),
  };
}

/** Every property that differs between two values, as paths; named arrays matched element by element. */
export function diffValues(before: unknown, after: unknown, segments: string[] = []): PropertyChange[] {
  if (sameJson(before, after) || sameResourceId(before, after)) return [];
  if (before === undefined || after === undefined) return [change(segments, before, after)];
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((key) => !IGNORED_KEYS.has(key));
    return keys.flatMap((key) => diffValues(before[key], after[key], [...segments, key]));
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const key = elementKey(before, after);
    if (key) {
      // keyedBy checked that each element has the key as a string.
      const keyOf = (item: unknown) => (item as Record<typeof key, string>)[key];
      const lookup = (items: unknown[]) => new Map(items.map((item) => [keyOf(item).toLowerCase(), item]));
      const was = lookup(before);
      const now = lookup(after);
      const names = [...new Set([...was.keys(), ...now.keys()])];
      return names.flatMap((lower) => {
        const spelt = keyOf(now.get(lower) ?? was.get(lower));
        // An element matched by its ID is named by the ID's last segment, as a person names it.
        const name = key === "id" ? (spelt.split("/").pop() ?? spelt) : spelt;
        return diffValues(was.get(lower), now.get(lower), [...segments, `[${name}]`]);
      });
    }
  }
  return [change(segments, before, after)];
}

function refOf(resource: RawResource): ResourceRef {
  const id = String(resource.id);
  return {
    id,
    type: typeof resource.type === "string" ? resource.type : "",
    name: typeof resource.name === "string" ? resource.name : (id.split("/").pop() ?? id),
  };
}

/**
 * The key comparisons, as changes on the resource they compared (key-sync's findings name it): which
 * key the workspace's cached one matches is not in any resource body.
 */
function keyChanges(before: Snapshot, after: Snapshot): Map<string, { id: string; changes: PropertyChange[] }> {
  const found = new Map<string, { id: string; changes: PropertyChange[] }>();
  for (const which of ["storage", "registry"] as const) {
    const was: KeyComparison | undefined = before.keys?.[which];
    const now: KeyComparison | undefined = after.keys?.[which];
    const id = now?.resourceId ?? was?.resourceId;
    if (!id) continue;
    const changes = diffValues(was, now, ["keys", which]);
    if (changes.length > 0) found.set(idKey(id), { id, changes });
  }
  return found;
}

/** Resources matched by ID (case-insensitive): added, removed, and those whose body or key comparison changed. */
function diffResources(before: Snapshot, after: Snapshot): ResourceDiff {
  const index = (snapshot: Snapshot) =>
    new Map(
      snapshot.resources
        .filter((resource) => typeof resource.id === "string")
        .map((resource) => [idKey(String(resource.id)), redactFields(resource) as RawResource]),
    );
  const was = index(before);
  const now = index(after);
  const keys = keyChanges(before, after);
  const added = [...now.entries()].filter(([key]) => !was.has(key)).map(([, resource]) => refOf(resource));
  const removed = [...was.entries()].filter(([key]) => !now.has(key)).map(([, resource]) => refOf(resource));
  const changed: ResourceChange[] = [];
  for (const [key, resource] of now) {
    const old = was.get(key);
    if (!old) continue;
    const changes = [...diffValues(old, resource), ...(keys.get(key)?.changes ?? [])];
    if (changes.length > 0) changed.push({ ...refOf(resource), changes });
  }
  // A key comparison that moved on a resource that itself did not.
  for (const [key, entry] of keys) {
    if (now.has(key) && !changed.some((resource) => idKey(resource.id) === key))
      changed.push({ ...refOf(now.get(key) as RawResource), changes: entry.changes });
  }
  const byId = (a: ResourceRef, b: ResourceRef) => idKey(a.id).localeCompare(idKey(b.id));
  return { added: added.sort(byId), removed: removed.sort(byId), changed: changed.sort(byId) };
}

/** fail 0, unknown 1, warn 2; pass and skip alike 3 (a check that stops applying did not get better). */
function rank(status: Status | undefined): number {
  return status === undefined ? 3 : Math.min(STATUSES.indexOf(status), 3);
}

function movementOf(before: Status | undefined, after: Status | undefined): Movement {
  if (rank(after) < rank(before)) return "worse";
  if (rank(after) > rank(before)) return "better";
  return "changed";
}

/** Every ARM resource ID a finding names: its resource and any in its evidence, lower-cased. */
function namedIds(finding: ReportFinding): Set<string> {
  const ids = new Set<string>([idKey(finding.resourceId)]);
  const visit = (value: unknown): void => {
    if (typeof value === "string" && /^\/subscriptions\//i.test(value)) ids.add(idKey(value));
    else if (Array.isArray(value)) value.forEach(visit);
    else if (isRecord(value)) Object.values(value).forEach(visit);
  };
  visit(finding.evidence);
  return ids;
}

/** The NSG rules that decided a finding, by NSG: the paths of those rules are its cause. */
function decidingRules(finding: ReportFinding | undefined): Array<{ nsg: string; rule: string }> {
  const rule = finding?.evidence.decidingRule;
  const nsg = finding?.evidence.networkSecurityGroup;
  if (!isRecord(rule) || typeof rule.name !== "string" || typeof nsg !== "string") return [];
  return [{ nsg: idKey(nsg), rule: rule.name.toLowerCase() }];
}

/**
 * The resource changes a finding's evidence (before or after) names: the resource itself, or a parent
 * of what it names (a subnet's VNet). Narrowed to the deciding NSG rule's changes, or the named
 * subnet's, when some of the resource's changes are about it.
 */
function causesOf(
  resources: ResourceDiff,
  judgesKeys: boolean,
  before?: ReportFinding,
  after?: ReportFinding,
): DiffCause[] {
  const named = new Set([...(before ? namedIds(before) : []), ...(after ? namedIds(after) : [])]);
  const rules = [...decidingRules(before), ...decidingRules(after)];
  const children = (id: string) => [...named].filter((name) => name.startsWith(`${id}/`));
  const causes: DiffCause[] = [];
  for (const [kind, list] of [
    ["added", resources.added],
    ["removed", resources.removed],
  ] as const) {
    for (const resource of list) {
      const id = idKey(resource.id);
      if (named.has(id) || children(id).length > 0) causes.push({ resourceId: resource.id, change: kind, paths: [] });
    }
  }
  for (const changed of resources.changed) {
    // Which key the workspace's cached one matches is judged by the checks that read keys alone.
    const resource = judgesKeys
      ? changed
      : { ...changed, changes: changed.changes.filter((one) => !one.path.startsWith("keys.")) };
    const id = idKey(resource.id);
    const inside = children(id).map((child) => child.split("/").pop() ?? "");
    if ((!named.has(id) && inside.length === 0) || resource.changes.length === 0) continue;
    const elements = [
      ...rules.filter((rule) => rule.nsg === id).map((rule) => rule.rule),
      ...inside.map((name) => name.toLowerCase()),
    ];
    const about = resource.changes.filter((one) =>
      elements.some((name) => one.path.toLowerCase().includes(`[${name}]`)),
    );
    causes.push({
      resourceId: resource.id,
      change: "changed",
      paths: (about.length > 0 ? about : resource.changes).map((one) => one.path),
    });
  }
  return causes;
}

/** A problem moved: a status, a message or a cause (another deciding rule) is not what it was. */
function findingMoved(before: ReportFinding | undefined, after: ReportFinding | undefined, check: string): boolean {
  if (!before || !after) return isProblem((before ?? after)?.status ?? "pass");
  if (!isProblem(before.status) && !isProblem(after.status)) return before.status !== after.status;
  return before.status !== after.status || findingFingerprint(check, before) !== findingFingerprint(check, after);
}

/** One check's findings paired by subject, in order; the pairs whose verdict moved. */
function findingChanges(
  check: string,
  before: CheckResult | undefined,
  after: CheckResult | undefined,
  resources: ResourceDiff | undefined,
  judgesKeys: boolean,
): FindingChange[] {
  const pool = new Map<string, ReportFinding[]>();
  for (const finding of before?.findings ?? []) {
    const subject = findingSubject(check, finding);
    pool.set(subject, [...(pool.get(subject) ?? []), finding]);
  }
  const pairs: Array<[ReportFinding | undefined, ReportFinding | undefined]> = [];
  for (const finding of after?.findings ?? []) pairs.push([pool.get(findingSubject(check, finding))?.shift(), finding]);
  for (const left of pool.values()) for (const finding of left) pairs.push([finding, undefined]);
  return pairs
    .filter(([was, now]) => findingMoved(was, now, check))
    .map(([was, now]) => ({
      movement: movementOf(was?.status, now?.status),
      resourceId: (now ?? was)?.resourceId ?? "",
      ...(was ? { before: was } : {}),
      ...(now ? { after: now } : {}),
      because: resources ? causesOf(resources, judgesKeys, was, now) : [],
    }));
}

/**
 * The checks whose status or problem findings moved, worse first, then by id. `keyChecks`: the checks
 * that read the key comparison, the only ones a change in it can explain.
 */
function diffVerdicts(
  before: Report,
  after: Report,
  resources?: ResourceDiff,
  keyChecks: ReadonlySet<string> = new Set(),
): CheckChange[] {
  const was = new Map(before.checks.map((check) => [check.id, check]));
  const now = new Map(after.checks.map((check) => [check.id, check]));
  const ids = [...new Set([...now.keys(), ...was.keys()])];
  const changes: CheckChange[] = [];
  for (const id of ids) {
    const a = was.get(id);
    const b = now.get(id);
    const findings = findingChanges(id, a, b, resources, keyChecks.has(id));
    if (a?.status === b?.status && findings.length === 0) continue;
    const status = movementOf(a?.status, b?.status);
    // A check only one side ran is listed, not judged: its findings were never compared.
    const worse = a && b && (status === "worse" || findings.some((finding) => finding.movement === "worse"));
    const better =
      status === "better" ||
      (status === "changed" && findings.length > 0 && findings.every((finding) => finding.movement === "better"));
    changes.push({
      id,
      title: (b ?? a)?.title ?? id,
      ...(a ? { before: a.status } : {}),
      ...(b ? { after: b.status } : {}),
      movement: worse ? "worse" : a && b && better ? "better" : "changed",
      findings,
    });
  }
  const order: Movement[] = ["worse", "changed", "better"];
  return changes.sort((x, y) => order.indexOf(x.movement) - order.indexOf(y.movement) || x.id.localeCompare(y.id));
}

/** What a side's report was judged on and when. */
function sideAt(side: { kind: "snapshot"; snapshot: Snapshot } | { kind: "report"; report: Report }): string {
  if (side.kind === "snapshot") return side.snapshot.collectedAt;
  return side.report.snapshot?.collectedAt ?? side.report.startedAt;
}

export type DiffInput = { file: string } & (
  { kind: "snapshot"; snapshot: Snapshot } | { kind: "report"; report: Report }
);

/**
 * The diff of two states of one workspace. Snapshots are audited by `checks` (each side judged by this
 * version, so a verdict moves only because the state did); reports are compared as they were written.
 */
export function diffStates(
  before: DiffInput,
  after: DiffInput,
  options: { checks: readonly Check[]; toolVersion: string },
): DiffReport {
  const judge = (side: DiffInput): Report =>
    side.kind === "report"
      ? side.report
      : buildReport(side.snapshot, options.checks, {
          toolVersion: options.toolVersion,
          startedAt: side.snapshot.collectedAt,
          durationMs: side.snapshot.durationMs,
          snapshotFile: side.file,
        });
  const a = judge(before);
  const b = judge(after);
  if (idKey(a.target.workspaceId) !== idKey(b.target.workspaceId))
    throw new PreflightError(
      `${before.file} is of ${a.target.workspaceId} and ${after.file} of ${b.target.workspaceId}; diff compares two states of one workspace`,
    );
  const resources =
    before.kind === "snapshot" && after.kind === "snapshot"
      ? diffResources(before.snapshot, after.snapshot)
      : undefined;
  const reports = [before, after].filter((side) => side.kind === "report").map((side) => side.file);
  const keyChecks = new Set(options.checks.filter((check) => check.requires.includes("keys")).map((check) => check.id));
  const checks = diffVerdicts(a, b, resources, keyChecks);
  return {
    schemaVersion: 1,
    kind: "diff",
    tool: { name: "aml-preflight", version: options.toolVersion },
    target: b.target,
    before: { file: before.file, kind: before.kind, at: sideAt(before) },
    after: { file: after.file, kind: after.kind, at: sideAt(after) },
    ...(resources
      ? { resources }
      : {
          note: `${reports.join(" and ")} ${reports.length === 1 ? "is a report" : "are reports"}: a report holds verdicts, not what was read, so only verdicts are compared; diff the snapshots (preflight collect --out, or audit --snapshot) to see what changed in the workspace`,
        }),
    checks,
    worse: checks.filter((check) => check.movement === "worse").map((check) => check.id),
  };
}

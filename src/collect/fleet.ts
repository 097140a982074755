// Collects every workspace of a fleet. Discovery and bulk reads come from one Resource Graph sweep
// (or, with via "arm", from each subscription's workspace list); then each workspace is collected
// by the same collector as a single audit, its reads answered from the sweep where it can and
// from ARM where it cannot, through one reader whose budget paces every subscription's reads and
// writes. Before the first workspace is read, the key reads it will take are counted (key-plan.ts):
// each is a POST from a subscription's write bucket, the slowest of ARM's.

import pLimit from "p-limit";
import { PreflightError } from "../core/errors.js";
import type { FailedRead } from "../core/failed-read.js";
import type { FleetKeyComparisons, FleetScope, FleetThrottling } from "../snapshot/fleet.js";
import { parseResourceId } from "../snapshot/ids.js";
import { hubIdOfProject } from "../snapshot/model.js";
import type {
  CollectionError,
  KeyComparison,
  PartName,
  RawResource,
  Snapshot,
  SnapshotTarget,
} from "../snapshot/types.js";
import type { ArmReader } from "./arm.js";
import { collectSnapshot } from "./collector.js";
import { credentialsRejected, WorkspaceUnreadable } from "./parts/workspace.js";
import { sweep } from "./graph.js";
import { planKeyReads, type KeyReadPlan } from "./key-plan.js";
import { ARM_BUCKETS, bucketFloorSeconds, type SubscriptionUsage } from "./request-budget.js";
import type { Redactor } from "../core/redact.js";
import { SharedReads } from "./shared-reads.js";

export interface FleetProgress {
  /** Workspaces found in scope. */
  found: number;
  /** Workspaces collected (or given up on) so far. */
  read: number;
}

export interface FleetCollectOptions {
  reader: ArmReader;
  redactor: Redactor;
  scope: FleetScope;
  parts: readonly PartName[];
  readKeys: boolean;
  toolVersion: string;
  /** Workspaces collected at once; their reads share the reader's request budget. */
  workspaceConcurrency: number;
  onProgress?: (progress: FleetProgress) => void;
  /** The key reads ahead, once the workspaces are known and before any is read (not called with readKeys false). */
  onKeyPlan?: (plan: KeyReadPlan) => void;
  /** Each workspace's snapshot as soon as it is collected, so it can be audited and let go. */
  onSnapshot: (snapshot: Snapshot) => void;
  /**
   * A workspace that could not be read at all (its GET failed): nothing to audit but the reason, and the
   * failed read when it was ARM's answer (not a refused credential).
   */
  onUnreadable: (target: SnapshotTarget, reason: string, read?: FailedRead) => void;
  /** Clock for each snapshot's collectedAt (tests pin it: key-sync judges key age by it). */
  now?: () => Date;
}

export interface FleetCollectResult {
  found: number;
  /** Resource Graph pages and rows (0 with via "arm"). */
  queries: number;
  rows: number;
  /** Failures not tied to one workspace: a dependency query, a subscription's workspace list. */
  errors: CollectionError[];
  /** Reads answered from the sweep rather than ARM. */
  servedFromSweep: number;
  /** The key reads planned before the first workspace was read (none with readKeys false). */
  keyPlan: KeyReadPlan;
  /** The key comparisons made: the POSTs, and those not made with why. */
  keyComparisons: FleetKeyComparisons;
  /** ARM's buckets as the run met them, per subscription, with the floor they impose. */
  throttling: FleetThrottling;
}

/** Each subscription's reads, writes and 429s with the floor ARM's documented buckets impose on them. */
function throttlingOf(usage: readonly SubscriptionUsage[], plan: KeyReadPlan | undefined): FleetThrottling {
  const subscriptions = usage.map((entry) => ({
    ...entry,
    floorSeconds: roundSeconds(bucketFloorSeconds(entry.reads, entry.writes)),
  }));
  const limits = { reads: { ...ARM_BUCKETS.reads }, writes: { ...ARM_BUCKETS.writes } };
  return {
    limits,
    floorSeconds: Math.max(0, ...subscriptions.map((entry) => entry.floorSeconds)),
    ...(plan && plan.posts > 0
      ? {
          estimate: {
            posts: plan.posts,
            subscriptions: Object.keys(plan.bySubscription).length,
            seconds: roundSeconds(plan.floorSeconds),
          },
        }
      : {}),
    subscriptions,
  };
}

/** Tenths of a second: what a report shows, and what stays the same from one reading to the next. */
function roundSeconds(seconds: number): number {
  return Math.round(seconds * 10) / 10;
}

/** Counts each workspace's comparisons not made (not-applicable), by kind and reason. */
class SkipTally {
  private readonly counts = new Map<string, { kind: "storage" | "registry"; reason: string; workspaces: number }>();

  add(kind: "storage" | "registry", comparison: KeyComparison | undefined): void {
    if (comparison?.outcome !== "not-applicable") return;
    const reason = comparison.reason ?? "nothing to compare";
    const key = `${kind}|${reason}`;
    const entry = this.counts.get(key);
    if (entry) entry.workspaces += 1;
    else this.counts.set(key, { kind, reason, workspaces: 1 });
  }

  /** Storage first, then the most workspaces. */
  list(): FleetKeyComparisons["skipped"] {
    const rank = (kind: string) => (kind === "storage" ? 0 : 1);
    return [...this.counts.values()].sort(
      (a, b) => rank(a.kind) - rank(b.kind) || b.workspaces - a.workspaces || a.reason.localeCompare(b.reason),
    );
  }
}

/** The workspace a listed or swept row stands for (a project's hub too, so an unreadable one is grouped under it). */
function targetOf(row: RawResource): SnapshotTarget | undefined {
  const ref = typeof row.id === "string" ? parseResourceId(row.id) : undefined;
  if (!ref || ref.type.toLowerCase() !== "microsoft.machinelearningservices/workspaces") return undefined;
  const hub = parseResourceId(hubIdOfProject(row));
  return {
    workspaceId: ref.id,
    subscriptionId: ref.subscriptionId,
    resourceGroup: ref.resourceGroup,
    workspace: ref.name,
    ...(typeof row.location === "string" ? { location: row.location } : {}),
    ...(hub && hub.segments.length === 1
      ? { hub: { id: hub.id, name: hub.name, subscriptionId: hub.subscriptionId, resourceGroup: hub.resourceGroup } }
      : {}),
  };
}

/**
 * --tag key=value as the Resource Graph query applies it (`tags['key'] =~ 'value'`), so both paths
 * pick the same workspaces: the key exactly as written, the value case-insensitively.
 */
function matchesTags(row: RawResource, tags: FleetScope["tags"]): boolean {
  const own = row.tags && typeof row.tags === "object" ? (row.tags as Record<string, unknown>) : {};
  return tags.every(({ key, value }) => typeof own[key] === "string" && own[key].toLowerCase() === value.toLowerCase());
}

/**
 * With via "arm": each named subscription's workspace list, filtered here as the sweep's query would
 * (the command line has made sure there are subscriptions to list).
 */
async function listWorkspaces(reader: ArmReader, scope: FleetScope, errors: CollectionError[]): Promise<RawResource[]> {
  const groups = new Set(scope.resourceGroups.map((group) => group.toLowerCase()));
  const lists = await Promise.all(
    scope.subscriptions.map((subscriptionId) =>
      reader.readAll(
        "workspace",
        "workspaces list",
        `/subscriptions/${subscriptionId}/providers/Microsoft.MachineLearningServices/workspaces`,
        () => reader.clientsFor(subscriptionId).ml.workspaces.listBySubscription(),
      ),
    ),
  );
  const rows: RawResource[] = [];
  for (const list of lists) {
    if (!list.ok) {
      errors.push(list.error);
      continue;
    }
    for (const row of list.items) {
      const target = targetOf(row);
      if (!target) continue;
      if (groups.size > 0 && !groups.has(target.resourceGroup.toLowerCase())) continue;
      if (!matchesTags(row, scope.tags)) continue;
      rows.push(row);
    }
  }
  if (lists.every((list) => !list.ok)) {
    const first = errors[0];
    throw new PreflightError(
      `could not list the workspaces of any subscription: ${first ? `${[first.statusCode, first.code].filter(Boolean).join(" ")} ${first.message}` : "no answer"}`.trim(),
    );
  }
  return rows;
}

/**
 * The workspaces in an order that takes turns between subscriptions. ARM's read budget is per
 * subscription: sorted by ID, the workspaces in flight would all share one subscription's 25
 * reads a second while the others' budgets sat unused.
 */
function interleaveBySubscription(targets: readonly SnapshotTarget[]): SnapshotTarget[] {
  const queues = new Map<string, SnapshotTarget[]>();
  for (const target of targets) {
    const key = target.subscriptionId.toLowerCase();
    const queue = queues.get(key);
    if (queue) queue.push(target);
    else queues.set(key, [target]);
  }
  const out: SnapshotTarget[] = [];
  const lists = [...queues.values()];
  for (let round = 0; out.length < targets.length; round++) {
    for (const list of lists) {
      const next = list[round];
      if (next) out.push(next);
    }
  }
  return out;
}

function graphFailure(error: CollectionError): PreflightError {
  if (error.statusCode === 403) {
    return new PreflightError(
      `Resource Graph refused the query (403 ${error.code ?? ""}): grant Reader on the subscriptions or management group, or use --via arm with --subscription`.replace(
        / +\)/,
        ")",
      ),
    );
  }
  if (error.statusCode === 401) return credentialsRejected(error);
  return new PreflightError(
    `the Resource Graph query for workspaces failed: ${[error.statusCode, error.code].filter(Boolean).join(" ")} ${error.message}`.trim(),
  );
}

export async function collectFleet(options: FleetCollectOptions): Promise<FleetCollectResult> {
  const { reader, scope } = options;
  const errors: CollectionError[] = [];
  let shared: SharedReads;
  let rows: RawResource[];
  let queries = 0;
  let rowCount = 0;
  if (scope.via === "resource-graph") {
    const swept = await sweep(reader, scope, options.parts);
    if ("failed" in swept) throw graphFailure(swept.failed);
    rows = swept.workspaces;
    queries = swept.queries;
    rowCount = swept.rows;
    errors.push(...swept.errors);
    shared = new SharedReads(swept.index);
  } else {
    rows = await listWorkspaces(reader, scope, errors);
    shared = new SharedReads();
  }

  const targets = interleaveBySubscription(
    rows.map(targetOf).filter((target): target is SnapshotTarget => target !== undefined),
  );
  const keyPlan = options.readKeys
    ? planKeyReads(rows, (id) => shared.peek(id))
    : { posts: 0, bySubscription: {}, floorSeconds: 0 };
  if (options.readKeys) options.onKeyPlan?.(keyPlan);
  const skipped = new SkipTally();
  const progress: FleetProgress = { found: targets.length, read: 0 };
  options.onProgress?.({ ...progress });
  const limit = pLimit(options.workspaceConcurrency);
  await Promise.all(
    targets.map((target) =>
      limit(async () => {
        try {
          const snapshot = await collectSnapshot({
            reader,
            redactor: options.redactor,
            workspace: {
              subscriptionId: target.subscriptionId,
              resourceGroup: target.resourceGroup,
              name: target.workspace,
            },
            parts: options.parts,
            readKeys: options.readKeys,
            toolVersion: options.toolVersion,
            shared,
            ...(options.now ? { now: options.now } : {}),
          });
          skipped.add("storage", snapshot.keys?.storage);
          skipped.add("registry", snapshot.keys?.registry);
          options.onSnapshot(snapshot);
        } catch (error) {
          // One unreadable workspace (deleted since the sweep, no permission) is not the fleet's failure.
          options.onUnreadable(
            target,
            options.redactor.redactMessage(error instanceof Error ? error.message : String(error)),
            ...(error instanceof WorkspaceUnreadable ? [error.read] : []),
          );
        }
        progress.read += 1;
        options.onProgress?.({ ...progress });
      }),
    ),
  );
  return {
    found: targets.length,
    queries,
    rows: rowCount,
    errors,
    servedFromSweep: shared.servedFromSweep,
    keyPlan,
    keyComparisons: { requests: { ...shared.keyRequests }, skipped: skipped.list() },
    throttling: throttlingOf(reader.budget.subscriptions(), options.readKeys ? keyPlan : undefined),
  };
}

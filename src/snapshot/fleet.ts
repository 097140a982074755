// A fleet snapshot: every workspace's snapshot from one `preflight fleet --save-snapshot` run, so
// the fleet can be audited again offline (`preflight audit --snapshot <file>`). Like a workspace
// snapshot it holds no key, password or token.

import { writeFile } from "node:fs/promises";
import { PreflightError } from "../core/errors.js";
import type { FailedRead } from "../core/failed-read.js";
import { checkSnapshot, parseSnapshot, readSnapshotText } from "./io.js";
import {
  SNAPSHOT_SCHEMA_VERSION,
  type RawResource,
  type ReportCollectionError,
  type Snapshot,
  type SnapshotTarget,
} from "./types.js";

/** How the workspaces were found and read. */
export interface FleetScope {
  /** Subscriptions named with --subscription; empty: every subscription the credential can see (or the management groups'). */
  subscriptions: string[];
  managementGroups: string[];
  /** --resource-group filters (case-insensitive). */
  resourceGroups: string[];
  /** --tag filters: every one must match. */
  tags: Array<{ key: string; value: string }>;
  /** `resource-graph`: one bulk sweep, ARM for the rest; `arm`: every workspace read on its own through ARM. */
  via: "resource-graph" | "arm";
}

/** The fleet's own reads: the sweep and the ARM calls, and what failed outside any one workspace. */
export interface FleetCollection {
  /** HTTP requests of the whole run (retries included): Resource Graph and ARM. */
  requests: { resourceGraph: number; arm: number };
  /** Resource Graph pages fetched and rows they held (0 with via `arm`). */
  resourceGraph: { queries: number; rows: number };
  /** Failures not tied to one workspace (a Resource Graph query, a subscription's workspace list). */
  errors: ReportCollectionError[];
  /** ARM's token buckets as the run met them; absent in fleet snapshots written before they were recorded. */
  throttling?: FleetThrottling;
  /** The key comparisons: the POSTs they took and the comparisons not made, with why; absent likewise. */
  keyComparisons?: FleetKeyComparisons;
}

/** A bucket's size and refill rate. */
interface BucketLimits {
  capacity: number;
  refillPerSecond: number;
}

/** One subscription's share of ARM's buckets in the run. */
interface SubscriptionThrottling {
  /** Lower-cased. */
  subscriptionId: string;
  /** GETs answered (a 429 not counted). */
  reads: number;
  /** POST actions answered from ARM's write bucket (a 429 not counted). */
  writes: number;
  /** POST actions answered with the resource-requests header: a provider's own limit, not ARM's write bucket. */
  resourceRequests: number;
  /** Answers 429 met. */
  throttled: number;
  /** The least time the buckets allow for these reads and writes: max((reads − 250) / 25, (writes − 200) / 10, 0). */
  floorSeconds: number;
}

/** ARM's per-subscription buckets (reads 250 + 25 a second, writes 200 + 10 a second) as the run met them. */
export interface FleetThrottling {
  /** The documented limits the floors are worked out with. */
  limits: { reads: BucketLimits; writes: BucketLimits };
  /** The largest subscription floor: the run could not be shorter, whatever the client did. */
  floorSeconds: number;
  /** Before the first workspace was read: the key POSTs ahead and the write bucket's floor for them. */
  estimate?: { posts: number; subscriptions: number; seconds: number };
  /** Sorted by subscription ID. */
  subscriptions: SubscriptionThrottling[];
}

/** What the key comparisons took, and which were not made. */
export interface FleetKeyComparisons {
  /** POSTs by operation (`workspace listKeys`, `storage listKeys`, `registry listCredentials`), each key once for the run. */
  requests: Record<string, number>;
  /** Comparisons not made (not-applicable), by kind and reason, with how many workspaces. */
  skipped: Array<{ kind: "storage" | "registry"; reason: string; workspaces: number }>;
}

export interface FleetSnapshot {
  schemaVersion: typeof SNAPSHOT_SCHEMA_VERSION;
  kind: "fleet";
  tool: { name: string; version: string };
  collectedAt: string;
  durationMs: number;
  scope: FleetScope;
  collection: FleetCollection;
  /** One per workspace read, sorted by workspace ID. */
  snapshots: Snapshot[];
  /** Workspaces found but not read, with why. */
  unreadable: UnreadableWorkspace[];
}

/** A workspace the fleet found but could not read. */
export interface UnreadableWorkspace {
  target: SnapshotTarget;
  reason: string;
  /** The workspace's failed read, when ARM answered it (fleet snapshots saved before it hold only `reason`). */
  error?: FailedRead;
}

/**
 * The file: every resource once, each workspace's snapshot naming its resources by their place in
 * that list. A hub VNet or DNS zone is in hundreds of workspaces' snapshots; written out in each it
 * made a thousand-workspace file of 200 MB, most of it repeats.
 */
interface FleetSnapshotFile extends Omit<FleetSnapshot, "snapshots"> {
  resources: RawResource[];
  snapshots: Array<Omit<Snapshot, "resources"> & { resources: number[] }>;
}

export type AnySnapshot = { kind: "workspace"; snapshot: Snapshot } | { kind: "fleet"; fleet: FleetSnapshot };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A workspace snapshot or a fleet snapshot, validated (each workspace of a fleet against the snapshot schema). */
export async function readAnySnapshot(path: string): Promise<AnySnapshot> {
  const text = await readSnapshotText(path);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // Not JSON: the workspace reader's message says so, as it always has.
    return { kind: "workspace", snapshot: parseSnapshot(text, path) };
  }
  if (isRecord(data) && data.kind === "fleet") return { kind: "fleet", fleet: checkFleet(data, path) };
  return { kind: "workspace", snapshot: checkSnapshot(data, path) };
}

function checkFleet(data: unknown, source: string): FleetSnapshot {
  const bad = (what: string) =>
    new PreflightError(`fleet snapshot ${source} ${what}; collect it again with \`preflight fleet --save-snapshot\``);
  if (!isRecord(data) || data.kind !== "fleet") throw bad("is not a fleet snapshot");
  if (data.schemaVersion !== SNAPSHOT_SCHEMA_VERSION)
    throw bad(
      `has schemaVersion ${JSON.stringify(data.schemaVersion ?? null)}, this preflight reads ${SNAPSHOT_SCHEMA_VERSION}`,
    );
  if (typeof data.collectedAt !== "string" || !Number.isFinite(Date.parse(data.collectedAt)))
    throw bad("has a collectedAt that is not a date");
  if (!Array.isArray(data.resources)) throw bad("has no `resources` array");
  if (!Array.isArray(data.snapshots)) throw bad("has no `snapshots` array");
  if (!Array.isArray(data.unreadable)) throw bad("has no `unreadable` array");
  if (!isRecord(data.scope) || !isRecord(data.collection)) throw bad("has no `scope` or `collection`");
  const resources = data.resources as unknown[];
  const snapshots = data.snapshots.map((entry: unknown, index) => {
    const where = `(workspace ${index + 1})`;
    if (!isRecord(entry) || !Array.isArray(entry.resources)) throw bad(`${where} has no \`resources\` list`);
    const own = entry.resources.map((ref: unknown) => {
      if (typeof ref !== "number" || !Number.isInteger(ref) || ref < 0 || ref >= resources.length)
        throw bad(`${where} names resource ${JSON.stringify(ref)}, which the file does not hold`);
      return resources[ref];
    });
    // Each workspace is held to the same schema as a snapshot file of its own.
    return checkSnapshot({ ...entry, resources: own }, `${source} ${where}`);
  });
  const { resources: _shared, ...rest } = data as unknown as FleetSnapshotFile;
  return { ...rest, snapshots };
}

/** The file form: resources that several workspaces hold alike written once. */
function packFleetSnapshot(fleet: FleetSnapshot): FleetSnapshotFile {
  const resources: RawResource[] = [];
  /** Place in `resources` by ID, then by the body's text (an ID read twice with different answers keeps both). */
  const places = new Map<string, Map<string, number>>();
  const placeOf = (resource: RawResource): number => {
    const id = typeof resource.id === "string" ? resource.id.toLowerCase() : "";
    const text = JSON.stringify(resource);
    let variants = places.get(id);
    if (!variants) places.set(id, (variants = new Map<string, number>()));
    let place = variants.get(text);
    if (place === undefined) {
      place = resources.push(resource) - 1;
      variants.set(text, place);
    }
    return place;
  };
  const snapshots = fleet.snapshots.map((snapshot) => ({ ...snapshot, resources: snapshot.resources.map(placeOf) }));
  return { ...fleet, resources, snapshots };
}

/** Writes the file form; `redact` (the run's redactor) goes over it once packed, where shared resources are once. */
export async function writeFleetSnapshot(
  path: string,
  fleet: FleetSnapshot,
  redact: <T>(value: T) => T = (value) => value,
): Promise<void> {
  // Compact, and shared resources once: a thousand workspaces would otherwise be hundreds of MB.
  await writeFile(path, `${JSON.stringify(redact(packFleetSnapshot(fleet)))}\n`, { encoding: "utf8", mode: 0o600 });
}

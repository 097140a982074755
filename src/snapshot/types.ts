// The snapshot: everything the collector read, as ARM returned it, plus the outcome of key
// comparison. It never holds a key, password, token or a hash of one.

import type { FailedRead } from "../core/failed-read.js";

export const SNAPSHOT_SCHEMA_VERSION = 1;

/** One ARM resource body exactly as the wire returned it (secret-looking fields redacted). */
export type RawResource = Record<string, unknown> & { id?: unknown };

/** The parts a check can ask for; the collection plan is the union of the selected checks' parts. */
export const PART_NAMES = [
  "workspace",
  "storage",
  "registry",
  "keyVault",
  "computes",
  "privateEndpoints",
  "virtualNetworks",
  "networkSecurityGroups",
  "privateEndpointTypes",
  "keys",
  /** Route tables on compute subnets. */
  "routeTables",
  /** DNS zone groups of every private endpoint, the private DNS zones they name and those zones' VNet links. */
  "privateDns",
  /**
   * What can answer DNS for a VNet with custom DNS servers: the Azure Firewalls (and their firewall
   * policies) and the DNS Private Resolvers' inbound endpoints of the workspace's subscription.
   */
  "dnsForwarders",
  /** Azure's own workspace diagnose (a long-running POST), run only with --diagnose. */
  "diagnose",
] as const;
export type PartName = (typeof PART_NAMES)[number];

/** A read that failed. Never a secret in `message`: it is redacted before it gets here. */
export interface CollectionError extends FailedRead {
  part: PartName;
  operation: string;
  message: string;
  /** HTTP attempts made before giving up, when more than one (retries). */
  attempts?: number;
}

/** A read that succeeded only after retrying (429 throttling, 5xx, a dropped connection). */
export interface RetryNote {
  resourceId: string;
  operation: string;
  attempts: number;
  /** Status of each attempt in order; 0 where no response came. */
  statuses: number[];
}

/** What comparing the workspace's cached secret with the resource's current ones found. */
export interface KeyComparison {
  /**
   * match: the cached value equals a current one; mismatch: it equals none;
   * not-applicable: nothing to compare (reason says why); unknown: a read failed (see errors).
   */
  outcome: "match" | "mismatch" | "not-applicable" | "unknown";
  resourceId?: string;
  /** Name of the current key/password the cached value equals (e.g. "key1", "password2"). */
  matchedName?: string;
  /** Creation times of the current keys, by name, when ARM gives them. */
  keyCreationTimes?: Record<string, string>;
  reason?: string;
  /**
   * For outcome unknown: the read that failed (also in `errors`), e.g. the storage account's listKeys or the
   * workspace's. Snapshots saved before it held `failedOperation`, `statusCode` and `permission` beside
   * `outcome`; reading one (`checkSnapshot`) moves them here.
   */
  error?: FailedRead;
  /**
   * Registry only: whether the workspace holds cached registry credentials (it reaches the registry with the
   * admin user's password, not its identity). Absent when the workspace's keys were not read.
   */
  cachedCredentials?: boolean;
}

export interface KeysOutcome {
  storage: KeyComparison;
  registry: KeyComparison;
}

/** One result of Azure's workspace diagnose, as the service gave it. */
export interface DiagnoseResult {
  /** The result list it came from, e.g. "dnsResolution", "networkSecurityRule", "containerRegistry". */
  category: string;
  code: string;
  /** "Error", "Warning" or "Information" as the service spells it. */
  level: string;
  message: string;
}

/** What `--diagnose` produced. */
export interface DiagnoseOutcome {
  /** False: the run was not asked to diagnose (no --diagnose). */
  requested: boolean;
  /** The results, when the diagnose finished. */
  results?: DiagnoseResult[];
  /** When the diagnose failed or timed out: the failed read (also in `errors`). */
  error?: CollectionError;
}

export interface SnapshotTarget {
  workspaceId: string;
  subscriptionId: string;
  resourceGroup: string;
  workspace: string;
  location?: string;
  /**
   * A Foundry (AI Studio) project (`kind` Project): the hub its `hubResourceId` names, whose storage, key
   * vault, registry, image-build compute, managed network and private endpoints it uses. Absent otherwise.
   */
  hub?: HubRef;
}

/** The hub of a project, as the project names it (the name is the hub body's when it could be read). */
export interface HubRef {
  id: string;
  name: string;
  subscriptionId: string;
  resourceGroup: string;
}

export interface Snapshot {
  schemaVersion: typeof SNAPSHOT_SCHEMA_VERSION;
  tool: { name: string; version: string };
  collectedAt: string;
  durationMs: number;
  target: SnapshotTarget;
  /** Parts the collector was asked for; a check needing a part not listed is `unknown` (part-not-collected). */
  parts: PartName[];
  /** Api-versions the reads used, by provider namespace. */
  apiVersions: Record<string, string>;
  /** Every resource read, keyed by nothing: look them up by ID (case-insensitive). */
  resources: RawResource[];
  /** availablePrivateEndpointTypes by normalised region name: the resource types listed there. */
  privateEndpointTypes: Record<string, string[]>;
  /** Present when keys were read (`keys` part, no --no-keys). */
  keys?: KeysOutcome;
  /** Number of HTTP requests the collection made (retries included). */
  requests: number;
  errors: CollectionError[];
  /** Present when the `diagnose` part was planned. */
  diagnose?: DiagnoseOutcome;
  /** Reads that needed retries and then succeeded; absent in snapshots from before it was recorded. */
  retries?: RetryNote[];
}

/** A read that may have failed: the value, or why it is missing. */
export type Lookup<T> = { ok: true; value: T } | { ok: false; error?: CollectionError; reason: string };

/** A failed read as the report shows it: the snapshot error without its internal part name. */
export type ReportCollectionError = Omit<CollectionError, "part">;

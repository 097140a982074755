// Which key reads a workspace's comparison takes, from what is known before any is sent: the workspace
// (a project's hub), its storage account and its registry. Each of the three reads is a POST, and ARM
// answers POST actions from the subscription's write bucket (200 tokens refilled 10 a second), so a
// read whose comparison key-sync would skip anyway is not paid for:
// - storage listKeys, where the account disallows shared-key access: the workspace uses identity;
// - registry listCredentials, where the admin user is off (ACR refuses it then, 400
//   UnAuthorizedForCredentialOperations, and builds pull with managed identities).
// The workspace's own listKeys is always read: it says what the workspace caches. A workspace whose
// datastores use identity (systemDatastoresAuthMode identity) still has its storage key compared: Learn
// does not say the cached key goes unused while the account allows shared keys, and key-sync judges it.
// The fleet uses the same rules for its estimate before the key reads start (planKeyReads), so the
// estimate counts what the collector will send.

import { parseResourceId } from "../snapshot/ids.js";
import { registryAdminUserEnabled, storageSharedKeyDisallowed } from "../snapshot/model.js";
import { asObject, asString } from "../snapshot/json.js";
import type { RawResource } from "../snapshot/types.js";
import { ARM_BUCKETS } from "./request-budget.js";

export type KeyOperation = "workspace listKeys" | "storage listKeys" | "registry listCredentials";

/** Why the storage account's keys are not read (nothing to compare), or undefined when they are needed. */
export function storageKeysSkipped(storage: RawResource | undefined): string | undefined {
  return storageSharedKeyDisallowed(storage)
    ? "the storage account disallows shared-key access (allowSharedKeyAccess false), so the workspace uses identity, not keys"
    : undefined;
}

/** What one workspace's comparison reads besides its own listKeys. */
interface KeyNeeds {
  storage: boolean;
  registry: boolean;
}

/**
 * The dependency reads a workspace's comparison needs. A storage account whose body is not known is taken as
 * needing its read; a registry too when `registryKnown` is false (the estimate, before it is read).
 */
export function keyNeeds(
  workspaceProperties: Record<string, unknown>,
  dependencies: { storage?: RawResource | undefined; registry?: RawResource | undefined },
  registryKnown = true,
): KeyNeeds {
  const storageId = asString(workspaceProperties.storageAccount);
  const registryId = asString(workspaceProperties.containerRegistry);
  return {
    storage: !!storageId && storageKeysSkipped(dependencies.storage) === undefined,
    registry: !!registryId && (!registryKnown || registryAdminUserEnabled(dependencies.registry)),
  };
}

/** A fleet's key reads before they start: POSTs per subscription, and what ARM's write bucket makes of them. */
export interface KeyReadPlan {
  /** POSTs the key comparisons will send (each workspace, storage account and registry once). */
  posts: number;
  /** POSTs by the (lower-cased) subscription whose write bucket they spend. */
  bySubscription: Record<string, number>;
  /** The least time ARM's write bucket (200, refilled 10 a second) allows for them, in seconds. */
  floorSeconds: number;
}

/**
 * The key reads of a fleet's workspaces, each workspace's owner (itself, or a project's hub) once and each
 * storage account and registry once, as the collector will make them. `lookup` gives a body the sweep
 * returned; a dependency it does not know counts as needing its read.
 */
export function planKeyReads(
  workspaces: readonly RawResource[],
  lookup: (id: string) => RawResource | undefined,
): KeyReadPlan {
  const bySubscription: Record<string, number> = {};
  const seen = new Set<string>();
  const add = (id: string, operation: KeyOperation) => {
    const key = `${operation}|${id.toLowerCase()}`;
    const subscription = parseResourceId(id)?.subscriptionId.toLowerCase();
    if (seen.has(key) || subscription === undefined) return;
    seen.add(key);
    bySubscription[subscription] = (bySubscription[subscription] ?? 0) + 1;
  };
  for (const row of workspaces) {
    const hubId = asString(asObject(row.properties)?.hubResourceId);
    const owner = hubId ? lookup(hubId) : row;
    const ownerId = hubId ?? asString(row.id);
    if (!ownerId) continue;
    add(ownerId, "workspace listKeys");
    // A hub the sweep did not return: its dependencies are not known yet.
    const properties = asObject(owner?.properties);
    if (!properties) continue;
    const storageId = asString(properties.storageAccount);
    const registryId = asString(properties.containerRegistry);
    const storage = storageId ? lookup(storageId) : undefined;
    const registry = registryId ? lookup(registryId) : undefined;
    const needs = keyNeeds(properties, { storage, registry }, registry !== undefined);
    if (needs.storage && storageId) add(storageId, "storage listKeys");
    if (needs.registry && registryId) add(registryId, "registry listCredentials");
  }
  const posts = Object.values(bySubscription).reduce((sum, count) => sum + count, 0);
  const { capacity, refillPerSecond } = ARM_BUCKETS.writes;
  const floorSeconds = Math.max(
    0,
    ...Object.values(bySubscription).map((count) => (count - capacity) / refillPerSecond),
  );
  return { posts, bySubscription, floorSeconds };
}

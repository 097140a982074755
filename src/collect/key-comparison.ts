// Key comparison, in memory: the workspace's cached storage key and registry password against the
// current ones. What leaves is only which name matched and when keys were made; never a key.

import { timingSafeEqual } from "node:crypto";
import { explainFailedRead, failedRead } from "../core/failed-read.js";
import { asArray, asObject, asString } from "../snapshot/json.js";
import type { CollectionError, KeyComparison, KeysOutcome, RawResource } from "../snapshot/types.js";

export interface KeyInputs {
  workspaceKeys?: Record<string, unknown>;
  workspaceKeysError?: CollectionError;
  storageId?: string;
  storage?: RawResource;
  /** Why the storage account's keys were not read (key-plan.ts): nothing there to compare. */
  storageSkipped?: string;
  storageKeys?: Record<string, unknown>;
  storageKeysError?: CollectionError;
  registryId?: string;
  registry?: RawResource;
  registryAdmin: boolean;
  registryCredentials?: Record<string, unknown>;
  registryCredentialsError?: CollectionError;
}

/** Compares secrets in memory; what leaves is only which name matched and when keys were made. */
export function compareKeys(inputs: KeyInputs): KeysOutcome {
  const unknownFrom = (error: CollectionError, resourceId: string | undefined): KeyComparison => ({
    outcome: "unknown",
    ...(resourceId ? { resourceId } : {}),
    reason: `${error.operation} failed (${explainFailedRead(error)})`,
    error: failedRead(error.resourceId, error),
  });
  const { workspaceKeys } = inputs;
  if (!workspaceKeys) {
    const error = inputs.workspaceKeysError;
    const fallback: KeyComparison = { outcome: "unknown", reason: "the workspace's keys were not read" };
    return {
      storage: error ? unknownFrom(error, inputs.storageId) : fallback,
      registry: error ? unknownFrom(error, inputs.registryId) : fallback,
    };
  }

  // Storage: the workspace's cached key against the account's current keys.
  let storage: KeyComparison;
  const cachedStorageKey = asString(workspaceKeys.userStorageKey);
  const storageCreation = creationTimes(inputs.storage, inputs.storageKeys);
  if (!inputs.storageId) storage = { outcome: "not-applicable", reason: "the workspace names no storage account" };
  else if (inputs.storageSkipped)
    storage = { outcome: "not-applicable", resourceId: inputs.storageId, reason: inputs.storageSkipped };
  else if (!cachedStorageKey)
    storage = {
      outcome: "not-applicable",
      resourceId: inputs.storageId,
      reason: "the workspace holds no cached storage key (identity-based access)",
    };
  else if (inputs.storageKeysError) storage = unknownFrom(inputs.storageKeysError, inputs.storageId);
  else if (!inputs.storageKeys)
    storage = { outcome: "unknown", resourceId: inputs.storageId, reason: "the storage account's keys were not read" };
  else {
    const current = asArray(inputs.storageKeys.keys)
      .map(asObject)
      .filter((key) => key !== undefined);
    const matched = current.find((key) => secretEquals(asString(key.value), cachedStorageKey));
    storage = {
      outcome: matched ? "match" : "mismatch",
      resourceId: inputs.storageId,
      ...(matched ? { matchedName: asString(matched.keyName) ?? "key" } : {}),
      ...(Object.keys(storageCreation).length ? { keyCreationTimes: storageCreation } : {}),
    };
  }

  // Registry: compared only when the admin user is on (otherwise the workspace uses its identity).
  let registry: KeyComparison;
  const cachedCredentials = asObject(workspaceKeys.containerRegistryCredentials);
  const cachedPasswords = asArray(cachedCredentials?.passwords)
    .map((entry) => asString(asObject(entry)?.value))
    .filter((value): value is string => !!value);
  if (!inputs.registryId) registry = { outcome: "not-applicable", reason: "the workspace names no container registry" };
  else if (!inputs.registry)
    registry = { outcome: "unknown", resourceId: inputs.registryId, reason: "the registry could not be read" };
  else if (!inputs.registryAdmin)
    registry = {
      outcome: "not-applicable",
      resourceId: inputs.registryId,
      reason: "the registry's admin user is disabled",
    };
  else if (cachedPasswords.length === 0)
    registry = {
      outcome: "not-applicable",
      resourceId: inputs.registryId,
      reason: "the workspace holds no cached registry password",
    };
  else if (inputs.registryCredentialsError) registry = unknownFrom(inputs.registryCredentialsError, inputs.registryId);
  else if (!inputs.registryCredentials)
    registry = {
      outcome: "unknown",
      resourceId: inputs.registryId,
      reason: "the registry's credentials were not read",
    };
  else {
    const current = asArray(inputs.registryCredentials.passwords)
      .map(asObject)
      .filter((entry) => entry !== undefined);
    const matched = current.find((entry) =>
      cachedPasswords.some((cached) => secretEquals(asString(entry.value), cached)),
    );
    registry = {
      outcome: matched ? "match" : "mismatch",
      resourceId: inputs.registryId,
      ...(matched ? { matchedName: asString(matched.name) ?? "password" } : {}),
    };
  }
  // Whether the workspace reaches the registry with a password at all: registry-policies needs it.
  if (inputs.registryId) registry.cachedCredentials = cachedPasswords.length > 0;
  return { storage, registry };
}

function secretEquals(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Key creation times from listKeys (`creationTime`) or the account's `keyCreationTime`. */
function creationTimes(
  storage: RawResource | undefined,
  keys: Record<string, unknown> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of asArray(keys?.keys).map(asObject)) {
    const name = asString(key?.keyName);
    const created = asString(key?.creationTime);
    if (name && created) out[name] = created;
  }
  const fromAccount = asObject(asObject(storage?.properties)?.keyCreationTime) ?? {};
  for (const [name, created] of Object.entries(fromAccount)) {
    if (!(name in out) && typeof created === "string") out[name] = created;
  }
  return out;
}

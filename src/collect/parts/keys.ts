// The workspace's cached keys against the current ones: the workspace's listKeys (after the
// workspace; a project's hub's, whose storage and registry the keys are for), then, once it and each
// dependency are read, the storage account's listKeys (unless the account disallows shared-key access)
// and (admin user on) the registry's listCredentials: key-plan.ts says which. Each is a POST, which ARM
// charges to the subscription's write bucket; in a fleet each is made once for the run however many
// workspaces share it. Compared in memory; see ../key-comparison.ts.

import { registryAdminUserEnabled } from "../../snapshot/model.js";
import type { CollectionError } from "../../snapshot/types.js";
import { compareKeys } from "../key-comparison.js";
import { keyNeeds, storageKeysSkipped, type KeyOperation } from "../key-plan.js";
import { parseRef, type ReadContext } from "./context.js";
import { definePart } from "./define.js";
import { dependency, dependencyId } from "./dependencies.js";

type Read = { body?: Record<string, unknown>; error?: CollectionError };
const NOT_READ: Read = {};

const NO_KEYS = { outcome: "not-applicable", reason: "keys were not read (--no-keys)" } as const;

export default definePart({
  part: "keys",
  after: ["workspace"],
  read: async (ctx) => {
    if (!ctx.options.readKeys) {
      ctx.keys = { storage: { ...NO_KEYS }, registry: { ...NO_KEYS } };
      return;
    }
    const owner = ctx.settingsWorkspace;
    if (!owner) {
      const unread = { outcome: "unknown", reason: "the project's hub could not be read" } as const;
      ctx.keys = { storage: { ...unread }, registry: { ...unread } };
      return;
    }
    const { id, subscriptionId, resourceGroup, name } = owner;
    const workspaceKeys = await readKeys(ctx, "workspace listKeys", id, () =>
      ctx.reader.clientsFor(subscriptionId).ml.workspaces.listKeys(resourceGroup, name),
    );
    const [storage, registry] = await Promise.all([dependency(ctx, "storage"), dependency(ctx, "registry")]);
    const storageId = dependencyId(ctx, "storage");
    const registryId = dependencyId(ctx, "registry");
    const needs = keyNeeds(owner.properties, { storage, registry });
    const storageRef = storageId ? parseRef(storageId) : undefined;
    const registryRef = registryId ? parseRef(registryId) : undefined;
    const [storageKeys, registryCredentials] = await Promise.all([
      workspaceKeys.body && needs.storage && storage && storageRef
        ? readKeys(ctx, "storage listKeys", storageRef.id, () =>
            ctx.reader
              .clientsFor(storageRef.subscriptionId)
              .storage.storageAccounts.listKeys(storageRef.resourceGroup, storageRef.name),
          )
        : NOT_READ,
      workspaceKeys.body && needs.registry && registry && registryRef
        ? readKeys(ctx, "registry listCredentials", registryRef.id, () =>
            ctx.reader
              .clientsFor(registryRef.subscriptionId)
              .registry.registries.listCredentials(registryRef.resourceGroup, registryRef.name),
          )
        : NOT_READ,
    ]);
    ctx.keys = compareKeys({
      workspaceKeys: workspaceKeys.body,
      workspaceKeysError: workspaceKeys.error,
      storageId,
      storage,
      storageSkipped: storageKeysSkipped(storage),
      storageKeys: storageKeys.body,
      storageKeysError: storageKeys.error,
      registryId,
      registry,
      registryAdmin: registryAdminUserEnabled(registry),
      registryCredentials: registryCredentials.body,
      registryCredentialsError: registryCredentials.error,
    });
    for (const read of [workspaceKeys, storageKeys, registryCredentials]) if (read.error) ctx.fail(read.error);
  },
});

/** One key-listing POST (in a fleet, once for the run); the reader remembers what it returns as secrets. */
async function readKeys(
  ctx: ReadContext,
  operation: KeyOperation,
  resourceId: string,
  call: () => Promise<unknown>,
): Promise<Read> {
  const read = () => ctx.reader.readOne("keys", operation, resourceId, call);
  const result = await (ctx.shared ? ctx.shared.keys(operation, resourceId, read) : read());
  return result.ok ? { body: result.body } : { error: result.error };
}

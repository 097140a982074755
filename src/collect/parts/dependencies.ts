// What the storage, registry and key-vault parts share: the workspace (a project's hub) names each, and
// each is one GET after it. Other readers (private endpoints, private DNS, keys) ask for the same bodies
// through `dependency`, which shares the read.

import { asString } from "../../snapshot/json.js";
import type { RawResource } from "../../snapshot/types.js";
import type { Operation } from "../permissions.js";
import type { ParsedRef, ReadContext } from "./context.js";
import { definePart, type PartReader } from "./define.js";

export type DependencyPart = "storage" | "registry" | "keyVault";

const DEPENDENCIES: Record<
  DependencyPart,
  { property: string; operation: Operation; call: (ctx: ReadContext, ref: ParsedRef) => Promise<unknown> }
> = {
  storage: {
    property: "storageAccount",
    operation: "storage get",
    call: (ctx, ref) =>
      ctx.reader.clientsFor(ref.subscriptionId).storage.storageAccounts.getProperties(ref.resourceGroup, ref.name),
  },
  registry: {
    property: "containerRegistry",
    operation: "registry get",
    call: (ctx, ref) => ctx.reader.clientsFor(ref.subscriptionId).registry.registries.get(ref.resourceGroup, ref.name),
  },
  keyVault: {
    property: "keyVault",
    operation: "key vault get",
    call: (ctx, ref) => ctx.reader.clientsFor(ref.subscriptionId).keyVault.vaults.get(ref.resourceGroup, ref.name),
  },
};

/** The ID the workspace (a project's hub) gives for a dependency, if any. */
export function dependencyId(ctx: ReadContext, part: DependencyPart): string | undefined {
  return asString(ctx.settingsWorkspace?.properties[DEPENDENCIES[part].property]);
}

/** A dependency's body when its part is collected and the workspace names one; the read is shared. */
export function dependency(ctx: ReadContext, part: DependencyPart): Promise<RawResource | undefined> {
  const id = dependencyId(ctx, part);
  if (!ctx.want(part) || !id) return Promise.resolve(undefined);
  const { operation, call } = DEPENDENCIES[part];
  return ctx.get(part, operation, id, (ref) => call(ctx, ref));
}

/** The reader of one dependency part: its GET, after the workspace. */
export function dependencyPart(part: DependencyPart): PartReader {
  return definePart({
    part,
    after: ["workspace"],
    read: async (ctx) => {
      await dependency(ctx, part);
    },
  });
}

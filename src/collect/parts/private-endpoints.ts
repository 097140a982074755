// The private endpoints of the workspace (after the workspace; a project's are its hub's) and of its
// storage, registry and key vault (as soon as each of those is read), one GET each.

import type { RawResource } from "../../snapshot/types.js";
import { endpointIdsOf, type ReadContext } from "./context.js";
import { definePart } from "./define.js";
import { dependency, type DependencyPart } from "./dependencies.js";

const OWNERS: DependencyPart[] = ["storage", "registry", "keyVault"];

export default definePart({
  part: "privateEndpoints",
  after: ["workspace"],
  read: async (ctx) => {
    const readAll = (owner: RawResource | undefined) =>
      Promise.all(endpointIdsOf(owner).map((id) => readEndpoint(ctx, id)));
    await Promise.all([
      readAll(ctx.settingsWorkspace?.raw),
      ...OWNERS.map((part) => dependency(ctx, part).then(readAll)),
    ]);
  },
});

function readEndpoint(ctx: ReadContext, id: string): Promise<RawResource | undefined> {
  return ctx.get("privateEndpoints", "private endpoint get", id, (ref) =>
    ctx.reader.clientsFor(ref.subscriptionId).network.privateEndpoints.get(ref.resourceGroup, ref.name),
  );
}

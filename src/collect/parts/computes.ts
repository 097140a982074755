// The workspace's computes (one list, after the workspace); a project's are its hub's, as a project
// has no compute clusters of its own. A fleet answers it from its sweep when the sweep can vouch for
// the whole list.

import { idKey } from "../../snapshot/ids.js";
import { computeView } from "../../snapshot/model.js";
import type { ReadContext } from "./context.js";
import { definePart } from "./define.js";

export default definePart({
  part: "computes",
  after: ["workspace"],
  read: async (ctx) => {
    const owner = ctx.settingsWorkspace;
    if (!owner) return;
    const { id, subscriptionId, resourceGroup, name } = owner;
    await ctx.list(
      "computes",
      "computes list",
      `${id}/computes`,
      () => ctx.reader.clientsFor(subscriptionId).ml.computeOperations.list(resourceGroup, name),
      "Microsoft.MachineLearningServices/workspaces/computes",
    );
  },
});

/** The subnets the workspace's computes run in, as the computes list gave them (read after `computes`). */
export function computeSubnetIds(ctx: ReadContext): string[] {
  const owner = ctx.settingsWorkspace;
  if (!owner) return [];
  const prefix = `${idKey(owner.id)}/computes/`;
  return [...ctx.resources.values()]
    .filter((resource) => typeof resource.id === "string" && idKey(resource.id).startsWith(prefix))
    .map((resource) => computeView(resource).subnetId)
    .filter((id): id is string => !!id);
}

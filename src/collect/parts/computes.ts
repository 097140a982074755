// The workspace's computes (one list, after the workspace). A fleet answers it from its sweep when
// the sweep can vouch for the whole list.

import { idKey } from "../../snapshot/ids.js";
import { computeView } from "../../snapshot/model.js";
import type { ReadContext } from "./context.js";
import { definePart } from "./define.js";

export default definePart({
  part: "computes",
  after: ["workspace"],
  read: async (ctx) => {
    const { id, subscriptionId, resourceGroup, name } = ctx.workspace;
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
  const prefix = `${idKey(ctx.workspace.id)}/computes/`;
  return [...ctx.resources.values()]
    .filter((resource) => typeof resource.id === "string" && idKey(resource.id).startsWith(prefix))
    .map((resource) => computeView(resource).subnetId)
    .filter((id): id is string => !!id);
}

// The NSGs on the compute subnets. An NSG's body lists the subnets it is attached to, so listing the
// NSGs of each compute VNet's resource group (beside reading the VNets) finds most of them a round
// trip early; what that misses is read by ID once the VNets say which NSG each subnet has. A fleet
// skips the listing: its NSGs come from the sweep or are read once for every workspace.

import { idKey, parseResourceId } from "../../snapshot/ids.js";
import { asArray, asObject, asString } from "../../snapshot/json.js";
import { computeSubnetIds } from "./computes.js";
import type { ReadContext } from "./context.js";
import { definePart } from "./define.js";
import { computeSubnetViews } from "./virtual-networks.js";

export default definePart({
  part: "networkSecurityGroups",
  after: ["computes"],
  implies: ["computes", "virtualNetworks"],
  read: async (ctx) => {
    const [, subnets] = await Promise.all([ctx.shared ? undefined : listBesideSubnets(ctx), computeSubnetViews(ctx)]);
    await Promise.all(
      distinct(subnets.map((subnet) => subnet.networkSecurityGroupId)).map((id) =>
        ctx.get("networkSecurityGroups", "network security group get", id, (ref) =>
          ctx.reader.clientsFor(ref.subscriptionId).network.networkSecurityGroups.get(ref.resourceGroup, ref.name),
        ),
      ),
    );
  },
});

/** Lists the NSGs of each compute subnet's resource group and keeps those attached to a compute subnet. */
async function listBesideSubnets(ctx: ReadContext): Promise<void> {
  const subnetIds = computeSubnetIds(ctx);
  const wanted = new Set(subnetIds.map(idKey));
  const groups = new Map(
    subnetIds
      .map((subnetId) => parseResourceId(subnetId))
      .filter((ref) => ref !== undefined)
      .map((ref) => [`${ref.subscriptionId}/${ref.resourceGroup}`.toLowerCase(), ref]),
  );
  await Promise.all(
    [...groups.values()].map(async (ref) => {
      const listId = `/subscriptions/${ref.subscriptionId}/resourceGroups/${ref.resourceGroup}/providers/Microsoft.Network/networkSecurityGroups`;
      const result = await ctx.reader.readAll("networkSecurityGroups", "network security groups list", listId, () =>
        ctx.reader.clientsFor(ref.subscriptionId).network.networkSecurityGroups.list(ref.resourceGroup),
      );
      // A failed listing is not a failed read: each NSG it would have found is then read by ID.
      if (!result.ok) return;
      for (const nsg of result.items) {
        const attached = asArray(asObject(nsg.properties)?.subnets).map((subnet) => asString(asObject(subnet)?.id));
        if (attached.some((id) => id !== undefined && wanted.has(idKey(id)))) ctx.keep(nsg);
      }
    }),
  );
}

/** Each distinct ID once: an NSG or route table shared by several compute subnets is read once. */
export function distinct(ids: Array<string | undefined>): string[] {
  const first = new Map<string, string>();
  for (const id of ids) if (id && !first.has(idKey(id))) first.set(idKey(id), id);
  return [...first.values()];
}

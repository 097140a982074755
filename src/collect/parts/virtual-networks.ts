// The VNets that hold the computes' subnets (after the computes) and the private endpoints (after
// those), one GET each. The NSG and route-table readers ask for the compute VNets through
// `computeSubnetViews` as soon as the computes are listed, so those GETs do not wait for endpoints.

import { idKey, vnetIdOfSubnet } from "../../snapshot/ids.js";
import { privateEndpointView, virtualNetworkView, type SubnetView } from "../../snapshot/network-views.js";
import type { RawResource } from "../../snapshot/types.js";
import { computeSubnetIds } from "./computes.js";
import type { ReadContext } from "./context.js";
import { definePart } from "./define.js";

export default definePart({
  part: "virtualNetworks",
  after: ["computes", "privateEndpoints"],
  implies: ["computes"],
  read: async (ctx) => {
    const endpointVnets = ctx
      .resourcesOfType("Microsoft.Network/privateEndpoints")
      .map((raw) => privateEndpointView(raw).vnetId)
      .filter((id): id is string => !!id);
    await Promise.all([
      computeSubnetViews(ctx),
      ...(ctx.want("privateEndpoints") ? endpointVnets.map((id) => readVirtualNetwork(ctx, id)) : []),
    ]);
  },
});

function readVirtualNetwork(ctx: ReadContext, id: string): Promise<RawResource | undefined> {
  return ctx.get("virtualNetworks", "virtual network get", id, (ref) =>
    ctx.reader.clientsFor(ref.subscriptionId).network.virtualNetworks.get(ref.resourceGroup, ref.name),
  );
}

/**
 * The compute subnets as their VNets describe them (where their NSG and route table are), reading
 * each VNet once. Call after `computes`. A subnet ID that names no VNet is a failed read, said once.
 */
export function computeSubnetViews(ctx: ReadContext): Promise<SubnetView[]> {
  return ctx.once("compute subnet views", () =>
    Promise.all(
      computeSubnetIds(ctx).map(async (subnetId) => {
        const vnetId = vnetIdOfSubnet(subnetId);
        if (!vnetId) {
          ctx.fail({
            part: "virtualNetworks",
            resourceId: subnetId,
            operation: "virtual network get",
            message: `"${subnetId}" is not a subnet resource ID`,
          });
          return undefined;
        }
        const vnet = await readVirtualNetwork(ctx, vnetId);
        return vnet
          ? virtualNetworkView(vnet).subnets.find((candidate) => idKey(candidate.id) === idKey(subnetId))
          : undefined;
      }),
    ).then((views) => views.filter((view) => view !== undefined)),
  );
}

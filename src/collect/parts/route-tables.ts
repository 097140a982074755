// The route tables on the compute subnets, one GET each once the VNets say which table each subnet has.

import { computeSubnetViews } from "./virtual-networks.js";
import { definePart } from "./define.js";
import { distinct } from "./network-security-groups.js";

export default definePart({
  part: "routeTables",
  after: ["computes"],
  implies: ["computes", "virtualNetworks"],
  read: async (ctx) => {
    const subnets = await computeSubnetViews(ctx);
    await Promise.all(
      distinct(subnets.map((subnet) => subnet.routeTableId)).map((id) =>
        ctx.get("routeTables", "route table get", id, (ref) =>
          ctx.reader.clientsFor(ref.subscriptionId).network.routeTables.get(ref.resourceGroup, ref.name),
        ),
      ),
    );
  },
});

// availablePrivateEndpointTypes for each region a private endpoint is in: once per region (a fleet:
// once per subscription and region), failed or not.

import { normaliseRegion } from "../../snapshot/ids.js";
import { asString } from "../../snapshot/json.js";
import { privateEndpointView } from "../../snapshot/network-views.js";
import { definePart } from "./define.js";

export default definePart({
  part: "privateEndpointTypes",
  after: ["privateEndpoints"],
  implies: ["privateEndpoints"],
  read: async (ctx) => {
    const { subscriptionId } = ctx.workspace;
    const regions = new Map<string, string>();
    for (const endpoint of ctx.resourcesOfType("Microsoft.Network/privateEndpoints").map(privateEndpointView)) {
      const key = normaliseRegion(endpoint.location);
      if (key && !regions.has(key)) regions.set(key, endpoint.location);
    }
    await Promise.all(
      [...regions].map(async ([key, region]) => {
        const typesId = `/subscriptions/${subscriptionId}/providers/Microsoft.Network/locations/${region}/availablePrivateEndpointTypes`;
        const list = () =>
          ctx.reader.readAll("privateEndpointTypes", "availablePrivateEndpointTypes list", typesId, () =>
            ctx.reader.clientsFor(subscriptionId).network.availablePrivateEndpointTypes.list(region),
          );
        const result = await (ctx.shared ? ctx.shared.once(`${subscriptionId}|${key}`, list) : list());
        if (!result.ok) {
          ctx.fail(result.error);
          return;
        }
        ctx.privateEndpointTypes[key] = result.items
          .map((item) => asString(item.resourceName) ?? asString(item.name) ?? "")
          .filter(Boolean);
      }),
    );
  },
});

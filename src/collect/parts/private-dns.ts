// Private DNS of every private endpoint: its DNS zone groups (listed by the endpoint's ID, so they do
// not wait for the endpoint's body), each private DNS zone a zone group names and that zone's VNet
// links, each zone once. The workspace's endpoints start after the workspace; the storage account's,
// registry's and key vault's as soon as each of those is read.

import { idKey } from "../../snapshot/ids.js";
import { dnsZoneGroupView } from "../../snapshot/network-views.js";
import type { RawResource } from "../../snapshot/types.js";
import { endpointIdsOf, parseRef, type ReadContext } from "./context.js";
import { definePart } from "./define.js";
import { dependency, type DependencyPart } from "./dependencies.js";

const OWNERS: DependencyPart[] = ["storage", "registry", "keyVault"];

export default definePart({
  part: "privateDns",
  after: ["workspace"],
  // Zones must be linked to the VNets that hold compute, and those VNets' DNS servers matter.
  implies: ["privateEndpoints", "computes", "virtualNetworks"],
  read: async (ctx) => {
    const ofOwner = (owner: RawResource | undefined) =>
      Promise.all(endpointIdsOf(owner).map((endpointId) => zoneGroupsAndZones(ctx, endpointId)));
    await Promise.all([
      ofOwner(ctx.settingsWorkspace?.raw),
      ...OWNERS.map((part) => dependency(ctx, part).then(ofOwner)),
    ]);
  },
});

async function zoneGroupsAndZones(ctx: ReadContext, endpointId: string): Promise<void> {
  const ref = parseRef(endpointId);
  if (!ref) return;
  const groups = await ctx.list(
    "privateDns",
    "private DNS zone groups list",
    `${ref.id}/privateDnsZoneGroups`,
    () => ctx.reader.clientsFor(ref.subscriptionId).network.privateDnsZoneGroups.list(ref.resourceGroup, ref.name),
    "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
  );
  const zoneIds = (groups ?? [])
    .flatMap((raw) => dnsZoneGroupView(raw).zones.map((zone) => zone.zoneId))
    .filter((id): id is string => !!id);
  await Promise.all(zoneIds.map((zoneId) => zoneAndLinks(ctx, zoneId)));
}

/** A zone and its VNet links, once per zone however many zone groups name it. */
function zoneAndLinks(ctx: ReadContext, zoneId: string): Promise<unknown> {
  return ctx.once(`zone ${idKey(zoneId)}`, async () => {
    const ref = parseRef(zoneId);
    if (!ref) {
      ctx.fail({
        part: "privateDns",
        resourceId: zoneId,
        operation: "private DNS zone get",
        message: `"${zoneId}" is not an ARM resource ID`,
      });
      return;
    }
    const dns = ctx.reader.clientsFor(ref.subscriptionId).privateDns;
    await Promise.all([
      ctx.get("privateDns", "private DNS zone get", zoneId, () => dns.privateZones.get(ref.resourceGroup, ref.name)),
      ctx.list(
        "privateDns",
        "virtual network links list",
        `${ref.id}/virtualNetworkLinks`,
        () => dns.virtualNetworkLinks.list(ref.resourceGroup, ref.name),
        "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
      ),
    ]);
  });
}

// What answers DNS for a VNet that names custom DNS servers (private-dns follows a server that is an
// Azure Firewall's DNS proxy or a DNS Private Resolver's inbound endpoint): the Azure Firewalls of the
// workspace's subscription with the firewall policy each names, and its DNS Private Resolvers with
// their inbound endpoints. Which servers the VNets name is known only once the VNets are read (round
// 3), too late to start from there within four round trips, so both lists start beside the
// dependencies and the policies and inbound endpoints follow one round later. A subscription holds
// few of them: every one listed is kept. A policy that sets no DNS proxy but names a base policy has
// that base read too, one round later still (the fourth), and only then.

import { parseRef, type ReadContext } from "./context.js";
import { definePart } from "./define.js";
import { distinct } from "./network-security-groups.js";
import {
  FIREWALL_TYPE,
  DNS_RESOLVER_TYPE,
  INBOUND_ENDPOINT_TYPE,
  firewallPolicyView,
  firewallView,
} from "../../snapshot/dns-forwarders.js";
import type { RawResource } from "../../snapshot/types.js";
import type { Operation } from "../permissions.js";

export default definePart({
  part: "dnsForwarders",
  after: ["workspace"],
  read: async (ctx) => {
    await Promise.all(
      forwarderSubscriptions(ctx).map((subscriptionId) =>
        Promise.all([firewallsAndPolicies(ctx, subscriptionId), resolversAndInboundEndpoints(ctx, subscriptionId)]),
      ),
    );
  },
});

/** The audited workspace's subscription and, for a Foundry project, its hub's. */
function forwarderSubscriptions(ctx: ReadContext): string[] {
  const subscriptions = [ctx.workspace.subscriptionId, ctx.settingsWorkspace?.subscriptionId];
  return [...new Map(subscriptions.filter((id): id is string => !!id).map((id) => [id.toLowerCase(), id])).values()];
}

/** `/subscriptions/S/providers/<type>`: the collection of every resource of a type in a subscription. */
function subscriptionListId(subscriptionId: string, type: string): string {
  return `/subscriptions/${subscriptionId}/providers/${type}`;
}

async function firewallsAndPolicies(ctx: ReadContext, subscriptionId: string): Promise<void> {
  const firewalls = await subscriptionList(ctx, "azure firewalls list", subscriptionId, FIREWALL_TYPE, () =>
    ctx.reader.clientsFor(subscriptionId).network.azureFirewalls.listAll(),
  );
  // A firewall's DNS proxy is set in its policy; only the policies a firewall names are read.
  const policyIds = distinct((firewalls ?? []).map((raw) => firewallView(raw).policyId));
  const policies = await Promise.all(policyIds.map((id) => readPolicy(ctx, id)));
  // A child policy without its own DNS proxy setting: its base policy's may be the one in force.
  const baseIds = distinct(
    policies.map((raw) => {
      const view = raw ? firewallPolicyView(raw) : undefined;
      return view && !view.proxySet ? view.basePolicyId : undefined;
    }),
  );
  await Promise.all(baseIds.map((id) => readPolicy(ctx, id)));
}

function readPolicy(ctx: ReadContext, id: string): Promise<RawResource | undefined> {
  return ctx.get("dnsForwarders", "firewall policy get", id, (ref) =>
    ctx.reader.clientsFor(ref.subscriptionId).network.firewallPolicies.get(ref.resourceGroup, ref.name),
  );
}

async function resolversAndInboundEndpoints(ctx: ReadContext, subscriptionId: string): Promise<void> {
  const resolvers = await subscriptionList(ctx, "DNS resolvers list", subscriptionId, DNS_RESOLVER_TYPE, () =>
    ctx.reader.clientsFor(subscriptionId).dnsResolver.dnsResolvers.list(),
  );
  const refs = (resolvers ?? []).flatMap((raw) => {
    const ref = typeof raw.id === "string" ? parseRef(raw.id) : undefined;
    return ref ? [ref] : [];
  });
  await Promise.all(
    refs.map((ref) =>
      ctx.list(
        "dnsForwarders",
        "inbound endpoints list",
        `${ref.id}/inboundEndpoints`,
        () => ctx.reader.clientsFor(ref.subscriptionId).dnsResolver.inboundEndpoints.list(ref.resourceGroup, ref.name),
        INBOUND_ENDPOINT_TYPE,
      ),
    ),
  );
}

/** Every resource of a type in a subscription, kept (a fleet lists each subscription once); undefined when the list failed. */
async function subscriptionList(
  ctx: ReadContext,
  operation: Operation,
  subscriptionId: string,
  type: string,
  call: () => AsyncIterable<unknown>,
): Promise<RawResource[] | undefined> {
  const listId = subscriptionListId(subscriptionId, type);
  const read = () => ctx.reader.readAll("dnsForwarders", operation, listId, call);
  const result = await (ctx.shared ? ctx.shared.once(listId, read) : read());
  if (!result.ok) {
    ctx.fail(result.error);
    return undefined;
  }
  return result.items.map((item) => ctx.keep(item));
}

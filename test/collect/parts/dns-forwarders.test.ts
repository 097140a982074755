import { describe, expect, test } from "vitest";
import { addFirewall, addResolver, BASE_POLICY_ID, POLICY_ID, RESOLVER_ID } from "../../checks/dns-forwarders.js";
import { resource } from "../../harness.js";
import { addVnet, fault, vnetId } from "../../checks/mutations.js";
import { HEALTHY } from "../../harness.js";
import type { Scenario } from "../../fake-arm/scenario.js";
import { readParts, requestsTo } from "./support.js";

const SUBSCRIPTION = `/subscriptions/${HEALTHY.subscriptionId}`;
const FIREWALLS_LIST = `${SUBSCRIPTION}/providers/Microsoft.Network/azureFirewalls`;
const RESOLVERS_LIST = `${SUBSCRIPTION}/providers/Microsoft.Network/dnsResolvers`;

/** The hub-spoke reference's hub: a firewall with a policy and a DNS Private Resolver with an inbound endpoint. */
function withHub(s: Scenario): void {
  const subnet = addVnet(s, "hub-vnet", "10.40.0.0/16", { subnet: "AzureFirewallSubnet" });
  addFirewall(s, { subnetId: subnet, ip: "10.40.0.4" });
  addResolver(s, vnetId("hub-vnet"), subnet, "10.40.0.10");
}

describe("the DNS forwarders reader", () => {
  test("lists the subscription's firewalls and DNS resolvers once each, then the policy and the inbound endpoints", async () => {
    const read = await readParts(["dnsForwarders"], withHub);
    expect(requestsTo(read, /azureFirewalls$/)).toEqual([`GET ${FIREWALLS_LIST}`]);
    expect(requestsTo(read, /dnsResolvers$/)).toEqual([`GET ${RESOLVERS_LIST}`]);
    expect(requestsTo(read, /firewallPolicies/)).toEqual([`GET ${POLICY_ID}`]);
    expect(requestsTo(read, /inboundEndpoints$/)).toEqual([`GET ${RESOLVER_ID}/inboundEndpoints`]);
    expect(read.kept("Microsoft.Network/azureFirewalls")).toEqual(["hub-fw"]);
    expect(read.kept("Microsoft.Network/firewallPolicies")).toEqual(["hub-fw-policy"]);
    expect(read.kept("Microsoft.Network/dnsResolvers")).toEqual(["hub-resolver"]);
    expect(read.kept("Microsoft.Network/dnsResolvers/inboundEndpoints")).toEqual(["hub-inbound"]);
    expect(read.snapshot.errors).toEqual([]);
  });

  test("the healthy workspace has neither: two lists, nothing kept, no policy or endpoint read", async () => {
    const read = await readParts(["dnsForwarders"]);
    expect(requestsTo(read, /azureFirewalls|dnsResolvers|firewallPolicies/).sort()).toEqual(
      [`GET ${FIREWALLS_LIST}`, `GET ${RESOLVERS_LIST}`].sort(),
    );
    expect(read.kept("Microsoft.Network/azureFirewalls")).toEqual([]);
  });

  test("private-dns asks for it; it waits only for the workspace", async () => {
    const read = await readParts(["privateDns", "dnsForwarders"], withHub);
    expect(requestsTo(read, /azureFirewalls$/)).toHaveLength(1);
    expect(read.snapshot.parts).toContain("dnsForwarders");
  });

  test("a child policy that sets no DNS proxy: its base policy is read after it; one that sets it: no base read", async () => {
    const child = (dnsSettings: Record<string, unknown> | undefined) => (s: Scenario) => {
      const subnet = addVnet(s, "hub-vnet", "10.40.0.0/16", { subnet: "AzureFirewallSubnet" });
      addFirewall(s, { subnetId: subnet, ip: "10.40.0.4", basePolicy: { dnsSettings: { enableProxy: true } } });
      if (dnsSettings === undefined) delete resource(s, POLICY_ID).properties.dnsSettings;
      else resource(s, POLICY_ID).properties.dnsSettings = dnsSettings;
    };
    const unset = await readParts(["dnsForwarders"], child(undefined));
    expect(requestsTo(unset, /firewallPolicies/)).toEqual([`GET ${POLICY_ID}`, `GET ${BASE_POLICY_ID}`]);
    expect(unset.kept("Microsoft.Network/firewallPolicies").sort()).toEqual(["hub-fw-policy", "org-base-policy"]);
    const set = await readParts(["dnsForwarders"], child({ enableProxy: false }));
    expect(requestsTo(set, /firewallPolicies/)).toEqual([`GET ${POLICY_ID}`]);
  });

  test("a classic firewall without a policy: no policy read", async () => {
    const read = await readParts(["dnsForwarders"], (s) => {
      const subnet = addVnet(s, "hub-vnet", "10.40.0.0/16", { subnet: "AzureFirewallSubnet" });
      addFirewall(s, {
        subnetId: subnet,
        ip: "10.40.0.4",
        dnsSettings: null,
        additionalProperties: { "Network.DNS.EnableProxy": "true" },
      });
    });
    expect(requestsTo(read, /firewallPolicies/)).toEqual([]);
    expect(read.kept("Microsoft.Network/azureFirewalls")).toEqual(["hub-fw"]);
  });

  test.each([
    [
      "the firewalls list",
      "/providers/Microsoft.Network/azureFirewalls$",
      FIREWALLS_LIST,
      "Microsoft.Network/azureFirewalls/read",
    ],
    [
      "the resolvers list",
      "/providers/Microsoft.Network/dnsResolvers$",
      RESOLVERS_LIST,
      "Microsoft.Network/dnsResolvers/read",
    ],
    ["the policy", "/firewallPolicies/hub-fw-policy$", POLICY_ID, "Microsoft.Network/firewallPolicies/read"],
    [
      "the inbound endpoints",
      "/inboundEndpoints$",
      `${RESOLVER_ID}/inboundEndpoints`,
      "Microsoft.Network/dnsResolvers/inboundEndpoints/read",
    ],
  ])(
    "a refused read of %s is recorded against dnsForwarders, with its permission",
    async (_what, path, id, permission) => {
      const read = await readParts(["dnsForwarders"], (s) => {
        withHub(s);
        fault(s, path);
      });
      expect(read.errors("dnsForwarders")).toEqual([
        expect.objectContaining({ resourceId: id, statusCode: 403, permission }),
      ]);
    },
  );

  test("a refused firewalls list reads no policy; the resolvers are still read", async () => {
    const read = await readParts(["dnsForwarders"], (s) => {
      withHub(s);
      fault(s, "/providers/Microsoft.Network/azureFirewalls$");
    });
    expect(requestsTo(read, /firewallPolicies/)).toEqual([]);
    expect(read.kept(`Microsoft.Network/dnsResolvers/inboundEndpoints`)).toEqual(["hub-inbound"]);
    expect(read.kept("Microsoft.Network/azureFirewalls")).toEqual([]);
  });
});

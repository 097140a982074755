import { describe, expect, it } from "vitest";
import {
  normaliseRegion,
  parseServiceTag,
  prefixCoversDestination,
  prefixCoversSource,
  type Destination,
} from "../../src/net/index.js";

const ctx = { vnetPrefixes: ["10.0.0.0/16"] };
const mcrWestEurope: Destination = { kind: "tag", tag: "MicrosoftContainerRegistry", region: "westeurope" };
const frontDoor: Destination = { kind: "tag", tag: "AzureFrontDoor.FirstParty", region: "westeurope" };
const storageWestEurope: Destination = { kind: "tag", tag: "Storage.westeurope", region: "westeurope" };

describe("normaliseRegion", () => {
  it.each(["West Europe", "westeurope", "WestEurope", "west-europe", " West Europe "])("%j → westeurope", (r) => {
    expect(normaliseRegion(r.trim())).toBe("westeurope");
  });
});

describe("parseServiceTag", () => {
  it.each([
    { tag: "MicrosoftContainerRegistry", base: "microsoftcontainerregistry", region: undefined },
    { tag: "MicrosoftContainerRegistry.WestEurope", base: "microsoftcontainerregistry", region: "westeurope" },
    { tag: "Storage.westeurope", base: "storage", region: "westeurope" },
    { tag: "AzureCloud.EastUS", base: "azurecloud", region: "eastus" },
    { tag: "AzureFrontDoor.FirstParty", base: "azurefrontdoor.firstparty", region: undefined },
    { tag: "azurefrontdoor.frontend", base: "azurefrontdoor.frontend", region: undefined },
    { tag: "AzureFrontDoor.Backend", base: "azurefrontdoor.backend", region: undefined },
  ])("$tag → base $base, region $region", ({ tag, base, region }) => {
    expect(parseServiceTag(tag)).toEqual(region === undefined ? { base } : { base, region });
  });
});

describe("prefixCoversDestination: public service tag MicrosoftContainerRegistry from westeurope", () => {
  it.each([
    { prefix: "*", expected: "yes" },
    { prefix: "0.0.0.0/0", expected: "yes" },
    { prefix: "::/0", expected: "yes" },
    { prefix: "Internet", expected: "yes" },
    { prefix: "internet", expected: "yes" },
    { prefix: "AzureCloud", expected: "yes" },
    { prefix: "AzureCloud.westeurope", expected: "yes" },
    { prefix: "AzureCloud.WestEurope", expected: "yes" },
    { prefix: "AzureCloud.eastus", expected: "no" },
    { prefix: "MicrosoftContainerRegistry", expected: "yes" },
    { prefix: "microsoftcontainerregistry", expected: "yes" },
    { prefix: "MicrosoftContainerRegistry.WestEurope", expected: "yes" },
    { prefix: "MicrosoftContainerRegistry.eastus", expected: "no" },
    { prefix: "Storage", expected: "no" },
    { prefix: "AzureFrontDoor.FirstParty", expected: "no" },
    { prefix: "VirtualNetwork", expected: "no" },
    { prefix: "AzureLoadBalancer", expected: "no" },
    { prefix: "20.0.0.0/8", expected: "maybe" },
    { prefix: "203.0.113.7", expected: "maybe" },
    { prefix: "0.0.0.0/1", expected: "maybe" },
    { prefix: "10.0.0.0/8", expected: "no" },
    { prefix: "172.16.0.0/12", expected: "no" },
    { prefix: "192.168.1.0/24", expected: "no" },
    { prefix: "100.64.0.0/10", expected: "no" },
    { prefix: "fd00::/8", expected: "no" },
    { prefix: "10.0.0.0/33", expected: "maybe" },
  ])("prefix $prefix → $expected", ({ prefix, expected }) => {
    expect(prefixCoversDestination(prefix, mcrWestEurope, ctx)).toBe(expected);
  });

  it("a regional prefix with no known compute region is maybe", () => {
    const dest: Destination = { kind: "tag", tag: "MicrosoftContainerRegistry" };
    expect(prefixCoversDestination("MicrosoftContainerRegistry.westeurope", dest, ctx)).toBe("maybe");
    expect(prefixCoversDestination("AzureCloud.westeurope", dest, ctx)).toBe("maybe");
  });

  it("compute region 'West Europe' matches prefix suffix 'westeurope'", () => {
    const dest: Destination = { kind: "tag", tag: "MicrosoftContainerRegistry", region: "West Europe" };
    expect(prefixCoversDestination("MicrosoftContainerRegistry.WestEurope", dest, ctx)).toBe("yes");
  });
});

describe("prefixCoversDestination: non-regional tag AzureFrontDoor.FirstParty", () => {
  it.each([
    { prefix: "*", expected: "yes" },
    { prefix: "Internet", expected: "yes" },
    { prefix: "AzureCloud", expected: "yes" },
    { prefix: "AzureFrontDoor.FirstParty", expected: "yes" },
    { prefix: "azurefrontdoor.firstparty", expected: "yes" },
    { prefix: "AzureFrontDoor.Frontend", expected: "no" },
    { prefix: "AzureFrontDoor.Backend", expected: "no" },
    { prefix: "AzureFrontDoor", expected: "no" },
    { prefix: "AzureCloud.westeurope", expected: "maybe" },
    { prefix: "AzureCloud.eastus", expected: "maybe" },
    { prefix: "MicrosoftContainerRegistry", expected: "no" },
  ])("prefix $prefix → $expected", ({ prefix, expected }) => {
    expect(prefixCoversDestination(prefix, frontDoor, ctx)).toBe(expected);
  });
});

describe("prefixCoversDestination: regional destination Storage.westeurope", () => {
  it.each([
    { prefix: "Storage", expected: "yes" },
    { prefix: "Storage.westeurope", expected: "yes" },
    { prefix: "Storage.WestEurope", expected: "yes" },
    { prefix: "Storage.eastus", expected: "no" },
    { prefix: "AzureCloud.westeurope", expected: "yes" },
    { prefix: "AzureCloud.eastus", expected: "no" },
    { prefix: "Sql.westeurope", expected: "no" },
  ])("prefix $prefix → $expected", ({ prefix, expected }) => {
    expect(prefixCoversDestination(prefix, storageWestEurope, ctx)).toBe(expected);
  });

  it("the tag's own region wins over the compute region", () => {
    const dest: Destination = { kind: "tag", tag: "Storage.westeurope", region: "eastus" };
    expect(prefixCoversDestination("Storage.westeurope", dest, ctx)).toBe("yes");
    expect(prefixCoversDestination("Storage.eastus", dest, ctx)).toBe("no");
  });
});

describe("prefixCoversDestination: CIDR destination", () => {
  const publicDest: Destination = { kind: "cidr", cidr: "20.1.2.3" };
  const vnetDest: Destination = { kind: "cidr", cidr: "10.0.2.4" };
  const peeredDest: Destination = { kind: "cidr", cidr: "10.1.0.4" };
  it.each([
    { name: "* covers a public address", prefix: "*", dest: publicDest, expected: "yes" },
    { name: "0.0.0.0/0 covers a public address", prefix: "0.0.0.0/0", dest: publicDest, expected: "yes" },
    { name: "Internet covers a public address", prefix: "Internet", dest: publicDest, expected: "yes" },
    { name: "Internet does not cover a VNet address", prefix: "Internet", dest: vnetDest, expected: "no" },
    { name: "Internet does not cover a private address", prefix: "Internet", dest: peeredDest, expected: "no" },
    { name: "VirtualNetwork covers an address in the VNet", prefix: "VirtualNetwork", dest: vnetDest, expected: "yes" },
    {
      name: "VirtualNetwork may cover a private address outside it (peering)",
      prefix: "VirtualNetwork",
      dest: peeredDest,
      expected: "maybe",
    },
    {
      name: "VirtualNetwork does not cover a public address",
      prefix: "VirtualNetwork",
      dest: publicDest,
      expected: "no",
    },
    { name: "containing CIDR", prefix: "20.0.0.0/8", dest: publicDest, expected: "yes" },
    { name: "disjoint CIDR", prefix: "30.0.0.0/8", dest: publicDest, expected: "no" },
    {
      name: "partially overlapping CIDR",
      prefix: "20.1.2.0/24",
      dest: { kind: "cidr" as const, cidr: "20.1.0.0/16" },
      expected: "maybe",
    },
    { name: "other tag, public address", prefix: "AzureCloud", dest: publicDest, expected: "maybe" },
    { name: "other tag, private address", prefix: "Storage", dest: peeredDest, expected: "no" },
    { name: "IPv6 prefix does not cover an IPv4 address", prefix: "::/0", dest: publicDest, expected: "no" },
  ])("$name → $expected", ({ prefix, dest, expected }) => {
    expect(prefixCoversDestination(prefix, dest, ctx)).toBe(expected);
  });
});

describe("prefixCoversSource: the compute subnet 10.0.1.0/24", () => {
  const subnet = ["10.0.1.0/24"];
  it.each([
    { prefix: "*", sources: subnet, vnet: ctx.vnetPrefixes, expected: "yes" },
    { prefix: "VirtualNetwork", sources: subnet, vnet: ctx.vnetPrefixes, expected: "yes" },
    { prefix: "virtualnetwork", sources: subnet, vnet: [], expected: "yes" },
    { prefix: "VirtualNetwork", sources: ["20.0.1.0/24"], vnet: [], expected: "maybe" },
    { prefix: "10.0.0.0/16", sources: subnet, vnet: ctx.vnetPrefixes, expected: "yes" },
    { prefix: "10.0.1.0/24", sources: subnet, vnet: ctx.vnetPrefixes, expected: "yes" },
    { prefix: "10.0.1.0/25", sources: subnet, vnet: ctx.vnetPrefixes, expected: "maybe" },
    { prefix: "10.0.1.0/24", sources: ["10.0.1.0/24", "10.0.9.0/24"], vnet: ctx.vnetPrefixes, expected: "maybe" },
    { prefix: "192.168.0.0/16", sources: subnet, vnet: ctx.vnetPrefixes, expected: "no" },
    { prefix: "Internet", sources: subnet, vnet: ctx.vnetPrefixes, expected: "no" },
    { prefix: "AzureCloud", sources: subnet, vnet: ctx.vnetPrefixes, expected: "no" },
    { prefix: "AzureCloud", sources: ["20.0.1.0/24"], vnet: [], expected: "maybe" },
    { prefix: "AzureLoadBalancer", sources: subnet, vnet: ctx.vnetPrefixes, expected: "no" },
    { prefix: "VirtualNetwork", sources: [], vnet: ctx.vnetPrefixes, expected: "yes" }, // the source is a subnet of the VNet,
    { prefix: "2001:db8::/32", sources: ["2001:db8:1::/64"], vnet: ["2001:db8::/32"], expected: "yes" },
    { prefix: "0.0.0.0/0", sources: ["2001:db8:1::/64"], vnet: ["2001:db8::/32"], expected: "no" },
  ])("prefix $prefix over $sources (vnet $vnet) → $expected", ({ prefix, sources, vnet, expected }) => {
    expect(prefixCoversSource(prefix, sources, { vnetPrefixes: vnet })).toBe(expected);
  });
});

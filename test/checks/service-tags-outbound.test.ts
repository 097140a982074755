// service-tags-outbound: one small scenario per case, mutated from the healthy workspace, run
// through the real collector against the fake ARM. Assertions are statuses, message ids and
// evidence, never prose.

import { describe, expect, test } from "vitest";
import type { ReportFinding } from "../../src/engine/types.js";
import type { Scenario } from "../fake-arm/scenario.js";
import { auditScenario, byName, healthyScenario, type AuditResult } from "../harness.js";
import {
  NET,
  TRAINING,
  TRAINING_NSG,
  VNET_ID,
  WS_ID,
  addCompute,
  expectInReportOrder,
  securityRule,
  type Json,
  type ReportOrderCase,
} from "./mutations.js";
import { armExampleBody } from "../fixtures/arm-examples.js";

const CHECK = "service-tags-outbound";
const NSG = TRAINING_NSG;
const MCR = "MicrosoftContainerRegistry";
const AFD = "AzureFrontDoor.FirstParty";

function nsgOf(scenario: Scenario, suffix = "/networkSecurityGroups/training-nsg"): Json {
  return byName(scenario, suffix);
}

function securityRules(scenario: Scenario): Json[] {
  return nsgOf(scenario).properties.securityRules as Json[];
}

function ruleNamed(scenario: Scenario, name: string): Json {
  const found = securityRules(scenario).find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no rule ${name}`);
  return found;
}

function setPriority(scenario: Scenario, name: string, priority: number): void {
  ruleNamed(scenario, name).properties.priority = priority;
}

function removeRule(scenario: Scenario, name: string): void {
  nsgOf(scenario).properties.securityRules = securityRules(scenario).filter((candidate) => candidate.name !== name);
}

function addRule(scenario: Scenario, added: Json): void {
  securityRules(scenario).push(added);
}

function subnet(scenario: Scenario, name: string): Json {
  const vnet = byName(scenario, "/virtualNetworks/ml-vnet");
  const found = (vnet.properties.subnets as Json[]).find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no subnet ${name}`);
  return found;
}

function computes(scenario: Scenario): Json[] {
  return scenario.resources.filter((resource) =>
    resource.id.toLowerCase().startsWith(`${WS_ID}/computes/`.toLowerCase()),
  );
}

function findingFor(result: AuditResult, tag: string, subnetId = TRAINING): ReportFinding {
  const found = result
    .check(CHECK)
    .findings.find(
      (finding) => finding.evidence.tag === tag && finding.resourceId.toLowerCase() === subnetId.toLowerCase(),
    );
  if (!found) throw new Error(`no finding for ${tag} on ${subnetId}`);
  return found;
}

/** The deciding rule's name and priority, per required tag. */
function decidedBy(result: AuditResult, subnetId = TRAINING): Record<string, unknown> {
  return Object.fromEntries(
    [MCR, AFD].map((tag) => {
      const deciding = findingFor(result, tag, subnetId).evidence.decidingRule as Json | null;
      return [tag, deciding ? { name: deciding.name, priority: deciding.priority } : null];
    }),
  );
}

const cases: ReportOrderCase[] = [
  {
    name: "pass: the NSG comes from its resource group's listing, with no read by ID (the level-3 prefetch)",
    status: "pass",
    ids: ["pass:allowed", "pass:allowed"],
    verify(result) {
      const nsgReads = result.requests
        .filter((request) => /networkSecurityGroups/i.test(request.path))
        .map((request) => request.path.split("?")[0]);
      expect(nsgReads).toEqual([`${NET}/networkSecurityGroups`]);
    },
  },
  {
    name: "pass: an NSG in another resource group (missed by the listing) is read by ID at level 4",
    mutate(scenario) {
      const nsg = nsgOf(scenario);
      const moved = String(nsg.id).replace("/resourceGroups/ml-platform-rg/", "/resourceGroups/network-rg/");
      nsg.id = moved;
      subnet(scenario, "training").properties.networkSecurityGroup = { id: moved };
    },
    status: "pass",
    ids: ["pass:allowed", "pass:allowed"],
    verify(result) {
      const nsgReads = result.requests
        .filter((request) => /networkSecurityGroups/i.test(request.path))
        .map((request) => request.path.split("?")[0]);
      expect(nsgReads).toEqual([
        `${NET}/networkSecurityGroups`,
        "/subscriptions/6f1c2b3a-4d5e-4f60-8a71-92b3c4d5e6f7/resourceGroups/network-rg/providers/Microsoft.Network/networkSecurityGroups/training-nsg",
      ]);
    },
  },
  {
    name: "pass: healthy NSG with explicit allows to both tags",
    status: "pass",
    ids: ["pass:allowed", "pass:allowed"],
    verify(result) {
      expect(decidedBy(result)).toEqual({
        [MCR]: { name: "AllowContainerRegistryOut", priority: 100 },
        [AFD]: { name: "AllowFrontDoorFirstPartyOut", priority: 110 },
      });
      const evidence = findingFor(result, MCR).evidence;
      expect(evidence).toMatchObject({
        subnet: TRAINING,
        computes: ["cpu-build", "gpu-train", "ci-alice"],
        port: 443,
        region: "westeurope",
        subnetPrefixes: ["10.20.1.0/24"],
        networkSecurityGroup: NSG,
        uncertainRules: [],
      });
    },
  },
  {
    name: "pass: NSG with only its default rules (no securityRules): AllowInternetOutBound lets 443 out",
    mutate(scenario) {
      delete nsgOf(scenario).properties.securityRules;
    },
    status: "pass",
    ids: ["pass:allowed", "pass:allowed"],
    verify(result) {
      expect(decidedBy(result)).toEqual({
        [MCR]: { name: "AllowInternetOutBound", priority: 65001 },
        [AFD]: { name: "AllowInternetOutBound", priority: 65001 },
      });
      expect(findingFor(result, MCR).evidence.decidingRule).toMatchObject({ isDefault: true, access: "Allow" });
    },
  },
  {
    name: "pass: NSG with empty securityRules and ARM's explicit defaultSecurityRules (NetworkSecurityGroupGet example)",
    mutate(scenario) {
      const example = armExampleBody("Microsoft.Network/2026-01-01/NetworkSecurityGroupGet.json");
      const nsg = nsgOf(scenario);
      nsg.properties.securityRules = [];
      nsg.properties.defaultSecurityRules = (example.properties.defaultSecurityRules as Json[]).map((entry) => ({
        ...entry,
        id: `${NSG}/defaultSecurityRules/${entry.name}`,
      }));
    },
    status: "pass",
    ids: ["pass:allowed", "pass:allowed"],
    verify(result) {
      expect(decidedBy(result)[MCR]).toEqual({ name: "AllowInternetOutBound", priority: 65001 });
      expect(findingFor(result, AFD).evidence.decidingRule).toMatchObject({
        name: "AllowInternetOutBound",
        isDefault: true,
      });
    },
  },
  {
    name: "pass: the compute subnet has no NSG (and no NSG is read)",
    mutate(scenario) {
      delete subnet(scenario, "training").properties.networkSecurityGroup;
    },
    status: "pass",
    ids: ["pass:no-nsg", "pass:no-nsg"],
    verify(result) {
      expect(findingFor(result, MCR).evidence).toMatchObject({ networkSecurityGroup: null, subnet: TRAINING });
      // Only the resource group's NSG listing (the level-3 prefetch) runs; no NSG is read by ID.
      expect(result.requests.filter((request) => /networkSecurityGroups\/[^/?]+/i.test(request.path))).toEqual([]);
    },
  },
  {
    name: "fail: a Deny Internet rule outranks the allows",
    mutate(scenario) {
      setPriority(scenario, "DenyInternetOut", 90);
    },
    status: "fail",
    ids: ["fail:blocked", "fail:blocked"],
    verify(result) {
      expect(decidedBy(result)).toEqual({
        [MCR]: { name: "DenyInternetOut", priority: 90 },
        [AFD]: { name: "DenyInternetOut", priority: 90 },
      });
      expect(findingFor(result, MCR).evidence.decidingRule).toMatchObject({
        access: "Deny",
        destinationAddressPrefixes: ["Internet"],
      });
    },
  },
  {
    name: "fail: Deny with destination * at priority 100, allows behind it",
    mutate(scenario) {
      setPriority(scenario, "AllowContainerRegistryOut", 200);
      setPriority(scenario, "AllowFrontDoorFirstPartyOut", 210);
      setPriority(scenario, "AllowAzureCloudOut", 220);
      addRule(scenario, securityRule("DenyAllOut", { priority: 100, destinationAddressPrefix: "*" }));
    },
    status: "fail",
    ids: ["fail:blocked", "fail:blocked"],
    verify(result) {
      expect(decidedBy(result)).toEqual({
        [MCR]: { name: "DenyAllOut", priority: 100 },
        [AFD]: { name: "DenyAllOut", priority: 100 },
      });
    },
  },
  {
    name: "pass: allow on MicrosoftContainerRegistry.WestEurope outranks a deny * for a westeurope VNet",
    mutate(scenario) {
      removeRule(scenario, "AllowAzureCloudOut");
      addRule(scenario, securityRule("DenyAllOut", { priority: 200 }));
    },
    status: "pass",
    ids: ["pass:allowed", "pass:allowed"],
    verify(result) {
      expect(decidedBy(result)).toEqual({
        [MCR]: { name: "AllowContainerRegistryOut", priority: 100 },
        [AFD]: { name: "AllowFrontDoorFirstPartyOut", priority: 110 },
      });
      expect(findingFor(result, MCR).evidence.region).toBe("westeurope");
    },
  },
  {
    name: "fail: allow on MicrosoftContainerRegistry.EastUS does not cover a westeurope VNet; deny * decides",
    mutate(scenario) {
      removeRule(scenario, "AllowAzureCloudOut");
      ruleNamed(scenario, "AllowContainerRegistryOut").properties.destinationAddressPrefix =
        "MicrosoftContainerRegistry.EastUS";
      addRule(scenario, securityRule("DenyAllOut", { priority: 200 }));
    },
    status: "fail",
    ids: ["fail:blocked", "pass:allowed"],
    verify(result) {
      expect(decidedBy(result)).toEqual({
        [MCR]: { name: "DenyAllOut", priority: 200 },
        [AFD]: { name: "AllowFrontDoorFirstPartyOut", priority: 110 },
      });
      expect(findingFor(result, MCR).status).toBe("fail");
    },
  },
  {
    name: "unknown: a deny on plain public CIDR 20.0.0.0/8 precedes the allows (it may hold the tags' addresses)",
    mutate(scenario) {
      addRule(scenario, securityRule("DenyPublicRange", { priority: 90, destinationAddressPrefix: "20.0.0.0/8" }));
    },
    status: "unknown",
    ids: ["unknown:undetermined", "unknown:undetermined"],
    verify(result) {
      expect(decidedBy(result)).toEqual({
        [MCR]: { name: "DenyPublicRange", priority: 90 },
        [AFD]: { name: "DenyPublicRange", priority: 90 },
      });
      const uncertain = findingFor(result, MCR).evidence.uncertainRules as Json[];
      expect(uncertain.map((entry) => entry.name)).toEqual(["DenyPublicRange"]);
    },
  },
  {
    name: "pass: a deny on private 10.0.0.0/8 precedes the allows (no service tag lives there)",
    mutate(scenario) {
      addRule(scenario, securityRule("DenyPrivateRange", { priority: 90, destinationAddressPrefix: "10.0.0.0/8" }));
    },
    status: "pass",
    ids: ["pass:allowed", "pass:allowed"],
    verify(result) {
      expect(decidedBy(result)[MCR]).toEqual({ name: "AllowContainerRegistryOut", priority: 100 });
    },
  },
  {
    name: "pass: a deny of port 80 only precedes the allows",
    mutate(scenario) {
      addRule(
        scenario,
        securityRule("DenyHttpOut", {
          priority: 90,
          protocol: "Tcp",
          destinationAddressPrefix: "Internet",
          destinationPortRange: "80",
        }),
      );
    },
    status: "pass",
    ids: ["pass:allowed", "pass:allowed"],
    verify(result) {
      expect(decidedBy(result)[AFD]).toEqual({ name: "AllowFrontDoorFirstPartyOut", priority: 110 });
    },
  },
  {
    name: "pass: a deny of UDP only precedes the allows",
    mutate(scenario) {
      addRule(
        scenario,
        securityRule("DenyUdpOut", {
          priority: 90,
          protocol: "Udp",
          destinationAddressPrefix: "*",
          destinationPortRange: "*",
        }),
      );
    },
    status: "pass",
    ids: ["pass:allowed", "pass:allowed"],
    verify(result) {
      expect(decidedBy(result)[MCR]).toEqual({ name: "AllowContainerRegistryOut", priority: 100 });
    },
  },
  {
    name: "unknown: the VNet read returns 403",
    mutate(scenario) {
      scenario.faults = [
        { method: "GET", path: "/virtualNetworks/ml-vnet$", status: 403, code: "AuthorizationFailed" },
      ];
    },
    status: "unknown",
    ids: ["unknown:undetermined", "unknown:undetermined"],
    verify(result) {
      for (const tag of [MCR, AFD]) {
        expect(findingFor(result, tag).evidence).toMatchObject({
          subnet: TRAINING,
          tag,
          operation: "virtual network get",
          statusCode: 403,
          code: "AuthorizationFailed",
          missingPermission: "Microsoft.Network/virtualNetworks/read",
        });
      }
      // Without the VNet the subnet's NSG is not known, so none is read by ID (only the prefetch listing runs).
      expect(result.requests.filter((request) => /networkSecurityGroups\/[^/?]+/i.test(request.path))).toEqual([]);
    },
  },
  {
    name: "unknown: the NSG read returns 403",
    mutate(scenario) {
      // Both the resource group's NSG listing and the NSG itself are forbidden.
      scenario.faults = [
        { method: "GET", path: "/networkSecurityGroups(/training-nsg)?$", status: 403, code: "AuthorizationFailed" },
      ];
    },
    status: "unknown",
    ids: ["unknown:undetermined", "unknown:undetermined"],
    verify(result) {
      expect(findingFor(result, AFD).evidence).toMatchObject({
        networkSecurityGroup: NSG,
        operation: "network security group get",
        statusCode: 403,
        missingPermission: "Microsoft.Network/networkSecurityGroups/read",
      });
      expect(result.report.collection.errors).toContainEqual(
        expect.objectContaining({
          resourceId: NSG,
          statusCode: 403,
          permission: "Microsoft.Network/networkSecurityGroups/read",
        }),
      );
    },
  },
  {
    name: "skip: no compute is in a subnet",
    mutate(scenario) {
      for (const compute of computes(scenario)) delete compute.properties.properties.subnet;
    },
    status: "skip",
    ids: ["skip:no-subnets"],
    verify(result) {
      const [finding] = result.check(CHECK).findings;
      expect(finding?.evidence.computes).toHaveLength(3);
      // No compute subnet, so no NSG is read.
      expect(result.requests.filter((request) => /networkSecurityGroups/i.test(request.path))).toEqual([]);
    },
  },
  {
    name: "skip: the workspace isolates its computes in a managed network (its NSGs are not on their path)",
    mutate(scenario) {
      byName(scenario, `/workspaces/ml-research`).properties.managedNetwork = {
        isolationMode: "AllowOnlyApprovedOutbound",
        status: { status: "Active" },
      };
    },
    status: "skip",
    ids: ["skip:managed-network"],
    verify(result) {
      const [finding] = result.check(CHECK).findings;
      expect(finding?.resourceId).toBe(WS_ID);
      expect(finding?.evidence).toEqual({ isolationMode: "AllowOnlyApprovedOutbound" });
    },
  },
  {
    name: "skip: the workspace has no computes at all (the finding names the workspace)",
    mutate(scenario) {
      const ids = new Set(computes(scenario).map((compute) => compute.id));
      scenario.resources = scenario.resources.filter((resource) => !ids.has(resource.id));
    },
    status: "skip",
    ids: ["skip:no-subnets"],
    verify(result) {
      expect(result.check(CHECK).findings[0]?.resourceId).toBe(WS_ID);
      expect(result.check(CHECK).findings[0]?.evidence.computes).toEqual([]);
    },
  },
  {
    name: "fail: two computes in two subnets with different NSGs get findings per subnet",
    mutate(scenario) {
      const vnet = byName(scenario, "/virtualNetworks/ml-vnet");
      const nsg2 = `${NET}/networkSecurityGroups/locked-nsg`;
      (vnet.properties.subnets as Json[]).push({
        id: `${VNET_ID}/subnets/locked`,
        name: "locked",
        type: "Microsoft.Network/virtualNetworks/subnets",
        properties: {
          addressPrefix: "10.20.3.0/24",
          networkSecurityGroup: { id: nsg2 },
          provisioningState: "Succeeded",
        },
      });
      scenario.resources.push({
        id: nsg2,
        name: "locked-nsg",
        type: "Microsoft.Network/networkSecurityGroups",
        location: "westeurope",
        properties: {
          provisioningState: "Succeeded",
          securityRules: [
            securityRule("DenyInternetOut", { priority: 100, destinationAddressPrefix: "Internet" }, nsg2),
          ],
        },
      });
      const gpu = computes(scenario).find((compute) => compute.name === "gpu-train") as Json;
      gpu.properties.properties.subnet.id = `${VNET_ID}/subnets/locked`;
    },
    status: "fail",
    ids: ["fail:blocked", "fail:blocked", "pass:allowed", "pass:allowed"],
    verify(result) {
      const locked = `${VNET_ID}/subnets/locked`;
      expect(decidedBy(result, locked)).toEqual({
        [MCR]: { name: "DenyInternetOut", priority: 100 },
        [AFD]: { name: "DenyInternetOut", priority: 100 },
      });
      expect(findingFor(result, MCR, locked).evidence).toMatchObject({
        computes: ["gpu-train"],
        networkSecurityGroup: `${NET}/networkSecurityGroups/locked-nsg`,
        subnetPrefixes: ["10.20.3.0/24"],
      });
      expect(findingFor(result, MCR, TRAINING).evidence).toMatchObject({
        computes: ["cpu-build", "ci-alice"],
        networkSecurityGroup: NSG,
      });
      expect(decidedBy(result, TRAINING)[MCR]).toEqual({ name: "AllowContainerRegistryOut", priority: 100 });
    },
  },
  {
    name: "fail: odd casing of outbound/deny/tcp in a deny rule is still read",
    mutate(scenario) {
      addRule(
        scenario,
        securityRule("denyinternet-oddcase", {
          priority: 90,
          direction: "outbound",
          access: "deny",
          protocol: "tcp",
          destinationAddressPrefix: "internet",
          destinationPortRange: "443",
        }),
      );
    },
    status: "fail",
    ids: ["fail:blocked", "fail:blocked"],
    verify(result) {
      expect(decidedBy(result)).toEqual({
        [MCR]: { name: "denyinternet-oddcase", priority: 90 },
        [AFD]: { name: "denyinternet-oddcase", priority: 90 },
      });
      expect(findingFor(result, MCR).evidence.malformedRules).toBeUndefined();
    },
  },
  {
    name: "pass: odd casing of OUTBOUND/allow/TCP in the allows, ahead of a deny *",
    mutate(scenario) {
      for (const name of ["AllowContainerRegistryOut", "AllowFrontDoorFirstPartyOut"]) {
        Object.assign(ruleNamed(scenario, name).properties, {
          direction: "OUTBOUND",
          access: "allow",
          protocol: "TCP",
        });
      }
      removeRule(scenario, "AllowAzureCloudOut");
      addRule(scenario, securityRule("DenyAllOut", { priority: 200, direction: "oUtBoUnD", access: "DENY" }));
    },
    status: "pass",
    ids: ["pass:allowed", "pass:allowed"],
    verify(result) {
      expect(decidedBy(result)).toEqual({
        [MCR]: { name: "AllowContainerRegistryOut", priority: 100 },
        [AFD]: { name: "AllowFrontDoorFirstPartyOut", priority: 110 },
      });
    },
  },
  {
    name: "pass: plural destinationAddressPrefixes/PortRanges with ARM's empty singular fields",
    mutate(scenario) {
      removeRule(scenario, "AllowContainerRegistryOut");
      removeRule(scenario, "AllowFrontDoorFirstPartyOut");
      removeRule(scenario, "AllowAzureCloudOut");
      addRule(
        scenario,
        securityRule("AllowImagePulls", {
          priority: 100,
          access: "Allow",
          protocol: "Tcp",
          destinationAddressPrefix: "",
          destinationAddressPrefixes: [AFD, "MicrosoftContainerRegistry"],
          destinationPortRange: "",
          destinationPortRanges: ["80", "443"],
        }),
      );
      addRule(scenario, securityRule("DenyAllOut", { priority: 200 }));
    },
    status: "pass",
    ids: ["pass:allowed", "pass:allowed"],
    verify(result) {
      expect(decidedBy(result)).toEqual({
        [MCR]: { name: "AllowImagePulls", priority: 100 },
        [AFD]: { name: "AllowImagePulls", priority: 100 },
      });
    },
  },
  {
    name: "pass: VNet location and regional tag in other casings (WestEurope vs MicrosoftContainerRegistry.westeurope)",
    mutate(scenario) {
      byName(scenario, "/virtualNetworks/ml-vnet").location = "WestEurope";
      ruleNamed(scenario, "AllowContainerRegistryOut").properties.destinationAddressPrefix =
        "MicrosoftContainerRegistry.westeurope";
      removeRule(scenario, "AllowAzureCloudOut");
      addRule(scenario, securityRule("DenyAllOut", { priority: 200 }));
    },
    status: "pass",
    ids: ["pass:allowed", "pass:allowed"],
    verify(result) {
      expect(decidedBy(result)[MCR]).toEqual({ name: "AllowContainerRegistryOut", priority: 100 });
    },
  },
  {
    name: "fail: an AKS compute's subnet (aksNetworkingConfiguration.subnetId) is checked too",
    mutate(scenario) {
      for (const compute of computes(scenario)) delete compute.properties.properties.subnet;
      addCompute(scenario, "aks-infer", {
        computeType: "AKS",
        provisioningState: "Succeeded",
        properties: { aksNetworkingConfiguration: { subnetId: TRAINING, serviceCidr: "10.0.0.0/16" } },
      });
      setPriority(scenario, "DenyInternetOut", 90);
    },
    status: "fail",
    ids: ["fail:blocked", "fail:blocked"],
    verify(result) {
      expect(findingFor(result, MCR).evidence.computes).toEqual(["aks-infer"]);
    },
  },
  {
    name: "unknown: the compute's subnet is not in its VNet any more",
    mutate(scenario) {
      const vnet = byName(scenario, "/virtualNetworks/ml-vnet");
      vnet.properties.subnets = (vnet.properties.subnets as Json[]).filter((entry) => entry.name !== "training");
    },
    status: "unknown",
    ids: ["unknown:undetermined", "unknown:undetermined"],
    verify(result) {
      expect(findingFor(result, MCR).evidence).toMatchObject({ vnet: VNET_ID, subnet: TRAINING });
    },
  },
  {
    name: "pass: a subnet without addressPrefix (IPAM pool allocation): VirtualNetwork as source still covers it",
    mutate(scenario) {
      const training = subnet(scenario, "training");
      delete training.properties.addressPrefix;
      training.properties.ipamPoolPrefixAllocations = [
        {
          pool: { id: `${NET}/networkManagers/nm/ipamPools/pool1` },
          numberOfIpAddresses: "256",
        },
      ];
    },
    status: "pass",
    ids: ["pass:allowed", "pass:allowed"],
    verify(result) {
      expect(decidedBy(result)).toEqual({
        [MCR]: { name: "AllowContainerRegistryOut", priority: 100 },
        [AFD]: { name: "AllowFrontDoorFirstPartyOut", priority: 110 },
      });
    },
  },
];

async function runCase(c: ReportOrderCase): Promise<void> {
  const scenario = healthyScenario();
  c.mutate?.(scenario);
  const result = await auditScenario(scenario, { only: [CHECK] });
  expectInReportOrder(result, CHECK, c);
}

describe(CHECK, () => {
  test.each(cases)("$name", runCase);
});

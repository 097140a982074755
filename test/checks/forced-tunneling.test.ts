// forced-tunneling: does every compute subnet give its clusters and instances a working path out?
// A forced tunnel (0.0.0.0/0 to an appliance or gateway) breaks compute with a public IP unless
// AzureMachineLearning and BatchNodeManagement go to Internet; compute without one needs a NAT
// gateway or a default route to a firewall. Each case is the healthy workspace (ARM wire format) with
// one thing changed, named for its verdict; assertions are statuses, message ids and evidence.

import { describe, expect } from "vitest";
import type { Status } from "../../src/core/status.js";
import type { ArmResource, Scenario } from "../fake-arm/scenario.js";
import { byName, removeResource } from "../harness.js";
import {
  NET,
  RG_ID,
  TRAINING,
  VNET_ID,
  WS_ID,
  addCompute,
  compute,
  computeId,
  fault,
  setSubnet,
  testCaseTables,
  workspace,
  type Case,
  type ExpectedFinding,
  type Json,
} from "./mutations.js";
import { armExampleBody } from "../fixtures/arm-examples.js";

const CHECK = "forced-tunneling";
const COMPUTES = ["cpu-build", "gpu-train", "ci-alice"] as const;
const RT_ID = `${NET}/routeTables/training-rt`;
const NAT_ID = `${NET}/natGateways/ml-nat`;
const FIREWALL_IP = "10.20.0.4";
/** Azure's own example body of a route table GET (ARM wire format). */
const ROUTE_TABLE_EXAMPLE = "Microsoft.Network/2026-01-01/RouteTableGet.json";

// ---- scenario mutations (ARM wire format) -------------------------------------------------------

function trainingSubnet(s: Scenario): Json {
  const found = (byName(s, "/virtualNetworks/ml-vnet").properties.subnets as Json[]).find(
    (candidate) => candidate.name === "training",
  );
  if (!found) throw new Error("no subnet training");
  return found;
}

/** The training subnet's route table, as RouteTableGet.json shapes one; added and attached when the scenario has none. */
function routeTable(s: Scenario): Json {
  const existing = s.resources.find((candidate) => candidate.id.toLowerCase() === RT_ID.toLowerCase());
  if (existing) return existing;
  const added: Json = {
    id: RT_ID,
    name: "training-rt",
    type: "Microsoft.Network/routeTables",
    location: "westeurope",
    properties: {
      disableBgpRoutePropagation: false,
      provisioningState: "Succeeded",
      routes: [],
      subnets: [{ id: TRAINING }],
    },
  };
  s.resources.push(added as ArmResource);
  trainingSubnet(s).properties.routeTable = { id: RT_ID };
  return added;
}

/** A route of the training route table in ARM wire format (`properties` nested). */
function route(name: string, addressPrefix: string, nextHopType: string, nextHopIpAddress?: string): Json {
  return {
    name,
    id: `${RT_ID}/routes/${name}`,
    properties: {
      addressPrefix,
      nextHopType,
      ...(nextHopIpAddress ? { nextHopIpAddress } : {}),
      provisioningState: "Succeeded",
    },
  };
}

const addRoutes = (s: Scenario, ...routes: Json[]): void =>
  void (routeTable(s).properties.routes as Json[]).push(...routes);
const toFirewall = route("default-to-firewall", "0.0.0.0/0", "VirtualAppliance", FIREWALL_IP);
const givePublicIp = (s: Scenario, name: string): void =>
  void (compute(s, name).properties.properties.enableNodePublicIp = true);
function removeNat(s: Scenario): void {
  delete trainingSubnet(s).properties.natGateway;
  removeResource(s, "/natGateways/ml-nat");
}

// ---- expectations ---------------------------------------------------------------------------------

/** One finding per named compute of the training subnet. */
function perCompute(
  names: readonly string[],
  status: Status,
  messageId: string,
  evidence: Record<string, unknown> = {},
  remediation?: string[],
): ExpectedFinding[] {
  return names.map((name) => ({
    status,
    messageId,
    resourceId: computeId(name),
    evidence: { compute: computeId(name), subnet: TRAINING, ...evidence },
    ...(remediation ? { remediation } : {}),
  }));
}

const defaultRoute = (
  nextHopType: string,
  nextHopIpAddress: string | null = null,
  names = ["default-to-firewall"],
  addressPrefixes = ["0.0.0.0/0"],
) => ({
  defaultRoute: { names, addressPrefixes, nextHopType, nextHopIpAddress },
});
const others = (name: string) => COMPUTES.filter((candidate) => candidate !== name);
const NAT_EGRESS =
  "az network nat gateway create -g ml-platform-rg -n ml-vnet-training-nat --public-ip-addresses ml-vnet-training-nat-ip -l westeurope";

// ---- cases ----------------------------------------------------------------------------------------

const passCases: Case[] = [
  {
    name: "pass: healthy, no public IPs, a NAT gateway and no default route in training-rt",
    expect: {
      status: "pass",
      findings: perCompute(COMPUTES, "pass", "nat-gateway", {
        publicIp: false,
        routeTable: RT_ID,
        defaultRoute: null,
        natGateway: NAT_ID,
        defaultOutboundAccess: false,
        bgpRoutePropagation: true,
      }),
    },
  },
  {
    name: "pass: Azure's RouteTableGet example body (one route to the gateway, not a default route) as the subnet's route table",
    mutate: (s) => {
      const example = armExampleBody(ROUTE_TABLE_EXAMPLE);
      const body = JSON.parse(
        JSON.stringify(example).replaceAll(
          "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1",
          RG_ID,
        ),
      ) as Json;
      s.resources.push(body as ArmResource);
      trainingSubnet(s).properties.routeTable = { id: body.id };
    },
    expect: {
      status: "pass",
      findings: perCompute(COMPUTES, "pass", "nat-gateway", {
        routeTable: `${NET}/routeTables/testrt`,
        defaultRoute: null,
      }),
    },
  },
  {
    name: "pass: no route table at all; the NAT gateway gives egress",
    mutate: (s) => {
      delete trainingSubnet(s).properties.routeTable;
      removeResource(s, "/routeTables/training-rt");
    },
    expect: {
      status: "pass",
      findings: perCompute(COMPUTES, "pass", "nat-gateway", {
        routeTable: null,
        defaultRoute: null,
        bgpRoutePropagation: true,
      }),
    },
  },
  {
    name: "pass: 0.0.0.0/0 to a firewall (VirtualAppliance) gives no-public-IP compute its egress",
    mutate: (s) => {
      removeNat(s);
      addRoutes(s, toFirewall);
    },
    expect: {
      status: "pass",
      findings: perCompute(COMPUTES, "pass", "tunneled-egress", {
        publicIp: false,
        natGateway: null,
        egressPath: "virtual-appliance",
        ...defaultRoute("VirtualAppliance", FIREWALL_IP),
      }),
    },
  },
  {
    name: "pass: 0.0.0.0/0 to the VPN/ExpressRoute gateway (forced tunnel on-premises) is egress for no-public-IP compute",
    mutate: (s) => {
      removeNat(s);
      addRoutes(s, route("default-to-onprem", "0.0.0.0/0", "VirtualNetworkGateway"));
    },
    expect: {
      status: "pass",
      findings: perCompute(COMPUTES, "pass", "tunneled-egress", {
        egressPath: "on-premises",
        ...defaultRoute("VirtualNetworkGateway", null, ["default-to-onprem"]),
      }),
    },
  },
  {
    name: "pass: forced tunnel with AzureMachineLearning and BatchNodeManagement.westeurope routed to Internet keeps public-IP compute manageable",
    mutate: (s) => {
      givePublicIp(s, "cpu-build");
      addRoutes(
        s,
        toFirewall,
        route("aml-internet", "AzureMachineLearning", "Internet"),
        route("batch-internet", "BatchNodeManagement.WestEurope", "Internet"),
      );
    },
    expect: {
      status: "pass",
      findings: [
        ...perCompute(["cpu-build"], "pass", "service-tag-routes", {
          publicIp: true,
          ...defaultRoute("VirtualAppliance", FIREWALL_IP),
          serviceTagRoutes: [
            { name: "aml-internet", addressPrefix: "AzureMachineLearning", nextHopType: "Internet" },
            { name: "batch-internet", addressPrefix: "BatchNodeManagement.WestEurope", nextHopType: "Internet" },
          ],
        }),
        ...perCompute(others("cpu-build"), "pass", "tunneled-egress", { publicIp: false }),
      ],
    },
  },
  {
    name: "pass: the global BatchNodeManagement tag covers the regional one",
    mutate: (s) => {
      givePublicIp(s, "ci-alice");
      addRoutes(
        s,
        toFirewall,
        route("aml-internet", "AzureMachineLearning", "Internet"),
        route("batch-internet", "BatchNodeManagement", "Internet"),
      );
    },
    expect: {
      status: "pass",
      findings: [
        ...perCompute(["ci-alice"], "pass", "service-tag-routes"),
        ...perCompute(others("ci-alice"), "pass", "tunneled-egress"),
      ],
    },
  },
  {
    name: "pass: public-IP compute without a forced tunnel goes straight out (even with default outbound access off)",
    mutate: (s) => {
      removeNat(s);
      for (const name of COMPUTES) givePublicIp(s, name);
    },
    expect: {
      status: "pass",
      findings: perCompute(COMPUTES, "pass", "direct-internet", {
        publicIp: true,
        defaultRoute: null,
        natGateway: null,
      }),
    },
  },
];

const failCases: Case[] = [
  {
    name: "fail: 0.0.0.0/0 with next hop None drops everything, for every compute",
    mutate: (s) => {
      givePublicIp(s, "cpu-build");
      addRoutes(s, route("blackhole", "0.0.0.0/0", "None"));
    },
    expect: {
      status: "fail",
      findings: [
        ...perCompute(["cpu-build"], "fail", "default-route-none", { publicIp: true }),
        ...perCompute(
          others("cpu-build"),
          "fail",
          "default-route-none",
          { publicIp: false, natGateway: NAT_ID, ...defaultRoute("None", null, ["blackhole"]) },
          [
            "az network route-table route update -g ml-platform-rg --route-table-name training-rt -n blackhole --next-hop-type VirtualAppliance",
            "az network route-table route delete -g ml-platform-rg --route-table-name training-rt -n blackhole",
          ],
        ),
      ],
    },
  },
  {
    name: "fail: forced tunnel to a firewall without service-tag routes breaks the public-IP compute; the others egress through it",
    mutate: (s) => {
      givePublicIp(s, "gpu-train");
      addRoutes(s, toFirewall);
    },
    expect: {
      status: "fail",
      findings: [
        ...perCompute(
          ["gpu-train"],
          "fail",
          "tunnel-breaks-public-ip",
          {
            publicIp: true,
            serviceTagRoutes: [],
            missingRoutes: ["AzureMachineLearning", "BatchNodeManagement.westeurope"],
          },
          [
            "az network route-table route create -g ml-platform-rg --route-table-name training-rt -n AzureMachineLearning-Internet --address-prefix AzureMachineLearning --next-hop-type Internet",
            "az network route-table route create -g ml-platform-rg --route-table-name training-rt -n BatchNodeManagementwesteurope-Internet --address-prefix BatchNodeManagement.westeurope --next-hop-type Internet",
          ],
        ),
        ...perCompute(others("gpu-train"), "pass", "tunneled-egress"),
      ],
    },
  },
  {
    name: "fail: forced tunnel on-premises (VirtualNetworkGateway) with only the AzureMachineLearning route breaks the public-IP compute",
    mutate: (s) => {
      givePublicIp(s, "cpu-build");
      addRoutes(
        s,
        route("default-to-onprem", "0.0.0.0/0", "VirtualNetworkGateway"),
        route("aml-internet", "AzureMachineLearning", "Internet"),
      );
    },
    expect: {
      status: "fail",
      findings: [
        ...perCompute(
          ["cpu-build"],
          "fail",
          "tunnel-breaks-public-ip",
          {
            missingRoutes: ["BatchNodeManagement.westeurope"],
            ...defaultRoute("VirtualNetworkGateway", null, ["default-to-onprem"]),
          },
          ["--address-prefix BatchNodeManagement.westeurope --next-hop-type Internet"],
        ),
        ...perCompute(others("cpu-build"), "pass", "tunneled-egress"),
      ],
    },
  },
  {
    name: "fail: BatchNodeManagement of another region, and AzureMachineLearning sent to the firewall, do not count",
    mutate: (s) => {
      givePublicIp(s, "cpu-build");
      addRoutes(
        s,
        toFirewall,
        route("aml-fw", "AzureMachineLearning", "VirtualAppliance", FIREWALL_IP),
        route("batch-eastus", "BatchNodeManagement.EastUS", "Internet"),
      );
    },
    expect: {
      status: "fail",
      findings: [
        ...perCompute(["cpu-build"], "fail", "tunnel-breaks-public-ip", {
          missingRoutes: ["AzureMachineLearning", "BatchNodeManagement.westeurope"],
          serviceTagRoutes: [
            { name: "aml-fw", addressPrefix: "AzureMachineLearning", nextHopType: "VirtualAppliance" },
            { name: "batch-eastus", addressPrefix: "BatchNodeManagement.EastUS", nextHopType: "Internet" },
          ],
        }),
        ...perCompute(others("cpu-build"), "pass", "tunneled-egress"),
      ],
    },
  },
  {
    name: "fail: a split default route (0.0.0.0/1 + 128.0.0.0/1 to the firewall) outranks 0.0.0.0/0 to Internet and is a forced tunnel",
    mutate: (s) => {
      givePublicIp(s, "cpu-build");
      addRoutes(
        s,
        route("default-internet", "0.0.0.0/0", "Internet"),
        route("low-half", "0.0.0.0/1", "VirtualAppliance", FIREWALL_IP),
        route("high-half", "128.0.0.0/1", "VirtualAppliance", FIREWALL_IP),
      );
    },
    expect: {
      status: "fail",
      findings: [
        ...perCompute(
          ["cpu-build"],
          "fail",
          "tunnel-breaks-public-ip",
          defaultRoute("VirtualAppliance", FIREWALL_IP, ["low-half", "high-half"], ["0.0.0.0/1", "128.0.0.0/1"]),
        ),
        ...perCompute(others("cpu-build"), "pass", "tunneled-egress"),
      ],
    },
  },
  {
    name: "fail: no NAT gateway, no default route to a firewall and defaultOutboundAccess false: nothing can leave",
    mutate: (s) => removeNat(s),
    expect: {
      status: "fail",
      findings: perCompute(
        COMPUTES,
        "fail",
        "no-egress",
        { publicIp: false, natGateway: null, defaultOutboundAccess: false, defaultRoute: null },
        [
          NAT_EGRESS,
          "az network vnet subnet update -g ml-platform-rg --vnet-name ml-vnet -n training --nat-gateway ml-vnet-training-nat",
          "az network route-table route create -g ml-platform-rg --route-table-name training-rt -n default-to-firewall --address-prefix 0.0.0.0/0 --next-hop-type VirtualAppliance",
        ],
      ),
    },
  },
  {
    name: "fail: an explicit 0.0.0.0/0 to Internet is no egress for compute without a public IP when default outbound access is off",
    mutate: (s) => {
      removeNat(s);
      addRoutes(s, route("default-internet", "0.0.0.0/0", "Internet"));
    },
    expect: {
      status: "fail",
      findings: perCompute(COMPUTES, "fail", "no-egress", defaultRoute("Internet", null, ["default-internet"])),
    },
  },
  {
    name: "fail: a second subnet without egress fails only the compute in it",
    mutate: (s) => {
      const locked = `${VNET_ID}/subnets/locked`;
      (byName(s, "/virtualNetworks/ml-vnet").properties.subnets as Json[]).push({
        id: locked,
        name: "locked",
        type: "Microsoft.Network/virtualNetworks/subnets",
        properties: { addressPrefix: "10.20.3.0/24", defaultOutboundAccess: false, provisioningState: "Succeeded" },
      });
      setSubnet(s, "gpu-train", locked);
    },
    expect: {
      status: "fail",
      findings: [
        {
          status: "fail",
          messageId: "no-egress",
          resourceId: computeId("gpu-train"),
          evidence: { subnet: `${VNET_ID}/subnets/locked`, routeTable: null, natGateway: null },
          // No route table there yet: the firewall route needs one created and attached.
          remediation: [
            "az network route-table create -g ml-platform-rg -n locked-rt -l westeurope",
            "--vnet-name ml-vnet -n locked --route-table locked-rt",
          ],
        },
        ...perCompute(others("gpu-train"), "pass", "nat-gateway"),
      ],
    },
  },
];

const warnCases: Case[] = [
  {
    name: "warn: no NAT gateway and defaultOutboundAccess absent: relies on default outbound access (being retired)",
    mutate: (s) => {
      removeNat(s);
      delete trainingSubnet(s).properties.defaultOutboundAccess;
    },
    expect: {
      status: "warn",
      findings: perCompute(
        COMPUTES,
        "warn",
        "default-outbound-access",
        { natGateway: null, defaultOutboundAccess: null },
        [NAT_EGRESS],
      ),
    },
  },
  {
    name: "warn: no NAT gateway and defaultOutboundAccess true",
    mutate: (s) => {
      removeNat(s);
      trainingSubnet(s).properties.defaultOutboundAccess = true;
    },
    expect: {
      status: "warn",
      findings: perCompute(COMPUTES, "warn", "default-outbound-access", { defaultOutboundAccess: true }),
    },
  },
];

/** The one unknown finding of the training subnet. */
const subnetUnknown = (evidence: Record<string, unknown>, remediation?: string[]): ExpectedFinding => ({
  status: "unknown",
  messageId: "undetermined",
  resourceId: TRAINING,
  evidence: { subnet: TRAINING, computes: [...COMPUTES], ...evidence },
  ...(remediation ? { remediation } : {}),
});

const unknownCases: Case[] = [
  {
    name: "unknown: the VNet read returns 403",
    mutate: (s) => fault(s, "/virtualNetworks/ml-vnet$"),
    expect: {
      status: "unknown",
      findings: [
        subnetUnknown({ vnet: VNET_ID, statusCode: 403, missingPermission: "Microsoft.Network/virtualNetworks/read" }, [
          "Microsoft.Network/virtualNetworks/read",
        ]),
      ],
    },
  },
  {
    name: "unknown: the subnet names a route table whose read returns 403",
    mutate: (s) => fault(s, "/routeTables/training-rt$"),
    expect: {
      status: "unknown",
      findings: [
        subnetUnknown(
          {
            routeTable: RT_ID,
            operation: "route table get",
            statusCode: 403,
            missingPermission: "Microsoft.Network/routeTables/read",
          },
          ["Microsoft.Network/routeTables/read", RT_ID],
        ),
      ],
    },
    also: (audit) =>
      expect(audit.report.collection.errors).toContainEqual(
        expect.objectContaining({
          resourceId: RT_ID,
          statusCode: 403,
          permission: "Microsoft.Network/routeTables/read",
        }),
      ),
  },
  {
    name: "unknown: the subnet names a route table that no longer exists (404)",
    mutate: (s) => removeResource(s, "/routeTables/training-rt"),
    expect: { status: "unknown", findings: [subnetUnknown({ routeTable: RT_ID, statusCode: 404 })] },
  },
  {
    name: "unknown: a default route with next hop VnetLocal is not one the check can judge",
    mutate: (s) => addRoutes(s, route("default-local", "0.0.0.0/0", "VnetLocal")),
    expect: {
      status: "unknown",
      findings: [
        subnetUnknown({
          routeTable: RT_ID,
          defaultRoute: defaultRoute("VnetLocal", null, ["default-local"]).defaultRoute,
        }),
      ],
    },
  },
  {
    name: "unknown: the compute subnet is gone from its VNet",
    mutate: (s) => {
      const vnet = byName(s, "/virtualNetworks/ml-vnet");
      vnet.properties.subnets = (vnet.properties.subnets as Json[]).filter(
        (candidate) => candidate.name !== "training",
      );
    },
    expect: { status: "unknown", findings: [subnetUnknown({ vnet: VNET_ID })] },
  },
];

const skipCases: Case[] = [
  {
    name: "skip: the workspace isolates its computes in a managed network",
    mutate: (s) =>
      void (workspace(s).properties.managedNetwork = {
        isolationMode: "AllowInternetOutbound",
        status: { status: "Active" },
      }),
    expect: {
      status: "skip",
      findings: [
        {
          status: "skip",
          messageId: "managed-network",
          resourceId: WS_ID,
          evidence: { isolationMode: "AllowInternetOutbound" },
        },
      ],
    },
  },
  {
    name: "skip: no compute is in a subnet",
    mutate: (s) => COMPUTES.forEach((name) => setSubnet(s, name, undefined)),
    expect: {
      status: "skip",
      findings: [{ status: "skip", messageId: "no-subnets", evidence: { computes: COMPUTES.map(computeId) } }],
    },
  },
  {
    name: "skip: only an AKS compute is in a subnet (AKS egress is the AKS cluster's own)",
    mutate: (s) => {
      COMPUTES.forEach((name) => setSubnet(s, name, undefined));
      addCompute(s, "aks-infer", {
        computeType: "AKS",
        provisioningState: "Succeeded",
        properties: { aksNetworkingConfiguration: { subnetId: TRAINING } },
      });
    },
    expect: { status: "skip", findings: [{ status: "skip", messageId: "no-subnets" }] },
  },
];

describe(CHECK, () => {
  testCaseTables(CHECK, [
    ["pass", passCases],
    ["fail", failCases],
    ["warn", warnCases],
    ["unknown", unknownCases],
    ["skip", skipCases],
  ]);
});

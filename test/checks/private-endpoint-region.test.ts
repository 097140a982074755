// private-endpoint-region: every private endpoint of the workspace, storage, registry and key vault is
// approved, in a region whose availablePrivateEndpointTypes lists its target type, and in its VNet's
// region. Each case is the healthy workspace (ARM wire format) with one thing changed.

import { describe, expect, test } from "vitest";
import type { Status } from "../../src/core/status.js";
import type { Scenario } from "../fake-arm/scenario.js";
import { auditScenario, healthyScenario, removeResource, resource } from "../harness.js";
import {
  ACR_ID,
  KV_ID,
  STORAGE_ID,
  VNET_ID,
  WS_ID,
  addVnet,
  expectReadsOnlyWhatItRequires,
  fault,
  partUnreadableCase,
  peId,
  testCaseTables,
  type Case,
  type ExpectedFinding,
  type Json,
} from "./mutations.js";

const CHECK = "private-endpoint-region";

/** Every private endpoint of the healthy workspace, by name, with its target. */
const ENDPOINTS = {
  "pe-ml-research": { target: WS_ID, type: "Microsoft.MachineLearningServices/workspaces" },
  "pe-mlresearchstore-blob": { target: STORAGE_ID, type: "Microsoft.Storage/storageAccounts" },
  "pe-mlresearchstore-file": { target: STORAGE_ID, type: "Microsoft.Storage/storageAccounts" },
  "pe-mlresearchacr": { target: ACR_ID, type: "Microsoft.ContainerRegistry/registries" },
  "pe-ml-research-kv": { target: KV_ID, type: "Microsoft.KeyVault/vaults" },
} as const;
type EndpointName = keyof typeof ENDPOINTS;
const ALL = Object.keys(ENDPOINTS) as EndpointName[];
const ACR_PE: EndpointName = "pe-mlresearchacr";
const ALL_TYPES_BUT_ACR = [
  "Microsoft.MachineLearningServices/workspaces",
  "Microsoft.Storage/storageAccounts",
  "Microsoft.KeyVault/vaults",
];

// ---- scenario mutations (ARM wire format) -------------------------------------------------------

const endpoint = (s: Scenario, name: EndpointName) => resource(s, peId(name));
const owners = (s: Scenario) => [WS_ID, STORAGE_ID, ACR_ID, KV_ID].map((id) => resource(s, id));

/** The target's `privateEndpointConnections[]` entry for this endpoint. */
function targetConnection(s: Scenario, name: EndpointName): Json {
  const owner = resource(s, ENDPOINTS[name].target);
  return owner.properties.privateEndpointConnections.find(
    (candidate: Json) => candidate.properties.privateEndpoint.id.toLowerCase() === peId(name).toLowerCase(),
  );
}

/** The endpoint's own link (privateLinkServiceConnections[0]). */
function link(s: Scenario, name: EndpointName): Json {
  return endpoint(s, name).properties.privateLinkServiceConnections[0];
}

/** Adds a VNet in eastus for endpoints; returns its subnet ID. */
function addEastusVnet(s: Scenario): string {
  return addVnet(s, "eastus-vnet", "10.80.0.0/16", {
    location: "eastus",
    subnetProperties: { privateEndpointNetworkPolicies: "Disabled" },
  });
}

/** A manual-approval endpoint: its link lives in manualPrivateLinkServiceConnections. */
function makeManual(s: Scenario, name: EndpointName, status: string): void {
  const pe = endpoint(s, name);
  const moved = pe.properties.privateLinkServiceConnections.pop();
  moved.id = moved.id.replace("/privateLinkServiceConnections/", "/manualPrivateLinkServiceConnections/");
  moved.properties.privateLinkServiceConnectionState = {
    status,
    description: "Awaiting approval",
    actionsRequired: "None",
  };
  pe.properties.manualPrivateLinkServiceConnections = [moved];
  targetConnection(s, name).properties.privateLinkServiceConnectionState.status = status;
}

// ---- expectations ---------------------------------------------------------------------------------

/** A finding for this endpoint with the evidence every read endpoint carries. */
function about(
  name: EndpointName,
  status: Status,
  messageId: string,
  evidence: Record<string, unknown> = {},
  remediation?: string[],
): ExpectedFinding {
  return {
    status,
    messageId,
    resourceId: peId(name),
    evidence: {
      privateEndpoint: peId(name),
      target: ENDPOINTS[name].target,
      targetType: ENDPOINTS[name].type,
      ...evidence,
    },
    ...(remediation ? { remediation } : {}),
  };
}

const healthy = (names: readonly EndpointName[], evidence: Record<string, unknown> = {}) =>
  names.map((name) =>
    about(name, "pass", "healthy", { region: "westeurope", connectionState: "Approved", ...evidence }),
  );
const except = (...names: EndpointName[]) => ALL.filter((name) => !names.includes(name));

// ---- cases ----------------------------------------------------------------------------------------

const passCases: Case[] = [
  {
    name: "pass: healthy, all five endpoints approved, supported in westeurope, in a westeurope VNet",
    expect: { status: "pass", findings: healthy(ALL, { subnet: `${VNET_ID}/subnets/private-endpoints` }) },
  },
  {
    name: 'pass: region names compared normalised (endpoint "West Europe", VNet "westeurope")',
    mutate: (s) => {
      endpoint(s, ACR_PE).location = "West Europe";
    },
    expect: {
      status: "pass",
      findings: [...healthy(except(ACR_PE)), about(ACR_PE, "pass", "healthy", { region: "West Europe" })],
    },
  },
  {
    name: "pass: an endpoint in another region than its target (eastus endpoint, eastus VNet, westeurope registry)",
    mutate: (s) => {
      const pe = endpoint(s, ACR_PE);
      pe.location = "eastus";
      pe.properties.subnet = { id: addEastusVnet(s) };
    },
    expect: {
      status: "pass",
      findings: [...healthy(except(ACR_PE)), about(ACR_PE, "pass", "healthy", { region: "eastus" })],
    },
  },
  {
    name: "pass: a manual-approval endpoint once Approved",
    mutate: (s) => makeManual(s, ACR_PE, "Approved"),
    expect: { status: "pass", findings: healthy(ALL) },
  },
];

const failCases: Case[] = [
  {
    name: "fail (vnet-region-mismatch): endpoint in eastus, its VNet in westeurope",
    mutate: (s) => {
      endpoint(s, ACR_PE).location = "eastus";
    },
    expect: {
      status: "fail",
      findings: [
        ...healthy(except(ACR_PE)),
        about(ACR_PE, "fail", "vnet-region-mismatch", { region: "eastus", vnet: VNET_ID, vnetRegion: "westeurope" }),
      ],
    },
  },
  {
    name: "fail (type-unsupported-in-region): westeurope's availablePrivateEndpointTypes omits Microsoft.ContainerRegistry/registries",
    mutate: (s) => {
      s.privateEndpointTypes = { westeurope: ALL_TYPES_BUT_ACR };
    },
    expect: {
      status: "fail",
      findings: [
        ...healthy(except(ACR_PE)),
        about(ACR_PE, "fail", "type-unsupported-in-region", {
          region: "westeurope",
          availableTypes: ALL_TYPES_BUT_ACR.length,
        }),
      ],
    },
  },
  {
    name: "fail (type-unsupported-in-region): the endpoint's region decides, not the target's (eastus omits registries)",
    mutate: (s) => {
      const pe = endpoint(s, ACR_PE);
      pe.location = "eastus";
      pe.properties.subnet = { id: addEastusVnet(s) };
      s.privateEndpointTypes = { ...s.privateEndpointTypes, "East US": ALL_TYPES_BUT_ACR };
    },
    expect: {
      status: "fail",
      findings: [
        ...healthy(except(ACR_PE)),
        about(ACR_PE, "fail", "type-unsupported-in-region", {
          region: "eastus",
          targetType: "Microsoft.ContainerRegistry/registries",
        }),
      ],
    },
  },
  {
    name: "fail (connection-not-approved): Pending on the endpoint's privateLinkServiceConnections",
    mutate: (s) => {
      link(s, ACR_PE).properties.privateLinkServiceConnectionState.status = "Pending";
    },
    expect: {
      status: "fail",
      findings: [
        ...healthy(except(ACR_PE)),
        about(
          ACR_PE,
          "fail",
          "connection-not-approved",
          { connectionState: "Pending", targetConnectionState: "Approved" },
          ["az network private-endpoint-connection approve", targetConnectionId(ACR_PE)],
        ),
      ],
    },
  },
  {
    name: "fail (connection-not-approved): Pending on manualPrivateLinkServiceConnections (manual approval awaited)",
    mutate: (s) => makeManual(s, ACR_PE, "Pending"),
    expect: {
      status: "fail",
      findings: [
        ...healthy(except(ACR_PE)),
        about(ACR_PE, "fail", "connection-not-approved", { connectionState: "Pending", groupIds: ["registry"] }),
      ],
    },
  },
  {
    name: "fail (connection-not-approved): Rejected on the target's privateEndpointConnections, endpoint side still Approved",
    mutate: (s) => {
      targetConnection(s, ACR_PE).properties.privateLinkServiceConnectionState.status = "Rejected";
    },
    expect: {
      status: "fail",
      findings: [
        ...healthy(except(ACR_PE)),
        about(ACR_PE, "fail", "connection-not-approved", {
          connectionState: "Approved",
          targetConnectionState: "Rejected",
        }),
      ],
    },
  },
  {
    name: "fail (connection-not-approved): the key vault's endpoint is Disconnected",
    mutate: (s) => {
      link(s, "pe-ml-research-kv").properties.privateLinkServiceConnectionState.status = "Disconnected";
      targetConnection(s, "pe-ml-research-kv").properties.privateLinkServiceConnectionState.status = "Disconnected";
    },
    expect: {
      status: "fail",
      findings: [
        ...healthy(except("pe-ml-research-kv")),
        about("pe-ml-research-kv", "fail", "connection-not-approved", {
          connectionState: "Disconnected",
          targetConnectionState: "Disconnected",
        }),
      ],
    },
  },
  {
    name: "fail (connection-not-approved): the workspace's own endpoint is Rejected",
    mutate: (s) => {
      targetConnection(s, "pe-ml-research").properties.privateLinkServiceConnectionState.status = "Rejected";
    },
    expect: {
      status: "fail",
      findings: [
        ...healthy(except("pe-ml-research")),
        about("pe-ml-research", "fail", "connection-not-approved", { targetConnectionState: "Rejected" }),
      ],
    },
  },
  {
    name: "fail (endpoint-missing): the registry lists a connection to an endpoint that returns 404",
    mutate: (s) => removeResource(s, `/privateEndpoints/${ACR_PE}`),
    expect: {
      status: "fail",
      findings: [
        ...healthy(except(ACR_PE)),
        about(ACR_PE, "fail", "endpoint-missing", { targetConnectionState: "Approved" }, [
          "az network private-endpoint-connection delete --id",
          targetConnectionId(ACR_PE),
        ]),
      ],
    },
  },
  {
    name: "fail: several problems on one endpoint are each reported (wrong VNet region and Pending)",
    mutate: (s) => {
      endpoint(s, ACR_PE).location = "eastus";
      link(s, ACR_PE).properties.privateLinkServiceConnectionState.status = "Pending";
    },
    expect: {
      status: "fail",
      findings: [
        ...healthy(except(ACR_PE)),
        about(ACR_PE, "fail", "connection-not-approved", { connectionState: "Pending" }),
        about(ACR_PE, "fail", "vnet-region-mismatch", { region: "eastus", vnetRegion: "westeurope" }),
      ],
    },
  },
  {
    name: "fail (dangling-reference): the workspace's key vault returns 404",
    mutate: (s) => removeResource(s, "/vaults/ml-research-kv"),
    expect: {
      status: "fail",
      findings: [
        {
          status: "fail",
          messageId: "dangling-reference",
          resourceId: KV_ID,
          evidence: { part: "keyVault", statusCode: 404 },
        },
      ],
    },
  },
];

const unknownCases: Case[] = [
  {
    name: "unknown: availablePrivateEndpointTypes returns 403",
    mutate: (s) => fault(s, "/availablePrivateEndpointTypes$"),
    expect: {
      status: "unknown",
      findings: ALL.map((name) =>
        about(
          name,
          "unknown",
          "undetermined",
          {
            region: "westeurope",
            statusCode: 403,
            missingPermission: "Microsoft.Network/locations/availablePrivateEndpointTypes/read",
          },
          ["Microsoft.Network/locations/availablePrivateEndpointTypes/read"],
        ),
      ),
    },
  },
  {
    name: "unknown: the endpoints' VNet returns 403",
    mutate: (s) => fault(s, "/virtualNetworks/ml-vnet$"),
    expect: {
      status: "unknown",
      findings: ALL.map((name) =>
        about(
          name,
          "unknown",
          "undetermined",
          { vnet: VNET_ID, statusCode: 403, missingPermission: "Microsoft.Network/virtualNetworks/read" },
          ["Microsoft.Network/virtualNetworks/read", VNET_ID],
        ),
      ),
    },
  },
  {
    name: "unknown: one endpoint returns 403; the others are still judged",
    mutate: (s) => fault(s, `/privateEndpoints/${ACR_PE}$`),
    expect: {
      status: "unknown",
      findings: [
        ...healthy(except(ACR_PE)),
        about(
          ACR_PE,
          "unknown",
          "undetermined",
          {
            operation: "private endpoint get",
            statusCode: 403,
            missingPermission: "Microsoft.Network/privateEndpoints/read",
          },
          ["Microsoft.Network/privateEndpoints/read"],
        ),
      ],
    },
  },
  partUnreadableCase("unknown: the key vault returns 403", "keyVault"),
  partUnreadableCase("unknown: the registry returns 403", "registry"),
  partUnreadableCase("unknown: the storage account returns 403", "storage"),
];

const skipCases: Case[] = [
  {
    name: "skip: no private endpoints anywhere (connections and endpoints removed, dependencies public)",
    mutate: (s) => {
      for (const owner of owners(s)) {
        owner.properties.privateEndpointConnections = [];
        owner.properties.publicNetworkAccess = "Enabled";
        const rules = owner.properties.networkAcls ?? owner.properties.networkRuleSet;
        if (rules) rules.defaultAction = "Allow";
      }
      for (const name of ALL) removeResource(s, `/privateEndpoints/${name}`);
    },
    expect: {
      status: "skip",
      findings: [
        {
          status: "skip",
          messageId: "no-endpoints",
          resourceId: WS_ID,
          evidence: { inspected: [WS_ID, STORAGE_ID, ACR_ID, KV_ID] },
        },
      ],
    },
  },
];

function targetConnectionId(name: EndpointName): string {
  return `${ENDPOINTS[name].target}/privateEndpointConnections/${name}`;
}

describe(CHECK, () => {
  testCaseTables(CHECK, [
    ["pass", passCases],
    ["fail", failCases],
    ["unknown", unknownCases],
    ["skip", skipCases],
  ]);

  test("reads only what it requires: no keys, no NSGs, no writes; endpoint types once per region", async () => {
    const audit = await expectReadsOnlyWhatItRequires(CHECK, /networkSecurityGroups|listKeys|listCredentials/i);
    expect(audit.requests.filter((request) => /availablePrivateEndpointTypes/i.test(request.path))).toHaveLength(1);
  });

  // A failed types read is not repeated at the next level, nor reported twice.
  test("a failed availablePrivateEndpointTypes read is requested once and reported once per region", async () => {
    const s = healthyScenario();
    fault(s, "/availablePrivateEndpointTypes$");
    const audit = await auditScenario(s, { only: [CHECK] });
    expect(audit.requests.filter((request) => /availablePrivateEndpointTypes/i.test(request.path))).toHaveLength(1);
    expect(audit.report.collection.errors).toEqual([
      expect.objectContaining({
        operation: "availablePrivateEndpointTypes list",
        statusCode: 403,
        permission: "Microsoft.Network/locations/availablePrivateEndpointTypes/read",
      }),
    ]);
  });
});

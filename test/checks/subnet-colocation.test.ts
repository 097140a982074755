// subnet-colocation: can every networked compute reach the workspace's storage account and
// registry over a network they admit? Each case is the healthy workspace (ARM wire format) with one
// thing changed, named for its verdict; assertions are statuses, message ids and evidence.

import { describe, expect, test } from "vitest";
import type { Status } from "../../src/engine/types.js";
import type { Scenario } from "../fake-arm/scenario.js";
import { HEALTHY, auditScenario, findingIds, healthyScenario, removeResource, resource, type AuditResult } from "../harness.js";

const CHECK = "subnet-colocation";

const RG_ID = `/subscriptions/${HEALTHY.subscriptionId}/resourceGroups/${HEALTHY.resourceGroup}`;
const NET = `${RG_ID}/providers/Microsoft.Network`;
const WS_ID = `${RG_ID}/providers/Microsoft.MachineLearningServices/workspaces/${HEALTHY.workspace}`;
const STORAGE_ID = `${RG_ID}/providers/Microsoft.Storage/storageAccounts/mlresearchstore`;
const ACR_ID = `${RG_ID}/providers/Microsoft.ContainerRegistry/registries/mlresearchacr`;
const VNET_ID = `${NET}/virtualNetworks/ml-vnet`;
const TRAINING = `${VNET_ID}/subnets/training`;
const computeId = (name: string) => `${WS_ID}/computes/${name}`;
const peId = (name: string) => `${NET}/privateEndpoints/${name}`;
const vnetId = (name: string) => `${NET}/virtualNetworks/${name}`;

/** Every networked compute of the healthy workspace. */
const COMPUTES = ["cpu-build", "gpu-train", "ci-alice"] as const;
const STORAGE_PES = ["pe-mlresearchstore-blob", "pe-mlresearchstore-file"];
const ACR_PE = "pe-mlresearchacr";

// ---- scenario mutations (ARM wire format) -------------------------------------------------------

const workspace = (s: Scenario) => resource(s, WS_ID);
const storage = (s: Scenario) => resource(s, STORAGE_ID);
const registry = (s: Scenario) => resource(s, ACR_ID);
const compute = (s: Scenario, name: string) => resource(s, computeId(name));

/** A storage account's `networkAcls` or a registry's `networkRuleSet`. */
function ruleSet(dependency: Record<string, any>): Record<string, any> {
  const field = /storageAccounts/i.test(dependency.id) ? "networkAcls" : "networkRuleSet";
  dependency.properties[field] ??= {};
  return dependency.properties[field];
}

/** Admits traffic from all networks. */
function makePublic(dependency: Record<string, any>): void {
  dependency.properties.publicNetworkAccess = "Enabled";
  ruleSet(dependency).defaultAction = "Allow";
}

/** Public endpoint on, default Deny, virtual-network rules for these subnets, no private endpoints. */
function serviceEndpointsOnly(dependency: Record<string, any>, subnets: string[], rule: Record<string, unknown> = {}): void {
  dependency.properties.publicNetworkAccess = "Enabled";
  const rules = ruleSet(dependency);
  rules.defaultAction = "Deny";
  rules.virtualNetworkRules = subnets.map((id) => ({ id, action: "Allow", ...rule }));
  dependency.properties.privateEndpointConnections = [];
}

function setConnectionState(owner: Record<string, any>, endpointName: string, status: string): void {
  const connection = owner.properties.privateEndpointConnections.find((candidate: any) =>
    candidate.properties.privateEndpoint.id.toLowerCase().endsWith(`/${endpointName}`.toLowerCase()),
  );
  connection.properties.privateLinkServiceConnectionState.status = status;
}

function removeConnection(owner: Record<string, any>, endpointName: string): void {
  owner.properties.privateEndpointConnections = owner.properties.privateEndpointConnections.filter(
    (candidate: any) => !candidate.properties.privateEndpoint.id.toLowerCase().endsWith(`/${endpointName}`.toLowerCase()),
  );
}

/** Adds a VNet with one subnet; returns the subnet ID. */
function addVnet(s: Scenario, name: string, prefix: string, subnet = "endpoints", location = "westeurope"): string {
  const id = vnetId(name);
  s.resources.push({
    id,
    name,
    type: "Microsoft.Network/virtualNetworks",
    location,
    properties: {
      provisioningState: "Succeeded",
      addressSpace: { addressPrefixes: [prefix] },
      subnets: [
        {
          id: `${id}/subnets/${subnet}`,
          name: subnet,
          type: "Microsoft.Network/virtualNetworks/subnets",
          properties: { addressPrefix: prefix.replace(/\/\d+$/, "/24"), privateEndpointNetworkPolicies: "Disabled", provisioningState: "Succeeded" },
        },
      ],
      virtualNetworkPeerings: [],
    },
  });
  return `${id}/subnets/${subnet}`;
}

/** A peering on `from` towards `toVnetId`, as ARM shows it. */
function peer(s: Scenario, fromName: string, toVnetId: string, peeringState: string): void {
  const from = resource(s, vnetId(fromName));
  const name = `${fromName}-to-${toVnetId.split("/").pop()}`;
  from.properties.virtualNetworkPeerings.push({
    id: `${from.id}/virtualNetworkPeerings/${name}`,
    name,
    type: "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
    properties: {
      peeringState,
      peeringSyncLevel: "FullyInSync",
      remoteVirtualNetwork: { id: toVnetId },
      allowVirtualNetworkAccess: true,
      provisioningState: "Succeeded",
    },
  });
}

function moveEndpoints(s: Scenario, subnetId: string, names: string[]): void {
  for (const name of names) resource(s, peId(name)).properties.subnet = { id: subnetId };
}

function setSubnet(s: Scenario, computeName: string, subnetId: string | undefined): void {
  const inner = compute(s, computeName).properties.properties;
  if (subnetId === undefined) delete inner.subnet;
  else inner.subnet = { id: subnetId };
}

function fault(s: Scenario, path: string, status = 403, code = "AuthorizationFailed"): void {
  (s.faults ??= []).push({ method: "GET", path, status, code });
}

// ---- expectations ---------------------------------------------------------------------------------

interface ExpectedFinding {
  status: Status;
  messageId: string;
  resourceId?: string;
  evidence?: Record<string, unknown>;
}

interface Case {
  name: string;
  mutate?: (s: Scenario) => void;
  expect: { status: Status; findings: ExpectedFinding[] };
  /** Extra assertions on the whole audit (collection errors, remediation). */
  also?: (audit: AuditResult) => void;
}

/** One expected finding per compute for one dependency. */
function perCompute(
  names: readonly string[],
  dependency: string,
  status: Status,
  messageId: string,
  evidence: Record<string, unknown> = {},
): ExpectedFinding[] {
  return names.map((name) => ({ status, messageId, resourceId: computeId(name), evidence: { compute: computeId(name), dependency, ...evidence } }));
}

const reachable = (dependency: string, path: string, names: readonly string[] = COMPUTES, evidence: Record<string, unknown> = {}) =>
  perCompute(names, dependency, "pass", "reachable", { path, ...evidence });
const unreachable = (dependency: string, names: readonly string[] = COMPUTES, evidence: Record<string, unknown> = {}) =>
  perCompute(names, dependency, "fail", "unreachable", { path: "none", ...evidence });
const undetermined = (dependency: string, names: readonly string[] = COMPUTES, evidence: Record<string, unknown> = {}) =>
  perCompute(names, dependency, "unknown", "undetermined", { path: "none", ...evidence });

async function run(c: Case): Promise<AuditResult> {
  const s = healthyScenario();
  c.mutate?.(s);
  const audit = await auditScenario(s, { only: [CHECK] });
  const result = audit.check(CHECK);
  // Exactly these findings (status and message id), in any order…
  expect(findingIds(result).sort()).toEqual(c.expect.findings.map((f) => `${f.status}:${f.messageId}`).sort());
  // …each on its resource and carrying the evidence that decided it…
  for (const want of c.expect.findings) {
    expect(result.findings).toContainEqual(
      expect.objectContaining({
        status: want.status,
        messageId: want.messageId,
        ...(want.resourceId ? { resourceId: want.resourceId } : {}),
        ...(want.evidence ? { evidence: expect.objectContaining(want.evidence) } : {}),
      }),
    );
  }
  // …and the check's status is the worst of them.
  expect(result.status).toBe(c.expect.status);
  c.also?.(audit);
  return audit;
}

// ---- cases ----------------------------------------------------------------------------------------

const passCases: Case[] = [
  {
    name: "pass: healthy, approved private endpoints in the compute's own VNet",
    expect: {
      status: "pass",
      findings: [
        ...reachable(STORAGE_ID, "private-endpoint", COMPUTES, { computeSubnet: TRAINING, reachedEndpoints: STORAGE_PES.map(peId) }),
        ...reachable(ACR_ID, "private-endpoint", COMPUTES, { computeSubnet: TRAINING, reachedEndpoints: [peId(ACR_PE)] }),
      ],
    },
  },
  {
    name: "pass via service endpoint: public Enabled, default Deny, the compute subnet in both resources' VNet rules",
    mutate: (s) => {
      serviceEndpointsOnly(storage(s), [TRAINING], { state: "Succeeded" });
      serviceEndpointsOnly(registry(s), [TRAINING]);
    },
    expect: {
      status: "pass",
      findings: [
        ...reachable(STORAGE_ID, "service-endpoint", COMPUTES, { virtualNetworkRule: TRAINING, defaultAction: "Deny", publicNetworkAccess: "Enabled" }),
        ...reachable(ACR_ID, "service-endpoint", COMPUTES, { virtualNetworkRule: TRAINING, defaultAction: "Deny" }),
      ],
    },
  },
  {
    name: "pass via private endpoints in a VNet peered with peeringState Connected",
    mutate: (s) => {
      const endpoints = addVnet(s, "pe-vnet", "10.30.0.0/16");
      moveEndpoints(s, endpoints, [...STORAGE_PES, ACR_PE]);
      peer(s, "ml-vnet", vnetId("pe-vnet"), "Connected");
      peer(s, "pe-vnet", VNET_ID, "Connected");
    },
    expect: {
      status: "pass",
      findings: [
        ...reachable(STORAGE_ID, "peered-private-endpoint", COMPUTES, { reachedEndpoints: STORAGE_PES.map(peId) }),
        ...reachable(ACR_ID, "peered-private-endpoint", COMPUTES, { reachedEndpoints: [peId(ACR_PE)] }),
      ],
    },
  },
  {
    name: "pass: neither dependency restricted (public Enabled, default Allow), even for a compute without a subnet",
    mutate: (s) => {
      makePublic(storage(s));
      makePublic(registry(s));
      setSubnet(s, "gpu-train", undefined);
    },
    expect: {
      status: "pass",
      findings: [
        {
          status: "pass",
          messageId: "no-restricted-dependency",
          resourceId: WS_ID,
          evidence: {
            "storage account": { id: STORAGE_ID, publicNetworkAccess: "Enabled", defaultAction: "Allow" },
            "container registry": { id: ACR_ID, publicNetworkAccess: "Enabled", defaultAction: "Allow" },
          },
        },
      ],
    },
  },
  {
    name: "pass: the registry is public, so it is reached over its public endpoint while storage goes private",
    mutate: (s) => makePublic(registry(s)),
    expect: {
      status: "pass",
      findings: [...reachable(STORAGE_ID, "private-endpoint"), ...reachable(ACR_ID, "public")],
    },
  },
  {
    name: "pass: workspace without a containerRegistry property judges storage alone",
    mutate: (s) => {
      delete workspace(s).properties.containerRegistry;
      removeResource(s, "/registries/mlresearchacr");
    },
    expect: { status: "pass", findings: reachable(STORAGE_ID, "private-endpoint") },
  },
  {
    name: "pass: odd ID casing (resourcegroups, Microsoft.network, upper-case names) still matches the storage and registry rules",
    mutate: (s) => {
      const odd = `/subscriptions/${HEALTHY.subscriptionId}/resourcegroups/ML-PLATFORM-RG/providers/Microsoft.network/virtualnetworks/ML-VNET/subnets/Training`;
      for (const name of COMPUTES) setSubnet(s, name, odd);
      serviceEndpointsOnly(storage(s), [TRAINING]);
      serviceEndpointsOnly(registry(s), [TRAINING.replace("/resourceGroups/", "/RESOURCEGROUPS/").replace("Microsoft.Network", "microsoft.network")]);
    },
    expect: {
      status: "pass",
      findings: [...reachable(STORAGE_ID, "service-endpoint"), ...reachable(ACR_ID, "service-endpoint")],
    },
  },
  {
    name: "pass: an AKS compute reaches through its aksNetworkingConfiguration subnet",
    mutate: (s) => {
      s.resources.push({
        id: computeId("aks-infer"),
        name: "aks-infer",
        type: "Microsoft.MachineLearningServices/workspaces/computes",
        location: "westeurope",
        properties: {
          computeType: "AKS",
          computeLocation: "westeurope",
          provisioningState: "Succeeded",
          properties: { agentVmSize: "Standard_D3_v2", aksNetworkingConfiguration: { subnetId: TRAINING, serviceCidr: "10.0.0.0/16", dnsServiceIP: "10.0.0.10" } },
        },
      });
    },
    expect: {
      status: "pass",
      findings: [
        ...reachable(STORAGE_ID, "private-endpoint", [...COMPUTES, "aks-infer"]),
        ...reachable(ACR_ID, "private-endpoint", [...COMPUTES, "aks-infer"]),
      ],
    },
  },
];

const failCases: Case[] = [
  ...["Disconnected", "Initiated"].map(
    (state): Case => ({
      name: `fail: private endpoints in a VNet whose peering is ${state}`,
      mutate: (s) => {
        const endpoints = addVnet(s, "pe-vnet", "10.30.0.0/16");
        moveEndpoints(s, endpoints, [...STORAGE_PES, ACR_PE]);
        peer(s, "ml-vnet", vnetId("pe-vnet"), state);
      },
      expect: {
        status: "fail",
        findings: [
          ...unreachable(STORAGE_ID, COMPUTES, {
            privateEndpoints: expect.arrayContaining([
              expect.objectContaining({ privateEndpoint: peId(STORAGE_PES[0]!), vnet: vnetId("pe-vnet"), peerings: [expect.objectContaining({ remoteVnetId: vnetId("pe-vnet"), state })] }),
            ]),
          }),
          ...unreachable(ACR_ID),
        ],
      },
    }),
  ),
  {
    name: "fail: peering is not transitive (compute VNet → hub Connected, hub → endpoint VNet Connected)",
    mutate: (s) => {
      addVnet(s, "hub-vnet", "10.40.0.0/16", "shared");
      const endpoints = addVnet(s, "pe-vnet", "10.30.0.0/16");
      moveEndpoints(s, endpoints, [...STORAGE_PES, ACR_PE]);
      peer(s, "ml-vnet", vnetId("hub-vnet"), "Connected");
      peer(s, "hub-vnet", VNET_ID, "Connected");
      peer(s, "hub-vnet", vnetId("pe-vnet"), "Connected");
      peer(s, "pe-vnet", vnetId("hub-vnet"), "Connected");
    },
    expect: { status: "fail", findings: [...unreachable(STORAGE_ID), ...unreachable(ACR_ID)] },
  },
  ...["Pending", "Rejected", "Disconnected"].map(
    (state): Case => ({
      name: `fail: the registry's only private endpoint connection is ${state}`,
      mutate: (s) => setConnectionState(registry(s), ACR_PE, state),
      expect: {
        status: "fail",
        findings: [
          ...reachable(STORAGE_ID, "private-endpoint"),
          ...unreachable(ACR_ID, COMPUTES, { privateEndpoints: [{ privateEndpoint: peId(ACR_PE), connectionState: state }] }),
        ],
      },
    }),
  ),
  {
    name: "fail: the storage account's VNet rules list another subnet, and it has no private endpoint",
    mutate: (s) => {
      const other = `${VNET_ID}/subnets/private-endpoints`;
      serviceEndpointsOnly(storage(s), [other], { state: "Succeeded" });
    },
    expect: {
      status: "fail",
      findings: [
        ...unreachable(STORAGE_ID, COMPUTES, { virtualNetworkRules: [`${VNET_ID}/subnets/private-endpoints`], computeSubnet: TRAINING }),
        ...reachable(ACR_ID, "private-endpoint"),
      ],
    },
  },
  ...["Provisioning", "NetworkSourceDeleted"].map(
    (state): Case => ({
      name: `fail: the storage rule for the compute subnet is in state ${state}, so it admits nothing yet`,
      mutate: (s) => serviceEndpointsOnly(storage(s), [TRAINING], { state }),
      expect: {
        status: "fail",
        findings: [...unreachable(STORAGE_ID, COMPUTES, { virtualNetworkRules: [] }), ...reachable(ACR_ID, "private-endpoint")],
      },
    }),
  ),
  {
    name: "fail: VNet rules do not apply when public network access is Disabled (and no private endpoint)",
    mutate: (s) => {
      serviceEndpointsOnly(storage(s), [TRAINING]);
      storage(s).properties.publicNetworkAccess = "Disabled";
    },
    expect: {
      status: "fail",
      findings: [...unreachable(STORAGE_ID, COMPUTES, { publicNetworkAccess: "Disabled" }), ...reachable(ACR_ID, "private-endpoint")],
    },
  },
  {
    name: "fail: a compute without a subnet while storage is restricted",
    mutate: (s) => {
      makePublic(registry(s));
      setSubnet(s, "gpu-train", undefined);
    },
    expect: {
      status: "fail",
      findings: [
        ...reachable(STORAGE_ID, "private-endpoint", ["cpu-build", "ci-alice"]),
        ...unreachable(STORAGE_ID, ["gpu-train"], { computeSubnet: null, computeType: "AmlCompute" }),
        ...reachable(ACR_ID, "public"),
      ],
    },
  },
  {
    name: "fail: a compute in another, unpeered VNet",
    mutate: (s) => setSubnet(s, "ci-alice", addVnet(s, "dev-vnet", "10.50.0.0/16", "dev")),
    expect: {
      status: "fail",
      findings: [
        ...reachable(STORAGE_ID, "private-endpoint", ["cpu-build", "gpu-train"]),
        ...reachable(ACR_ID, "private-endpoint", ["cpu-build", "gpu-train"]),
        ...unreachable(STORAGE_ID, ["ci-alice"], { computeSubnet: `${vnetId("dev-vnet")}/subnets/dev`, computeType: "ComputeInstance" }),
        ...unreachable(ACR_ID, ["ci-alice"]),
      ],
    },
  },
  {
    name: "fail: only a file private endpoint to storage (no blob)",
    mutate: (s) => {
      removeConnection(storage(s), "pe-mlresearchstore-blob");
      removeResource(s, "/privateEndpoints/pe-mlresearchstore-blob");
    },
    expect: {
      status: "fail",
      findings: [
        ...perCompute(COMPUTES, STORAGE_ID, "fail", "storage-blob-endpoint-missing", { groupIds: ["file"], path: "private-endpoint" }),
        ...reachable(ACR_ID, "private-endpoint"),
      ],
    },
  },
  {
    name: "fail: the registry's private endpoint no longer exists (404), so nothing flows through it",
    mutate: (s) => removeResource(s, `/privateEndpoints/${ACR_PE}`),
    expect: {
      status: "fail",
      findings: [
        ...reachable(STORAGE_ID, "private-endpoint"),
        ...unreachable(ACR_ID, COMPUTES, { privateEndpoints: [{ privateEndpoint: peId(ACR_PE), connectionState: "Approved", exists: false }] }),
      ],
    },
  },
  {
    name: "fail (dangling-reference): the workspace's storage account returns 404",
    mutate: (s) => removeResource(s, "/storageAccounts/mlresearchstore"),
    expect: {
      status: "fail",
      findings: [{ status: "fail", messageId: "dangling-reference", resourceId: STORAGE_ID, evidence: { part: "storage", statusCode: 404 } }],
    },
  },
];

const warnCases: Case[] = [
  {
    name: "warn: only a blob private endpoint to storage (no file)",
    mutate: (s) => {
      removeConnection(storage(s), "pe-mlresearchstore-file");
      removeResource(s, "/privateEndpoints/pe-mlresearchstore-file");
    },
    expect: {
      status: "warn",
      findings: [
        ...perCompute(COMPUTES, STORAGE_ID, "warn", "storage-file-endpoint-missing", { groupIds: ["blob"], path: "private-endpoint" }),
        ...reachable(ACR_ID, "private-endpoint"),
      ],
    },
  },
];

const skipCases: Case[] = [
  {
    name: "skip: the workspace has no computes",
    mutate: (s) => {
      for (const name of COMPUTES) removeResource(s, `/computes/${name}`);
    },
    expect: { status: "skip", findings: [{ status: "skip", messageId: "no-computes", resourceId: WS_ID, evidence: { computes: [] } }] },
  },
  {
    name: "skip: only attached computes that run in no subnet of the customer's (Databricks)",
    mutate: (s) => {
      for (const name of COMPUTES) removeResource(s, `/computes/${name}`);
      s.resources.push({
        id: computeId("dbx"),
        name: "dbx",
        type: "Microsoft.MachineLearningServices/workspaces/computes",
        location: "westeurope",
        properties: { computeType: "Databricks", provisioningState: "Succeeded", properties: {} },
      });
    },
    expect: { status: "skip", findings: [{ status: "skip", messageId: "no-computes", resourceId: WS_ID, evidence: { computes: [computeId("dbx")] } }] },
  },
  {
    name: "skip: managed-network workspace (AllowInternetOutbound) whose computes have no subnet",
    mutate: (s) => {
      workspace(s).properties.managedNetwork = { isolationMode: "AllowInternetOutbound" };
      for (const name of COMPUTES) setSubnet(s, name, undefined);
    },
    expect: {
      status: "skip",
      findings: COMPUTES.map((name) => ({ status: "skip" as const, messageId: "managed-network", resourceId: computeId(name), evidence: { isolationMode: "AllowInternetOutbound" } })),
    },
  },
];

const unknownCases: Case[] = [
  {
    name: "unknown: the compute VNet returns 403 and the private endpoints sit in another VNet (peerings unreadable)",
    mutate: (s) => {
      const endpoints = addVnet(s, "pe-vnet", "10.30.0.0/16");
      moveEndpoints(s, endpoints, [...STORAGE_PES, ACR_PE]);
      peer(s, "ml-vnet", vnetId("pe-vnet"), "Connected");
      fault(s, "/virtualNetworks/ml-vnet$");
    },
    expect: {
      status: "unknown",
      findings: [
        ...undetermined(STORAGE_ID, COMPUTES, {
          unreadable: [expect.objectContaining({ resourceId: VNET_ID, statusCode: 403, missingPermission: "Microsoft.Network/virtualNetworks/read" })],
        }),
        ...undetermined(ACR_ID),
      ],
    },
    also: (audit) => {
      for (const finding of audit.check(CHECK).findings) expect(finding.remediation).toContain("Microsoft.Network/virtualNetworks/read");
    },
  },
  {
    name: "pass, not unknown: the compute VNet returns 403 but every private endpoint sits in it",
    mutate: (s) => fault(s, "/virtualNetworks/ml-vnet$"),
    expect: { status: "pass", findings: [...reachable(STORAGE_ID, "private-endpoint"), ...reachable(ACR_ID, "private-endpoint")] },
  },
  {
    name: "unknown: every private endpoint read returns 403",
    mutate: (s) => fault(s, "/privateEndpoints/[^/]+$"),
    expect: {
      status: "unknown",
      findings: [
        ...undetermined(STORAGE_ID, COMPUTES, {
          unreadable: STORAGE_PES.map((name) =>
            expect.objectContaining({ resourceId: peId(name), statusCode: 403, missingPermission: "Microsoft.Network/privateEndpoints/read" }),
          ),
        }),
        ...undetermined(ACR_ID, COMPUTES, { unreadable: [expect.objectContaining({ resourceId: peId(ACR_PE), statusCode: 403 })] }),
      ],
    },
  },
  {
    name: "unknown, not fail: the blob endpoint returns 403 while the file endpoint is reached",
    mutate: (s) => fault(s, "/privateEndpoints/pe-mlresearchstore-blob$"),
    expect: {
      status: "unknown",
      findings: [
        ...perCompute(COMPUTES, STORAGE_ID, "unknown", "undetermined", {
          path: "private-endpoint",
          groupIds: ["file"],
          unreadable: [expect.objectContaining({ resourceId: peId("pe-mlresearchstore-blob"), missingPermission: "Microsoft.Network/privateEndpoints/read" })],
        }),
        ...reachable(ACR_ID, "private-endpoint"),
      ],
    },
  },
  {
    name: "unknown, not warn: the file endpoint returns 500 while the blob endpoint is reached",
    mutate: (s) => fault(s, "/privateEndpoints/pe-mlresearchstore-file$", 500, "InternalServerError"),
    expect: {
      status: "unknown",
      findings: [
        ...perCompute(COMPUTES, STORAGE_ID, "unknown", "undetermined", { groupIds: ["blob"], unreadable: [expect.objectContaining({ resourceId: peId("pe-mlresearchstore-file"), statusCode: 500 })] }),
        ...reachable(ACR_ID, "private-endpoint"),
      ],
    },
  },
  {
    name: "unknown: the registry returns 403; evidence names Microsoft.ContainerRegistry/registries/read",
    mutate: (s) => fault(s, "/registries/mlresearchacr$"),
    expect: {
      status: "unknown",
      findings: [
        {
          status: "unknown",
          messageId: "part-unreadable",
          resourceId: ACR_ID,
          evidence: { part: "registry", statusCode: 403, code: "AuthorizationFailed", missingPermission: "Microsoft.ContainerRegistry/registries/read" },
        },
      ],
    },
  },
  {
    name: "unknown: the storage account returns 403",
    mutate: (s) => fault(s, "/storageAccounts/mlresearchstore$"),
    expect: {
      status: "unknown",
      findings: [{ status: "unknown", messageId: "part-unreadable", resourceId: STORAGE_ID, evidence: { part: "storage", statusCode: 403, missingPermission: "Microsoft.Storage/storageAccounts/read" } }],
    },
  },
  {
    name: "unknown: the computes list returns 403",
    mutate: (s) => fault(s, "/computes$"),
    expect: {
      status: "unknown",
      findings: [{ status: "unknown", messageId: "part-unreadable", evidence: { part: "computes", statusCode: 403, missingPermission: "Microsoft.MachineLearningServices/workspaces/computes/read" } }],
    },
  },
  {
    name: "unknown: a compute subnet that is not a subnet resource ID",
    mutate: (s) => setSubnet(s, "gpu-train", "training"),
    expect: {
      status: "unknown",
      findings: [
        ...reachable(STORAGE_ID, "private-endpoint", ["cpu-build", "ci-alice"]),
        ...reachable(ACR_ID, "private-endpoint", ["cpu-build", "ci-alice"]),
        ...undetermined(STORAGE_ID, ["gpu-train"], { computeSubnet: "training" }),
        ...undetermined(ACR_ID, ["gpu-train"], { computeSubnet: "training" }),
      ],
    },
  },
];

describe(CHECK, () => {
  describe.each([
    ["pass", passCases],
    ["fail", failCases],
    ["warn", warnCases],
    ["skip", skipCases],
    ["unknown", unknownCases],
  ] as const)("%s", (_verdict, cases) => {
    test.each(cases)("$name", async (c) => {
      await run(c);
    });
  });

  test("reads only what it requires: no keys, no NSGs, no endpoint types, no writes", async () => {
    const audit = await auditScenario(healthyScenario(), { only: [CHECK] });
    expect(audit.report.checks.map((check) => check.id)).toEqual([CHECK]);
    expect(audit.requests.filter((request) => request.method !== "GET")).toEqual([]);
    expect(audit.requests.filter((request) => /networkSecurityGroups|availablePrivateEndpointTypes|listKeys|listCredentials/i.test(request.path))).toEqual([]);
    expect(audit.snapshot.errors).toEqual([]);
  });

  test("the registry 403 is reported in the collection errors with its permission", async () => {
    const s = healthyScenario();
    fault(s, "/registries/mlresearchacr$");
    const audit = await auditScenario(s, { only: [CHECK] });
    expect(audit.report.collection.errors).toEqual([
      expect.objectContaining({ resourceId: ACR_ID, operation: "registry get", statusCode: 403, permission: "Microsoft.ContainerRegistry/registries/read" }),
    ]);
  });
});

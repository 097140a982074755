// subnet-colocation: can every networked compute reach the workspace's storage account, key vault
// and registry over a network they admit? Each case is the healthy workspace (ARM wire format) with one
// thing changed, named for its verdict; assertions are statuses, message ids and evidence.

import { describe, expect, test } from "vitest";
import type { Status } from "../../src/core/status.js";
import type { Scenario } from "../fake-arm/scenario.js";
import { HEALTHY, auditScenario, healthyScenario, removeResource, resource } from "../harness.js";
import {
  ACR_ID,
  KV_ID,
  STORAGE_ID,
  TRAINING,
  VNET_ID,
  WS_ID,
  addCompute,
  addVnet,
  computeId,
  expectReadsOnlyWhatItRequires,
  fault,
  keyVault,
  makePublic,
  moveEndpoints,
  partUnreadableCase,
  peId,
  peer,
  registry,
  serviceEndpointsOnly,
  setSubnet,
  storage,
  testCaseTables,
  vnetId,
  workspace,
  type Case,
  type ExpectedFinding,
  type Json,
} from "./mutations.js";

const CHECK = "subnet-colocation";

/** Every networked compute of the healthy workspace. */
const COMPUTES = ["cpu-build", "gpu-train", "ci-alice"] as const;
const STORAGE_PES = ["pe-mlresearchstore-blob", "pe-mlresearchstore-file"];
const ACR_PE = "pe-mlresearchacr";
const KV_PE = "pe-ml-research-kv";
/** Every private endpoint of the healthy workspace's dependencies. */
const DEPENDENCY_PES = [...STORAGE_PES, ACR_PE, KV_PE];

// ---- scenario mutations (ARM wire format) -------------------------------------------------------

function setConnectionState(owner: Json, endpointName: string, status: string): void {
  const connection = owner.properties.privateEndpointConnections.find((candidate: Json) =>
    candidate.properties.privateEndpoint.id.toLowerCase().endsWith(`/${endpointName}`.toLowerCase()),
  );
  connection.properties.privateLinkServiceConnectionState.status = status;
}

function removeConnection(owner: Json, endpointName: string): void {
  owner.properties.privateEndpointConnections = owner.properties.privateEndpointConnections.filter(
    (candidate: Json) =>
      !candidate.properties.privateEndpoint.id.toLowerCase().endsWith(`/${endpointName}`.toLowerCase()),
  );
}

/** The compute subnet's service endpoints, as its VNet's body lists them (ARM wire format). */
function setServiceEndpoints(s: Scenario, endpoints: Json[]): void {
  const subnet = (resource(s, VNET_ID).properties.subnets as Json[]).find((candidate) => candidate.name === "training");
  subnet!.properties.serviceEndpoints = endpoints;
}

/** The storage account admits the training subnet by a virtual-network rule only (public Enabled, default Deny). */
const storageByRuleOnly = (s: Scenario) => serviceEndpointsOnly(storage(s), [TRAINING], { state: "Succeeded" });

/** The subnet update that adds what is missing, naming every endpoint the subnet keeps (the flag replaces the list). */
const subnetUpdate = (services: string) =>
  `az network vnet subnet update -g ml-platform-rg --vnet-name ml-vnet -n training --subscription ${HEALTHY.subscriptionId} --service-endpoints ${services}`;

/** This table's added subnets, as ARM shows a provisioned subnet that may hold private endpoints. */
const READY_SUBNET = { privateEndpointNetworkPolicies: "Disabled", provisioningState: "Succeeded" };
/** This table's peerings are in sync. */
const IN_SYNC = { peeringSyncLevel: "FullyInSync" };

// ---- expectations ---------------------------------------------------------------------------------

/** One expected finding per compute for one dependency. */
function perCompute(
  names: readonly string[],
  dependency: string,
  status: Status,
  messageId: string,
  evidence: Record<string, unknown> = {},
): ExpectedFinding[] {
  return names.map((name) => ({
    status,
    messageId,
    resourceId: computeId(name),
    evidence: { compute: computeId(name), dependency, ...evidence },
  }));
}

const reachable = (
  dependency: string,
  path: string,
  names: readonly string[] = COMPUTES,
  evidence: Record<string, unknown> = {},
) => perCompute(names, dependency, "pass", "reachable", { path, ...evidence });
const unreachable = (dependency: string, names: readonly string[] = COMPUTES, evidence: Record<string, unknown> = {}) =>
  perCompute(names, dependency, "fail", "unreachable", { path: "none", ...evidence });
const undetermined = (
  dependency: string,
  names: readonly string[] = COMPUTES,
  evidence: Record<string, unknown> = {},
) => perCompute(names, dependency, "unknown", "undetermined", { path: "none", ...evidence });
/** The key vault reached through its private endpoint in ml-vnet, as in the healthy workspace. */
const vaultReached = (names: readonly string[] = COMPUTES) => reachable(KV_ID, "private-endpoint", names);

// ---- cases ----------------------------------------------------------------------------------------

const passCases: Case[] = [
  {
    name: "pass: healthy, approved private endpoints in the compute's own VNet",
    expect: {
      status: "pass",
      findings: [
        ...reachable(STORAGE_ID, "private-endpoint", COMPUTES, {
          computeSubnet: TRAINING,
          reachedEndpoints: STORAGE_PES.map(peId),
        }),
        ...reachable(ACR_ID, "private-endpoint", COMPUTES, {
          computeSubnet: TRAINING,
          reachedEndpoints: [peId(ACR_PE)],
        }),
        ...reachable(KV_ID, "private-endpoint", COMPUTES, {
          computeSubnet: TRAINING,
          reachedEndpoints: [peId(KV_PE)],
        }),
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
        ...reachable(STORAGE_ID, "service-endpoint", COMPUTES, {
          virtualNetworkRule: TRAINING,
          defaultAction: "Deny",
          publicNetworkAccess: "Enabled",
        }),
        ...reachable(ACR_ID, "service-endpoint", COMPUTES, { virtualNetworkRule: TRAINING, defaultAction: "Deny" }),
        ...vaultReached(),
      ],
    },
  },
  {
    name: "pass via private endpoints in a VNet peered with peeringState Connected",
    mutate: (s) => {
      const endpoints = addVnet(s, "pe-vnet", "10.30.0.0/16", { subnetProperties: READY_SUBNET });
      moveEndpoints(s, endpoints, DEPENDENCY_PES);
      peer(s, "ml-vnet", vnetId("pe-vnet"), "Connected", IN_SYNC);
      peer(s, "pe-vnet", VNET_ID, "Connected", IN_SYNC);
    },
    expect: {
      status: "pass",
      findings: [
        ...reachable(STORAGE_ID, "peered-private-endpoint", COMPUTES, { reachedEndpoints: STORAGE_PES.map(peId) }),
        ...reachable(ACR_ID, "peered-private-endpoint", COMPUTES, { reachedEndpoints: [peId(ACR_PE)] }),
        ...reachable(KV_ID, "peered-private-endpoint", COMPUTES, { reachedEndpoints: [peId(KV_PE)] }),
      ],
    },
  },
  {
    name: "pass: no dependency restricted (public Enabled, default Allow), even for a compute without a subnet",
    mutate: (s) => {
      makePublic(storage(s));
      makePublic(keyVault(s));
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
            "key vault": { id: KV_ID, publicNetworkAccess: "Enabled", defaultAction: "Allow" },
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
      findings: [...reachable(STORAGE_ID, "private-endpoint"), ...reachable(ACR_ID, "public"), ...vaultReached()],
    },
  },
  {
    name: "pass: workspace without a containerRegistry property judges storage and key vault alone",
    mutate: (s) => {
      delete workspace(s).properties.containerRegistry;
      removeResource(s, "/registries/mlresearchacr");
    },
    expect: { status: "pass", findings: [...reachable(STORAGE_ID, "private-endpoint"), ...vaultReached()] },
  },
  {
    name: "pass: odd ID casing (resourcegroups, Microsoft.network, upper-case names) still matches the storage and registry rules",
    mutate: (s) => {
      const odd = `/subscriptions/${HEALTHY.subscriptionId}/resourcegroups/ML-PLATFORM-RG/providers/Microsoft.network/virtualnetworks/ML-VNET/subnets/Training`;
      for (const name of COMPUTES) setSubnet(s, name, odd);
      serviceEndpointsOnly(storage(s), [TRAINING]);
      serviceEndpointsOnly(registry(s), [
        TRAINING.replace("/resourceGroups/", "/RESOURCEGROUPS/").replace("Microsoft.Network", "microsoft.network"),
      ]);
    },
    expect: {
      status: "pass",
      findings: [
        ...reachable(STORAGE_ID, "service-endpoint"),
        ...reachable(ACR_ID, "service-endpoint"),
        ...vaultReached(),
      ],
    },
  },
  {
    name: "pass: an AKS compute reaches through its aksNetworkingConfiguration subnet",
    mutate: (s) => {
      addCompute(s, "aks-infer", {
        computeType: "AKS",
        computeLocation: "westeurope",
        provisioningState: "Succeeded",
        properties: {
          agentVmSize: "Standard_D3_v2",
          aksNetworkingConfiguration: { subnetId: TRAINING, serviceCidr: "10.0.0.0/16", dnsServiceIP: "10.0.0.10" },
        },
      });
    },
    expect: {
      status: "pass",
      findings: [
        ...reachable(STORAGE_ID, "private-endpoint", [...COMPUTES, "aks-infer"]),
        ...reachable(ACR_ID, "private-endpoint", [...COMPUTES, "aks-infer"]),
        ...vaultReached([...COMPUTES, "aks-infer"]),
      ],
    },
  },
];

const failCases: Case[] = [
  ...["Disconnected", "Initiated"].map((state): Case => ({
    name: `fail: private endpoints in a VNet whose peering is ${state}`,
    mutate: (s) => {
      const endpoints = addVnet(s, "pe-vnet", "10.30.0.0/16", { subnetProperties: READY_SUBNET });
      moveEndpoints(s, endpoints, DEPENDENCY_PES);
      peer(s, "ml-vnet", vnetId("pe-vnet"), state, IN_SYNC);
    },
    expect: {
      status: "fail",
      findings: [
        ...unreachable(STORAGE_ID, COMPUTES, {
          privateEndpoints: expect.arrayContaining([
            expect.objectContaining({
              privateEndpoint: peId(STORAGE_PES[0]!),
              vnet: vnetId("pe-vnet"),
              peerings: [expect.objectContaining({ remoteVnetId: vnetId("pe-vnet"), state })],
            }),
          ]),
        }),
        ...unreachable(ACR_ID),
        ...unreachable(KV_ID),
      ],
    },
  })),
  {
    name: "fail: peering is not transitive (compute VNet → hub Connected, hub → endpoint VNet Connected)",
    mutate: (s) => {
      addVnet(s, "hub-vnet", "10.40.0.0/16", { subnet: "shared", subnetProperties: READY_SUBNET });
      const endpoints = addVnet(s, "pe-vnet", "10.30.0.0/16", { subnetProperties: READY_SUBNET });
      moveEndpoints(s, endpoints, DEPENDENCY_PES);
      peer(s, "ml-vnet", vnetId("hub-vnet"), "Connected", IN_SYNC);
      peer(s, "hub-vnet", VNET_ID, "Connected", IN_SYNC);
      peer(s, "hub-vnet", vnetId("pe-vnet"), "Connected", IN_SYNC);
      peer(s, "pe-vnet", vnetId("hub-vnet"), "Connected", IN_SYNC);
    },
    expect: {
      status: "fail",
      findings: [...unreachable(STORAGE_ID), ...unreachable(ACR_ID), ...unreachable(KV_ID)],
    },
  },
  ...["Pending", "Rejected", "Disconnected"].map((state): Case => ({
    name: `fail: the registry's only private endpoint connection is ${state}`,
    mutate: (s) => setConnectionState(registry(s), ACR_PE, state),
    expect: {
      status: "fail",
      findings: [
        ...reachable(STORAGE_ID, "private-endpoint"),
        ...unreachable(ACR_ID, COMPUTES, {
          privateEndpoints: [{ privateEndpoint: peId(ACR_PE), connectionState: state }],
        }),
        ...vaultReached(),
      ],
    },
  })),
  {
    name: "fail: the storage account's VNet rules list another subnet, and it has no private endpoint",
    mutate: (s) => {
      const other = `${VNET_ID}/subnets/private-endpoints`;
      serviceEndpointsOnly(storage(s), [other], { state: "Succeeded" });
    },
    expect: {
      status: "fail",
      findings: [
        ...unreachable(STORAGE_ID, COMPUTES, {
          virtualNetworkRules: [`${VNET_ID}/subnets/private-endpoints`],
          computeSubnet: TRAINING,
        }),
        ...reachable(ACR_ID, "private-endpoint"),
        ...vaultReached(),
      ],
    },
  },
  ...["Provisioning", "NetworkSourceDeleted"].map((state): Case => ({
    name: `fail: the storage rule for the compute subnet is in state ${state}, so it admits nothing yet`,
    mutate: (s) => serviceEndpointsOnly(storage(s), [TRAINING], { state }),
    expect: {
      status: "fail",
      findings: [
        ...unreachable(STORAGE_ID, COMPUTES, { virtualNetworkRules: [] }),
        ...reachable(ACR_ID, "private-endpoint"),
        ...vaultReached(),
      ],
    },
  })),
  {
    name: "fail: VNet rules do not apply when public network access is Disabled (and no private endpoint)",
    mutate: (s) => {
      serviceEndpointsOnly(storage(s), [TRAINING]);
      storage(s).properties.publicNetworkAccess = "Disabled";
    },
    expect: {
      status: "fail",
      findings: [
        ...unreachable(STORAGE_ID, COMPUTES, { publicNetworkAccess: "Disabled" }),
        ...reachable(ACR_ID, "private-endpoint"),
        ...vaultReached(),
      ],
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
        ...vaultReached(["cpu-build", "ci-alice"]),
        ...unreachable(KV_ID, ["gpu-train"], { computeSubnet: null }),
      ],
    },
  },
  {
    name: "fail: a compute in another, unpeered VNet",
    mutate: (s) =>
      setSubnet(
        s,
        "ci-alice",
        addVnet(s, "dev-vnet", "10.50.0.0/16", { subnet: "dev", subnetProperties: READY_SUBNET }),
      ),
    expect: {
      status: "fail",
      findings: [
        ...reachable(STORAGE_ID, "private-endpoint", ["cpu-build", "gpu-train"]),
        ...reachable(ACR_ID, "private-endpoint", ["cpu-build", "gpu-train"]),
        ...unreachable(STORAGE_ID, ["ci-alice"], {
          computeSubnet: `${vnetId("dev-vnet")}/subnets/dev`,
          computeType: "ComputeInstance",
        }),
        ...unreachable(ACR_ID, ["ci-alice"]),
        ...vaultReached(["cpu-build", "gpu-train"]),
        ...unreachable(KV_ID, ["ci-alice"]),
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
        ...perCompute(COMPUTES, STORAGE_ID, "fail", "storage-blob-endpoint-missing", {
          groupIds: ["file"],
          path: "private-endpoint",
        }),
        ...reachable(ACR_ID, "private-endpoint"),
        ...vaultReached(),
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
        ...unreachable(ACR_ID, COMPUTES, {
          privateEndpoints: [{ privateEndpoint: peId(ACR_PE), connectionState: "Approved", exists: false }],
        }),
        ...vaultReached(),
      ],
    },
  },
  {
    name: "fail (dangling-reference): the workspace's storage account returns 404",
    mutate: (s) => removeResource(s, "/storageAccounts/mlresearchstore"),
    expect: {
      status: "fail",
      findings: [
        {
          status: "fail",
          messageId: "dangling-reference",
          resourceId: STORAGE_ID,
          evidence: { part: "storage", statusCode: 404 },
        },
      ],
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
        ...perCompute(COMPUTES, STORAGE_ID, "warn", "storage-file-endpoint-missing", {
          groupIds: ["blob"],
          path: "private-endpoint",
        }),
        ...reachable(ACR_ID, "private-endpoint"),
        ...vaultReached(),
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
    expect: {
      status: "skip",
      findings: [{ status: "skip", messageId: "no-computes", resourceId: WS_ID, evidence: { computes: [] } }],
    },
  },
  {
    name: "skip: only attached computes that run in no subnet of the customer's (Databricks)",
    mutate: (s) => {
      for (const name of COMPUTES) removeResource(s, `/computes/${name}`);
      addCompute(s, "dbx", { computeType: "Databricks", provisioningState: "Succeeded", properties: {} });
    },
    expect: {
      status: "skip",
      findings: [
        { status: "skip", messageId: "no-computes", resourceId: WS_ID, evidence: { computes: [computeId("dbx")] } },
      ],
    },
  },
  {
    name: "skip: managed-network workspace (AllowInternetOutbound) whose computes have no subnet",
    mutate: (s) => {
      workspace(s).properties.managedNetwork = { isolationMode: "AllowInternetOutbound" };
      for (const name of COMPUTES) setSubnet(s, name, undefined);
    },
    expect: {
      status: "skip",
      findings: COMPUTES.map((name) => ({
        status: "skip" as const,
        messageId: "managed-network",
        resourceId: computeId(name),
        evidence: { isolationMode: "AllowInternetOutbound" },
      })),
    },
  },
];

const unknownCases: Case[] = [
  {
    name: "unknown: the compute VNet returns 403 and the private endpoints sit in another VNet (peerings unreadable)",
    mutate: (s) => {
      const endpoints = addVnet(s, "pe-vnet", "10.30.0.0/16", { subnetProperties: READY_SUBNET });
      moveEndpoints(s, endpoints, DEPENDENCY_PES);
      peer(s, "ml-vnet", vnetId("pe-vnet"), "Connected", IN_SYNC);
      fault(s, "/virtualNetworks/ml-vnet$");
    },
    expect: {
      status: "unknown",
      findings: [
        ...undetermined(STORAGE_ID, COMPUTES, {
          unreadable: [
            expect.objectContaining({
              resourceId: VNET_ID,
              statusCode: 403,
              missingPermission: "Microsoft.Network/virtualNetworks/read",
            }),
          ],
        }),
        ...undetermined(ACR_ID),
        ...undetermined(KV_ID),
      ],
    },
    also: (audit) => {
      for (const finding of audit.check(CHECK).findings)
        expect(finding.remediation).toContain("Microsoft.Network/virtualNetworks/read");
    },
  },
  {
    name: "pass, not unknown: the compute VNet returns 403 but every private endpoint sits in it",
    mutate: (s) => fault(s, "/virtualNetworks/ml-vnet$"),
    expect: {
      status: "pass",
      findings: [
        ...reachable(STORAGE_ID, "private-endpoint"),
        ...reachable(ACR_ID, "private-endpoint"),
        ...vaultReached(),
      ],
    },
  },
  {
    name: "unknown: every private endpoint read returns 403",
    mutate: (s) => fault(s, "/privateEndpoints/[^/]+$"),
    expect: {
      status: "unknown",
      findings: [
        ...undetermined(STORAGE_ID, COMPUTES, {
          unreadable: STORAGE_PES.map((name) =>
            expect.objectContaining({
              resourceId: peId(name),
              statusCode: 403,
              missingPermission: "Microsoft.Network/privateEndpoints/read",
            }),
          ),
        }),
        ...undetermined(ACR_ID, COMPUTES, {
          unreadable: [expect.objectContaining({ resourceId: peId(ACR_PE), statusCode: 403 })],
        }),
        ...undetermined(KV_ID, COMPUTES, {
          unreadable: [expect.objectContaining({ resourceId: peId(KV_PE), statusCode: 403 })],
        }),
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
          unreadable: [
            expect.objectContaining({
              resourceId: peId("pe-mlresearchstore-blob"),
              missingPermission: "Microsoft.Network/privateEndpoints/read",
            }),
          ],
        }),
        ...reachable(ACR_ID, "private-endpoint"),
        ...vaultReached(),
      ],
    },
  },
  {
    name: "unknown, not warn: the file endpoint returns 500 while the blob endpoint is reached",
    mutate: (s) => fault(s, "/privateEndpoints/pe-mlresearchstore-file$", 500, "InternalServerError"),
    expect: {
      status: "unknown",
      findings: [
        ...perCompute(COMPUTES, STORAGE_ID, "unknown", "undetermined", {
          groupIds: ["blob"],
          unreadable: [expect.objectContaining({ resourceId: peId("pe-mlresearchstore-file"), statusCode: 500 })],
        }),
        ...reachable(ACR_ID, "private-endpoint"),
        ...vaultReached(),
      ],
    },
  },
  partUnreadableCase(
    "unknown: the registry returns 403; evidence names Microsoft.ContainerRegistry/registries/read",
    "registry",
    { code: "AuthorizationFailed" },
  ),
  partUnreadableCase("unknown: the storage account returns 403", "storage"),
  partUnreadableCase("unknown: the key vault returns 403", "keyVault"),
  partUnreadableCase("unknown: the computes list returns 403", "computes"),
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
        ...vaultReached(["cpu-build", "ci-alice"]),
        ...undetermined(KV_ID, ["gpu-train"], { computeSubnet: "training" }),
      ],
    },
  },
];

// ---- a virtual-network rule admits the subnet only through its service endpoint ----------------------
// learn.microsoft.com/azure/storage/common/storage-network-security ("Grant access from a virtual network"):
// the service endpoint carries the subnet's identity; without it the account answers 403.

const serviceEndpointPassCases: Case[] = [
  {
    name: "pass: the rule names the subnet and its Microsoft.Storage endpoint serves the account's region",
    mutate: storageByRuleOnly,
    expect: {
      status: "pass",
      findings: [
        ...reachable(STORAGE_ID, "service-endpoint", COMPUTES, {
          virtualNetworkRule: TRAINING,
          requiredServiceEndpoint: ["Microsoft.Storage", "Microsoft.Storage.Global"],
          serviceEndpoints: [{ service: "Microsoft.Storage", locations: ["westeurope"] }],
        }),
        ...reachable(ACR_ID, "private-endpoint"),
        ...vaultReached(),
      ],
    },
  },
  {
    name: "pass: Microsoft.Storage.Global serves an account in another region (eastus)",
    mutate: (s) => {
      storageByRuleOnly(s);
      storage(s).location = "eastus";
      setServiceEndpoints(s, [
        { service: "Microsoft.Storage.Global", locations: ["*"], provisioningState: "Succeeded" },
      ]);
    },
    expect: {
      status: "pass",
      findings: [
        ...reachable(STORAGE_ID, "service-endpoint"),
        ...reachable(ACR_ID, "private-endpoint"),
        ...vaultReached(),
      ],
    },
  },
  {
    name: "pass: without the endpoint, an approved private endpoint in the VNet still reaches the account",
    mutate: (s) => {
      storage(s).properties.networkAcls.virtualNetworkRules = [{ id: TRAINING, action: "Allow", state: "Succeeded" }];
      storage(s).properties.publicNetworkAccess = "Enabled";
      setServiceEndpoints(s, []);
    },
    expect: {
      status: "pass",
      findings: [
        ...reachable(STORAGE_ID, "private-endpoint", COMPUTES, { virtualNetworkRule: TRAINING, serviceEndpoints: [] }),
        ...reachable(ACR_ID, "private-endpoint"),
        ...vaultReached(),
      ],
    },
  },
];

const missingEndpoint = (remediation: string, evidence: Record<string, unknown> = {}): ExpectedFinding[] =>
  COMPUTES.map((name) => ({
    status: "fail",
    messageId: "service-endpoint-missing",
    resourceId: computeId(name),
    evidence: { dependency: STORAGE_ID, path: "service-endpoint", virtualNetworkRule: TRAINING, ...evidence },
    remediation: [remediation],
  }));

const serviceEndpointFailCases: Case[] = [
  {
    name: "fail: the rule names the subnet but the subnet has no service endpoint: 403",
    mutate: (s) => {
      storageByRuleOnly(s);
      setServiceEndpoints(s, []);
    },
    expect: {
      status: "fail",
      findings: [
        ...missingEndpoint(subnetUpdate("Microsoft.Storage"), {
          serviceEndpoints: [],
          serviceEndpointGap: {
            subnetId: TRAINING,
            present: [],
            wanted: ["Microsoft.Storage"],
            add: "Microsoft.Storage",
          },
        }),
        ...reachable(ACR_ID, "private-endpoint"),
        ...vaultReached(),
      ],
    },
  },
  {
    name: "fail: the subnet's other endpoints are kept in the proposed list (--service-endpoints replaces it)",
    mutate: (s) => {
      storageByRuleOnly(s);
      setServiceEndpoints(s, [{ service: "Microsoft.KeyVault", locations: ["*"], provisioningState: "Succeeded" }]);
    },
    expect: {
      status: "fail",
      findings: [
        ...missingEndpoint(subnetUpdate("Microsoft.KeyVault Microsoft.Storage")),
        ...reachable(ACR_ID, "private-endpoint"),
        ...vaultReached(),
      ],
    },
  },
  {
    name: "fail: Microsoft.Storage serves only westeurope and the account is in eastus: Microsoft.Storage.Global replaces it",
    mutate: (s) => {
      storageByRuleOnly(s);
      storage(s).location = "eastus";
    },
    expect: {
      status: "fail",
      findings: [
        ...missingEndpoint(subnetUpdate("Microsoft.Storage.Global"), {
          serviceEndpointGap: expect.objectContaining({ add: "Microsoft.Storage.Global" }),
        }),
        ...reachable(ACR_ID, "private-endpoint"),
        ...vaultReached(),
      ],
    },
  },
  {
    name: "fail: the subnet's Microsoft.Storage endpoint is in state Failed",
    mutate: (s) => {
      storageByRuleOnly(s);
      setServiceEndpoints(s, [
        { service: "Microsoft.Storage", locations: ["westeurope"], provisioningState: "Failed" },
      ]);
    },
    expect: {
      status: "fail",
      findings: [
        ...missingEndpoint(subnetUpdate("Microsoft.Storage")),
        ...reachable(ACR_ID, "private-endpoint"),
        ...vaultReached(),
      ],
    },
  },
  {
    name: "fail: a rule in state NetworkSourceDeleted admits nothing, and the evidence says which",
    mutate: (s) => serviceEndpointsOnly(storage(s), [TRAINING], { state: "NetworkSourceDeleted" }),
    expect: {
      status: "fail",
      findings: [
        ...unreachable(STORAGE_ID, COMPUTES, {
          inactiveVirtualNetworkRules: [{ id: TRAINING, state: "NetworkSourceDeleted" }],
        }),
        ...reachable(ACR_ID, "private-endpoint"),
        ...vaultReached(),
      ],
    },
  },
];

const serviceEndpointUnknownCases: Case[] = [
  {
    name: "unknown: Microsoft.Storage names no regions and the account is in another region (the pair is not known here)",
    mutate: (s) => {
      storageByRuleOnly(s);
      storage(s).location = "northeurope";
      setServiceEndpoints(s, [{ service: "Microsoft.Storage", provisioningState: "Succeeded" }]);
    },
    expect: {
      status: "unknown",
      findings: [
        ...perCompute(COMPUTES, STORAGE_ID, "unknown", "undetermined", { path: "service-endpoint" }),
        ...reachable(ACR_ID, "private-endpoint"),
        ...vaultReached(),
      ],
    },
  },
  {
    name: "unknown: the compute VNet returns 403, so the subnet's service endpoints cannot be read",
    mutate: (s) => {
      storageByRuleOnly(s);
      fault(s, "/virtualNetworks/ml-vnet$");
    },
    expect: {
      status: "unknown",
      findings: [
        ...perCompute(COMPUTES, STORAGE_ID, "unknown", "undetermined", {
          path: "service-endpoint",
          unreadable: [
            expect.objectContaining({
              resourceId: VNET_ID,
              missingPermission: "Microsoft.Network/virtualNetworks/read",
            }),
          ],
        }),
        ...reachable(ACR_ID, "private-endpoint"),
        ...vaultReached(),
      ],
    },
  },
];

// ---- the key vault: compute reads its datastores' secrets there ----------------------------------------
// learn.microsoft.com/azure/machine-learning/how-to-identity-based-service-authentication: "The Azure Machine
// Learning compute cluster uses a managed identity to retrieve connection information for datastores from
// Azure Key Vault". learn.microsoft.com/azure/key-vault/general/overview-vnet-service-endpoints: "Any user
// connecting to your key vault from outside those sources is denied access"; key-vault/general/network-security:
// enable Microsoft.KeyVault on the subnet, then add the rule. A rule made with ignoreMissingVnetServiceEndpoint
// exists without the endpoint and admits nothing until the subnet has it.

/** Public Enabled, default Deny, a rule for the training subnet made without its endpoint; no private endpoint. */
function vaultByRuleOnly(s: Scenario): void {
  const vault = keyVault(s);
  vault.properties.publicNetworkAccess = "Enabled";
  vault.properties.networkAcls = {
    bypass: "AzureServices",
    defaultAction: "Deny",
    ipRules: [],
    virtualNetworkRules: [{ id: TRAINING, ignoreMissingVnetServiceEndpoint: true }],
  };
  vault.properties.privateEndpointConnections = [];
}

/** Storage and registry as in the healthy workspace: through their private endpoints in ml-vnet. */
const othersReached = () => [...reachable(STORAGE_ID, "private-endpoint"), ...reachable(ACR_ID, "private-endpoint")];

const keyVaultCases: Case[] = [
  {
    name: "fail: the vault's rule names the subnet (ignoreMissingVnetServiceEndpoint), but the subnet has no Microsoft.KeyVault endpoint",
    mutate: vaultByRuleOnly,
    expect: {
      status: "fail",
      findings: [
        ...othersReached(),
        ...COMPUTES.map((name): ExpectedFinding => ({
          status: "fail",
          messageId: "service-endpoint-missing",
          resourceId: computeId(name),
          evidence: {
            dependency: KV_ID,
            path: "service-endpoint",
            virtualNetworkRule: TRAINING,
            requiredServiceEndpoint: ["Microsoft.KeyVault"],
            serviceEndpointGap: {
              subnetId: TRAINING,
              present: ["Microsoft.Storage"],
              wanted: ["Microsoft.Storage", "Microsoft.KeyVault"],
              add: "Microsoft.KeyVault",
            },
          },
          remediation: [subnetUpdate("Microsoft.Storage Microsoft.KeyVault")],
        })),
      ],
    },
  },
  {
    name: "pass: the vault's rule names the subnet and the subnet has a Microsoft.KeyVault service endpoint",
    mutate: (s) => {
      vaultByRuleOnly(s);
      setServiceEndpoints(s, [
        { service: "Microsoft.Storage", locations: ["westeurope"], provisioningState: "Succeeded" },
        { service: "Microsoft.KeyVault", locations: ["*"], provisioningState: "Succeeded" },
      ]);
    },
    expect: {
      status: "pass",
      findings: [
        ...othersReached(),
        ...reachable(KV_ID, "service-endpoint", COMPUTES, {
          virtualNetworkRule: TRAINING,
          requiredServiceEndpoint: ["Microsoft.KeyVault"],
        }),
      ],
    },
  },
  {
    name: "fail: public Enabled, default Deny, no rule for the subnet and no private endpoint: the vault denies it",
    mutate: (s) => {
      vaultByRuleOnly(s);
      keyVault(s).properties.networkAcls.virtualNetworkRules = [];
    },
    expect: {
      status: "fail",
      findings: [...othersReached(), ...unreachable(KV_ID, COMPUTES, { virtualNetworkRules: [] })],
    },
  },
  {
    name: "fail: public access Disabled and no private endpoint: the rule for the subnet does not apply",
    mutate: (s) => {
      vaultByRuleOnly(s);
      keyVault(s).properties.publicNetworkAccess = "Disabled";
    },
    expect: {
      status: "fail",
      findings: [...othersReached(), ...unreachable(KV_ID, COMPUTES, { publicNetworkAccess: "Disabled" })],
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
  {
    name: "unknown: the vault's private endpoint returns 403, and nothing else admits the subnet",
    mutate: (s) => fault(s, `/privateEndpoints/${KV_PE}$`),
    expect: {
      status: "unknown",
      findings: [
        ...othersReached(),
        ...undetermined(KV_ID, COMPUTES, {
          unreadable: [
            expect.objectContaining({
              resourceId: peId(KV_PE),
              missingPermission: "Microsoft.Network/privateEndpoints/read",
            }),
          ],
        }),
      ],
    },
  },
  {
    name: "unknown: the vault's rule names the subnet, but the compute VNet returns 403 (its service endpoints unread)",
    mutate: (s) => {
      vaultByRuleOnly(s);
      fault(s, "/virtualNetworks/ml-vnet$");
    },
    expect: {
      status: "unknown",
      findings: [
        ...othersReached(),
        ...perCompute(COMPUTES, KV_ID, "unknown", "undetermined", { path: "service-endpoint" }),
      ],
    },
  },
];

describe(CHECK, () => {
  testCaseTables(CHECK, [
    ["pass", [...passCases, ...serviceEndpointPassCases]],
    ["fail", [...failCases, ...serviceEndpointFailCases]],
    ["warn", warnCases],
    ["skip", skipCases],
    ["unknown", [...unknownCases, ...serviceEndpointUnknownCases]],
    ["key vault", keyVaultCases],
  ]);

  test("reads only what it requires: no keys, no NSGs, no endpoint types, no writes", async () => {
    await expectReadsOnlyWhatItRequires(
      CHECK,
      /networkSecurityGroups|availablePrivateEndpointTypes|listKeys|listCredentials/i,
    );
  });

  test("the registry 403 is reported in the collection errors with its permission", async () => {
    const s = healthyScenario();
    fault(s, "/registries/mlresearchacr$");
    const audit = await auditScenario(s, { only: [CHECK] });
    expect(audit.report.collection.errors).toEqual([
      expect.objectContaining({
        resourceId: ACR_ID,
        operation: "registry get",
        statusCode: 403,
        permission: "Microsoft.ContainerRegistry/registries/read",
      }),
    ]);
  });
});

// acr-vnet-image-build: when the registry or storage is network-restricted, imageBuildCompute must
// name an existing, healthy, CPU AmlCompute cluster that reaches both. Each case is the healthy
// workspace (ARM wire format) with one thing changed, named for its verdict.

import { describe, expect, test } from "vitest";
import type { Scenario } from "../fake-arm/scenario.js";
import { HEALTHY, removeResource } from "../harness.js";
import {
  ACR_ID,
  STORAGE_ID,
  TRAINING,
  VNET_ID,
  WS_ID,
  addCompute,
  addVnet,
  compute,
  computeId,
  expectReadsOnlyWhatItRequires,
  fault,
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
} from "./mutations.js";

const CHECK = "acr-vnet-image-build";

const BUILD = computeId("cpu-build");
const ACR_PE = "pe-mlresearchacr";
const ALL_PES = ["pe-mlresearchstore-blob", "pe-mlresearchstore-file", ACR_PE];

// ---- scenario mutations (ARM wire format) -------------------------------------------------------

function setImageBuildCompute(s: Scenario, name: string | undefined): void {
  if (name === undefined) delete workspace(s).properties.imageBuildCompute;
  else workspace(s).properties.imageBuildCompute = name;
}

/** The workspace isolates its computes in a managed network; its computes get no subnet there. */
function managedNetwork(s: Scenario, ...computes: string[]): void {
  workspace(s).properties.managedNetwork = { isolationMode: "AllowOnlyApprovedOutbound" };
  for (const name of computes) setSubnet(s, name, undefined);
}

// ---- expectations ---------------------------------------------------------------------------------

const restricted = (id: string) => expect.objectContaining({ id, restricted: true });
const open = (id: string) => expect.objectContaining({ id, restricted: false });
const FIX = ["az ml workspace update", "--image-build-compute", `-n ${HEALTHY.workspace} -g ${HEALTHY.resourceGroup}`];

const ready = (evidence: Record<string, unknown> = {}): ExpectedFinding => ({
  status: "pass",
  messageId: "image-build-compute-ready",
  resourceId: BUILD,
  evidence: {
    imageBuildCompute: "cpu-build",
    compute: BUILD,
    computeType: "AmlCompute",
    provisioningState: "Succeeded",
    vmSize: "Standard_DS3_v2",
    ...evidence,
  },
});

const unreachableFrom = (
  computeName: string,
  dependency: string,
  evidence: Record<string, unknown> = {},
): ExpectedFinding => ({
  status: "fail",
  messageId: "image-build-compute-unreachable",
  resourceId: computeId(computeName),
  evidence: { imageBuildCompute: computeName, dependency, path: "none", ...evidence },
  remediation: ["az ml workspace update", "--image-build-compute"],
});

const undeterminedFor = (dependency: string, evidence: Record<string, unknown> = {}): ExpectedFinding => ({
  status: "unknown",
  messageId: "image-build-compute-undetermined",
  resourceId: BUILD,
  evidence: { imageBuildCompute: "cpu-build", dependency, path: "none", ...evidence },
});

// ---- cases ----------------------------------------------------------------------------------------

const passCases: Case[] = [
  {
    name: "pass: nothing restricted, so the serverless image build works",
    mutate: (s) => {
      makePublic(storage(s));
      makePublic(registry(s));
      setImageBuildCompute(s, undefined);
    },
    expect: {
      status: "pass",
      findings: [
        {
          status: "pass",
          messageId: "serverless-build-works",
          resourceId: WS_ID,
          evidence: { "container registry": open(ACR_ID), "storage account": open(STORAGE_ID) },
        },
      ],
    },
  },
  {
    name: "pass: healthy, imageBuildCompute cpu-build is a CPU cluster that reaches registry and storage",
    expect: {
      status: "pass",
      findings: [ready({ "container registry": restricted(ACR_ID), "storage account": restricted(STORAGE_ID) })],
    },
  },
  {
    name: "pass: imageBuildCompute names the cluster in other letter case",
    mutate: (s) => setImageBuildCompute(s, "CPU-Build"),
    expect: { status: "pass", findings: [ready({ imageBuildCompute: "CPU-Build" })] },
  },
  {
    name: "pass: the build cluster reaches both through service endpoints on its subnet",
    mutate: (s) => {
      serviceEndpointsOnly(storage(s), [TRAINING]);
      serviceEndpointsOnly(registry(s), [TRAINING]);
    },
    expect: { status: "pass", findings: [ready()] },
  },
  {
    name: "pass: the build cluster reaches private endpoints in a VNet peered Connected",
    mutate: (s) => {
      const endpoints = addVnet(s, "pe-vnet", "10.30.0.0/16");
      moveEndpoints(s, endpoints, ALL_PES);
      peer(s, "ml-vnet", vnetId("pe-vnet"), "Connected");
    },
    expect: { status: "pass", findings: [ready()] },
  },
  {
    name: "pass: only the registry restricted and reached; storage public is not judged",
    mutate: (s) => makePublic(storage(s)),
    expect: {
      status: "pass",
      findings: [ready({ "storage account": open(STORAGE_ID), "container registry": restricted(ACR_ID) })],
    },
  },
  {
    name: "pass: no containerRegistry yet (created on first build) and storage public: serverless build",
    mutate: (s) => {
      delete workspace(s).properties.containerRegistry;
      removeResource(s, "/registries/mlresearchacr");
      makePublic(storage(s));
      setImageBuildCompute(s, undefined);
    },
    expect: {
      status: "pass",
      findings: [
        {
          status: "pass",
          messageId: "serverless-build-works",
          resourceId: WS_ID,
          evidence: { "storage account": open(STORAGE_ID) },
        },
      ],
    },
  },
  {
    name: "pass: managed-network workspace whose build cluster has no subnet (it runs in the managed network)",
    mutate: (s) => managedNetwork(s, "cpu-build"),
    expect: { status: "pass", findings: [ready()] },
  },
  {
    // learn.microsoft.com/azure/machine-learning/how-to-managed-network ("Configure image builds") and
    // how-to-secure-online-endpoint: "use a compute cluster or compute instance to build images".
    name: "pass: managed network, imageBuildCompute a compute instance (how-to-managed-network: cluster or instance)",
    mutate: (s) => {
      managedNetwork(s, "ci-alice");
      setImageBuildCompute(s, "ci-alice");
    },
    expect: {
      status: "pass",
      findings: [
        {
          status: "pass",
          messageId: "image-build-compute-ready",
          resourceId: computeId("ci-alice"),
          evidence: { imageBuildCompute: "ci-alice", computeType: "ComputeInstance", vmSize: "Standard_DS11_v2" },
        },
      ],
    },
    also: (audit) => expect(audit.check(CHECK).findings[0]!.message).toContain("CPU compute instance"),
  },
];

const failCases: Case[] = [
  {
    name: "fail: imageBuildCompute unset while the registry is restricted (storage public)",
    mutate: (s) => {
      setImageBuildCompute(s, undefined);
      makePublic(storage(s));
    },
    expect: {
      status: "fail",
      findings: [
        {
          status: "fail",
          messageId: "image-build-compute-unset",
          resourceId: WS_ID,
          evidence: {
            imageBuildCompute: null,
            "container registry": restricted(ACR_ID),
            "storage account": open(STORAGE_ID),
          },
          remediation: FIX,
        },
      ],
    },
  },
  {
    name: "fail: imageBuildCompute unset while only storage is restricted (default Deny)",
    mutate: (s) => {
      setImageBuildCompute(s, undefined);
      makePublic(registry(s));
      storage(s).properties.publicNetworkAccess = "Enabled";
    },
    expect: {
      status: "fail",
      findings: [
        {
          status: "fail",
          messageId: "image-build-compute-unset",
          resourceId: WS_ID,
          evidence: {
            imageBuildCompute: null,
            "container registry": open(ACR_ID),
            "storage account": expect.objectContaining({
              id: STORAGE_ID,
              restricted: true,
              publicNetworkAccess: "Enabled",
              defaultAction: "Deny",
            }),
          },
          remediation: FIX,
        },
      ],
    },
  },
  {
    // A Foundry hub sets the image-build compute for its projects (concept-hub-workspace): the message names it.
    name: "fail: a Foundry hub (kind Hub) without imageBuildCompute: the message names the hub, not 'the workspace'",
    mutate: (s) => {
      workspace(s).kind = "Hub";
      setImageBuildCompute(s, undefined);
    },
    expect: {
      status: "fail",
      findings: [{ status: "fail", messageId: "image-build-compute-unset", resourceId: WS_ID, remediation: FIX }],
    },
    also: (audit) =>
      expect(audit.check(CHECK).findings[0]!.message).toContain(
        `but the hub ${HEALTHY.workspace} has no imageBuildCompute`,
      ),
  },
  {
    name: "fail: imageBuildCompute set to blank is unset",
    mutate: (s) => setImageBuildCompute(s, "  "),
    expect: {
      status: "fail",
      findings: [
        {
          status: "fail",
          messageId: "image-build-compute-unset",
          evidence: { imageBuildCompute: null },
          remediation: FIX,
        },
      ],
    },
  },
  {
    name: "fail: imageBuildCompute names a compute that does not exist",
    mutate: (s) => setImageBuildCompute(s, "cpu-builder"),
    expect: {
      status: "fail",
      findings: [
        {
          status: "fail",
          messageId: "image-build-compute-missing",
          resourceId: WS_ID,
          evidence: {
            imageBuildCompute: "cpu-builder",
            computes: expect.arrayContaining(["cpu-build", "gpu-train", "ci-alice"]),
          },
          remediation: [
            `az ml compute create -n cpu-builder --type amlcompute --size Standard_DS3_v2 -w ${HEALTHY.workspace} -g ${HEALTHY.resourceGroup} --subscription ${HEALTHY.subscriptionId} --vnet-name <vnet> --subnet <subnet>`,
            `az ml workspace update -n ${HEALTHY.workspace} -g ${HEALTHY.resourceGroup} --subscription ${HEALTHY.subscriptionId} --image-build-compute cpu-builder`,
          ],
        },
      ],
    },
    also: (audit) =>
      expect(audit.check(CHECK).findings[0]!.message).toBe(
        'The imageBuildCompute of the workspace names "cpu-builder", which is not one of its computes.',
      ),
  },
  {
    // how-to-managed-network ("Configure image builds"): "configure your workspace to use a compute cluster or
    // compute instance to build images"; the managed network places the cluster, so no VNet is named.
    name: "fail: under a managed network, imageBuildCompute names a missing compute; the fix creates it with no VNet",
    mutate: (s) => {
      managedNetwork(s, "cpu-build", "gpu-train", "ci-alice");
      setImageBuildCompute(s, "cpu-builder");
    },
    expect: {
      status: "fail",
      findings: [
        {
          status: "fail",
          messageId: "image-build-compute-missing",
          resourceId: WS_ID,
          evidence: { imageBuildCompute: "cpu-builder", managedNetwork: true },
          remediation: [
            `az ml compute create -n cpu-builder --type amlcompute --size Standard_DS3_v2 -w ${HEALTHY.workspace} -g ${HEALTHY.resourceGroup} --subscription ${HEALTHY.subscriptionId};`,
            `az ml workspace update -n ${HEALTHY.workspace} -g ${HEALTHY.resourceGroup} --subscription ${HEALTHY.subscriptionId} --image-build-compute cpu-builder`,
          ],
        },
      ],
    },
    also: (audit) => expect(audit.check(CHECK).findings[0]!.remediation).not.toContain("--vnet-name"),
  },
  {
    // learn.microsoft.com/azure/machine-learning/how-to-secure-workspace-vnet ("Enable Azure Container Registry"):
    // with the customer's own VNet, "create an Azure Machine Learning CPU SKU compute cluster".
    name: "fail: imageBuildCompute is a ComputeInstance in a workspace on its own VNet (how-to-secure-workspace-vnet)",
    mutate: (s) => setImageBuildCompute(s, "ci-alice"),
    expect: {
      status: "fail",
      findings: [
        {
          status: "fail",
          messageId: "image-build-compute-wrong-type",
          resourceId: computeId("ci-alice"),
          evidence: {
            imageBuildCompute: "ci-alice",
            computeType: "ComputeInstance",
            vmSize: "Standard_DS11_v2",
            managedNetwork: false,
            allowedComputeTypes: ["AmlCompute"],
          },
          remediation: FIX,
        },
      ],
    },
  },
  {
    name: "fail: managed network, imageBuildCompute an attached Kubernetes compute (neither cluster nor instance)",
    mutate: (s) => {
      managedNetwork(s);
      addCompute(s, "k8s-infer", {
        computeType: "Kubernetes",
        provisioningState: "Succeeded",
        properties: { namespace: "azureml" },
      });
      setImageBuildCompute(s, "k8s-infer");
    },
    expect: {
      status: "fail",
      findings: [
        {
          status: "fail",
          messageId: "image-build-compute-wrong-type",
          resourceId: computeId("k8s-infer"),
          evidence: {
            computeType: "Kubernetes",
            managedNetwork: true,
            allowedComputeTypes: ["AmlCompute", "ComputeInstance"],
          },
          remediation: FIX,
        },
      ],
    },
  },
  {
    name: "fail: managed network, imageBuildCompute a GPU compute instance (only a CPU SKU is supported)",
    mutate: (s) => {
      managedNetwork(s, "ci-alice");
      compute(s, "ci-alice").properties.properties.vmSize = "Standard_NC4as_T4_v3";
      setImageBuildCompute(s, "ci-alice");
    },
    expect: {
      status: "fail",
      findings: [
        {
          status: "fail",
          messageId: "image-build-compute-gpu",
          resourceId: computeId("ci-alice"),
          evidence: { computeType: "ComputeInstance", vmSize: "Standard_NC4as_T4_v3" },
          remediation: FIX,
        },
      ],
    },
  },
  ...["Failed", "Creating"].map((state): Case => ({
    name: `fail: the build cluster's provisioningState is ${state}`,
    mutate: (s) => {
      compute(s, "cpu-build").properties.provisioningState = state;
    },
    expect: {
      status: "fail",
      findings: [
        {
          status: "fail",
          messageId: "image-build-compute-not-ready",
          resourceId: BUILD,
          evidence: { imageBuildCompute: "cpu-build", provisioningState: state },
          remediation: ["--image-build-compute"],
        },
      ],
    },
  })),
  {
    name: "fail: the build cluster is a GPU size (Standard_NC6s_v3)",
    mutate: (s) => setImageBuildCompute(s, "gpu-train"),
    expect: {
      status: "fail",
      findings: [
        {
          status: "fail",
          messageId: "image-build-compute-gpu",
          resourceId: computeId("gpu-train"),
          evidence: { imageBuildCompute: "gpu-train", computeType: "AmlCompute", vmSize: "Standard_NC6s_v3" },
          remediation: FIX,
        },
      ],
    },
  },
  {
    name: "fail: the build cluster sits in a different, unpeered VNet (reaches neither)",
    mutate: (s) => setSubnet(s, "cpu-build", addVnet(s, "build-vnet", "10.60.0.0/16", { subnet: "build" })),
    expect: {
      status: "fail",
      findings: [
        unreachableFrom("cpu-build", ACR_ID, {
          computeSubnet: `${vnetId("build-vnet")}/subnets/build`,
          vmSize: "Standard_DS3_v2",
        }),
        unreachableFrom("cpu-build", STORAGE_ID, { computeSubnet: `${vnetId("build-vnet")}/subnets/build` }),
      ],
    },
  },
  {
    name: "fail: the build cluster's VNet peering to the endpoints' VNet is Disconnected",
    mutate: (s) => {
      const endpoints = addVnet(s, "pe-vnet", "10.30.0.0/16");
      moveEndpoints(s, endpoints, ALL_PES);
      peer(s, "ml-vnet", vnetId("pe-vnet"), "Disconnected");
    },
    expect: {
      status: "fail",
      findings: [unreachableFrom("cpu-build", ACR_ID), unreachableFrom("cpu-build", STORAGE_ID)],
    },
  },
  {
    name: "fail: the registry's private endpoint connection is Pending",
    mutate: (s) => {
      registry(s).properties.privateEndpointConnections[0].properties.privateLinkServiceConnectionState.status =
        "Pending";
    },
    expect: {
      status: "fail",
      findings: [
        unreachableFrom("cpu-build", ACR_ID, {
          privateEndpoints: [{ privateEndpoint: peId(ACR_PE), connectionState: "Pending" }],
        }),
      ],
    },
  },
  {
    name: "fail: the registry's private endpoint no longer exists (404)",
    mutate: (s) => removeResource(s, `/privateEndpoints/${ACR_PE}`),
    expect: {
      status: "fail",
      findings: [
        unreachableFrom("cpu-build", ACR_ID, {
          privateEndpoints: [expect.objectContaining({ privateEndpoint: peId(ACR_PE), exists: false })],
        }),
      ],
    },
  },
  {
    name: "fail: the build cluster has no subnet in a workspace without a managed network",
    mutate: (s) => setSubnet(s, "cpu-build", undefined),
    expect: {
      status: "fail",
      findings: [
        unreachableFrom("cpu-build", ACR_ID, { computeSubnet: null }),
        unreachableFrom("cpu-build", STORAGE_ID, { computeSubnet: null }),
      ],
    },
  },
  {
    name: "fail: every problem is reported, GPU, not ready and unreachable together",
    mutate: (s) => {
      setImageBuildCompute(s, "gpu-train");
      compute(s, "gpu-train").properties.provisioningState = "Failed";
      setSubnet(s, "gpu-train", addVnet(s, "gpu-vnet", "10.70.0.0/16", { subnet: "gpu" }));
    },
    expect: {
      status: "fail",
      findings: [
        { status: "fail", messageId: "image-build-compute-gpu", evidence: { vmSize: "Standard_NC6s_v3" } },
        { status: "fail", messageId: "image-build-compute-not-ready", evidence: { provisioningState: "Failed" } },
        unreachableFrom("gpu-train", ACR_ID),
        unreachableFrom("gpu-train", STORAGE_ID),
      ],
    },
  },
  {
    name: "fail (dangling-reference): the workspace's registry returns 404",
    mutate: (s) => removeResource(s, "/registries/mlresearchacr"),
    expect: {
      status: "fail",
      findings: [
        {
          status: "fail",
          messageId: "dangling-reference",
          resourceId: ACR_ID,
          evidence: { part: "registry", statusCode: 404 },
        },
      ],
    },
  },
];

const unknownCases: Case[] = [
  {
    name: "unknown: ARM returned no provisioningState for the build cluster (not a guessed fail)",
    mutate: (s) => {
      delete compute(s, "cpu-build").properties.provisioningState;
    },
    expect: {
      status: "unknown",
      findings: [
        {
          status: "unknown",
          messageId: "image-build-compute-state-unknown",
          resourceId: BUILD,
          evidence: { imageBuildCompute: "cpu-build", provisioningState: null },
          remediation: ["az ml compute show -n cpu-build"],
        },
      ],
    },
  },
  {
    name: "unknown: ARM returned no vmSize for the build cluster, so whether it is a CPU SKU cannot be told",
    mutate: (s) => {
      delete compute(s, "cpu-build").properties.properties.vmSize;
    },
    expect: {
      status: "unknown",
      findings: [
        {
          status: "unknown",
          messageId: "image-build-compute-state-unknown",
          resourceId: BUILD,
          evidence: { imageBuildCompute: "cpu-build", vmSize: null },
          remediation: ["az ml compute show -n cpu-build"],
        },
      ],
    },
  },
  {
    name: "unknown: ARM returned no computeType for the build cluster",
    mutate: (s) => {
      delete compute(s, "cpu-build").properties.computeType;
    },
    expect: {
      status: "unknown",
      findings: [
        {
          status: "unknown",
          messageId: "image-build-compute-state-unknown",
          resourceId: BUILD,
          evidence: { imageBuildCompute: "cpu-build", computeType: "" },
        },
      ],
    },
  },
  partUnreadableCase("unknown: the computes list returns 403", "computes", { operation: "computes list" }),
  {
    name: "unknown: private endpoint reads return 403, so reachability is undeterminable",
    mutate: (s) => fault(s, "/privateEndpoints/[^/]+$"),
    expect: {
      status: "unknown",
      findings: [
        {
          ...undeterminedFor(ACR_ID, {
            unreadable: [
              expect.objectContaining({
                resourceId: peId(ACR_PE),
                missingPermission: "Microsoft.Network/privateEndpoints/read",
              }),
            ],
          }),
          remediation: ["Microsoft.Network/privateEndpoints/read", peId(ACR_PE)],
        },
        undeterminedFor(STORAGE_ID),
      ],
    },
  },
  {
    name: "unknown: the build cluster's VNet returns 403 and the endpoints sit in another VNet",
    mutate: (s) => {
      const endpoints = addVnet(s, "pe-vnet", "10.30.0.0/16");
      moveEndpoints(s, endpoints, ALL_PES);
      peer(s, "ml-vnet", vnetId("pe-vnet"), "Connected");
      fault(s, "/virtualNetworks/ml-vnet$");
    },
    expect: {
      status: "unknown",
      findings: [
        undeterminedFor(ACR_ID, {
          unreadable: [
            expect.objectContaining({
              resourceId: VNET_ID,
              missingPermission: "Microsoft.Network/virtualNetworks/read",
            }),
          ],
        }),
        undeterminedFor(STORAGE_ID),
      ],
    },
  },
  partUnreadableCase("unknown: the registry returns 403", "registry"),
  partUnreadableCase("unknown: the storage account returns 403", "storage"),
];

describe(CHECK, () => {
  testCaseTables(CHECK, [
    ["pass", passCases],
    ["fail", failCases],
    ["unknown", unknownCases],
  ]);

  test("reads only what it requires: no keys, NSGs or endpoint types, and no writes", async () => {
    await expectReadsOnlyWhatItRequires(
      CHECK,
      /networkSecurityGroups|availablePrivateEndpointTypes|listKeys|listCredentials|\/vaults\//i,
    );
  });
});
